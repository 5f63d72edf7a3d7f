/**
 * MERGE INTO on Iceberg tables (Trino's syntax and semantics): one bound query joins the source to the target's
 * rows (with `_file`, `_pos`) and decides, per source row, the first WHEN clause that applies; from it DuckDB
 * computes the positions to delete (DELETE and UPDATE clauses) and the rows to write (UPDATE and INSERT clauses),
 * committed as one snapshot. A target row matched by two source rows with an action fails with
 * MERGE_TARGET_ROW_MULTIPLE_MATCHES and changes nothing.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { tableRowChanges, type StructField } from '../../storage/index.js'
import type { QueryResult } from '../engine.js'
import type { StatementContext } from './statement.js'
import { dmlResult, icebergTarget, maskedWriteRefuse, ROW_OK, rowFilterViolations, targetCheck, targetGovernance } from './iceberg-common.js'
import { assignmentsRead, castTo, deletesGuarded, rowChangeErrors, stageCount, targetColumns } from './iceberg-dml.js'
import { columnFind } from './iceberg-properties.js'
import { quoteIdent, SqlReader } from './iceberg-sql-reader.js'
import { withStage } from './iceberg-stage.js'

type MergeClause =
  | { readonly kind: 'update'; readonly cond?: string; readonly sets: Map<string, string> }
  | { readonly kind: 'delete'; readonly cond?: string }
  | { readonly kind: 'insert'; readonly cond?: string; readonly columns?: readonly string[]; readonly values: readonly string[] }

/** Parses and runs `MERGE INTO t [AS a] USING s [AS b] ON cond WHEN …` (the reader is after MERGE INTO). */
export async function mergeExecute(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'MERGE')
  let alias = target.ref.table
  if (r.acceptKw('AS')) alias = r.ident('alias')
  else if (!r.isKw('USING')) alias = r.ident('alias')
  r.expectKw('USING')
  const source = r.skipUntil([['ON']])
  if (source.trim() === '') throw r.error('expected a source table or query')
  r.expectKw('ON')
  const on = r.skipUntil([['WHEN']])
  if (on.trim() === '') throw r.error('expected a join condition')
  const clauses: MergeClause[] = []
  while (r.acceptKw('WHEN')) clauses.push(clauseRead(r))
  r.expectEnd()
  if (clauses.length === 0) throw r.error('expected WHEN')
  // Trino checks the privilege of each kind of clause the MERGE has.
  if (clauses.some(c => c.kind === 'insert')) await targetCheck(ctx, target, 'INSERT', 'insert into table')
  const updated = [...new Set(clauses.flatMap(c => (c.kind === 'update' ? [...c.sets.keys()] : [])))]
  if (clauses.some(c => c.kind === 'update')) await targetCheck(ctx, target, 'UPDATE', `update columns [${updated.join(', ')}] in table`)
  if (clauses.some(c => c.kind === 'delete')) await targetCheck(ctx, target, 'DELETE', 'delete from table')
  maskedWriteRefuse(await targetGovernance(ctx, target), 'Cannot merge into a table with column masks', target)

  const fields = await targetColumns(ctx, target)
  const t = quoteIdent(alias)
  // The target's row ids are NULL exactly when the source row matched no target row.
  const matched = `${t}._file IS NOT NULL`
  const choice = clauses.map((c, i) => {
    const when = c.kind === 'insert' ? `NOT (${matched})` : matched
    return `WHEN ${when}${c.cond !== undefined ? ` AND (${c.cond})` : ''} THEN ${i + 1}`
  })
  const values: string[] = []
  const outputs = new Map<number, string[]>()
  clauses.forEach((c, i) => {
    if (c.kind === 'delete') return
    const exprs = clauseValues(c, fields, t)
    outputs.set(i + 1, exprs.map((e, j) => {
      values.push(`(${e}) AS __c${i + 1}_${j}`)
      return `__m.__c${i + 1}_${j}`
    }))
  })
  const inner = `SELECT ${t}._file AS __file, ${t}._pos AS __pos, CASE ${choice.join(' ')} ELSE 0 END AS __clause${values.length ? `, ${values.join(', ')}` : ''} `
    + `FROM ${target.sqlName} AS ${t} RIGHT JOIN ${source} ON ${on}`
  const bound = await ctx.bindQuery(inner, { rowIdsFor: target.ref })

  const removing = clauses.flatMap((c, i) => (c.kind === 'insert' ? [] : [i + 1]))
  const writing = clauses.flatMap((c, i) => (c.kind === 'delete' ? [] : [i + 1]))
  // Only rows with an action are staged, with the target's new values already computed and cast.
  const rows = fields.map((f, j) => {
    const cases = writing.map(k => `WHEN ${k} THEN ${(outputs.get(k) as string[])[j]}`).join(' ')
    return castTo(writing.length ? `CASE __m.__clause ${cases} END` : 'NULL', f)
  })
  const staged = `SELECT __m.__file AS _file, __m.__pos AS _pos, __m.__clause, ${rows.join(', ')} FROM (${bound.sql}) AS __m WHERE __m.__clause > 0`
  const guarded = writing.length ? await ctx.rowFilterGuard?.(target.ref, staged) : undefined
  try {
    return await withStage(ctx, guarded ?? staged, async stage => {
      if (guarded) await rowFilterViolations(target, 'merge', await stageCount(stage, `__clause IN (${writing.join(', ')}) AND NOT coalesce(${ROW_OK}, false)`))
      const [dup] = await stage.query(`SELECT count(*) AS n FROM (SELECT 1 FROM ${stage.name} WHERE _file IS NOT NULL GROUP BY _file, _pos HAVING count(*) > 1)`)
      if (Number(dup?.n ?? 0) > 0) throw new AkkoError('MERGE_TARGET_ROW_MULTIPLE_MATCHES', 'One MERGE target table row matched more than one source row', { table: target.display })
      if (stage.rows > 0) {
        await tableRowChanges(ctx.iceberg.tables, target.ident, tv => ({
          deletes: removing.length ? deletesGuarded(`(SELECT _file, _pos FROM ${stage.name} WHERE __clause IN (${removing.join(', ')}))`, tv) : undefined,
          inserts: writing.length ? `SELECT ${fields.map(f => quoteIdent(f.name)).join(', ')} FROM ${stage.name} WHERE __clause IN (${writing.join(', ')})` : undefined,
        }), { signal: ctx.signal })
      }
      return dmlResult(ctx, 'MERGE', stage.rows)
    })
  } catch (e) {
    return rowChangeErrors(e, target)
  }
}

