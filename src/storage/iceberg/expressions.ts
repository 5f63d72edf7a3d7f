/**
 * Filter expressions for scan planning (spec "Scan Planning"): an unbound model that names columns, binding to a
 * schema (names → field ids, literals → the column's in-memory type) and NOT push-down.
 * Evaluators that prune manifests and files with these expressions live in evaluators.ts.
 */
import { AkkoError } from '../../core/index.js'
import type { PrimitiveType, StructType } from './spec.js'
import { schemaIndex, typeToString } from './types.js'
import { valueCoerce, valueCompare } from './values.js'

/** A column reference: a (dotted) name, or a field id. */
export type ColumnRef = string | { readonly id: number }

export type UnaryOp = 'isNull' | 'notNull' | 'isNaN' | 'notNaN'
export type LiteralOp = 'eq' | 'notEq' | 'lt' | 'ltEq' | 'gt' | 'gtEq' | 'startsWith' | 'notStartsWith'
export type SetOp = 'in' | 'notIn'
export type PredicateOp = UnaryOp | LiteralOp | SetOp

/** A predicate over term T: a ColumnRef when unbound, a BoundTerm when bound. */
export type Predicate<T> =
  | { readonly kind: 'pred'; readonly op: UnaryOp; readonly term: T }
  | { readonly kind: 'pred'; readonly op: LiteralOp; readonly term: T; readonly value: unknown }
  | { readonly kind: 'pred'; readonly op: SetOp; readonly term: T; readonly values: readonly unknown[] }

/** A boolean expression tree over predicates with term T. */
export type ExprOf<T> =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'and'; readonly args: readonly ExprOf<T>[] }
  | { readonly kind: 'or'; readonly args: readonly ExprOf<T>[] }
  | { readonly kind: 'not'; readonly arg: ExprOf<T> }
  | Predicate<T>

/** A column resolved against a schema (or a partition type): field id, full name, type. */
export interface BoundTerm {
  readonly id: number
  readonly name: string
  /** The column type; non-primitive columns only appear under isNull / notNull. */
  readonly type: PrimitiveType | 'struct' | 'list' | 'map'
  /** True when the column sits inside a list or map, so per-file counts describe elements, not rows. */
  readonly repeated: boolean
}

/** An unbound expression (columns by name or id, literals as given). */
export type Expr = ExprOf<ColumnRef>
/** A bound expression: columns resolved, literals in the column's in-memory representation. */
export type BoundExpr = ExprOf<BoundTerm>
export type BoundPredicate = Predicate<BoundTerm>

const TRUE = Object.freeze({ kind: 'true' } as const)
const FALSE = Object.freeze({ kind: 'false' } as const)

/** The expression that always holds. */
export const exprTrue = (): ExprOf<never> => TRUE
/** The expression that never holds. */
export const exprFalse = (): ExprOf<never> => FALSE

/** AND of the arguments, simplified: true operands vanish, a false operand makes it false. */
export function exprAnd<T>(...args: readonly ExprOf<T>[]): ExprOf<T> {
  const kept: ExprOf<T>[] = []
  for (const a of args) {
    if (a.kind === 'false') return FALSE
    if (a.kind === 'and') kept.push(...a.args)
    else if (a.kind !== 'true') kept.push(a)
  }
  return kept.length === 0 ? TRUE : kept.length === 1 ? kept[0]! : { kind: 'and', args: kept }
}

/** OR of the arguments, simplified: false operands vanish, a true operand makes it true. */
export function exprOr<T>(...args: readonly ExprOf<T>[]): ExprOf<T> {
  const kept: ExprOf<T>[] = []
  for (const a of args) {
    if (a.kind === 'true') return TRUE
    if (a.kind === 'or') kept.push(...a.args)
    else if (a.kind !== 'false') kept.push(a)
  }
  return kept.length === 0 ? FALSE : kept.length === 1 ? kept[0]! : { kind: 'or', args: kept }
}

/** NOT of the argument (constants fold; double negation cancels). */
export function exprNot<T>(arg: ExprOf<T>): ExprOf<T> {
  if (arg.kind === 'true') return FALSE
  if (arg.kind === 'false') return TRUE
  if (arg.kind === 'not') return arg.arg
  return { kind: 'not', arg }
}

const unary = (op: UnaryOp) => (ref: ColumnRef): Expr => ({ kind: 'pred', op, term: ref })
const literal = (op: LiteralOp) => (ref: ColumnRef, value: unknown): Expr => ({ kind: 'pred', op, term: ref, value })
const set = (op: SetOp) => (ref: ColumnRef, values: readonly unknown[]): Expr => ({ kind: 'pred', op, term: ref, values: [...values] })

