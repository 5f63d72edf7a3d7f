/**
 * Loading CSV, JSON lines and Parquet files into an Iceberg table: from the local disk or the object store,
 * into an existing table (values checked against its types) or a new one (schema inferred), all in one commit.
 * @module
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { AkkoError } from '../../core/index.js'
import type { TableContext } from '../../storage/index.js'
import type { CsvOptions, LoadFormat, SourceFile } from './file-readers.js'
import { loadSources } from './load-source.js'
import { loadTargetIdent } from './table-target.js'
import type { LoadReport, LoadTargetOptions } from './types.js'

export interface LoadFilesOptions extends LoadTargetOptions {
  /**
   * Files to load, in order: local paths (absolute, or relative to the working directory) or locations in the
   * object store (`file://…`, `s3://bucket/key` when the warehouse is on S3).
   */
  readonly files: readonly string[]
  /** Default: from the extension (`.csv`/`.tsv`, `.jsonl`/`.ndjson`/`.json`, `.parquet`/`.pq`). */
  readonly format?: LoadFormat
  readonly csv?: CsvOptions
}

const EXTENSIONS: Readonly<Record<string, LoadFormat>> = { csv: 'csv', tsv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl', json: 'jsonl', parquet: 'parquet', pq: 'parquet' }

/**
 * Loads `files` into `table` in one commit, or nothing at all. Every row is checked against the table's schema
 * first; bad rows fail the load (default) or, with `onBadRows: 'skip'`, are left out and listed in the report.
 * Errors: TABLE_NOT_FOUND (no table and no `create`), FILE_NOT_FOUND, COLUMN_NOT_FOUND (a column the table lacks),
 * INVALID_ARGUMENT (bad rows, with `details.badRows`; a required column missing; bad options), CORRUPT_FILE.
 */
export async function loadFiles(ctx: TableContext, opts: LoadFilesOptions): Promise<LoadReport> {
  const ident = loadTargetIdent(opts.table)
  if (!Array.isArray(opts.files) || opts.files.length === 0) throw new AkkoError('INVALID_ARGUMENT', 'Name at least one file to load', { option: 'files' })
  const format = opts.format ?? formatOf(opts.files)
  if (!['csv', 'jsonl', 'parquet'].includes(format)) throw new AkkoError('INVALID_ARGUMENT', `Unknown format '${String(format)}'; use csv, jsonl or parquet`, { option: 'format' })
  const csv = format === 'csv' && opts.csv === undefined && opts.files.every(f => f.toLowerCase().endsWith('.tsv')) ? { delimiter: '\t' } : opts.csv
  const files: SourceFile[] = []
  for (const [index, display] of opts.files.entries()) files.push({ index, display, path: await fileLocalPath(ctx, display, opts.signal) })
  const report = await loadSources(ctx, { ...opts, ident, format, files, csv })
  return Object.freeze({ ...report, files: files.length })
}

function formatOf(files: readonly string[]): LoadFormat {
  const formats = new Set(files.map(f => EXTENSIONS[/\.([a-z0-9]+)(?:\.(?:gz|zst))?$/i.exec(f)?.[1]?.toLowerCase() ?? '']))
  const [only] = formats
  if (formats.size !== 1 || !only) {
    throw new AkkoError('INVALID_ARGUMENT', `Cannot tell the format of ${files.join(', ')} from the extension${files.length > 1 ? 's' : ''}; pass format: 'csv', 'jsonl' or 'parquet'`, { option: 'format' })
  }
  return only
}

/** A path DuckDB can read: the object store's local copy for a location it serves, else the local file. */
async function fileLocalPath(ctx: TableContext, name: string, signal?: AbortSignal): Promise<string> {
  const location = /^[a-z][a-z0-9+.-]*:\/\//i.test(name) ? name : resolve(name)
  if (ctx.store.handles(location)) return ctx.store.localPath(location, { signal })
  if (location !== name) {
    const st = await stat(location).catch(() => undefined)
    if (st?.isFile()) return location
  }
  throw new AkkoError('FILE_NOT_FOUND', `File to load not found: ${name}`, { file: name })
}
