/**
 * Writing Iceberg data files with DuckDB (spec "Parquet" and "Manifests": data_file). One COPY does the
 * whole write: DuckDB casts each column to its Iceberg type, computes the partition tuple, writes one
 * directory per tuple with field ids on every column, and returns per-file column statistics. The source
 * query runs exactly once whatever the number of partitions.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError, type IoOptions } from '../../../core/index.js'
import type { ObjectStore } from '../../object-store/object-store.js'
import type { DataFile, PartitionSpec, PartitionValues, Schema } from '../spec.js'
import { duckRunAll } from './duck-run.js'
import { fileMetricsBuild, parquetLeaves } from './parquet-stats.js'
import { copyResultParse, fileNanCounts, fileSplitOffsets, partitionPathOf, partitionValuesRead, scratchUpload, type WrittenFile } from './parquet-write-support.js'
import { parquetCompressionValid, parquetFieldIdsSql, parquetKvMetadataSql, type ParquetCompression } from './parquet-options.js'
import { sqlString } from './sql-text.js'
import { udfRegister } from './udf.js'
import { PARTITION_KEY_COLUMN, writeSourceColumns, writeSourceSql } from './write-source.js'

/** Iceberg's default `write.target-file-size-bytes`. */
export const DEFAULT_TARGET_FILE_SIZE_BYTES = 512 * 1024 * 1024

/** What `dataFilesWrite` writes. */
export interface DataFilesWriteOptions extends IoOptions {
  /** A SELECT whose columns are named exactly like top-level schema fields, in any order; absent optional columns are NULL (or their write-default). */
  readonly sourceSql: string
  readonly schema: Schema
  readonly spec: PartitionSpec
  readonly store: ObjectStore
  /** Folder the files go under, e.g. `${tableLocation}/data`. */
  readonly dataLocation: string
  /** Files of an unpartitioned write roll over at about this size; partitioned writes produce one file per partition and writer thread. */
  readonly targetFileSizeBytes?: number
  readonly compression?: ParquetCompression
}

/**
 * Writes the rows of `sourceSql` as Parquet data files under `dataLocation`, one or more per partition
 * (`data/region=EU/ts_day=2024-01-15/00000-<uuid>.parquet`), and returns their DataFile entries
 * (content 0, partition tuple in memory form, record count, size, column metrics, split offsets).
 * Nothing is committed: the caller adds the files to a snapshot. On failure no file is left behind.
 * Errors: COLUMN_NOT_FOUND / INVALID_ARGUMENT for rows that do not fit the schema (nothing is written),
 * CANCELLED when `signal` aborts, STORAGE_ERROR when the upload fails.
 */
export async function dataFilesWrite(conn: DuckDBConnection, opts: DataFilesWriteOptions): Promise<DataFile[]> {
  const { schema, spec, store, signal } = opts
  const compression = opts.compression ?? 'zstd'
  if (!parquetCompressionValid(compression)) throw new AkkoError('INVALID_ARGUMENT', `Unknown Parquet compression '${compression}'`, { compression })
  const target = opts.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_SIZE_BYTES
  if (!(Number.isSafeInteger(target) && target > 0)) throw new AkkoError('INVALID_ARGUMENT', `targetFileSizeBytes must be a positive integer, got ${target}`)
  udfRegister(conn)
  const present = await writeSourceColumns(conn, opts.sourceSql, schema, signal)
  const select = writeSourceSql(opts.sourceSql, schema, spec, present)
  const partitioned = spec.fields.length > 0
  const scratch = join(store.scratchDir(), `akko-write-${randomUUID()}`)
  try {
    const copyOptions = [
      'FORMAT parquet',
      `COMPRESSION ${compression}`,
      `FIELD_IDS ${parquetFieldIdsSql(schema.fields)}`,
      `KV_METADATA ${parquetKvMetadataSql(schema)}`,
      'RETURN_STATS',
      partitioned ? `PARTITION_BY (${PARTITION_KEY_COLUMN})` : `FILE_SIZE_BYTES ${target}`,
    ]
    const reader = await duckRunAll(conn, `COPY (${select}) TO ${sqlString(scratch)} (${copyOptions.join(', ')})`, 'Writing Parquet data files', signal)
    const written = copyResultParse(reader.getRowObjectsJson()).filter((f) => f.recordCount > 0)
    if (written.length === 0) return []
    requiredColumnsCheck(schema, written)
    const partitions = partitioned ? await partitionValuesRead(conn, schema, spec, written, signal) : new Map<string, PartitionValues>()
    const nanCounts = await fileNanCounts(conn, parquetLeaves(schema), written, signal)
    const splits = await fileSplitOffsets(conn, written, signal)
    const writeId = randomUUID()
    const base = opts.dataLocation.replace(/\/+$/, '')
    const files = written.map((f, i) => {
      const partition = partitions.get(f.partitionKey ?? '') ?? {}
      const dir = partitioned ? `${base}/${partitionPathOf(schema, spec, partition)}` : base
      return { written: f, partition, location: `${dir}/${String(i).padStart(5, '0')}-${writeId}.parquet` }
    })
    await scratchUpload(store, files.map((f) => ({ localPath: f.written.localPath, location: f.location })), signal)
    const leaves = parquetLeaves(schema)
    return files.map(({ written: w, partition, location }) => Object.freeze({
      content: 0 as const,
      file_path: location,
      file_format: 'PARQUET',
      partition: Object.freeze(partition),
      record_count: w.recordCount,
      file_size_in_bytes: w.fileSizeBytes,
      ...fileMetricsBuild(leaves, w.columnStats, nanCounts.get(w.localPath) ?? new Map()),
      split_offsets: splits.get(w.localPath) ?? null,
      sort_order_id: 0,
      spec_id: spec['spec-id'],
    }))
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** Required top-level columns must hold no NULL: the statistics of the written files tell without a scan. */
function requiredColumnsCheck(schema: Schema, written: readonly WrittenFile[]): void {
  const leaves = parquetLeaves(schema)
  for (const f of schema.fields) {
    if (!f.required || typeof f.type !== 'string') continue
    const leaf = leaves.find((l) => l.id === f.id)!
    const nulls = written.reduce((n, w) => n + Number(w.columnStats.get(leaf.statsKey)?.get('null_count') ?? 0), 0)
    if (nulls > 0) {
      throw new AkkoError('INVALID_ARGUMENT', `Column '${f.name}' is required but ${nulls} row(s) to write have no value for it`, { column: f.name, nullRows: nulls })
    }
  }
}
