/**
 * Scan-planning evaluators (spec "Scan Planning"): inclusive projection of a row filter onto a partition spec,
 * and "might rows match?" tests over a manifest entry's partition tuple and a manifest list entry's partition
 * summaries. Every test is conservative: it may keep what does not match, never drop what does.
 * File-level pruning with column metrics lives in metrics-evaluator.ts.
 */
import { invariant } from '../../core/index.js'
import {
  exprAnd, exprFalse, exprOr, exprRewriteNot, exprTrue,
  type BoundExpr, type BoundPredicate, type BoundTerm, type LiteralOp,
} from './expressions.js'
import { transformApply, transformParse, transformResultType } from './transforms.js'
import { schemaIndex } from './types.js'
import { valueCompare, valueFromBytes } from './values.js'
import type { FieldSummary, ManifestFile, PartitionField, PartitionSpec, PartitionValues, PrimitiveType, StructType } from './spec.js'

export { metricsEvaluator } from './metrics-evaluator.js'

// ---------------------------------------------------------------- inclusive projection

/**
 * Projects a bound row filter onto a partition spec (spec "Scan Planning", inclusive projection): the result is an
 * expression over partition fields that holds for every partition that may contain a matching row.
 * identity projects every predicate; bucket projects eq and in; truncate and year/month/day/hour project eq, in and
 * ranges (and truncate of strings startsWith); void and anything else project to true. Terms of the result are the
 * partition fields (id = partition field id, type = transform result type).
 */
export function partitionProjection(boundExpr: BoundExpr, spec: PartitionSpec, schema: StructType): BoundExpr {
  const index = schemaIndex(schema)
  const go = (e: BoundExpr): BoundExpr => {
    switch (e.kind) {
      case 'true': case 'false': return e
      case 'and': return exprAnd(...e.args.map(go))
      case 'or': return exprOr(...e.args.map(go))
      case 'not': invariant(false, 'NOT must be rewritten before projection'); return e
      case 'pred': {
        const source = index.byId.get(e.term.id)?.field.type
        if (typeof source !== 'string') return exprTrue()
        // Every partition field derived from the column constrains it, so all their projections must hold.
        return exprAnd(...spec.fields.filter((f) => f['source-id'] === e.term.id).map((f) => projectPredicate(e, f, source)))
      }
    }
  }
  return go(exprRewriteNot(boundExpr))
}

const ORDERED_BY_TRUNCATION = new Set(['string', 'binary'])

const step = (v: unknown, by: 1 | -1): unknown => (typeof v === 'bigint' ? v + BigInt(by) : (v as number) + by)

function projectPredicate(p: BoundPredicate, field: PartitionField, sourceType: PrimitiveType): BoundExpr {
  const t = transformParse(field.transform)
  if (t.kind === 'void') return exprTrue()
  const term: BoundTerm = { id: field['field-id'], name: field.name, type: transformResultType(t, sourceType), repeated: false }
  // Transforms map null to null and non-null to non-null, so null tests carry over unchanged.
  if (p.op === 'isNull' || p.op === 'notNull') return { kind: 'pred', op: p.op, term }
  if (t.kind === 'identity') return { ...p, term }
  const apply = (v: unknown): unknown => transformApply(t, sourceType, v)
  try {
    if (p.op === 'eq') return { kind: 'pred', op: 'eq', term, value: apply(p.value) }
    if (p.op === 'in') return { kind: 'pred', op: 'in', term, values: dedupe(term, p.values.map(apply)) }
    if (t.kind === 'bucket') return exprTrue()
    // truncate and the temporal transforms keep order, so ranges project with inclusive bounds. For integral
    // sources x < v is x <= v-1, which projects tighter than f(v); truncated strings only allow f(v).
    const discrete = !ORDERED_BY_TRUNCATION.has(sourceType)
    switch (p.op) {
      case 'lt': return { kind: 'pred', op: 'ltEq', term, value: apply(discrete ? step(p.value, -1) : p.value) }
      case 'ltEq': return { kind: 'pred', op: 'ltEq', term, value: apply(p.value) }
      case 'gt': return { kind: 'pred', op: 'gtEq', term, value: apply(discrete ? step(p.value, 1) : p.value) }
      case 'gtEq': return { kind: 'pred', op: 'gtEq', term, value: apply(p.value) }
      case 'startsWith': return { kind: 'pred', op: 'startsWith', term, value: apply(p.value) }
      case 'notStartsWith':
        // x starts with v exactly when truncate(x) does, as long as v is no longer than the width.
        return t.kind === 'truncate' && Array.from(p.value as string).length <= (t.param ?? 0)
          ? { kind: 'pred', op: 'notStartsWith', term, value: p.value } : exprTrue()
      default: return exprTrue()
    }
  } catch {
    // A literal the transform cannot take (e.g. one step past the type's range) just does not prune.
    return exprTrue()
  }
}