function clauseRead(r: SqlReader): MergeClause {
  const notMatched = r.acceptKw('NOT', 'MATCHED')
  if (!notMatched) r.expectKw('MATCHED')
  let cond: string | undefined
  if (r.acceptKw('AND')) {
    cond = r.skipUntil([['THEN']])
    if (cond.trim() === '') throw r.error('expected a condition')
  }
  r.expectKw('THEN')
  if (notMatched) {
    r.expectKw('INSERT')
    let columns: string[] | undefined
    if (r.acceptPunct('(')) {
      columns = []
      do columns.push(r.ident('column name'))
      while (r.acceptPunct(','))
      r.expectPunct(')')
    }
    r.expectKw('VALUES')
    r.expectPunct('(')
    const values: string[] = []
    do {
      const v = r.skipUntil([[',']])
      if (v.trim() === '') throw r.error('expected an expression')
      values.push(v)
    } while (r.acceptPunct(','))
    r.expectPunct(')')
    if (columns && columns.length !== values.length) throw new AkkoError('INVALID_ARGUMENT', `MERGE INSERT has ${columns.length} columns but ${values.length} values`, {})
    return { kind: 'insert', cond, columns, values }
  }
  if (r.acceptKw('DELETE')) return { kind: 'delete', cond }
  r.expectKw('UPDATE')
  r.expectKw('SET')
  return { kind: 'update', cond, sets: assignmentsRead(r, [['WHEN']]) }
}

/** One expression per target column for an UPDATE or INSERT clause. */
function clauseValues(c: Exclude<MergeClause, { kind: 'delete' }>, fields: readonly StructField[], t: string): string[] {
  if (c.kind === 'update') {
    const byId = new Map<number, string>()
    for (const [name, expr] of c.sets) {
      const f = columnFind(fields, name)
      if (!f) throw new AkkoError('COLUMN_NOT_FOUND', `Merge column name does not exist in target table: ${name}`, { column: name })
      byId.set(f.id, expr)
    }
    return fields.map(f => byId.get(f.id) ?? `${t}.${quoteIdent(f.name)}`)
  }
  const names = c.columns ?? fields.map(f => f.name)
  if (names.length !== c.values.length) {
    throw new AkkoError('INVALID_ARGUMENT', `MERGE INSERT has ${c.values.length} values but the target table has ${names.length} columns`, {})
  }
  const byId = new Map<number, string>()
  names.forEach((name, i) => {
    const f = columnFind(fields, name)
    if (!f) throw new AkkoError('COLUMN_NOT_FOUND', `Merge column name does not exist in target table: ${name}`, { column: name })
    if (byId.has(f.id)) throw new AkkoError('INVALID_ARGUMENT', `Merge column name is specified more than once: ${name}`, { column: name })
    byId.set(f.id, c.values[i] as string)
  })
  const missing = fields.find(f => f.required && !byId.has(f.id))
  if (missing) throw new AkkoError('INVALID_ARGUMENT', `NULL value not allowed for NOT NULL column: ${missing.name}`, { column: missing.name })
  return fields.map(f => byId.get(f.id) ?? 'NULL')
}
