import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { AkkoError, paginate, type IoOptions, type S3Config } from '../../core/index.js'
import { byteRangeResolve, byteRangeValidate } from './byte-range.js'
import { locationIsS3, locationNormalize, locationParse } from './location.js'
import type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from './object-store.js'
import { s3ErrorMap, s3IsNotFound, s3Status, type S3Target } from './s3-errors.js'
import { storeCancelled, storeCheckAbort, storeConflict, storeNotFound } from './store-errors.js'

type S3Sdk = typeof import('@aws-sdk/client-s3')

/** Options of an S3ObjectStore. */
export interface S3ObjectStoreOptions {
  /** Warehouse root, `s3://bucket/prefix` (s3a:// and s3n:// are accepted and normalized). */
  readonly root: string
  readonly s3: S3Config
  /** Where `localPath` keeps downloaded objects (`<home>/cache/s3`). */
  readonly cacheDir: string
  /** Where DuckDB writes files before they are uploaded (`<home>/tmp`). */
  readonly scratchDir: string
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000); smaller values exercise paging. */
  readonly listPageSize?: number
}

/**
 * Iceberg FileIO on S3 or an S3-compatible server (MinIO, SeaweedFS, Ceph, s3rver). Serves any
 * bucket, not only the warehouse's, so tables registered from other buckets can be read, under any
 * of the `s3://`, `s3a://` and `s3n://` schemes.
 *
 * Conditional create (`ifNoneMatch`) first checks that the object is absent, then sends
 * `If-None-Match: *`, which AWS S3 and MinIO enforce atomically (a lost race answers 412 and becomes
 * COMMIT_CONFLICT). Servers that ignore the header (s3rver, older SeaweedFS and Ceph) still reject
 * a create of an existing object, but two writers racing within the same instant may both succeed
 * there: the create is not atomic on such servers.
 *
 * The AWS SDK is imported on first use, so a platform with a local warehouse never loads it.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const
  readonly root: string
  readonly #opts: S3ObjectStoreOptions
  #sdk?: Promise<{ sdk: S3Sdk; client: S3Client }>
  readonly #downloads = new Map<string, Promise<string>>()

  constructor(opts: S3ObjectStoreOptions) {
    const parsed = locationParse(opts.root)
    if (parsed.scheme !== 's3') {
      throw new AkkoError('INVALID_CONFIG', `An S3 object store needs an s3://bucket/prefix root, got ${opts.root}`, { root: opts.root })
    }
    this.root = locationNormalize(opts.root).replace(/\/+$/, '')
    this.#opts = opts
  }

  handles(location: string): boolean {
    return locationIsS3(location)
  }

  async get(location: string, range?: ByteRange, opts: IoOptions = {}): Promise<Uint8Array> {
    const t = this.#target(location, 'read')
    byteRangeValidate(location, range)
    // An empty range or one starting at the end cannot be sent as an HTTP Range: answer from a HEAD.
    if (range && range.end === range.start) return this.#emptyRead(t, range, opts)
    const { sdk, client } = await this.#client()
    try {
      const res = await client.send(
        new sdk.GetObjectCommand({ Bucket: t.bucket, Key: t.key, Range: range ? httpRange(range) : undefined }),
        { abortSignal: opts.signal },
      )
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array()
    } catch (e) {
      if (range && s3Status(e) === 416) return this.#emptyRead(t, range, opts)
      throw this.#error(t, e)
    }
  }

  async head(location: string, opts: IoOptions = {}): Promise<ObjectInfo | undefined> {
    const t = this.#target(location, 'head')
    const { sdk, client } = await this.#client()
    try {
      const res = await client.send(new sdk.HeadObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: opts.signal })
      return { location: t.location, size: res.ContentLength ?? 0, lastModified: res.LastModified ?? new Date(0) }
    } catch (e) {
      if (s3IsNotFound(e)) return undefined
      throw this.#error(t, e)
    }
  }

  async put(location: string, body: Uint8Array, opts: PutOptions = {}): Promise<void> {
    await this.#put(this.#target(location, 'write'), body, body.byteLength, opts)
  }

  async putFile(location: string, localPath: string, opts: PutOptions = {}): Promise<void> {
    const t = this.#target(location, 'upload')
    const st = await stat(localPath).catch(() => undefined)
    if (!st) throw new AkkoError('FILE_NOT_FOUND', `Local file to upload not found: ${localPath}`, { localPath, location })
    if (!st.isFile()) throw new AkkoError('INVALID_ARGUMENT', `Cannot upload ${localPath}: it is not a regular file`, { localPath, location })
    // A fresh stream per attempt would be needed for SDK retries of a streamed body; a single
    // PutObject with a known length streams the file without holding it in memory.
    await this.#put(t, () => createReadStream(localPath), st.size, opts)
  }

  async delete(location: string, opts: IoOptions = {}): Promise<void> {
    const t = this.#target(location, 'delete')
    const { sdk, client } = await this.#client()
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: opts.signal })
    } catch (e) {
      if (s3IsNotFound(e) && (e as { name?: string }).name !== 'NoSuchBucket') return
      throw this.#error(t, e)
    }
  }

  /**
   * Objects under the folder `prefix` (a trailing slash is optional), recursively, in key order.
   * `list('s3://b/a/b')` lists keys starting `a/b/`, never `a/bc/…` nor the key `a/b` itself;
   * `s3://b` (or `s3://b/`) lists the whole bucket. Pages through ListObjectsV2.
   */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    const t = this.#target(prefix, 'list')
    const folder = t.key.replace(/\/+$/, '')
    const keyPrefix = folder === '' ? '' : `${folder}/`
    const { sdk, client } = await this.#client()
    yield* paginate<ObjectInfo>(async (token, o) => {
      try {
        const res = await client.send(
          new sdk.ListObjectsV2Command({ Bucket: t.bucket, Prefix: keyPrefix, ContinuationToken: token, MaxKeys: this.#opts.listPageSize }),
          { abortSignal: o.signal },
        )
        const items = (res.Contents ?? []).flatMap((c) =>
          c.Key === undefined ? [] : [{ location: `s3://${t.bucket}/${c.Key}`, size: c.Size ?? 0, lastModified: c.LastModified ?? new Date(0) }],
        )
        return { items, next: res.IsTruncated ? res.NextContinuationToken : undefined }
      } catch (e) {
        throw this.#error(t, e)
      }
    }, opts)
  }

  /**
   * Downloads the object once into the cache and returns the cached file. Iceberg files are never
   * rewritten under the same name, so a cached copy stays valid. The download goes to a temporary
   * name and is renamed when complete, so a crash never leaves a truncated file that looks cached;
   * concurrent calls for the same location share one download.
   */
  async localPath(location: string, opts: IoOptions = {}): Promise<string> {
    const t = this.#target(location, 'download')
    storeCheckAbort(opts.signal, location, 'Download')
    const file = join(this.#opts.cacheDir, cacheName(t.location))
    if (await stat(file).then((s) => s.isFile(), () => false)) return file
    let download = this.#downloads.get(file)
    if (!download) {
      // Not tied to one caller's signal: other callers may be waiting for the same file.
      download = this.#download(t, file).finally(() => this.#downloads.delete(file))
      this.#downloads.set(file, download)
    }
    return raceAbort(download, opts.signal, () => storeCancelled(location, 'Download'))
  }

  scratchDir(): string {
    mkdirSync(this.#opts.scratchDir, { recursive: true })
    return this.#opts.scratchDir
  }

  async close(): Promise<void> {
    const loaded = this.#sdk
    this.#sdk = undefined
    if (loaded) await loaded.then(({ client }) => client.destroy(), () => undefined)
  }

  async #put(t: S3Target, body: Uint8Array | (() => Readable), length: number, opts: PutOptions): Promise<void> {
    storeCheckAbort(opts.signal, t.location, 'Write')
    const { sdk, client } = await this.#client()
    if (opts.ifNoneMatch && (await this.head(t.location, opts))) throw storeConflict(t.location)
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: t.bucket,
          Key: t.key,
          Body: typeof body === 'function' ? body() : body,
          ContentLength: length,
          ContentType: opts.contentType,
          IfNoneMatch: opts.ifNoneMatch ? '*' : undefined,
        }),
        { abortSignal: opts.signal },
      )
    } catch (e) {
      // 412: the object appeared since our check. 409: AWS's answer to two conditional writes in flight.
      const status = s3Status(e)
      if (opts.ifNoneMatch && (status === 412 || status === 409)) throw storeConflict(t.location)
      throw this.#error(t, e)
    }
  }

  async #download(t: S3Target, file: string): Promise<string> {
    await mkdir(this.#opts.cacheDir, { recursive: true })
    const tmp = `${file}.${randomBytes(6).toString('hex')}.part`
    const { sdk, client } = await this.#client()
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: t.bucket, Key: t.key }))
      const body = res.Body
      if (!(body instanceof Readable)) throw new AkkoError('STORAGE_ERROR', `S3 returned no body for ${t.location}`, { location: t.location })
      await pipeline(body, createWriteStream(tmp, { flags: 'wx' }))
      await rename(tmp, file)
      return file
    } catch (e) {
      throw this.#error(t, e)
    } finally {
      await rm(tmp, { force: true })
    }
  }

  async #emptyRead(t: S3Target, range: ByteRange, opts: IoOptions): Promise<Uint8Array> {
    const info = await this.head(t.location, opts)
    if (!info) throw storeNotFound(t.location)
    byteRangeResolve(t.location, range, info.size)
    return new Uint8Array()
  }

  #target(location: string, operation: string): S3Target {
    const parsed = locationParse(location)
    if (parsed.scheme !== 's3') {
      throw new AkkoError('INVALID_ARGUMENT', `The S3 object store cannot serve ${location}: use an s3://, s3a:// or s3n:// location`, { location })
    }
    return { bucket: parsed.bucket, key: parsed.key, location: `s3://${parsed.bucket}/${parsed.key}`, operation }
  }

  #error(t: S3Target, e: unknown): AkkoError {
    return s3ErrorMap(t, e, this.#opts.s3)
  }

  #client(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.#sdk ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: new sdk.S3Client(sdkConfig(this.#opts.s3)) }))
    return this.#sdk
  }
}

function sdkConfig(s3: S3Config): import('@aws-sdk/client-s3').S3ClientConfig {
  const secret = s3.secretAccessKey?.reveal()
  return {
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.pathStyle,
    credentials: s3.accessKeyId && secret ? { accessKeyId: s3.accessKeyId, secretAccessKey: secret } : undefined,
    // Checksums only where S3 requires them: self-hosted servers often reject the SDK's default
    // aws-chunked trailing checksums on uploads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }
}

// ByteRange is end-exclusive; the HTTP Range header is end-inclusive.
function httpRange(range: ByteRange): string {
  return range.end === undefined ? `bytes=${range.start}-` : `bytes=${range.start}-${range.end - 1}`
}

// One cache file per location; the extension is kept because DuckDB picks readers by it.
function cacheName(location: string): string {
  const hash = createHash('sha256').update(location).digest('hex').slice(0, 40)
  const ext = extname(location)
  return /^\.[A-Za-z0-9]{1,16}$/.test(ext) ? `${hash}${ext}` : hash
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (!signal) return p
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort())
    signal.addEventListener('abort', abort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}