function dedupe(term: BoundTerm, values: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const v of values) if (!out.some((o) => valueCompare(term.type, o, v) === 0)) out.push(v)
  return out
}

// ---------------------------------------------------------------- exact evaluation on a partition tuple

const isNaNValue = (v: unknown): boolean => typeof v === 'number' && Number.isNaN(v)

/** valueCompare, except that -0 equals +0 as in SQL (the sort order puts -0 first, which would prune `x = 0`). */
function compare(type: string, a: unknown, b: unknown): number {
  return valueCompare(type, a === 0 ? 0 : a, b === 0 ? 0 : b)
}

/** Row semantics of one predicate on one value. Nulls never satisfy comparisons; negated ones keep them. */
export function predicateTest(p: BoundPredicate, v: unknown): boolean {
  const isNull = v === null || v === undefined
  switch (p.op) {
    case 'isNull': return isNull
    case 'notNull': return !isNull
    case 'isNaN': return isNaNValue(v)
    case 'notNaN': return !isNaNValue(v)
    case 'in': return !isNull && p.values.some((x) => compare(p.term.type, v, x) === 0)
    case 'notIn': return isNull || !p.values.some((x) => compare(p.term.type, v, x) === 0)
    case 'startsWith': return !isNull && String(v).startsWith(p.value as string)
    case 'notStartsWith': return isNull || !String(v).startsWith(p.value as string)
    case 'notEq': return isNull || compare(p.term.type, v, p.value) !== 0
  }
  if (isNull || isNaNValue(v)) return false
  return compareOk(p.op, compare(p.term.type, v, p.value))
}

function compareOk(op: LiteralOp, c: number): boolean {
  switch (op) {
    case 'eq': return c === 0
    case 'lt': return c < 0
    case 'ltEq': return c <= 0
    case 'gt': return c > 0
    case 'gtEq': return c >= 0
    default: return true
  }
}

/** Evaluates any bound expression, answering each predicate with `test`. */
export function exprEvaluate(e: BoundExpr, test: (p: BoundPredicate) => boolean): boolean {
  switch (e.kind) {
    case 'true': return true
    case 'false': return false
    case 'and': return e.args.every((a) => exprEvaluate(a, test))
    case 'or': return e.args.some((a) => exprEvaluate(a, test))
    case 'not': return !exprEvaluate(e.arg, test)
    case 'pred': return test(e)
  }
}

/**
 * Evaluates a projected expression on a manifest entry's partition tuple (keyed by partition field name, values
 * in their in-memory form): false means no row of the file can match the row filter.
 */
export function partitionEvaluator(projected: BoundExpr, partitionType: StructType): (partition: PartitionValues) => boolean {
  const names = new Map(partitionType.fields.map((f) => [f.id, f.name]))
  const expr = exprRewriteNot(projected)
  return (partition) => exprEvaluate(expr, (p) => {
    const name = names.get(p.term.id) ?? p.term.name
    return predicateTest(p, partition[name])
  })
}

// ---------------------------------------------------------------- manifest summaries

interface SummaryField { readonly pos: number; readonly type: PrimitiveType | undefined }

/**
 * "Might this manifest contain matching files?" from the manifest list's partition summaries (contains_null,
 * contains_nan, lower_bound, upper_bound, bounds decoded with the partition field's result type). `projected` is
 * the output of `partitionProjection` for this spec; manifests written with another spec must use their own.
 * A manifest without summaries always might match.
 */
export function manifestEvaluator(projected: BoundExpr, spec: PartitionSpec, schema: StructType): (manifest: ManifestFile) => boolean {
  const index = schemaIndex(schema)
  const fields = new Map<number, SummaryField>(spec.fields.map((f, pos) => {
    const source = index.byId.get(f['source-id'])?.field.type
    let type: PrimitiveType | undefined
    try {
      type = typeof source === 'string' ? transformResultType(f.transform, source) : undefined
    } catch {
      type = undefined
    }
    return [f['field-id'], { pos, type }]
  }))
  const expr = exprRewriteNot(projected)
  return (manifest) => {
    invariant(manifest.partition_spec_id === spec['spec-id'],
      `manifest ${manifest.manifest_path} has spec ${manifest.partition_spec_id}, evaluator built for spec ${spec['spec-id']}`)
    const summaries = manifest.partitions
    if (!summaries) return true
    return exprEvaluate(expr, (p) => {
      const f = fields.get(p.term.id)
      const s = f ? summaries[f.pos] : undefined
      return !f?.type || !s ? true : summaryMightMatch(p, s, f.type)
    })
  }
}

