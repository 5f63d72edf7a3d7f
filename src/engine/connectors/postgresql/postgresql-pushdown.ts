/**
 * Turns the engine's pushdown predicates into a PostgreSQL WHERE clause with `$n` parameters.
 * A predicate is sent only when PostgreSQL is sure to keep every row the engine would keep: the engine
 * re-applies the full WHERE on top, so pushing less is always correct, pushing a predicate PostgreSQL
 * evaluates differently is not. Values never enter the SQL text; every parameter is cast to the column's type.
 * @module
 */
import type { PushdownPredicate } from '../connector.js'
import { postgresqlIdent, type PostgresqlColumn } from './postgresql-types.js'

/** The WHERE clause (empty when nothing is pushed), its parameters, and the predicates that were used. */
export interface PostgresqlWhere {
  readonly sql: string
  readonly params: readonly string[]
  readonly pushed: readonly PushdownPredicate[]
}

const MAX_IN_LIST = 1000

/**
 * Builds the WHERE clause for `filters` over `columns`; predicates on unknown columns, on types whose
 * comparison semantics differ between PostgreSQL and DuckDB, or with values that do not fit the column
 * are left to the engine.
 */
export function postgresqlWhere(filters: readonly PushdownPredicate[], columns: ReadonlyMap<string, PostgresqlColumn>): PostgresqlWhere {
  const parts: string[] = []
  const params: string[] = []
  const pushed: PushdownPredicate[] = []
  for (const f of filters) {
    const col = columns.get(f.column)
    if (!col) continue
    const part = predicateSql(f, col, params)
    if (part === undefined) continue
    parts.push(part)
    pushed.push(f)
  }
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params, pushed }
}

function predicateSql(f: PushdownPredicate, col: PostgresqlColumn, params: string[]): string | undefined {
  const id = postgresqlIdent(col.name)
  if (f.op === 'is null') return `${id} IS NULL`
  if (f.op === 'is not null') return `${id} IS NOT NULL`
  if (!opAllowed(col, f.op)) return undefined
  if (f.op === 'in') {
    if (!Array.isArray(f.value) || f.value.length === 0 || f.value.length > MAX_IN_LIST) return undefined
    const texts = f.value.map((v) => paramText(col, v))
    if (texts.some((t) => t === undefined)) return undefined
    const refs = (texts as string[]).map((t) => bind(params, t, col))
    return `${id} IN (${refs.join(', ')})`
  }
  const text = paramText(col, f.value)
  if (text === undefined) return undefined
  // Text ordering follows the database's collation in PostgreSQL and code points in the engine: compare in "C".
  const lhs = col.kind === 'text' && f.op !== '=' && f.op !== '<>' ? `${id} COLLATE "C"` : id
  return `${lhs} ${f.op} ${bind(params, text, col)}`
}

function bind(params: string[], text: string, col: PostgresqlColumn): string {
  params.push(text)
  return `$${params.length}::${col.pgCast}`
}

function opAllowed(col: PostgresqlColumn, op: PushdownPredicate['op']): boolean {
  switch (col.kind) {
    case 'integer':
    case 'decimal':
    case 'text':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return true
    case 'boolean':
    case 'uuid':
      return op === '=' || op === '<>' || op === 'in'
    default:
      // float, char, enum, time, json, bytea, array: see PostgresqlKind for why.
      return false
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/

/** The parameter text for `v` compared with `col`, or undefined when the value does not fit the column's type. */
function paramText(col: PostgresqlColumn, v: unknown): string | undefined {
  switch (col.kind) {
    case 'integer': {
      let n: bigint
      if (typeof v === 'bigint') n = v
      else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v)
      else return undefined
      const [lo, hi] = col.range ?? [n, n]
      return n >= lo && n <= hi ? n.toString() : undefined
    }
    case 'decimal':
      if (typeof v === 'bigint') return v.toString()
      // A JS number stands for the query's literal exactly only if that literal had at most 15 significant
      // digits; longer ones may have been rounded on the way, and a rounded bound could drop rows. Exact
      // decimal literals should come as strings.
      if (typeof v === 'number') return Number.isFinite(v) && significantDigits(v) <= 15 ? String(v) : undefined
      return typeof v === 'string' && DECIMAL.test(v) ? v : undefined
    case 'text':
      // NUL cannot be stored in PostgreSQL text, so such a value matches nothing there; leave it to the engine.
      return typeof v === 'string' && !v.includes('\u0000') ? v : undefined
    case 'boolean':
      return typeof v === 'boolean' ? String(v) : undefined
    case 'uuid':
      return typeof v === 'string' && UUID.test(v) ? v : undefined
    case 'date':
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10)
      return typeof v === 'string' && DATE.test(v) ? v : undefined
    case 'timestamp':
      // A wall-clock value: a Date is read in UTC, as the engine's session does.
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().replace('T', ' ').replace('Z', '')
      return typeof v === 'string' && TIMESTAMP.test(v) ? v : undefined
    case 'timestamptz':
      // Only instants: a string without an offset would be read in each engine's own session time zone.
      return v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : undefined
    default:
      return undefined
  }
}

function significantDigits(v: number): number {
  const digits = Math.abs(v).toExponential().split('e')[0]!.replace('.', '')
  return digits.length
}