/** column = value */
export const exprEq = literal('eq')
/** column != value */
export const exprNotEq = literal('notEq')
/** column < value */
export const exprLt = literal('lt')
/** column <= value */
export const exprLtEq = literal('ltEq')
/** column > value */
export const exprGt = literal('gt')
/** column >= value */
export const exprGtEq = literal('gtEq')
/** string column starts with the prefix */
export const exprStartsWith = literal('startsWith')
/** string column does not start with the prefix */
export const exprNotStartsWith = literal('notStartsWith')
/** column IN (values) */
export const exprIn = set('in')
/** column NOT IN (values) */
export const exprNotIn = set('notIn')
/** column IS NULL */
export const exprIsNull = unary('isNull')
/** column IS NOT NULL */
export const exprNotNull = unary('notNull')
/** floating-point column is NaN */
export const exprIsNaN = unary('isNaN')
/** floating-point column is not NaN */
export const exprNotNaN = unary('notNaN')

const NEGATE: Readonly<Record<PredicateOp, PredicateOp>> = {
  eq: 'notEq', notEq: 'eq', lt: 'gtEq', gtEq: 'lt', ltEq: 'gt', gt: 'ltEq', in: 'notIn', notIn: 'in',
  isNull: 'notNull', notNull: 'isNull', isNaN: 'notNaN', notNaN: 'isNaN', startsWith: 'notStartsWith', notStartsWith: 'startsWith',
}

/** The predicate that holds exactly when `p` does not (for non-null rows; see the evaluators for nulls). */
export function predicateNegate<T>(p: Predicate<T>): Predicate<T> {
  return { ...p, op: NEGATE[p.op] } as Predicate<T>
}

/** Pushes every NOT down to the predicates (De Morgan), so the result contains no 'not' node. */
export function exprRewriteNot<T>(e: ExprOf<T>): ExprOf<T> {
  switch (e.kind) {
    case 'true': case 'false': case 'pred': return e
    case 'and': return exprAnd(...e.args.map(exprRewriteNot))
    case 'or': return exprOr(...e.args.map(exprRewriteNot))
    case 'not': return negate(e.arg)
  }
}

function negate<T>(e: ExprOf<T>): ExprOf<T> {
  switch (e.kind) {
    case 'true': return FALSE
    case 'false': return TRUE
    case 'pred': return predicateNegate(e)
    case 'and': return exprOr(...e.args.map(negate))
    case 'or': return exprAnd(...e.args.map(negate))
    case 'not': return exprRewriteNot(e.arg)
  }
}

// ---------------------------------------------------------------- binding

/** Options of `exprBind`. */
export interface BindOptions {
  /** Match column names exactly (default true); otherwise ignore case, failing when two columns then collide. */
  readonly caseSensitive?: boolean
}

const FLOATING = new Set(['float', 'double'])

/**
 * Resolves column names (or ids) against a schema and coerces literals to the column type with `valueCoerce`.
 * Unknown columns fail with COLUMN_NOT_FOUND; literals that cannot be the column's type, NaN or null literals in
 * comparisons, and predicates that do not fit the column (startsWith on a number, isNaN on an int, comparisons on
 * a struct) fail with INVALID_ARGUMENT. `x = NaN` binds as isNaN, `x != NaN` as notNaN.
 */
export function exprBind(expr: Expr, schema: StructType, opts: BindOptions = {}): BoundExpr {
  const resolve = resolver(schema, opts.caseSensitive ?? true)
  const go = (e: Expr): BoundExpr => {
    switch (e.kind) {
      case 'true': case 'false': return e
      case 'and': return exprAnd(...e.args.map(go))
      case 'or': return exprOr(...e.args.map(go))
      case 'not': return exprNot(go(e.arg))
      case 'pred': return bindPredicate(e, resolve(e.term))
    }
  }
  return go(expr)
}

