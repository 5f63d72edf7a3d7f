/**
 * Checking rows against the target schema in SQL, before anything is written: for each column, whether the
 * value converts to the column's type without loss (integers are whole numbers, decimals fit their precision
 * and scale, timestamps without time zone carry no offset) and whether a required column has a value. The
 * first problem of a row is kept with its column, as `column amount: 'abc' is not a decimal(12,2)`.
 * @module
 */
import { DuckDBTypeId } from '@duckdb/node-api'
import { icebergTypeToTrino } from '../../engine/index.js'
import { icebergToDuckType, sqlString, type IcebergType, type StructField } from '../../storage/index.js'
import { jsonPointer, type SourceColumn } from './file-readers.js'
import { ISO_ZONE_RE } from './infer.js'

/** A table column matched with the source column that feeds it. */
export interface ColumnBinding {
  readonly field: StructField
  readonly source: SourceColumn
}

const MAX_SHOWN = 60

/** The SQL expression giving the source value for `b` over a row of `sourceRowsSql` (text, typed or JSON). */
export function valueSql(b: ColumnBinding): string {
  const { source, field } = b
  if (source.kind !== 'json') return source.raw!
  if (typeof field.type === 'string') return `json_extract_string(__json, ${jsonPointer(source.name)})`
  const v = `json_extract(__json, ${jsonPointer(source.name)})`
  return `CASE WHEN json_type(${v}) = 'NULL' THEN NULL ELSE ${v} END`
}

/** The converted value, as written: a TRY_CAST that only yields NULL for rows the checks reject. */
export function castSql(b: ColumnBinding): string {
  const v = valueSql(b)
  if (b.field.type === 'string') return `CAST(${v} AS VARCHAR)`
  return `TRY_CAST(${textual(b) ? `trim(${v})` : v} AS ${icebergToDuckType(b.field.type)})`
}

/** SQL giving `struct_pack(c := column, r := reason)` for the row's first problem, or NULL when it is fine. */
export function rowProblemSql(bindings: readonly ColumnBinding[], json: boolean): string {
  const checks: string[] = []
  if (json) {
    checks.push(`CASE WHEN __json IS NULL THEN ${problem(null, sqlString('not valid JSON'))} WHEN json_type(__json) <> 'OBJECT' THEN ${problem(null, sqlString('not a JSON object'))} END`)
  }
  for (const b of bindings) checks.push(...columnChecks(b))
  if (checks.length === 0) return 'NULL'
  return checks.length === 1 ? checks[0]! : `COALESCE(${checks.join(',\n ')})`
}

function columnChecks(b: ColumnBinding): string[] {
  const { field } = b
  const v = valueSql(b)
  const out: string[] = []
  const name = field.name
  if (field.required) out.push(`CASE WHEN ${v} IS NULL THEN ${problem(name, sqlString(`column ${name}: no value, but the column is required`))} END`)
  const type = field.type
  const trino = icebergTypeToTrino(type)
  const shown = `'''' || CASE WHEN length(CAST(${v} AS VARCHAR)) > ${MAX_SHOWN} THEN left(CAST(${v} AS VARCHAR), ${MAX_SHOWN - 3}) || '...' ELSE CAST(${v} AS VARCHAR) END || ''''`
  const notA = (suffix = ''): string => problem(name, `${sqlString(`column ${name}: `)} || ${shown} || ${sqlString(` is not a ${trino}${suffix}`)}`)
  const when = (cond: string, what: string): string => `CASE WHEN ${v} IS NOT NULL AND (${cond}) THEN ${what} END`
  if (type === 'string') return out
  const cast = castSql(b)
  out.push(when(`${cast} IS NULL`, notA()))
  if (textual(b)) {
    if (type === 'int' || type === 'long') out.push(when(`NOT regexp_full_match(trim(${v}), '[+-]?[0-9]+')`, notA()))
    const dec = typeof type === 'string' ? /^decimal\((\d+),\s*(\d+)\)$/.exec(type) : null
    if (dec) out.push(when(`length(rtrim(regexp_extract(trim(${v}), '\\.([0-9]+)$', 1), '0')) > ${dec[2]}`, notA(` (more than ${dec[2]} decimal places)`)))
    if (type === 'timestamp' || type === 'timestamp_ns') {
      out.push(when(`regexp_matches(trim(${v}), '[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?\\s*${ISO_ZONE_RE}$')`, notA(' (it has a time zone offset)')))
    }
  } else if (b.source.kind === 'typed' && lossyNumeric(b, type)) {
    out.push(when(`${cast} <> ${v}`, notA()))
  }
  return out
}

/** Text values (CSV, JSON scalars, Parquet strings) get the text checks; other Parquet values are typed. */
function textual(b: ColumnBinding): boolean {
  if (b.source.kind === 'text') return true
  if (b.source.kind === 'json') return typeof b.field.type === 'string'
  return b.source.duckType?.typeId === DuckDBTypeId.VARCHAR
}

/** A fractional source going into a whole-number or fixed-scale column can lose digits. */
function lossyNumeric(b: ColumnBinding, type: IcebergType): boolean {
  const id = b.source.duckType?.typeId
  const fractional = id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.DECIMAL
  return fractional && (type === 'int' || type === 'long' || (typeof type === 'string' && type.startsWith('decimal')))
}

const NUMERIC = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL,
])
const TIMESTAMPS = new Set([DuckDBTypeId.DATE, DuckDBTypeId.TIMESTAMP, DuckDBTypeId.TIMESTAMP_S, DuckDBTypeId.TIMESTAMP_MS, DuckDBTypeId.TIMESTAMP_NS, DuckDBTypeId.TIMESTAMP_TZ])

/**
 * Whether a typed source column (Parquet) can feed a column of `type` at all: numbers into numbers, dates and
 * timestamps into timestamps, like into like, anything into strings, text into anything (checked per value).
 * DuckDB would cast more (booleans to integers, timestamps to dates): those lose meaning or data, so a load
 * refuses them before reading a row.
 */
export function typedSourceFits(source: SourceColumn, type: IcebergType): boolean {
  const id = source.duckType?.typeId
  if (source.kind !== 'typed' || id === undefined || id === DuckDBTypeId.VARCHAR || type === 'string') return true
  if (typeof type !== 'string') {
    if (type.type === 'list') return id === DuckDBTypeId.LIST || id === DuckDBTypeId.ARRAY
    if (type.type === 'map') return id === DuckDBTypeId.MAP
    return id === DuckDBTypeId.STRUCT
  }
  if (type === 'boolean') return id === DuckDBTypeId.BOOLEAN
  if (type === 'int' || type === 'long' || type === 'float' || type === 'double' || type.startsWith('decimal')) return NUMERIC.has(id)
  if (type === 'date') return id === DuckDBTypeId.DATE
  if (type.startsWith('timestamp')) return TIMESTAMPS.has(id)
  if (type === 'time') return id === DuckDBTypeId.TIME
  if (type === 'uuid') return id === DuckDBTypeId.UUID
  return id === DuckDBTypeId.BLOB // binary, fixed[L]
}

function problem(column: string | null, reasonSql: string): string {
  return `struct_pack(c := ${column === null ? 'NULL::VARCHAR' : sqlString(column)}, r := ${reasonSql})`
}
