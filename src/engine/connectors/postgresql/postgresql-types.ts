/**
 * PostgreSQL → Trino → DuckDB type mapping of the `postgresql` catalog, following Trino's PostgreSQL connector
 * with `postgresql.array-mapping=AS_ARRAY` and `decimal-mapping=STRICT`: NUMERIC without precision (or wider
 * than 38 digits, or with a negative scale) has no exact Trino type and is skipped, as are types Trino does
 * not map (interval, money, inet, geometric types, xml, …). Enums read as varchar.
 * @module
 */

/** How a mapped column is read, compared and loaded; decided once per column from PostgreSQL's catalog. */
export type PostgresqlKind =
  | 'integer' // int2/int4/int8: exact comparisons
  | 'float' // float4/float8: NaN and float/decimal literal rules differ between engines, so no range pushdown
  | 'decimal'
  | 'boolean'
  | 'text' // text, varchar
  | 'char' // bpchar: read without its padding (PostgreSQL's char → text cast); PostgreSQL compares ignoring trailing blanks, the engine does not
  | 'enum' // ordered by declaration in PostgreSQL, by text in the engine
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'uuid'
  | 'json'
  | 'bytea'
  | 'array'

/** A PostgreSQL column the connector can expose. */
export interface PostgresqlColumn {
  readonly name: string
  readonly trinoType: string
  /** DuckDB type of the column in the scan's TEMP table. */
  readonly duckType: string
  readonly kind: PostgresqlKind
  /** PostgreSQL type to cast pushed-down parameters to (e.g. `int4`; `numeric` without typmod, which would round). */
  readonly pgCast: string
  readonly nullable: boolean
  readonly comment?: string
  /** For integer columns: the inclusive range, so out-of-range literals are not sent (PostgreSQL would fail). */
  readonly range?: readonly [bigint, bigint]
}

/** A column row from the catalog query in postgresql-connector.ts. */
export interface PgAttributeRow {
  readonly name: string
  readonly notNull: boolean
  readonly dims: number
  /** Base type (domains resolved): pg_type.typname, typtype. */
  readonly typname: string
  readonly typtype: string
  /** `format_type(base, typmod)`, e.g. `numeric(12,2)`, `character varying(20)`, `integer[]`. */
  readonly formatted: string
  /** For arrays: the element's typname, typtype and formatted type. */
  readonly elemTypname?: string
  readonly elemTyptype?: string
  readonly elemFormatted?: string
  readonly comment?: string
}

interface Scalar {
  readonly trino: string
  readonly duck: string
  readonly kind: PostgresqlKind
  readonly pgCast: string
  readonly range?: readonly [bigint, bigint]
}

const intRange = (bits: number): readonly [bigint, bigint] => [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n]

const SIMPLE: Readonly<Record<string, Scalar>> = {
  int2: { trino: 'smallint', duck: 'SMALLINT', kind: 'integer', pgCast: 'int2', range: intRange(16) },
  int4: { trino: 'integer', duck: 'INTEGER', kind: 'integer', pgCast: 'int4', range: intRange(32) },
  int8: { trino: 'bigint', duck: 'BIGINT', kind: 'integer', pgCast: 'int8', range: intRange(64) },
  float4: { trino: 'real', duck: 'FLOAT', kind: 'float', pgCast: 'float4' },
  float8: { trino: 'double', duck: 'DOUBLE', kind: 'float', pgCast: 'float8' },
  bool: { trino: 'boolean', duck: 'BOOLEAN', kind: 'boolean', pgCast: 'bool' },
  text: { trino: 'varchar', duck: 'VARCHAR', kind: 'text', pgCast: 'text' },
  varchar: { trino: 'varchar', duck: 'VARCHAR', kind: 'text', pgCast: 'text' },
  bpchar: { trino: 'varchar', duck: 'VARCHAR', kind: 'char', pgCast: 'bpchar' },
  bytea: { trino: 'varbinary', duck: 'BLOB', kind: 'bytea', pgCast: 'bytea' },
  date: { trino: 'date', duck: 'DATE', kind: 'date', pgCast: 'date' },
  time: { trino: 'time(6)', duck: 'TIME', kind: 'time', pgCast: 'time' },
  timestamp: { trino: 'timestamp(6)', duck: 'TIMESTAMP', kind: 'timestamp', pgCast: 'timestamp' },
  timestamptz: { trino: 'timestamp(6) with time zone', duck: 'TIMESTAMPTZ', kind: 'timestamptz', pgCast: 'timestamptz' },
  uuid: { trino: 'uuid', duck: 'UUID', kind: 'uuid', pgCast: 'uuid' },
  json: { trino: 'json', duck: 'JSON', kind: 'json', pgCast: 'json' },
  jsonb: { trino: 'json', duck: 'JSON', kind: 'json', pgCast: 'jsonb' },
}

