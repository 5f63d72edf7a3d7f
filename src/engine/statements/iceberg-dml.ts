/**
 * Iceberg DML in Trino's syntax: INSERT, DELETE, UPDATE and MERGE. Every embedded query and expression goes
 * through the engine's `bindQuery` (table substitution, governance, sandbox checks); the rows to write and the
 * row positions (`_file`, `_pos`) to delete are computed by DuckDB from that bound SQL, and each statement is
 * ONE Iceberg commit through the storage layer (`tableAppend`, `tableRowChanges`).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { currentSchema, icebergToDuckType, tableAppend, tableLoad, tableRowChanges, type StructField } from '../../storage/index.js'
import type { QueryResult } from '../engine.js'
import type { StatementContext, StatementHandler } from './statement.js'
import { dmlResult, icebergTarget, maskedWriteRefuse, ROW_OK, rowFilterViolations, targetCheck, targetGovernance, type IcebergTarget } from './iceberg-common.js'
import { columnFind } from './iceberg-properties.js'
import { quoteIdent, quoteString, sqlHead, SqlReader } from './iceberg-sql-reader.js'
import { mergeExecute } from './iceberg-merge.js'
import { withStage } from './iceberg-stage.js'

/** Handles INSERT INTO, DELETE FROM, UPDATE and MERGE INTO on Iceberg tables. */
export const icebergDmlHandler: StatementHandler = {
  name: 'iceberg-dml',
  matches(_head: string, sql: string): boolean {
    let h: string[]
    try {
      h = sqlHead(sql, 2)
    } catch {
      return false
    }
    const [a, b] = h
    return (a === 'INSERT' && b === 'INTO') || (a === 'DELETE' && b === 'FROM') || a === 'UPDATE' || (a === 'MERGE' && b === 'INTO')
  },
  execute(sql: string, ctx: StatementContext): Promise<QueryResult> {
    const r = new SqlReader(sql)
    if (r.acceptKw('INSERT', 'INTO')) return insertExecute(r, ctx)
    if (r.acceptKw('DELETE', 'FROM')) return deleteExecute(r, ctx)
    if (r.acceptKw('UPDATE')) return updateExecute(r, ctx)
    if (r.acceptKw('MERGE', 'INTO')) return mergeExecute(r, ctx)
    throw r.error('expected INSERT, DELETE, UPDATE or MERGE')
  },
}

/** The target table's current top-level columns. TABLE_NOT_FOUND as Trino words it. */
export async function targetColumns(ctx: StatementContext, target: IcebergTarget): Promise<readonly StructField[]> {
  try {
    return currentSchema((await tableLoad(ctx.iceberg.tables, target.ident)).metadata).fields
  } catch (e) {
    if (e instanceof AkkoError && (e.code === 'TABLE_NOT_FOUND' || e.code === 'NAMESPACE_NOT_FOUND')) {
      throw new AkkoError('TABLE_NOT_FOUND', `Table '${target.display}' does not exist`, { table: target.display })
    }
    throw e
  }
}

/** `CAST(expr AS <the column's DuckDB type>) AS "column"`. */
export const castTo = (expr: string, col: StructField): string => `CAST(${expr} AS ${icebergToDuckType(col.type)}) AS ${quoteIdent(col.name)}`

/** Marker raised with DuckDB's error() inside the change SQL and turned into COMMIT_CONFLICT by `rowChangeErrors`. */
const STALE_FILE_MARKER = 'akko:stale-data-file'

/**
 * The deletes SQL of a row change: `_file, _pos` from `positions` (a table or parenthesized query yielding them), refusing rows whose data
 * file is no longer live in `target` (the storage layer's view of the snapshot being changed): that happens only when
 * another writer rewrote the file between binding and committing.
 */
export function deletesGuarded(positions: string, target: string): string {
  return `SELECT _file, _pos FROM ${positions} AS __p WHERE CASE WHEN __p._file NOT IN (SELECT DISTINCT _file FROM ${target}) THEN error(${quoteString(STALE_FILE_MARKER)}) ELSE true END`
}

