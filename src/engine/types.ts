/**
 * DuckDB result types as Trino type strings, and DuckDB values in Trino's JSON wire encoding (see QueryResult).
 * @module
 */
import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBIntervalValue, DuckDBListValue, DuckDBMapValue, DuckDBStructValue,
  DuckDBTimeValue, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBTimestampSecondsValue, DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue, DuckDBTypeId, DuckDBUUIDValue, DuckDBArrayValue,
  type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api'
import { AkkoError } from '../core/index.js'

/** Trino's type signature for a DuckDB type. */
export function trinoType(t: DuckDBType): string {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: return 'boolean'
    case DuckDBTypeId.TINYINT: return 'tinyint'
    case DuckDBTypeId.SMALLINT: return 'smallint'
    case DuckDBTypeId.INTEGER: return 'integer'
    case DuckDBTypeId.BIGINT: return 'bigint'
    case DuckDBTypeId.UTINYINT: return 'smallint'
    case DuckDBTypeId.USMALLINT: return 'integer'
    case DuckDBTypeId.UINTEGER: return 'bigint'
    // DuckDB widens sum(bigint) to HUGEINT where Trino keeps bigint: report what a Trino client expects.
    case DuckDBTypeId.HUGEINT: return 'bigint'
    case DuckDBTypeId.UBIGINT: case DuckDBTypeId.UHUGEINT: return 'decimal(38,0)'
    case DuckDBTypeId.FLOAT: return 'real'
    case DuckDBTypeId.DOUBLE: return 'double'
    case DuckDBTypeId.DECIMAL: return `decimal(${t.width},${t.scale})`
    case DuckDBTypeId.VARCHAR: return t.alias === 'JSON' ? 'json' : 'varchar'
    case DuckDBTypeId.BLOB: return 'varbinary'
    case DuckDBTypeId.DATE: return 'date'
    case DuckDBTypeId.TIME: return 'time(6)'
    case DuckDBTypeId.TIME_TZ: return 'time(6) with time zone'
    case DuckDBTypeId.TIMESTAMP: return 'timestamp(6)'
    case DuckDBTypeId.TIMESTAMP_MS: return 'timestamp(3)'
    case DuckDBTypeId.TIMESTAMP_S: return 'timestamp(0)'
    case DuckDBTypeId.TIMESTAMP_NS: return 'timestamp(9)'
    case DuckDBTypeId.TIMESTAMP_TZ: return 'timestamp(6) with time zone'
    case DuckDBTypeId.INTERVAL: return 'interval day to second'
    case DuckDBTypeId.UUID: return 'uuid'
    case DuckDBTypeId.SQLNULL: return 'unknown'
    case DuckDBTypeId.ENUM: return 'varchar'
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY: return `array(${trinoType(t.valueType)})`
    case DuckDBTypeId.MAP: return `map(${trinoType(t.keyType)}, ${trinoType(t.valueType)})`
    case DuckDBTypeId.STRUCT: return `row(${t.entryNames.map((n, i) => `${quoteField(n)} ${trinoType(t.entryTypes[i] as DuckDBType)}`).join(', ')})`
    default:
      throw new AkkoError('NOT_SUPPORTED', `Result type ${t.toString()} is not supported: cast it to a supported type`, { type: t.toString() })
  }
}

const quoteField = (n: string): string => (/^[a-z_][a-z0-9_]*$/.test(n) ? n : `"${n.replaceAll('"', '""')}"`)