/** Maps one scalar PostgreSQL type, or returns why it cannot be. */
function scalarMap(typname: string, typtype: string, formatted: string): Scalar | string {
  if (typtype === 'e') return { trino: 'varchar', duck: 'VARCHAR', kind: 'enum', pgCast: 'text' }
  if (typname === 'numeric') {
    const m = /^numeric\((\d+),(-?\d+)\)$/.exec(formatted.replace(/\s+/g, ''))
    if (!m) return 'NUMERIC without a precision has no exact Trino type (Trino: decimal-mapping=STRICT)'
    const p = Number(m[1])
    const s = Number(m[2])
    if (p > 38 || s < 0 || s > p) return `numeric(${p},${s}) does not fit Trino's decimal(38)`
    return { trino: `decimal(${p},${s})`, duck: `DECIMAL(${p},${s})`, kind: 'decimal', pgCast: 'numeric' }
  }
  return SIMPLE[typname] ?? `PostgreSQL type ${formatted} is not supported`
}

/** Maps a catalog row to a column, or returns the reason it is skipped (Trino skips unsupported columns). */
export function postgresqlColumnMap(row: PgAttributeRow): PostgresqlColumn | { readonly skipped: string } {
  const base = { name: row.name, nullable: !row.notNull, ...(row.comment ? { comment: row.comment } : {}) }
  if (row.elemTypname !== undefined) {
    const el = scalarMap(row.elemTypname, row.elemTyptype ?? 'b', row.elemFormatted ?? row.elemTypname)
    if (typeof el === 'string') return { skipped: `array of: ${el}` }
    // bytea elements would arrive as PostgreSQL's escaped text; arrays of arrays of json are not worth the risk.
    if (el.kind === 'bytea') return { skipped: 'arrays of bytea are not supported' }
    const dims = Math.max(1, row.dims)
    return {
      ...base,
      trinoType: 'array('.repeat(dims) + el.trino + ')'.repeat(dims),
      duckType: el.duck + '[]'.repeat(dims),
      kind: 'array',
      pgCast: row.formatted,
    }
  }
  const s = scalarMap(row.typname, row.typtype, row.formatted)
  if (typeof s === 'string') return { skipped: s }
  return { ...base, trinoType: s.trino, duckType: s.duck, kind: s.kind, pgCast: s.pgCast, ...(s.range ? { range: s.range } : {}) }
}

const pgIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

/**
 * The PostgreSQL expression that reads a column as text DuckDB casts back exactly: the type's own text
 * output (session TimeZone UTC, DateStyle ISO), hex for bytea, and a JSON array of element texts for arrays.
 */
export function postgresqlReadExpr(col: PostgresqlColumn): string {
  const id = pgIdent(col.name)
  if (col.kind === 'bytea') return `encode(${id}, 'hex')`
  if (col.kind === 'array') {
    const dims = (col.duckType.match(/\[\]/g) ?? []).length
    return `array_to_json(${id}::text${'[]'.repeat(dims)})::text`
  }
  return `${id}::text`
}

/** Quotes a PostgreSQL identifier. */
export const postgresqlIdent = pgIdent
