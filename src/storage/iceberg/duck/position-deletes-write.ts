/**
 * Writing a position delete file (spec "Position Delete Files"): rows `file_path` (field id 2147483546)
 * and `pos` (2147483545), sorted by path then position, with exact bounds on `file_path` so a reader can
 * tell which data files the delete file touches without opening it.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError, type IoOptions } from '../../../core/index.js'
import type { ObjectStore } from '../../object-store/object-store.js'
import type { DataFile, PartitionSpec, PartitionValues } from '../spec.js'
import { valueToBytes } from '../values.js'
import { duckRunAll } from './duck-run.js'
import { parquetCompressionValid, type ParquetCompression } from './parquet-options.js'
import { fileMetricsBuild, parquetLeaves } from './parquet-stats.js'
import { copyResultParse, fileSplitOffsets, scratchUpload } from './parquet-write-support.js'
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from './scan-sql.js'
import { sqlString } from './sql-text.js'

/** What `positionDeletesWrite` writes. */
export interface PositionDeletesWriteOptions extends IoOptions {
  /** A SELECT with columns `file_path` (data file locations as the table stores them) and `pos` (0-based row numbers). */
  readonly sourceSql: string
  readonly store: ObjectStore
  /** A folder (the file is named `<uuid>-deletes.parquet` inside it) or a full location ending in `.parquet`. */
  readonly location: string
  /** The spec and partition of the data files the deletes refer to (unpartitioned when absent). */
  readonly spec?: PartitionSpec
  readonly partition?: PartitionValues
  readonly compression?: ParquetCompression
}

// The two columns of a position delete file, as an Iceberg schema so metrics are built like data files'.
const DELETE_SCHEMA = {
  type: 'struct' as const,
  fields: [
    { id: POSITION_DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: 'string' },
    { id: POSITION_DELETE_POS_ID, name: 'pos', required: true, type: 'long' },
  ],
}

/**
 * Writes the positions of `sourceSql` as one position delete file and returns its DataFile (content 1).
 * Throws INVALID_ARGUMENT when the query yields no rows or a NULL path/position (nothing is stored).
 */
export async function positionDeletesWrite(conn: DuckDBConnection, opts: PositionDeletesWriteOptions): Promise<DataFile> {
  const compression = opts.compression ?? 'zstd'
  if (!parquetCompressionValid(compression)) throw new AkkoError('INVALID_ARGUMENT', `Unknown Parquet compression '${compression}'`, { compression })
  const local = join(opts.store.scratchDir(), `akko-deletes-${randomUUID()}.parquet`)
  const location = opts.location.endsWith('.parquet') ? opts.location : `${opts.location.replace(/\/+$/, '')}/${randomUUID()}-deletes.parquet`
  try {
    const select = `SELECT CAST(file_path AS VARCHAR) AS file_path, CAST(pos AS BIGINT) AS pos FROM (${opts.sourceSql}) AS __akko_src ORDER BY file_path, pos`
    const fieldIds = `{file_path: ${POSITION_DELETE_FILE_PATH_ID}, pos: ${POSITION_DELETE_POS_ID}}`
    const reader = await duckRunAll(conn, `COPY (${select}) TO ${sqlString(local)} (FORMAT parquet, COMPRESSION ${compression}, FIELD_IDS ${fieldIds}, RETURN_STATS)`, 'Writing a position delete file', opts.signal)
    const [written] = copyResultParse(reader.getRowObjectsJson())
    if (!written || written.recordCount === 0) throw new AkkoError('INVALID_ARGUMENT', 'No rows to delete: a position delete file must list at least one position', {})
    const nulls = ['"file_path"', '"pos"'].reduce((n, k) => n + Number(written.columnStats.get(k)?.get('null_count') ?? 0), 0)
    if (nulls > 0) throw new AkkoError('INVALID_ARGUMENT', `${nulls} position(s) to delete have a NULL file_path or pos`, { nullRows: nulls })
    const metrics = fileMetricsBuild(parquetLeaves(DELETE_SCHEMA), written.columnStats, new Map())
    // Exact (untruncated) path bounds, read from the small file just written: DuckDB's own stop at 256 bytes.
    const bounds = await duckRunAll(conn, `SELECT min(file_path), max(file_path) FROM read_parquet(${sqlString(local)})`, 'Reading a position delete file', opts.signal)
    const [minPath, maxPath] = bounds.getRowsJS()[0] as [string, string]
    metrics.lower_bounds.set(POSITION_DELETE_FILE_PATH_ID, valueToBytes('string', minPath))
    metrics.upper_bounds.set(POSITION_DELETE_FILE_PATH_ID, valueToBytes('string', maxPath))
    const splits = await fileSplitOffsets(conn, [written], opts.signal)
    await scratchUpload(opts.store, [{ localPath: local, location }], opts.signal)
    return Object.freeze({
      content: 1 as const,
      file_path: location,
      file_format: 'PARQUET',
      partition: Object.freeze({ ...(opts.partition ?? {}) }),
      record_count: written.recordCount,
      file_size_in_bytes: written.fileSizeBytes,
      ...metrics,
      split_offsets: splits.get(written.localPath) ?? null,
      sort_order_id: null,
      spec_id: opts.spec?.['spec-id'] ?? 0,
    })
  } finally {
    await rm(local, { force: true })
  }
}