/** Turns the markers into the errors a user can act on; other errors pass through. */
export function rowChangeErrors(e: unknown, target: IcebergTarget): never {
  const msg = e instanceof Error ? e.message : String(e)
  if (msg.includes(STALE_FILE_MARKER)) {
    throw new AkkoError('COMMIT_CONFLICT', `Conflicting concurrent change to ${target.display}: a data file was rewritten while the statement ran. Retry the statement.`, { table: target.display })
  }
  throw e
}

// ------------------------------------------------------------------ INSERT

async function insertExecute(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'INSERT')
  await targetCheck(ctx, target, 'INSERT', 'insert into table')
  let listed: string[] | undefined
  if (r.isPunct('(') && !(r.peek(1)?.kind === 'word' && ['SELECT', 'WITH', 'VALUES', 'TABLE'].includes((r.peek(1)?.value ?? '').toUpperCase()))) {
    r.expectPunct('(')
    listed = []
    do listed.push(r.ident('column name'))
    while (r.acceptPunct(','))
    r.expectPunct(')')
  }
  const query = r.rest()
  if (query.trim() === '') throw r.error('expected a query')
  const fields = await targetColumns(ctx, target)
  const cols = (listed ?? fields.map(f => f.name)).map(name => {
    const f = columnFind(fields, name)
    if (!f) throw new AkkoError('COLUMN_NOT_FOUND', `Insert column name does not exist in target table: ${name}`, { column: name })
    return f
  })
  const dupe = cols.find((c, i) => cols.indexOf(c) !== i)
  if (dupe) throw new AkkoError('INVALID_ARGUMENT', `Insert column name is specified more than once: ${dupe.name}`, { column: dupe.name })
  const missingRequired = fields.find(f => f.required && !cols.includes(f))
  if (missingRequired) throw new AkkoError('INVALID_ARGUMENT', `NULL value not allowed for NOT NULL column: ${missingRequired.name}`, { column: missingRequired.name })
  maskedWriteRefuse(await targetGovernance(ctx, target), 'Insert into table with column masks is not supported', target)
  const bound = await ctx.bindQuery(query)
  if (bound.columns.length !== cols.length) {
    throw new AkkoError('INVALID_ARGUMENT', `Insert query has mismatched column types: Table: [${cols.map(c => c.name).join(', ')}], Query: [${bound.columns.map(c => c.type).join(', ')}]`, { table: target.display })
  }
  const aliases = cols.map((_, i) => `c${i}`)
  // Columns left out of the list are NULL: the row filter sees the full rows being written.
  const values = fields.map(f => {
    const i = cols.indexOf(f)
    return i < 0 ? castTo('NULL', f) : castTo(`__q.${aliases[i]}`, f)
  })
  const select = `SELECT ${values.join(', ')} FROM (${bound.sql}) AS __q(${aliases.join(', ')})`
  const guarded = await ctx.rowFilterGuard?.(target.ref, select)
  const res = await withStage(ctx, guarded ?? select, async stage => {
    if (guarded) await rowFilterViolations(target, 'insert', await stageCount(stage, `NOT coalesce(${ROW_OK}, false)`))
    return tableAppend(ctx.iceberg.tables, target.ident, { sql: `SELECT ${fields.map(f => quoteIdent(f.name)).join(', ')} FROM ${stage.name}` }, { signal: ctx.signal })
  })
  return dmlResult(ctx, 'INSERT', res?.rows ?? 0)
}

// ------------------------------------------------------------------ DELETE

async function deleteExecute(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'DELETE')
  const where = r.acceptKw('WHERE') ? r.rest() : undefined
  r.expectEnd()
  if (where !== undefined && where.trim() === '') throw r.error('expected a condition after WHERE')
  await targetCheck(ctx, target, 'DELETE', 'delete from table')
  await targetColumns(ctx, target)
  // A caller with a row filter deletes only the rows they can see (Trino applies the filter to the target).
  const filtered = (await targetGovernance(ctx, target)).filter !== undefined
  try {
    if (where === undefined && !filtered) {
      // Without WHERE every row goes: whole data files are removed, nothing is rewritten.
      const res = await tableRowChanges(ctx.iceberg.tables, target.ident, t => ({ deletes: `SELECT _file, _pos FROM ${t}` }), { signal: ctx.signal })
      return dmlResult(ctx, 'DELETE', res?.rows ?? 0)
    }
    const bound = await ctx.bindQuery(`SELECT _file, _pos FROM ${target.sqlName}${where !== undefined ? ` WHERE ${where}` : ''}`, { rowIdsFor: target.ref })
    const res = await withStage(ctx, bound.sql, async stage =>
      stage.rows === 0 ? undefined : await tableRowChanges(ctx.iceberg.tables, target.ident, t => ({ deletes: deletesGuarded(stage.name, t) }), { signal: ctx.signal }))
    return dmlResult(ctx, 'DELETE', res?.rows ?? 0)
  } catch (e) {
    return rowChangeErrors(e, target)
  }
}

