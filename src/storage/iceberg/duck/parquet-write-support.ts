/**
 * The steps of a Parquet write after DuckDB's COPY: reading its per-file statistics, recovering each
 * file's partition tuple, counting NaNs where DuckDB saw some, reading row-group offsets from the
 * footers, naming partition folders, and moving files from the scratch folder into the object store.
 * @module
 */
import { rm } from 'node:fs/promises'
import type { DuckDBConnection, Json } from '@duckdb/node-api'
import type { ObjectStore } from '../../object-store/object-store.js'
import type { PartitionSpec, PartitionValues, Schema } from '../spec.js'
import { transformApply, transformToHumanString } from '../transforms.js'
import { schemaIndex, typeBaseName } from '../types.js'
import { duckRunAll } from './duck-run.js'
import { duckValueToIceberg } from './duck-values.js'
import { parquetLeaves, statParse, type ColumnStats, type ParquetLeaf } from './parquet-stats.js'
import { sqlIdent, sqlString, sqlStringList } from './sql-text.js'
import { partitionFieldSql } from './write-source.js'

/** One file DuckDB wrote into the scratch folder, with the statistics it returned. */
export interface WrittenFile {
  readonly localPath: string
  readonly recordCount: number
  readonly fileSizeBytes: number
  /** Column path (`"s"."p"`) → statistic name → text. */
  readonly columnStats: ReadonlyMap<string, ColumnStats>
  /** The `__akko_part` value of a partitioned write. */
  readonly partitionKey?: string
}

type JsonEntries = ReadonlyArray<{ key: Json; value: Json }> | null

const entries = (j: Json): JsonEntries => (Array.isArray(j) ? (j as unknown as JsonEntries) : null)

/** Parses the rows `COPY … (RETURN_STATS)` returns (read as JSON). */
export function copyResultParse(rows: ReadonlyArray<Record<string, Json>>): WrittenFile[] {
  return rows.map((r) => {
    const columnStats = new Map<string, ColumnStats>()
    for (const col of entries(r.column_statistics!) ?? []) {
      columnStats.set(String(col.key), new Map((entries(col.value) ?? []).map((s) => [String(s.key), String(s.value)])))
    }
    const key = entries(r.partition_keys!)?.[0]?.value
    return {
      localPath: String(r.filename),
      recordCount: Number(r.count),
      fileSizeBytes: Number(r.file_size_bytes),
      columnStats,
      ...(key === undefined || key === null ? {} : { partitionKey: String(key) }),
    }
  })
}

/**
 * The partition tuple of each partition key. Every row of a file has the same tuple, so the transform of
 * any one value of the source column gives it: the minimum DuckDB reported for the file is used. Where
 * that minimum is absent or may be cut short (DuckDB keeps 256 bytes of long strings), DuckDB computes
 * the tuple from the first row of the file instead, so values are always exact.
 */
export async function partitionValuesRead(conn: DuckDBConnection, schema: Schema, spec: PartitionSpec, written: readonly WrittenFile[], signal?: AbortSignal): Promise<Map<string, PartitionValues>> {
  const firstFile = new Map<string, WrittenFile>()
  for (const w of written) if (w.partitionKey !== undefined && !firstFile.has(w.partitionKey)) firstFile.set(w.partitionKey, w)
  const leaves = new Map(parquetLeaves(schema).map((l) => [l.id, l]))
  const out = new Map<string, PartitionValues>()
  const unresolved: string[] = []
  for (const [key, file] of firstFile) {
    const tuple = partitionFromStats(spec, leaves, file)
    if (tuple) out.set(key, tuple)
    else unresolved.push(key)
  }
  const exprs = spec.fields.map((pf, i) => `${partitionFieldSql(schema, pf)} AS ${sqlIdent(`p${i}`)}`).join(', ')
  // Batches keep the UNION small enough for DuckDB's planner when many partitions need a read.
  for (let start = 0; start < unresolved.length; start += 256) {
    const batch = unresolved.slice(start, start + 256)
    const sql = batch.map((k, i) => `SELECT ${i} AS __akko_i, * FROM (SELECT ${exprs} FROM (SELECT * FROM read_parquet(${sqlString(firstFile.get(k)!.localPath)}, hive_partitioning = false) LIMIT 1))`).join('\nUNION ALL\n')
    const reader = await duckRunAll(conn, sql, 'Reading partition values of written files', signal)
    for (const row of reader.getRows()) {
      out.set(batch[Number(row[0])]!, Object.fromEntries(spec.fields.map((pf, i) => [pf.name, duckValueToIceberg(row[i + 1] ?? null)])))
    }
  }
  return out
}

// DuckDB cuts string and blob statistics at this many bytes; a shorter minimum is the exact value.
const DUCK_STATS_MAX_BYTES = 256

