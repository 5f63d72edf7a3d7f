/**
 * File pruning with column metrics (spec "Scan Planning", manifest `data_file` stats): answers "might this file
 * contain rows matching the filter?" from record_count, value/null/NaN counts and lower/upper bounds.
 * Conservative by construction: missing or unreadable stats, NaN bounds and columns inside lists or maps
 * never prune. Bounds may be truncated (strings, binary), so they are used as inclusive limits only.
 */
import { invariant } from '../../core/index.js'
import { exprRewriteNot, type BoundExpr, type BoundPredicate } from './expressions.js'
import { boundsMightMatch, exprEvaluate } from './evaluators.js'
import { schemaIndex } from './types.js'
import { valueFromBytes } from './values.js'
import type { DataFile, StructType } from './spec.js'

/** Above this many literals an IN list is not checked against bounds (the check would cost more than it saves). */
const IN_LIST_LIMIT = 200

/**
 * Builds a file test for a bound row filter. `schema` is the table schema the expression was bound to; every
 * column of the expression must exist in it.
 * @example metricsEvaluator(exprBind(exprEq('id', 5), schema), schema)(dataFile) // false when 5 is outside the file's bounds
 */
export function metricsEvaluator(boundExpr: BoundExpr, schema: StructType): (file: DataFile) => boolean {
  const ids = schemaIndex(schema).byId
  const expr = exprRewriteNot(boundExpr)
  exprEvaluate(expr, (p) => {
    invariant(ids.has(p.term.id), `filter column ${p.term.name} (id ${p.term.id}) is not in the schema given to metricsEvaluator`)
    return true
  })
  return (file) => {
    // v1 tables imported from other formats may carry -1 ("unknown") record counts.
    if (file.record_count === 0) return false
    return exprEvaluate(expr, (p) => predicateMightMatch(p, file))
  }
}

function count(m: ReadonlyMap<number, number> | null | undefined, id: number): number | undefined {
  const v = m?.get(id)
  return v === undefined || v === null ? undefined : Number(v)
}

function bound(file: DataFile, which: 'lower_bounds' | 'upper_bounds', p: BoundPredicate): unknown {
  const bytes = file[which]?.get(p.term.id)
  if (!bytes || p.term.type === 'struct' || p.term.type === 'list' || p.term.type === 'map') return undefined
  try {
    const v = valueFromBytes(p.term.type, bytes)
    // Old writers could store NaN as a bound; such bounds say nothing about the other values.
    return typeof v === 'number' && Number.isNaN(v) ? undefined : v
  } catch {
    return undefined
  }
}

function predicateMightMatch(p: BoundPredicate, file: DataFile): boolean {
  // Counts of a column inside a list or map describe elements, not rows: they cannot prune rows.
  if (p.term.repeated) return true
  const id = p.term.id
  const values = count(file.value_counts, id)
  const nulls = count(file.null_value_counts, id)
  const nans = count(file.nan_value_counts, id)
  const onlyNulls = values !== undefined && nulls !== undefined && nulls === values
  const onlyNaNs = values !== undefined && nans !== undefined && nans === values
  switch (p.op) {
    case 'isNull': return nulls === undefined || nulls > 0
    case 'notNull': return !onlyNulls
    case 'isNaN': return !(nans === 0 || onlyNulls)
    case 'notNaN': return !onlyNaNs
    case 'notEq': case 'notIn': return true
    case 'notStartsWith': {
      if (nulls === undefined || nulls > 0) return true
      const lower = bound(file, 'lower_bounds', p), upper = bound(file, 'upper_bounds', p)
      const prefix = p.value as string
      // Every value lies between bounds that both start with the prefix, so every value does.
      return !(typeof lower === 'string' && typeof upper === 'string' && lower.startsWith(prefix) && upper.startsWith(prefix))
    }
  }
  if (onlyNulls || onlyNaNs) return false
  if (p.op === 'in' && p.values.length > IN_LIST_LIMIT) return true
  return boundsMightMatch(p, bound(file, 'lower_bounds', p), bound(file, 'upper_bounds', p), p.term.type)
}
