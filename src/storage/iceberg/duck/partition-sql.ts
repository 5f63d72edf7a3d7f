/**
 * Iceberg partition transforms as DuckDB expressions (spec "Partition Transforms"), so partition values
 * are computed inside DuckDB while it writes. Each expression yields exactly what `transformApply`
 * yields for the same value: temporal transforms floor pre-1970 values, truncate floors negative numbers,
 * and timestamptz values are taken in UTC whatever the session time zone is.
 * @module
 */
import { AkkoError } from '../../../core/index.js'
import type { IcebergType, Transform } from '../spec.js'
import { typeBaseName, typeParseDecimal } from '../types.js'
import { icebergToDuckType } from './duck-types.js'
import { BUCKET_UDF } from './udf.js'

const BUCKET_RE = /^bucket\[\s*(\d+)\s*\]$/
const TRUNCATE_RE = /^truncate\[\s*(\d+)\s*\]$/
const TEMPORAL_SOURCES = new Set(['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'])
const BUCKET_SOURCES = new Set(['int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed', 'binary'])

/** Floor division of two integer SQL expressions (DuckDB's `//` truncates toward zero). */
const floorDivSql = (a: string, b: string): string => `((${a}) - ((((${a}) % ${b}) + ${b}) % ${b})) // ${b}`

/**
 * A DuckDB expression equal to the Iceberg transform of `columnSql` (an already-quoted column expression
 * of Iceberg type `sourceType`). Results: identity → the source type; bucket/year/month/hour → INTEGER;
 * day → DATE; truncate → the source type; void → NULL of the source type.
 * Throws INVALID_ARGUMENT for an unknown transform or one that does not apply to the source type.
 */
export function partitionExprSql(transform: Transform, sourceType: IcebergType, columnSql: string): string {
  const t = transform.trim()
  if (t === 'identity') return columnSql
  if (t === 'void') return `CAST(NULL AS ${icebergToDuckType(sourceType)})`
  const base = typeof sourceType === 'string' ? typeBaseName(sourceType) : sourceType.type
  const bucket = BUCKET_RE.exec(t)
  if (bucket) {
    if (!BUCKET_SOURCES.has(base)) throw notApplicable(t, sourceType)
    return `${BUCKET_UDF}(${columnSql}, ${Number(bucket[1])})`
  }
  const truncate = TRUNCATE_RE.exec(t)
  if (truncate) return truncateSql(Number(truncate[1]), sourceType as string, base, columnSql)
  if (t === 'year' || t === 'month' || t === 'day' || t === 'hour') {
    if (!TEMPORAL_SOURCES.has(base) || (t === 'hour' && base === 'date')) throw notApplicable(t, sourceType)
    return temporalSql(t, base, columnSql)
  }
  throw new AkkoError('INVALID_ARGUMENT', `Unknown partition transform '${transform}'`, { transform })
}

function temporalSql(t: 'year' | 'month' | 'day' | 'hour', base: string, col: string): string {
  // Micros since the epoch, floored: nanosecond values are cut to micros the way Iceberg does.
  const micros = base === 'timestamp_ns' ? floorDivSql(`epoch_ns(${col})`, '1000') : `epoch_us(${col})`
  // A zone-free UTC timestamp (or the date itself), so year()/month() never consult the session time zone.
  const utc = base === 'date' ? col : `make_timestamp(${micros})`
  switch (t) {
    case 'year': return `CAST(year(${utc}) - 1970 AS INTEGER)`
    case 'month': return `CAST((year(${utc}) - 1970) * 12 + month(${utc}) - 1 AS INTEGER)`
    case 'day': return base === 'date' ? col : `CAST(${utc} AS DATE)`
    case 'hour': return `CAST(${floorDivSql(micros, '3600000000')} AS INTEGER)`
  }
}

function truncateSql(width: number, sourceType: string, base: string, col: string): string {
  if (!(width > 0)) throw new AkkoError('INVALID_ARGUMENT', `truncate width must be positive, got ${width}`, { width })
  switch (base) {
    case 'int':
      return `CAST(CAST(${col} AS BIGINT) - (((CAST(${col} AS BIGINT) % ${width}) + ${width}) % ${width}) AS INTEGER)`
    case 'long':
      return `CAST(CAST(${col} AS HUGEINT) - (((CAST(${col} AS HUGEINT) % ${width}) + ${width}) % ${width}) AS BIGINT)`
    case 'decimal': {
      // W counts units of the column's scale: truncate[50] on decimal(9,2) steps by 0.50.
      const { precision, scale } = typeParseDecimal(sourceType)!
      const duck = `DECIMAL(${precision},${scale})`
      const w = `CAST(${decimalLiteral(BigInt(width), scale)} AS DECIMAL(38,${scale}))`
      return `CAST(${col} - (((${col} % ${w}) + ${w}) % ${w}) AS ${duck})`
    }
    case 'string':
      // DuckDB's substring counts code points, as Iceberg's string truncate does.
      return `substring(${col}, 1, ${width})`
    case 'binary':
    case 'fixed':
      return `unhex(substring(hex(${col}), 1, ${2 * width}))`
    default:
      throw notApplicable(`truncate[${width}]`, sourceType)
  }
}

/** The unscaled integer `unscaled` at `scale` as decimal text ("5", 2 → "0.05"). */
function decimalLiteral(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0')
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return neg ? `-${text}` : text
}

function notApplicable(transform: string, sourceType: IcebergType): AkkoError {
  const shown = typeof sourceType === 'string' ? sourceType : sourceType.type
  return new AkkoError('INVALID_ARGUMENT', `Partition transform ${transform} cannot be applied to a column of type ${shown}`, { transform, sourceType: shown })
}