function partitionFromStats(spec: PartitionSpec, leaves: ReadonlyMap<number, ParquetLeaf>, file: WrittenFile): PartitionValues | undefined {
  const tuple: Record<string, unknown> = {}
  for (const pf of spec.fields) {
    const leaf = leaves.get(pf['source-id'])
    if (!leaf || leaf.repeated) return undefined
    const stats = file.columnStats.get(leaf.statsKey)
    if (!stats) return undefined
    if (stats.get('null_count') === stats.get('num_values')) {
      tuple[pf.name] = null
      continue
    }
    const min = stats.get('min')
    const base = typeBaseName(leaf.type)
    if (min === undefined) return undefined
    if (base === 'string' && Buffer.byteLength(min) >= DUCK_STATS_MAX_BYTES) return undefined
    if ((base === 'binary' || base === 'fixed') && min.length >= 2 * DUCK_STATS_MAX_BYTES) return undefined
    const value = statParse(leaf.type, min)
    if (value === undefined) return undefined
    tuple[pf.name] = transformApply(pf.transform, leaf.type, value)
  }
  return tuple
}

/**
 * NaN counts per file for float/double columns, counted only in files where DuckDB reported NaNs (the
 * common case, no NaN at all, costs nothing). Repeated columns are not counted.
 */
export async function fileNanCounts(conn: DuckDBConnection, leaves: readonly ParquetLeaf[], written: readonly WrittenFile[], signal?: AbortSignal): Promise<Map<string, Map<number, number>>> {
  const floats = leaves.filter((l) => !l.repeated && (l.type === 'float' || l.type === 'double'))
  const withNan = written.filter((w) => floats.some((l) => w.columnStats.get(l.statsKey)?.get('has_nan') === 'true'))
  const out = new Map<string, Map<number, number>>()
  if (withNan.length === 0) return out
  const counts = floats.map((l) => `count(*) FILTER (WHERE isnan(${l.columnSql})) AS ${sqlIdent(`n${l.id}`)}`).join(', ')
  const sql = `SELECT __akko_file, ${counts} FROM read_parquet(${sqlStringList(withNan.map((w) => w.localPath))}, filename = '__akko_file', hive_partitioning = false) GROUP BY __akko_file`
  const reader = await duckRunAll(conn, sql, 'Counting NaN values of written files', signal)
  for (const row of reader.getRowsJS()) {
    out.set(String(row[0]), new Map(floats.map((l, i) => [l.id, Number(row[i + 1])])))
  }
  return out
}

/** Row-group start offsets per file, from the Parquet footers (spec data_file.split_offsets). */
export async function fileSplitOffsets(conn: DuckDBConnection, written: readonly WrittenFile[], signal?: AbortSignal): Promise<Map<string, number[]>> {
  const sql = `SELECT file_name, row_group_id, min(coalesce(dictionary_page_offset, data_page_offset)) AS o
    FROM parquet_metadata(${sqlStringList(written.map((w) => w.localPath))}) GROUP BY ALL ORDER BY file_name, row_group_id`
  const reader = await duckRunAll(conn, sql, 'Reading row groups of written files', signal)
  const out = new Map<string, number[]>()
  for (const [file, , offset] of reader.getRowsJS()) {
    const list = out.get(String(file)) ?? []
    list.push(Number(offset))
    out.set(String(file), list)
  }
  return out
}

// Folder names stay well under the 255-byte limit of common filesystems even for long identity values.
const MAX_SEGMENT_VALUE = 120

/** `region=EU/ts_day=2024-01-15`: each partition value in Iceberg's human form, URL-encoded. */
export function partitionPathOf(schema: Schema, spec: PartitionSpec, partition: PartitionValues): string {
  const index = schemaIndex(schema)
  return spec.fields.map((pf) => {
    const sourceType = index.byId.get(pf['source-id'])!.field.type
    let human = encodeURIComponent(transformToHumanString(pf.transform, sourceType, partition[pf.name] ?? null))
    if (human.length > MAX_SEGMENT_VALUE) human = human.slice(0, MAX_SEGMENT_VALUE).replace(/%[0-9A-F]?$/, '') + '-'
    return `${encodeURIComponent(pf.name)}=${human}`
  }).join('/')
}

/**
 * Uploads scratch files to their locations (a few at a time) and removes each local copy once stored.
 * If any upload fails, the files already stored are deleted again before the error is rethrown.
 */
export async function scratchUpload(store: ObjectStore, items: ReadonlyArray<{ localPath: string; location: string }>, signal?: AbortSignal): Promise<void> {
  const done: string[] = []
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!
      try {
        await store.putFile(item.location, item.localPath, { signal })
      } catch (e) {
        failed = true
        throw e
      }
      done.push(item.location)
      await rm(item.localPath, { force: true })
    }
  }
  const results = await Promise.allSettled(Array.from({ length: Math.min(4, items.length) }, worker))
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (!failure) return
  await Promise.allSettled(done.map((loc) => store.delete(loc)))
  throw failure.reason
}
