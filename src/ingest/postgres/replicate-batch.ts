/**
 * Batch replication of one PostgreSQL table into an Iceberg table, in one Iceberg commit per run:
 * - `full`: the table's content is replaced by the source's rows (operation `overwrite`);
 * - `incremental`: the rows whose watermark column is at or after the stored watermark are merged by key
 *   (MERGE semantics: a row whose key is already in the table replaces it; rows equal to what the table holds
 *   are left alone, so re-reading the rows at the watermark itself costs no change and doubles nothing).
 * The new watermark is written into the same commit's snapshot summary (`akko.replication.watermark`) and the
 * next run reads it from there: a crash before the commit leaves the previous watermark and no rows, a crash
 * after it leaves both, so no row is skipped or doubled.
 * Rows stream from PostgreSQL as CSV chunks on local disk; DuckDB turns each chunk into Parquet (or a staging
 * table for a merge) while the next chunk is read.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import {
  currentSchema, dataFilesWrite, icebergToDuckType, scanPlan, snapshotCommit, specById, sqlIdent, sqlString, tableLoad, tableRowChanges,
  type DataFile, type TableContext, type TableIdent, type TableState,
} from '../../storage/index.js'
import { copyFromClient, copyFromServer, type CopyRequest, type CopyResult } from './copy-source.js'
import { CsvChunker } from './csv-chunks.js'
import { mainLineage, summaryFind, targetEnsure, targetName } from './iceberg-target.js'
import { pgClientQuery, pgEngineQuery, pgServerClient, pgTableDescribe, type PgSourceColumn, type PgSourceSpec, type PgSourceTable } from './pg-source.js'
import { pgValueSql, type PgUnsupportedTypes } from './pg-types.js'

/** Snapshot summary keys written by batch replication. */
export const REPLICATION_SUMMARY = {
  source: 'akko.replication.source',
  mode: 'akko.replication.mode',
  watermarkColumn: 'akko.replication.watermark-column',
  watermark: 'akko.replication.watermark',
} as const

/** Options of {@link replicateBatch}. */
export interface ReplicateBatchOptions {
  /** The platform's table context (catalog, object store, DuckDB). */
  readonly tables: TableContext
  readonly source: PgSourceSpec
  /** Source table: `table` (schema public) or `schema.table`. */
  readonly table: string
  /** Target Iceberg table; created (with its namespace) when missing, with the source's columns. */
  readonly target: TableIdent
  readonly mode: 'full' | 'incremental'
  /** Column whose value grows with every change (`updated_at`, a serial id). Required for `incremental`. */
  readonly watermarkColumn?: string
  /** Columns rows are merged by; default: the source's primary key. */
  readonly keyColumns?: readonly string[]
  /** Columns whose type has no Iceberg mapping: fail (default) or replicate their text as `string`. */
  readonly unsupportedTypes?: PgUnsupportedTypes
  /** CSV bytes per chunk handed to DuckDB (default 32 MiB): the unit of overlap between reading and writing. */
  readonly chunkBytes?: number
  /** Chunks DuckDB converts at the same time, each on its own connection (default 1: on a small machine PostgreSQL and one DuckDB conversion already use the cores). */
  readonly parallelism?: number
  readonly signal?: AbortSignal
}

/** What a run did. */
export interface ReplicateBatchResult {
  /**
   * False when nothing changed: an incremental run that found no new or changed row and no new watermark commits
   * nothing. (Rows all equal to the table's with a new watermark commit a snapshot without data changes.)
   */
  readonly committed: boolean
  readonly snapshotId?: bigint
  /** How the rows were applied: `overwrite` (full), `append` (incremental into an empty table), `merge`. */
  readonly strategy: 'overwrite' | 'append' | 'merge'
  /** Rows read from the source. */
  readonly rowsRead: number
  /** Rows written to the table (new and changed rows). */
  readonly rowsWritten: number
  readonly previousWatermark?: string
  readonly watermark?: string
  readonly durationMs: number
}

/** The watermark and source a table's last batch replication stored (undefined: none). */
export async function replicationWatermark(ctx: TableContext, target: TableIdent): Promise<{ readonly watermark?: string; readonly column?: string; readonly source?: string } | undefined> {
  const s = summaryFind((await tableLoad(ctx, target)).metadata, REPLICATION_SUMMARY.source)
  return s && { watermark: s[REPLICATION_SUMMARY.watermark], column: s[REPLICATION_SUMMARY.watermarkColumn], source: s[REPLICATION_SUMMARY.source] }
}