function resolver(schema: StructType, caseSensitive: boolean): (ref: ColumnRef) => BoundTerm {
  const index = schemaIndex(schema)
  const lower = new Map<string, number[]>()
  if (!caseSensitive) {
    for (const [name, id] of index.byName) {
      const k = name.toLowerCase()
      lower.set(k, [...(lower.get(k) ?? []), id])
    }
  }
  return (ref) => {
    let id: number | undefined
    if (typeof ref === 'string') {
      if (caseSensitive) id = index.byName.get(ref)
      else {
        const ids = lower.get(ref.toLowerCase()) ?? []
        if (ids.length > 1) throw new AkkoError('INVALID_ARGUMENT', `Column name '${ref}' is ambiguous when case is ignored`, { column: ref })
        id = ids[0]
      }
    } else id = ref.id
    const entry = id === undefined ? undefined : index.byId.get(id)
    if (!entry) {
      const what = typeof ref === 'string' ? `'${ref}'` : `with field id ${ref.id}`
      throw new AkkoError('COLUMN_NOT_FOUND', `Column ${what} does not exist in the table schema`, { column: typeof ref === 'string' ? ref : ref.id })
    }
    let repeated = false
    for (let p = entry.parentId; p !== undefined && !repeated; p = index.byId.get(p)?.parentId) {
      const t = index.byId.get(p)?.field.type
      repeated = typeof t === 'object' && (t.type === 'list' || t.type === 'map')
    }
    const t = entry.field.type
    return { id: entry.field.id, name: entry.path.join('.'), type: typeof t === 'string' ? t : t.type, repeated }
  }
}

function invalidArg(term: BoundTerm, message: string): never {
  throw new AkkoError('INVALID_ARGUMENT', `Filter on column '${term.name}': ${message}`, { column: term.name })
}

const isNaNValue = (v: unknown): boolean => typeof v === 'number' && Number.isNaN(v)

function coerce(term: BoundTerm, v: unknown): unknown {
  if (v === null || v === undefined) invalidArg(term, 'a null literal never matches; use isNull / notNull')
  let out: unknown
  try {
    out = valueCoerce(term.type, v)
  } catch (e) {
    invalidArg(term, `${showLiteral(v)} is not a valid ${term.type}${e instanceof Error ? ` (${e.message})` : ''}`)
  }
  return out
}

const showLiteral = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' ? `${v}` : String(v))

function bindPredicate(p: Predicate<ColumnRef>, term: BoundTerm): BoundExpr {
  const primitive = term.type !== 'struct' && term.type !== 'list' && term.type !== 'map'
  if (p.op === 'isNull' || p.op === 'notNull') return { kind: 'pred', op: p.op, term }
  if (!primitive) invalidArg(term, `${p.op} needs a primitive column, not a ${typeToString(term.type)}`)
  if (p.op === 'isNaN' || p.op === 'notNaN') {
    if (!FLOATING.has(term.type)) invalidArg(term, `${p.op} applies only to float and double columns, not ${term.type}`)
    return { kind: 'pred', op: p.op, term }
  }
  if ((p.op === 'startsWith' || p.op === 'notStartsWith') && term.type !== 'string') {
    invalidArg(term, `${p.op} applies only to string columns, not ${term.type}`)
  }
  if (p.op === 'in' || p.op === 'notIn') {
    const values = dedupe(term, p.values.map((v) => coerce(term, v)))
    if (values.some(isNaNValue)) invalidArg(term, `${p.op} cannot contain NaN; use isNaN / notNaN`)
    // Degenerate sets simplify, as the reference implementation does.
    if (values.length === 0) return p.op === 'in' ? FALSE : TRUE
    if (values.length === 1) return { kind: 'pred', op: p.op === 'in' ? 'eq' : 'notEq', term, value: values[0] }
    return { kind: 'pred', op: p.op, term, values }
  }
  const value = coerce(term, (p as { readonly value: unknown }).value)
  if (isNaNValue(value)) {
    if (p.op === 'eq') return { kind: 'pred', op: 'isNaN', term }
    if (p.op === 'notEq') return { kind: 'pred', op: 'notNaN', term }
    invalidArg(term, `${p.op} NaN has no meaning; use isNaN / notNaN`)
  }
  return { kind: 'pred', op: p.op, term, value }
}

function dedupe(term: BoundTerm, values: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const v of values) if (!out.some((o) => valueCompare(term.type, o, v) === 0)) out.push(v)
  return out
}

/** Renders an expression for messages and logs, e.g. `(id > 5 and name startsWith 'a')`. */
export function exprToString<T>(e: ExprOf<T>): string {
  const term = (t: T): string => (typeof t === 'string' ? t : typeof t === 'object' && t !== null && 'name' in t ? String(t.name) : `#${(t as { id: number }).id}`)
  switch (e.kind) {
    case 'true': case 'false': return e.kind
    case 'and': case 'or': return `(${e.args.map(exprToString).join(` ${e.kind} `)})`
    case 'not': return `not ${exprToString(e.arg)}`
    case 'pred':
      if ('values' in e) return `${term(e.term)} ${e.op} (${e.values.map(showLiteral).join(', ')})`
      if ('value' in e) return `${term(e.term)} ${e.op} ${showLiteral(e.value)}`
      return `${term(e.term)} ${e.op}`
  }
}