// ------------------------------------------------------------------ UPDATE

/** `col = expr, …` up to WHERE (or the end, or a `WHEN` for MERGE); expressions are raw text for bindQuery. */
export function assignmentsRead(r: SqlReader, stops: readonly (readonly string[])[]): Map<string, string> {
  const out = new Map<string, string>()
  do {
    const name = r.ident('column name')
    r.expectPunct('=')
    const expr = r.skipUntil([[','], ...stops])
    if (expr.trim() === '') throw r.error('expected an expression')
    if (out.has(name)) throw new AkkoError('INVALID_ARGUMENT', `Multiple updates to the same column: ${name}`, { column: name })
    out.set(name, expr)
  } while (r.acceptPunct(','))
  return out
}

async function updateExecute(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'UPDATE')
  r.expectKw('SET')
  const sets = assignmentsRead(r, [['WHERE']])
  const where = r.acceptKw('WHERE') ? r.rest() : undefined
  r.expectEnd()
  await targetCheck(ctx, target, 'UPDATE', `update columns [${[...sets.keys()].join(', ')}] in table`)
  maskedWriteRefuse(await targetGovernance(ctx, target), 'Updating a table with column masks is not supported', target)
  const fields = await targetColumns(ctx, target)
  const byId = new Map<number, string>()
  for (const [name, expr] of sets) {
    const f = columnFind(fields, name)
    if (!f) throw new AkkoError('COLUMN_NOT_FOUND', `The UPDATE SET target column ${name} doesn't exist`, { column: name })
    byId.set(f.id, expr)
  }
  const projections = fields.map((f, i) => `${byId.has(f.id) ? `(${byId.get(f.id)})` : quoteIdent(f.name)} AS __v${i}`)
  const bound = await ctx.bindQuery(`SELECT _file, _pos, ${projections.join(', ')} FROM ${target.sqlName}${where !== undefined ? ` WHERE ${where}` : ''}`, { rowIdsFor: target.ref })
  // New values are computed (and cast to the column types) once, on the statement's connection.
  const staged = `SELECT __u._file, __u._pos, ${fields.map((f, i) => castTo(`__u.__v${i}`, f)).join(', ')} FROM (${bound.sql}) AS __u`
  const guarded = await ctx.rowFilterGuard?.(target.ref, staged)
  try {
    const res = await withStage(ctx, guarded ?? staged, async stage => {
      if (guarded) await rowFilterViolations(target, 'update', await stageCount(stage, `NOT coalesce(${ROW_OK}, false)`))
      return stage.rows === 0 ? undefined : await tableRowChanges(ctx.iceberg.tables, target.ident, t => ({
        deletes: deletesGuarded(stage.name, t),
        inserts: `SELECT ${fields.map(f => quoteIdent(f.name)).join(', ')} FROM ${stage.name}`,
      }), { signal: ctx.signal, countInserts: false })
    })
    return dmlResult(ctx, 'UPDATE', res?.rows ?? 0)
  } catch (e) {
    return rowChangeErrors(e, target)
  }
}

/** Staged rows matching `condition` (SQL over the stage's columns). */
export async function stageCount(stage: { readonly name: string; query(sql: string): Promise<Record<string, unknown>[]> }, condition: string): Promise<number> {
  const [row] = await stage.query(`SELECT count(*) AS n FROM ${stage.name} WHERE ${condition}`)
  return Number(row?.n ?? 0)
}