/** Describes the source table through the right driver. */
async function sourceDescribe(source: PgSourceSpec, table: string, unsupported?: PgUnsupportedTypes): Promise<PgSourceTable> {
  if ('client' in source) return pgTableDescribe(pgEngineQuery(source.client), table, { unsupported })
  const client = await pgServerClient(source.url)
  try {
    return await pgTableDescribe(pgClientQuery(client), table, { unsupported })
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Checks the options against the source table; returns the watermark and key columns. */
function optionsCheck(opts: ReplicateBatchOptions, src: PgSourceTable): { wm?: PgSourceColumn; key: readonly string[] } {
  const col = (name: string, what: string) => {
    const c = src.columns.find(x => x.name === name)
    if (!c) throw new AkkoError('COLUMN_NOT_FOUND', `The ${what} '${name}' is not a column of ${src.display}; its columns are ${src.columns.map(x => `'${x.name}'`).join(', ')}`, { table: src.display, column: name })
    return c
  }
  const wm = opts.watermarkColumn === undefined ? undefined : col(opts.watermarkColumn, 'watermark column')
  if (wm && (wm.type.kind === 'array' || wm.type.kind === 'bytea' || wm.pgType.typname === 'json' || wm.pgType.typname === 'bool')) {
    throw new AkkoError('INVALID_ARGUMENT', `The watermark column '${wm.name}' of ${src.display} is ${wm.pgType.formatted}; use a column that grows with every change (a timestamp or a serial id)`, { column: wm.name })
  }
  const key = opts.keyColumns ?? src.primaryKey
  for (const k of key) col(k, 'key column')
  if (opts.mode === 'incremental') {
    if (!wm) throw new AkkoError('INVALID_ARGUMENT', `Incremental replication of ${src.display} needs a watermark column (e.g. updated_at or a serial id)`, { table: src.display })
    if (key.length === 0) throw new AkkoError('INVALID_ARGUMENT', `Incremental replication merges rows by key, and ${src.display} has no primary key: add one, or give keyColumns`, { table: src.display })
  }
  return { wm, key }
}

/** Iceberg primitives DuckDB's CSV reader parses from PostgreSQL's text exactly as a CAST would: read typed. */
const CSV_TYPED = new Set(['int', 'long', 'float', 'double', 'boolean', 'uuid', 'time', 'string'])

/**
 * `read_csv` of one chunk, columns named c0, c1, …: typed where the reader parses the text itself (saves a
 * VARCHAR copy of every value), text where a conversion follows (see pgValueSql).
 */
function csvReadSql(path: string, types: readonly string[]): string {
  const cols = types.map((t, i) => `'c${i}': '${t}'`).join(', ')
  return `read_csv(${sqlString(path)}, header = false, auto_detect = false, allow_quoted_nulls = false, delim = ',', quote = '"', escape = '"', columns = {${cols}})`
}

/** A SELECT of the chunk's rows with each column converted to its Iceberg type's DuckDB type. */
function chunkSelectSql(path: string, columns: readonly PgSourceColumn[], state: TableState): string {
  const fields = currentSchema(state.metadata).fields
  const types: string[] = []
  const exprs = columns.map((c, i) => {
    const iceberg = fields.find(f => f.name === c.name)?.type ?? c.type.iceberg
    const typed = c.type.kind === 'plain' && typeof iceberg === 'string' && (CSV_TYPED.has(iceberg) || iceberg.startsWith('decimal'))
    types.push(typed ? icebergToDuckType(iceberg) : 'VARCHAR')
    return `${typed ? `c${i}` : pgValueSql({ type: c.type, iceberg }, `c${i}`)} AS ${sqlIdent(c.name)}`
  })
  return `SELECT ${exprs.join(', ')} FROM ${csvReadSql(path, types)}`
}

/**
 * Replicates one table in one commit. Errors: NOT_FOUND (source table), COLUMN_NOT_FOUND / INVALID_ARGUMENT
 * (options), NOT_SUPPORTED (a column type without Iceberg mapping), INVALID_SCHEMA (target column of another
 * type), CONNECTOR_ERROR (PostgreSQL), COMMIT_CONFLICT (a concurrent writer added rows under an overwrite).
 */
export async function replicateBatch(opts: ReplicateBatchOptions): Promise<ReplicateBatchResult> {
  const t0 = performance.now()
  const ctx = opts.tables
  const src = await sourceDescribe(opts.source, opts.table, opts.unsupportedTypes)
  const { wm, key } = optionsCheck(opts, src)
  const state = await targetEnsure(ctx, opts.target, src.columns, src.primaryKey.length ? src.primaryKey : [])
  const prev = summaryFind(state.metadata, REPLICATION_SUMMARY.source)
  const previousWatermark = opts.mode === 'incremental' && prev?.[REPLICATION_SUMMARY.watermarkColumn] === wm?.name ? prev?.[REPLICATION_SUMMARY.watermark] : undefined
  const head = mainLineage(state.metadata).next().value
  const empty = !head || head.summary['total-records'] === '0'
  const strategy = opts.mode === 'full' ? 'overwrite' : empty ? 'append' : 'merge'
  const summaryOf = (watermark: string | undefined) => {
    const summary: Record<string, string> = { [REPLICATION_SUMMARY.source]: src.display, [REPLICATION_SUMMARY.mode]: opts.mode }
    if (wm) summary[REPLICATION_SUMMARY.watermarkColumn] = wm.name
    if (wm && (watermark ?? previousWatermark) !== undefined) summary[REPLICATION_SUMMARY.watermark] = (watermark ?? previousWatermark)!
    return summary
  }
  let res = await copyApply({
    ctx, source: opts.source, src, state, strategy, key, chunkBytes: opts.chunkBytes, parallelism: opts.parallelism, signal: opts.signal,
    ...(wm ? { watermark: { column: wm, from: previousWatermark } } : {}),
    summary: summaryOf,
  })
  if (!res.committed && res.watermark !== undefined && res.watermark !== previousWatermark) {
    // Every row read was already in the table, but the watermark moved (e.g. the first incremental run after a
    // full copy): record it in a snapshot without data changes, so the next run starts from it.
    const c = await snapshotCommit(ctx, opts.target, { operation: 'append', added: [], summary: summaryOf(res.watermark) }, { signal: opts.signal })
    res = { ...res, committed: true, snapshotId: c.snapshot['snapshot-id'] }
  }
  return { ...res, strategy, previousWatermark, watermark: res.watermark ?? previousWatermark, durationMs: performance.now() - t0 }
}

/** What {@link copyApply} copies and how it commits. */
export interface CopyApplyArgs {
  readonly ctx: TableContext
  readonly source: PgSourceSpec
  readonly src: PgSourceTable
  /** The target's state the commit is based on (its schema has every source column). */
  readonly state: TableState
  readonly strategy: 'overwrite' | 'append' | 'merge'
  /** Merge key (strategy `merge`). */
  readonly key: readonly string[]
  readonly watermark?: CopyRequest['watermark']
  /** An exported snapshot to read at (CDC's initial copy). */
  readonly snapshot?: string
  readonly chunkBytes?: number
  readonly parallelism?: number
  readonly signal?: AbortSignal
  /** The snapshot summary properties, given the watermark read with the rows. */
  readonly summary: (watermark: string | undefined) => Record<string, string>
}

/** Copies a source table's rows and commits them to the target in one snapshot. */
export async function copyApply(a: CopyApplyArgs): Promise<{ committed: boolean; snapshotId?: bigint; rowsRead: number; rowsWritten: number; watermark?: string }> {
  const { ctx, src, state, strategy } = a
  const scratch = join(ctx.store.scratchDir(), `akko-ingest-${randomUUID()}`)
  mkdirSync(scratch, { recursive: true })
  try {
    return await ctx.duck.withConnection(async conn => {
      const stage = strategy === 'merge' ? await stageCreate(conn, src.columns, state) : undefined
      const added: DataFile[] = []
      let rowsRead = 0
      const lanes = [conn]
      for (let i = 1; i < Math.max(1, a.parallelism ?? 1); i++) lanes.push(await ctx.duck.connect())
      const consume = async (path: string, lane: number) => {
        const conn = lanes[lane]!
        const select = chunkSelectSql(path, src.columns, state)
        if (stage) {
          const r = await conn.run(`INSERT INTO ${stage} ${select}`)
          rowsRead += Number(r.rowsChanged)
        } else {
          const files = await dataFilesWrite(conn, dataFilesTarget(ctx, state, select, a.signal))
          added.push(...files)
          rowsRead += files.reduce((acc, f) => acc + Number(f.record_count), 0)
        }
        rmSync(path, { force: true })
      }
      const sink = new CsvChunker({ dir: scratch, chunkBytes: a.chunkBytes ?? 32 << 20, consume, concurrency: lanes.length })
      const req: CopyRequest = { table: src, columns: src.columns, sink, signal: a.signal, snapshot: a.snapshot, watermark: a.watermark }
      let copied: CopyResult
      try {
        copied = 'client' in a.source ? await copyFromClient(a.source.client, req) : await copyFromServer(a.source.url, req)
      } catch (e) {
        await filesDelete(ctx, added)
        throw e
      } finally {
        for (const c of lanes.slice(1)) ctx.duck.release(c)
      }
      const watermark = copied.watermark ?? undefined
      const summary = a.summary(watermark)
      if (stage) {
        try {
          const res = await mergeCommit(ctx, state.ident, stage, src.columns, a.key, summary, a.signal)
          return { committed: !!res, snapshotId: res?.snapshotId, rowsRead, rowsWritten: res?.rows ?? 0, watermark }
        } finally {
          await conn.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined)
        }
      }
      const snapshotId = await filesCommit(ctx, state, strategy === 'overwrite' ? 'overwrite' : 'append', added, summary, a.signal)
      return { committed: true, snapshotId, rowsRead, rowsWritten: rowsRead, watermark }
    })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

function dataFilesTarget(ctx: TableContext, state: TableState, sourceSql: string, signal?: AbortSignal) {
  const m = state.metadata
  return {
    sourceSql,
    schema: currentSchema(m),
    spec: specById(m, m['default-spec-id']),
    store: ctx.store,
    dataLocation: m.properties['write.data.path'] ?? `${m.location}/data`,
    targetFileSizeBytes: Number(m.properties['write.target-file-size-bytes'] ?? 512 * 1024 * 1024),
    signal,
  }
}

/** A DuckDB table (visible to every connection of the runtime) holding the rows to merge, typed like the target. */
async function stageCreate(conn: DuckDBConnection, columns: readonly PgSourceColumn[], state: TableState): Promise<string> {
  const name = `akko_stage_${randomUUID().replaceAll('-', '')}`
  const fields = currentSchema(state.metadata).fields
  const defs = columns.map(c => `${sqlIdent(c.name)} ${icebergToDuckType(fields.find(f => f.name === c.name)?.type ?? c.type.iceberg)}`)
  await conn.run(`CREATE TABLE ${name} (${defs.join(', ')})`)
  return name
}

/**
 * Commits already written data files: `overwrite` removes every live file of the state the copy started from;
 * `append` adds to an empty table. Either fails with COMMIT_CONFLICT when another writer added rows meanwhile
 * (an overwrite would drop them; an append could duplicate keys). Written files are deleted on failure.
 */
async function filesCommit(ctx: TableContext, base: TableState, operation: 'overwrite' | 'append', added: readonly DataFile[], summary: Record<string, string>, signal?: AbortSignal): Promise<bigint> {
  try {
    const plan = operation === 'overwrite' ? await scanPlan(ctx, base.metadata, {}) : undefined
    const removed = plan ? uniqueFiles(plan.tasks.flatMap(t => [t.dataFile, ...t.deletes.map(d => d.file)])) : []
    const res = await snapshotCommit(ctx, base.ident, {
      operation,
      added,
      removed,
      summary,
      validate: since => {
        if (since.added.some(e => e.data_file.content === 0)) {
          throw new AkkoError('COMMIT_CONFLICT', `Rows were added to ${targetName(base.ident)} while it was being replicated; run the replication again`, { retryable: false, table: targetName(base.ident) })
        }
      },
    }, { base, signal })
    return res.snapshot['snapshot-id']
  } catch (e) {
    await filesDelete(ctx, added)
    throw e
  }
}

/**
 * Merges the staged rows by key in one row-level commit: staged rows equal to the table's row for their key are
 * dropped first; the table's rows for the remaining keys are deleted and the staged rows inserted.
 */
async function mergeCommit(ctx: TableContext, ident: TableIdent, stage: string, columns: readonly PgSourceColumn[], key: readonly string[], summary: Record<string, string>, signal?: AbortSignal) {
  const cols = columns.map(c => sqlIdent(c.name)).join(', ')
  const match = (a: string, b: string) => key.map(k => `${a}.${sqlIdent(k)} IS NOT DISTINCT FROM ${b}.${sqlIdent(k)}`).join(' AND ')
  const res = await tableRowChanges(ctx, ident, t => {
    const changed = `(SELECT ${cols} FROM ${stage} EXCEPT SELECT ${cols} FROM ${t} AS tt WHERE EXISTS (SELECT 1 FROM ${stage} AS s WHERE ${match('s', 'tt')}))`
    return {
      deletes: `SELECT tt._file, tt._pos FROM ${t} AS tt WHERE EXISTS (SELECT 1 FROM ${changed} AS ch WHERE ${match('ch', 'tt')})`,
      inserts: `SELECT * FROM ${changed}`,
    }
  }, { summary, signal, countInserts: false })
  return res && { snapshotId: res.snapshot['snapshot-id'], rows: Number(res.snapshot.summary['added-records'] ?? 0) }
}

async function filesDelete(ctx: TableContext, files: readonly DataFile[]): Promise<void> {
  for (const f of files) await ctx.store.delete(f.file_path).catch(() => undefined)
}

function uniqueFiles(files: readonly DataFile[]): DataFile[] {
  const seen = new Map<string, DataFile>()
  for (const f of files) seen.set(f.file_path, f)
  return [...seen.values()]
}