function decode(type: PrimitiveType, bytes: Uint8Array | null | undefined): unknown {
  if (!bytes) return undefined
  try {
    const v = valueFromBytes(type, bytes)
    return isNaNValue(v) ? undefined : v
  } catch {
    return undefined
  }
}

function summaryMightMatch(p: BoundPredicate, s: FieldSummary, type: PrimitiveType): boolean {
  const floating = type === 'float' || type === 'double'
  // No lower bound means no non-null, non-NaN value (spec "Manifest Lists"), unless stats were not kept at all.
  const noValues = !s.lower_bound && !s.upper_bound
  switch (p.op) {
    case 'isNull': return s.contains_null
    case 'notNull': return !(s.contains_null && noValues && (!floating || s.contains_nan === false))
    case 'isNaN': return s.contains_nan !== false
    case 'notNaN': return !(s.contains_nan === true && !s.contains_null && noValues)
    case 'notEq': case 'notIn': return true
    case 'notStartsWith': {
      if (s.contains_null) return true
      const lower = decode(type, s.lower_bound), upper = decode(type, s.upper_bound)
      const prefix = p.value as string
      return !(typeof lower === 'string' && typeof upper === 'string' && lower.startsWith(prefix) && upper.startsWith(prefix))
    }
  }
  if (noValues) return !(s.contains_null || s.contains_nan)
  return boundsMightMatch(p, decode(type, s.lower_bound), decode(type, s.upper_bound), type)
}

/**
 * Range test shared by manifest summaries and file metrics: can some value in [lower, upper] satisfy `p`?
 * Either bound may be undefined (unknown). Bounds are inclusive, which also covers truncated string bounds.
 */
export function boundsMightMatch(p: BoundPredicate, lower: unknown, upper: unknown, type: string): boolean {
  const cmp = (a: unknown, b: unknown): number => compare(type, a, b)
  switch (p.op) {
    case 'lt': return lower === undefined || cmp(lower, p.value) < 0
    case 'ltEq': return lower === undefined || cmp(lower, p.value) <= 0
    case 'gt': return upper === undefined || cmp(upper, p.value) > 0
    case 'gtEq': return upper === undefined || cmp(upper, p.value) >= 0
    case 'eq': return (lower === undefined || cmp(lower, p.value) <= 0) && (upper === undefined || cmp(upper, p.value) >= 0)
    case 'in': return p.values.some((v) => (lower === undefined || cmp(lower, v) <= 0) && (upper === undefined || cmp(upper, v) >= 0))
    case 'startsWith': {
      const prefix = p.value as string
      const cut = (s: unknown): string => Array.from(s as string).slice(0, Array.from(prefix).length).join('')
      return (lower === undefined || cmp(cut(lower), prefix) <= 0) && (upper === undefined || cmp(cut(upper), prefix) >= 0)
    }
    default: return true
  }
}

// ---------------------------------------------------------------- residuals

/**
 * The part of a row filter still to be checked on the rows of a file in `partition` (keyed by partition field name):
 * predicates decided by the partition become true or false. Identity partitions decide their column exactly;
 * other transforms can only rule a predicate out (its inclusive projection fails), otherwise it is kept.
 * @example residualFor(bind(ts >= '2024-01-20' and id = 5), spec, {ts_day: <2024-01-15>}) // false: skip the file
 */
export function residualFor(boundExpr: BoundExpr, spec: PartitionSpec, partition: PartitionValues): BoundExpr {
  const go = (e: BoundExpr): BoundExpr => {
    switch (e.kind) {
      case 'true': case 'false': case 'not': return e
      case 'and': return exprAnd(...e.args.map(go))
      case 'or': return exprOr(...e.args.map(go))
      case 'pred': return residualPredicate(e, spec, partition)
    }
  }
  return go(exprRewriteNot(boundExpr))
}

function residualPredicate(p: BoundPredicate, spec: PartitionSpec, partition: PartitionValues): BoundExpr {
  const sourceType = p.term.type
  if (typeof sourceType !== 'string' || p.term.repeated || sourceType === 'struct' || sourceType === 'list' || sourceType === 'map') return p
  for (const field of spec.fields) {
    if (field['source-id'] !== p.term.id || !Object.hasOwn(partition, field.name)) continue
    const value = partition[field.name]
    if (field.transform === 'identity') return predicateTest(p, value) ? exprTrue() : exprFalse()
    const projected = projectPredicate(p, field, sourceType)
    const test = (q: BoundPredicate): boolean => predicateTest(q, value)
    if (!exprEvaluate(projected, test)) return exprFalse()
  }
  return p
}
