import { randomUUID } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import { dataFilesWrite, positionDeletesWrite, scanSql } from '../iceberg/duck/index.js'
import { duckRunAll } from '../iceberg/duck/duck-run.js'
import type { Expr } from '../iceberg/expressions.js'
import type { DataFile } from '../iceberg/spec.js'
import type { TableIdent } from '../metastore/metastore.js'
import { scanPlan, type ScanPlan, type ScanPlanOptions } from './scan-planner.js'
import { currentSchema, snapshotCommit, specById, type CommitResult, type ConcurrentChanges } from './snapshot-producer.js'
import { tableLoad, tableName, type TableContext, type TableState } from './table-context.js'

/** Rows to write, as a DuckDB SELECT whose columns are named like the table's top-level columns. */
export interface RowSource {
  readonly sql: string
}

/** A row predicate: DuckDB SQL over the table's columns, plus an optional Iceberg filter used only for pruning. */
export interface RowPredicate {
  readonly sql: string
  readonly filter?: Expr
}

export interface WriteResult extends CommitResult {
  /** Rows added (append, insert) or changed (delete, update), as Trino reports `updateCount`. */
  readonly rows: number
}

export interface WriteOptions {
  readonly summary?: Readonly<Record<string, string>>
  readonly signal?: AbortSignal
}

/** Appends rows as new data files in one snapshot (operation `append`). Returns undefined when `source` is empty. */
export async function tableAppend(ctx: TableContext, ident: TableIdent, source: RowSource, opts: WriteOptions = {}): Promise<WriteResult | undefined> {
  const base = await tableLoad(ctx, ident)
  const added = await withConnection(ctx, conn => filesWrite(ctx, conn, base, source.sql, opts.signal))
  const rows = added.reduce((a, f) => a + Number(f.record_count), 0)
  if (added.length === 0 && !opts.summary) return undefined
  const result = await snapshotCommit(ctx, ident, { operation: 'append', added, summary: opts.summary }, { base, signal: opts.signal })
  return { ...result, rows }
}

/**
 * Row-level changes in one snapshot: `build` receives the name of a view over the table's current rows with two
 * extra columns, `_file` (the data file's location) and `_pos` (the row's position in it), and returns the rows
 * to delete (a SELECT of `_file, _pos`) and the rows to insert (a SELECT of table columns). Both are computed from
 * the same snapshot before anything is written. Deletes become position delete files (merge-on-read); a data file
 * all of whose live rows are deleted is removed instead. This is the primitive behind DELETE, UPDATE and MERGE.
 */
export async function tableRowChanges(
  ctx: TableContext,
  ident: TableIdent,
  build: (target: string) => { readonly deletes?: string; readonly inserts?: string },
  opts: WriteOptions & { readonly filter?: Expr; readonly countInserts?: boolean } = {},
): Promise<WriteResult | undefined> {
  const base = await tableLoad(ctx, ident)
  const plan = await scanPlan(ctx, base.metadata, { filter: opts.filter, signal: opts.signal })
  const t = `akko_t_${randomUUID().replaceAll('-', '')}`
  return withConnection(ctx, async conn => {
    try {
      const { sql } = await scanSql({ schema: plan.schema, tableSchema: currentSchema(base.metadata), tasks: plan.tasks, store: ctx.store, withFilePos: true })
      await conn.run(`CREATE TEMP VIEW ${t} AS ${sql}`)
      const spec = build(t)
      let deleted = 0
      const fileDeletes: { path: string; count: number }[] = []
      if (spec.deletes) {
        await conn.run(`CREATE TEMP TABLE ${t}_del AS SELECT DISTINCT _file, _pos FROM (${spec.deletes})`)
        const rows = await conn.runAndReadAll(`SELECT _file, count(*)::BIGINT AS n FROM ${t}_del GROUP BY _file`)
        for (const r of rows.getRowObjects()) fileDeletes.push({ path: String(r._file), count: Number(r.n) })
        deleted = fileDeletes.reduce((a, f) => a + f.count, 0)
      }
      if (spec.inserts) await conn.run(`CREATE TEMP TABLE ${t}_ins AS ${spec.inserts}`)
      const added = spec.inserts ? await filesWrite(ctx, conn, base, `SELECT * FROM ${t}_ins`, opts.signal) : []
      const { removed, deleteFiles } = await deletesWrite(ctx, conn, base, plan, t, fileDeletes)
      if (removed.length === 0 && deleteFiles.length === 0 && added.length === 0) return undefined
      const inserted = added.reduce((a, f) => a + Number(f.record_count), 0)
      const touched = new Set(fileDeletes.map(f => f.path))
      const operation = removed.length === 0 && deleteFiles.length === 0 ? 'append' : added.length === 0 ? 'delete' : 'overwrite'
      const result = await snapshotCommit(ctx, ident, {
        operation,
        added: [...added, ...deleteFiles],
        removed,
        summary: opts.summary,
        validate: since => validateFilesStillLive(ident, since, touched),
      }, { base, signal: opts.signal })
      return { ...result, rows: opts.countInserts ? deleted + inserted : Math.max(deleted, inserted) }
    } finally {
      await conn.run(`DROP VIEW IF EXISTS ${t}; DROP TABLE IF EXISTS ${t}_del; DROP TABLE IF EXISTS ${t}_ins`).catch(() => undefined)
    }
  })
}