/** Encodes one DuckDB value of type `t` as Trino's JSON wire format does. */
export function trinoValue(t: DuckDBType, v: DuckDBValue): unknown {
  if (v === null || v === undefined) return null
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT: case DuckDBTypeId.UINTEGER:
      return v
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.HUGEINT:
      return Number(v)
    case DuckDBTypeId.UBIGINT: case DuckDBTypeId.UHUGEINT:
      return String(v)
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE: {
      const n = v as number
      if (Number.isNaN(n)) return 'NaN'
      if (n === Infinity) return 'Infinity'
      if (n === -Infinity) return '-Infinity'
      return t.typeId === DuckDBTypeId.FLOAT ? shortestFloat(n) : n
    }
    case DuckDBTypeId.DECIMAL: return (v as DuckDBDecimalValue).toString()
    case DuckDBTypeId.VARCHAR: case DuckDBTypeId.ENUM: return String(v)
    case DuckDBTypeId.BLOB: return Buffer.from((v as DuckDBBlobValue).bytes).toString('base64')
    case DuckDBTypeId.DATE: return (v as DuckDBDateValue).toString()
    case DuckDBTypeId.TIME: return timeOfDay((v as DuckDBTimeValue).micros)
    case DuckDBTypeId.TIMESTAMP: return timestampText((v as DuckDBTimestampValue).micros)
    case DuckDBTypeId.TIMESTAMP_TZ: return `${timestampText((v as DuckDBTimestampTZValue).micros)} UTC`
    // Trino prints exactly the type's precision of fractional digits (timestamp(3): '… 10:00:00.000').
    case DuckDBTypeId.TIMESTAMP_S: return timestampText((v as DuckDBTimestampSecondsValue).seconds * 1_000_000n).slice(0, -7)
    case DuckDBTypeId.TIMESTAMP_MS: return timestampText((v as DuckDBTimestampMillisecondsValue).millis * 1000n).slice(0, -3)
    case DuckDBTypeId.TIMESTAMP_NS: {
      const nanos = (v as DuckDBTimestampNanosecondsValue).nanos
      const rest = ((nanos % 1000n) + 1000n) % 1000n
      return timestampText((nanos - rest) / 1000n) + pad(rest, 3)
    }
    case DuckDBTypeId.INTERVAL: return intervalText(v as DuckDBIntervalValue)
    case DuckDBTypeId.UUID: return (v as DuckDBUUIDValue).toString()
    case DuckDBTypeId.LIST: return (v as DuckDBListValue).items.map(x => trinoValue(t.valueType, x))
    case DuckDBTypeId.ARRAY: return (v as DuckDBArrayValue).items.map(x => trinoValue(t.valueType, x))
    case DuckDBTypeId.MAP: {
      const out: Record<string, unknown> = {}
      for (const e of (v as DuckDBMapValue).entries) out[String(trinoValue(t.keyType, e.key))] = trinoValue(t.valueType, e.value)
      return out
    }
    case DuckDBTypeId.STRUCT: {
      const entries = (v as DuckDBStructValue).entries
      return t.entryNames.map((n, i) => trinoValue(t.entryTypes[i] as DuckDBType, entries[n] ?? null))
    }
    default: return String(v)
  }
}

/** The shortest decimal that reads back as the same 32-bit float (what Trino prints for `real`). */
function shortestFloat(n: number): number {
  for (let p = 6; p < 9; p++) {
    const c = Number(n.toPrecision(p))
    if (Math.fround(c) === Math.fround(n)) return c
  }
  return n
}

const pad = (n: bigint | number, w: number): string => String(n).padStart(w, '0')

/** `HH:MM:SS.ffffff` for microseconds since midnight. */
function timeOfDay(micros: bigint): string {
  const s = micros / 1_000_000n
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(micros % 1_000_000n, 6)}`
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` for microseconds since the epoch (UTC). */
export function timestampText(micros: bigint): string {
  let days = micros / 86_400_000_000n
  let rest = micros % 86_400_000_000n
  if (rest < 0n) { rest += 86_400_000_000n; days -= 1n }
  const d = new Date(Number(days) * 86_400_000)
  const y = d.getUTCFullYear()
  const date = `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
  return `${date} ${timeOfDay(rest)}`
}

/** Trino's `interval day to second` text: `D HH:MM:SS.fff` (months are folded in as 30 days). */
function intervalText(v: DuckDBIntervalValue): string {
  const totalMs = (BigInt(v.months) * 30n + BigInt(v.days)) * 86_400_000n + v.micros / 1000n
  const neg = totalMs < 0n
  const ms = neg ? -totalMs : totalMs
  const days = ms / 86_400_000n
  const r = ms % 86_400_000n
  return `${neg ? '-' : ''}${days} ${pad(r / 3_600_000n, 2)}:${pad((r / 60_000n) % 60n, 2)}:${pad((r / 1000n) % 60n, 2)}.${pad(r % 1000n, 3)}`
}
