/**
 * PostgreSQL → Iceberg type mapping of replication (batch and CDC), documented in docs/postgresql-types.md.
 * Values always travel as PostgreSQL's text output (COPY … CSV, pgoutput's text tuples) and DuckDB casts them
 * to the Iceberg column's type when the Parquet files are written; a few types need one step first
 * (bytea's hex text, arrays as JSON, char(n) padding), which `pgValueSql` adds.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { icebergToDuckType, type IcebergType } from '../../storage/index.js'

/** How a column's text is turned into its DuckDB value. */
export type PgValueKind = 'plain' | 'bytea' | 'array' | 'bpchar' | 'temporal'

/** What to do with a column whose type has no Iceberg mapping: fail (default) or carry its text as `string`. */
export type PgUnsupportedTypes = 'error' | 'string'

/** A source column's type, as read from pg_attribute / pg_type (domains already resolved to their base type). */
export interface PgTypeInfo {
  readonly typname: string
  /** pg_type.typtype: b base, e enum, d domain, r range, c composite, p pseudo, m multirange. */
  readonly typtype: string
  /** `format_type(type, typmod)`, e.g. `numeric(12,2)`, `character varying(20)`, `integer[]`. */
  readonly formatted: string
  /** For arrays: the element's type. */
  readonly element?: PgTypeInfo
  /** pg_attribute.attndims for arrays (0 when not declared, which PostgreSQL allows): list nesting depth. */
  readonly dims?: number
}

/** A mapped column: its Iceberg type (nested ids are placeholders, assigned by the catalog) and its value kind. */
export interface PgColumnType {
  readonly iceberg: IcebergType
  readonly kind: PgValueKind
  /** For arrays: list nesting depth. */
  readonly dims?: number
  /** Mapped to string only because `unsupportedTypes: 'string'` was given. */
  readonly asText?: boolean
}

const SCALARS: Readonly<Record<string, string>> = {
  int2: 'int',
  int4: 'int',
  int8: 'long',
  float4: 'float',
  float8: 'double',
  bool: 'boolean',
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  name: 'string',
  date: 'date',
  time: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
  json: 'string',
  jsonb: 'string',
  bytea: 'binary',
}

const TEMPORAL = new Set(['date', 'timestamp', 'timestamptz'])

/** NUMERIC without a declared precision: up to 29 integer digits and 9 fractional digits (rounded beyond). */
export const PG_NUMERIC_DEFAULT = 'decimal(38,9)'

/** Maps a scalar type, or returns why it cannot be mapped. */
function scalarMap(t: PgTypeInfo): string | { readonly why: string } {
  if (t.typtype === 'e') return 'string'
  if (t.typname === 'numeric') {
    if (t.formatted === 'numeric') return PG_NUMERIC_DEFAULT
    const m = /^numeric\((\d+),(-?\d+)\)$/.exec(t.formatted.replace(/\s+/g, ''))
    if (!m) return { why: `${t.formatted} is not a decimal Iceberg can store` }
    const p = Number(m[1])
    const s = Number(m[2])
    if (p > 38 || s < 0 || s > p) return { why: `${t.formatted} does not fit Iceberg's decimal (precision at most 38, scale between 0 and the precision)` }
    return `decimal(${p},${s})`
  }
  return SCALARS[t.typname] ?? { why: `PostgreSQL type ${t.formatted} has no Iceberg type` }
}

/**
 * The Iceberg type of a PostgreSQL column. Throws NOT_SUPPORTED naming the column and its type when there is
 * none, unless `unsupported` is 'string' (the column's text output is kept as an Iceberg string).
 */
export function pgColumnType(table: string, column: string, t: PgTypeInfo, unsupported: PgUnsupportedTypes = 'error'): PgColumnType {
  const fail = (why: string): PgColumnType => {
    if (unsupported === 'string') return { iceberg: 'string', kind: 'plain', asText: true }
    throw new AkkoError('NOT_SUPPORTED', `Column '${column}' of ${table} has type ${t.formatted}, which cannot be replicated: ${why}. Change the column's type, leave the column out, or set unsupportedTypes: 'string' to replicate its text.`, { table, column, type: t.formatted })
  }
  if (t.element) {
    if (t.element.typname === 'bytea') return fail('arrays of bytea are not supported')
    if (t.element.element) return fail('arrays of arrays are not supported')
    const el = scalarMap(t.element)
    if (typeof el !== 'string') return fail(`its elements: ${el.why}`)
    const dims = Math.max(1, t.dims ?? 1)
    let type: IcebergType = el
    for (let i = 0; i < dims; i++) type = { type: 'list', 'element-id': 0, element: type, 'element-required': false }
    return { iceberg: type, kind: 'array', dims }
  }
  const s = scalarMap(t)
  if (typeof s !== 'string') return fail(s.why)
  const kind = t.typname === 'bytea' ? 'bytea' : t.typname === 'bpchar' ? 'bpchar' : TEMPORAL.has(t.typname) ? 'temporal' : 'plain'
  return { iceberg: s, kind }
}

/**
 * The DuckDB expression turning a column's text (`expr`, VARCHAR) into a value of the Iceberg type: bytea's
 * `\x…` hex text decoded, arrays from a JSON array of element texts, char(n) without its padding (PostgreSQL
 * ignores trailing blanks of char(n), and the engine's postgresql catalog reads them the same way).
 */
export function pgValueSql(col: { readonly type: PgColumnType; readonly iceberg?: IcebergType }, expr: string): string {
  const target = icebergToDuckType(col.iceberg ?? col.type.iceberg)
  switch (col.type.kind) {
    case 'bytea': return `from_hex(substr(${expr}, 3))`
    case 'bpchar': return `rtrim(${expr}, ' ')`
    // DuckDB would read '0044-03-15 BC' as year 44 AD and keep infinities that no other engine reads back.
    case 'temporal': return `CASE WHEN ${expr} LIKE '%BC' OR ${expr} IN ('infinity', '-infinity') THEN error('PostgreSQL value ' || ${expr} || ' (a BC or infinite date/timestamp) has no Iceberg representation') ELSE CAST(${expr} AS ${target}) END`
    case 'array': return `CAST(CAST(CAST(${expr} AS JSON) AS VARCHAR${'[]'.repeat(col.type.dims ?? 1)}) AS ${target})`
    default: return `CAST(${expr} AS ${target})`
  }
}

/** Two Iceberg types are the same for replication (nested field ids ignored). */
export function icebergTypesMatch(a: IcebergType, b: IcebergType): boolean {
  if (typeof a === 'string' || typeof b === 'string') return typeof a === 'string' && typeof b === 'string' && a.replace(/\s+/g, '') === b.replace(/\s+/g, '')
  if (a.type === 'list' && b.type === 'list') return icebergTypesMatch(a.element, b.element)
  return false
}
