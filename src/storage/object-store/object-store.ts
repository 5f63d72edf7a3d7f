import type { IoOptions } from '../../core/index.js'

/** Inclusive start, exclusive end byte range. */
export interface ByteRange {
  readonly start: number
  readonly end?: number
}

export interface ObjectInfo {
  /** Full location, e.g. `file:///abs/path/x.parquet` or `s3://bucket/key`. */
  readonly location: string
  readonly size: number
  readonly lastModified: Date
}

export interface PutOptions extends IoOptions {
  /** Fail with COMMIT_CONFLICT if the object already exists (atomic create where the store supports it). */
  readonly ifNoneMatch?: boolean
  readonly contentType?: string
}

/**
 * Iceberg's FileIO: objects addressed by full location URIs, as Iceberg metadata stores them.
 * Implementations: LocalObjectStore (`file://` and absolute paths) and S3ObjectStore (`s3://`, `s3a://`, `s3n://`).
 * Errors: FILE_NOT_FOUND for a missing object, STORAGE_ERROR for anything else the store reports.
 */
export interface ObjectStore {
  readonly kind: 'local' | 's3'
  /** The warehouse root location new tables are created under (no trailing slash). */
  readonly root: string
  /** Whether this store can serve `location` (scheme and, for S3, any bucket). */
  handles(location: string): boolean
  get(location: string, range?: ByteRange, opts?: IoOptions): Promise<Uint8Array>
  head(location: string, opts?: IoOptions): Promise<ObjectInfo | undefined>
  put(location: string, body: Uint8Array, opts?: PutOptions): Promise<void>
  /** Uploads a local file (written by DuckDB) to `location`; the local file is left in place. */
  putFile(location: string, localPath: string, opts?: PutOptions): Promise<void>
  delete(location: string, opts?: IoOptions): Promise<void>
  /** Every object whose location starts with `prefix`, recursively. */
  list(prefix: string, opts?: IoOptions): AsyncIterable<ObjectInfo>
  /**
   * A path on the local disk holding the object's bytes, that DuckDB can read directly.
   * Local store: the file itself. S3: a file in the cache under AKKO_HOME (objects are immutable).
   */
  localPath(location: string, opts?: IoOptions): Promise<string>
  /** A local scratch directory for files about to be uploaded (DuckDB writes here first). */
  scratchDir(): string
  close(): Promise<void>
}