/** Deletes the rows matching `where` (operation `delete`). Returns undefined when no row matched. */
export function tableDelete(ctx: TableContext, ident: TableIdent, where: RowPredicate, opts: WriteOptions = {}): Promise<WriteResult | undefined> {
  return tableRowChanges(ctx, ident, t => ({ deletes: `SELECT _file, _pos FROM ${t} WHERE ${where.sql}` }), { ...opts, filter: where.filter })
}

/**
 * Replaces the rows matching `where` (all rows when absent) with `source`, in one snapshot (operation `overwrite`).
 * Without `where`, every live data and delete file is removed: no data file is rewritten.
 */
export async function tableOverwrite(ctx: TableContext, ident: TableIdent, source: RowSource, where?: RowPredicate, opts: WriteOptions = {}): Promise<WriteResult | undefined> {
  if (where) {
    return tableRowChanges(ctx, ident, t => ({ deletes: `SELECT _file, _pos FROM ${t} WHERE ${where.sql}`, inserts: source.sql }), { ...opts, filter: where.filter, countInserts: false })
  }
  const base = await tableLoad(ctx, ident)
  const plan = await scanPlan(ctx, base.metadata, {})
  const removed = uniqueFiles(plan.tasks.flatMap(t => [t.dataFile, ...t.deletes.map(d => d.file)]))
  const added = await withConnection(ctx, conn => filesWrite(ctx, conn, base, source.sql, opts.signal))
  const result = await snapshotCommit(ctx, ident, {
    operation: 'overwrite',
    added,
    removed,
    summary: opts.summary,
    validate: since => {
      if (since.added.some(e => e.data_file.content === 0)) throw conflict(ident, 'rows were added concurrently; the overwrite would discard them')
    },
  }, { base, signal: opts.signal })
  return { ...result, rows: added.reduce((a, f) => a + Number(f.record_count), 0) }
}

/** The SQL that reads the table at a snapshot (DuckDB SELECT of the schema's top-level columns), with its plan. */
export async function tableScanSql(ctx: TableContext, state: TableState, opts: ScanPlanOptions = {}): Promise<{ sql: string; plan: ScanPlan }> {
  const plan = await scanPlan(ctx, state.metadata, opts)
  const { sql } = await scanSql({ schema: plan.schema, tableSchema: currentSchema(state.metadata), tasks: plan.tasks, store: ctx.store })
  return { sql, plan }
}

/** Reads every row of the table (small tables, tests and the CLI); values as DuckDB's JS conversion gives them. */
export async function tableReadAll(ctx: TableContext, ident: TableIdent, opts: ScanPlanOptions & { readonly orderBy?: string } = {}): Promise<Record<string, unknown>[]> {
  const state = await tableLoad(ctx, ident)
  const { sql } = await tableScanSql(ctx, state, opts)
  return withConnection(ctx, async conn => {
    const r = await duckRunAll(conn, `SELECT * FROM (${sql}) ${opts.orderBy ? `ORDER BY ${opts.orderBy}` : ''}`, `Reading ${tableName(ident)}`, opts.signal)
    return r.getRowObjects() as Record<string, unknown>[]
  })
}

