/**
 * Iceberg values as DuckDB SQL literals of the column's DuckDB type, for `initial-default` (reads of files
 * written before a column existed) and `write-default` (writes that leave a column out). Temporal values
 * are built from epoch numbers, so the session time zone never shifts them.
 * @module
 */
import { AkkoError } from '../../../core/index.js'
import type { IcebergType } from '../spec.js'
import { typeBaseName, typeParseDecimal } from '../types.js'
import { decimalFormat, valueCoerce, valueFromJson } from '../values.js'
import { icebergToDuckType } from './duck-types.js'
import { sqlBlob, sqlString } from './sql-text.js'

/** A default in Iceberg's JSON single-value form (spec Appendix C) → a DuckDB literal. */
export function sqlLiteralFromJson(type: IcebergType, json: unknown): string {
  return sqlLiteral(type, valueFromJson(type, json))
}

/** An in-memory Iceberg value → a DuckDB literal of `icebergToDuckType(type)`; null → typed NULL. */
export function sqlLiteral(type: IcebergType, value: unknown): string {
  const duck = icebergToDuckType(type)
  if (value === null || value === undefined) return `CAST(NULL AS ${duck})`
  if (typeof type !== 'string') {
    throw new AkkoError('NOT_SUPPORTED', `Default values of nested type ${type.type} are not supported yet`, { type: type.type })
  }
  const v = valueCoerce(type, value)
  switch (typeBaseName(type)) {
    case 'boolean': return v ? 'TRUE' : 'FALSE'
    case 'int': case 'long': return `CAST(${String(v)} AS ${duck})`
    case 'float': case 'double': {
      const n = v as number
      return `CAST(${Number.isFinite(n) ? `'${Object.is(n, -0) ? '-0.0' : String(n)}'` : `'${String(n)}'`} AS ${duck})`
    }
    case 'decimal': return `CAST('${decimalFormat(v as bigint, typeParseDecimal(type)!.scale)}' AS ${duck})`
    case 'date': return `(DATE '1970-01-01' + CAST(${v as number} AS INTEGER))`
    case 'time': return `(TIME '00:00:00' + to_microseconds(CAST(${String(v)} AS BIGINT)))`
    case 'timestamp': return `make_timestamp(CAST(${String(v)} AS BIGINT))`
    case 'timestamptz': return `CAST(CAST(make_timestamp(CAST(${String(v)} AS BIGINT)) AS VARCHAR) || '+00' AS TIMESTAMPTZ)`
    case 'timestamptz_ns': return `CAST(CAST(make_timestamp(CAST(${String((v as bigint) / 1000n)} AS BIGINT)) AS VARCHAR) || '+00' AS TIMESTAMPTZ)`
    case 'timestamp_ns': return `make_timestamp_ns(CAST(${String(v)} AS BIGINT))`
    case 'string': return sqlString(v as string)
    case 'uuid': return `CAST(${sqlString(v as string)} AS UUID)`
    default: return sqlBlob(v as Uint8Array)
  }
}