async function filesWrite(ctx: TableContext, conn: DuckDBConnection, base: TableState, sourceSql: string, signal?: AbortSignal): Promise<DataFile[]> {
  const m = base.metadata
  return dataFilesWrite(conn, {
    sourceSql,
    schema: currentSchema(m),
    spec: specById(m, m['default-spec-id']),
    store: ctx.store,
    dataLocation: m.properties['write.data.path'] ?? `${m.location}/data`,
    targetFileSizeBytes: Number(m.properties['write.target-file-size-bytes'] ?? 512 * 1024 * 1024),
    signal,
  })
}

/** Position delete files for partially deleted data files (one per data file's partition); fully deleted files are removed. */
async function deletesWrite(ctx: TableContext, conn: DuckDBConnection, base: TableState, plan: ScanPlan, t: string, fileDeletes: readonly { path: string; count: number }[]) {
  const removed: DataFile[] = []
  const partial: DataFile[] = []
  const tasks = new Map(plan.tasks.map(task => [task.dataFile.file_path, task]))
  const live = fileDeletes.length > 0 ? await liveRows(conn, t) : new Map<string, number>()
  for (const fd of fileDeletes) {
    const task = tasks.get(fd.path)
    if (!task) throw new AkkoError('INTERNAL', `Deleted row points at ${fd.path}, which is not in the scan (this is a bug)`)
    if (live.get(fd.path) === fd.count) removed.push(task.dataFile)
    else partial.push(task.dataFile)
  }
  const byPartition = new Map<string, DataFile[]>()
  for (const f of partial) {
    const key = `${f.spec_id}|${JSON.stringify(f.partition, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`
    let g = byPartition.get(key)
    if (!g) byPartition.set(key, (g = []))
    g.push(f)
  }
  const deleteFiles: DataFile[] = []
  const m = base.metadata
  for (const files of byPartition.values()) {
    const first = files[0] as DataFile
    const paths = files.map(f => `'${f.file_path.replaceAll("'", "''")}'`).join(', ')
    deleteFiles.push(await positionDeletesWrite(conn, {
      sourceSql: `SELECT _file AS file_path, _pos AS pos FROM ${t}_del WHERE _file IN (${paths})`,
      store: ctx.store,
      location: `${m.properties['write.data.path'] ?? `${m.location}/data`}/${randomUUID()}-deletes.parquet`,
      spec: specById(m, first.spec_id ?? m['default-spec-id']),
      partition: first.partition,
    }))
  }
  return { removed, deleteFiles }
}

/** Live row counts of the data files that have deleted rows, in one pass over the scan. */
async function liveRows(conn: DuckDBConnection, t: string): Promise<Map<string, number>> {
  const r = await conn.runAndReadAll(`SELECT _file, count(*)::BIGINT AS n FROM ${t} WHERE _file IN (SELECT _file FROM ${t}_del) GROUP BY _file`)
  return new Map(r.getRowObjects().map(row => [String(row._file), Number(row.n)]))
}

function validateFilesStillLive(ident: TableIdent, since: ConcurrentChanges, touched: ReadonlySet<string>): void {
  const gone = since.removed.find(e => touched.has(e.data_file.file_path))
  if (gone) throw conflict(ident, `data file ${gone.data_file.file_path} was rewritten or removed concurrently`)
}

function conflict(ident: TableIdent, why: string): AkkoError {
  return new AkkoError('COMMIT_CONFLICT', `Conflicting concurrent change to ${tableName(ident)}: ${why}. Retry the statement.`, { retryable: false, table: tableName(ident) })
}

function uniqueFiles(files: readonly DataFile[]): DataFile[] {
  const seen = new Map<string, DataFile>()
  for (const f of files) seen.set(f.file_path, f)
  return [...seen.values()]
}

async function withConnection<T>(ctx: TableContext, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await ctx.duck.connect()
  try {
    return await fn(conn)
  } finally {
    conn.closeSync()
  }
}
