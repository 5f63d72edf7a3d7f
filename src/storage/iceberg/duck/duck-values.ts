/**
 * DuckDB result values → Iceberg's in-memory representation (see values.ts): int/date → number,
 * long/time/timestamp(tz) → bigint µs, timestamp_ns → bigint ns, decimal → bigint unscaled,
 * uuid → string, binary/fixed → Uint8Array, boolean, float/double → number, string → string.
 * @module
 */
import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimeValue, DuckDBTimestampNanosecondsValue,
  DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBTypeId, DuckDBUUIDValue, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api'
import { AkkoError } from '../../../core/index.js'

/**
 * The Iceberg primitive type a DuckDB scalar type stands for, as far as hashing and bounds go
 * (narrow integers count as `int`); undefined for types with no Iceberg counterpart.
 */
export function duckPrimitiveIcebergType(type: DuckDBType): string | undefined {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: return 'boolean'
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER: return 'int'
    case DuckDBTypeId.BIGINT: return 'long'
    case DuckDBTypeId.FLOAT: return 'float'
    case DuckDBTypeId.DOUBLE: return 'double'
    case DuckDBTypeId.DECIMAL: return `decimal(${type.width}, ${type.scale})`
    case DuckDBTypeId.DATE: return 'date'
    case DuckDBTypeId.TIME: return 'time'
    case DuckDBTypeId.TIMESTAMP: return 'timestamp'
    case DuckDBTypeId.TIMESTAMP_TZ: return 'timestamptz'
    case DuckDBTypeId.TIMESTAMP_NS: return 'timestamp_ns'
    case DuckDBTypeId.VARCHAR: return 'string'
    case DuckDBTypeId.UUID: return 'uuid'
    case DuckDBTypeId.BLOB: return 'binary'
    default: return undefined
  }
}

/**
 * Converts one non-struct DuckDB value to Iceberg's in-memory form. `null` stays `null`.
 * Throws INTERNAL for a value kind this layer never asks DuckDB for.
 */
export function duckValueToIceberg(v: DuckDBValue): unknown {
  if (v === null) return null
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v
  if (v instanceof DuckDBDateValue) return v.days
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimeValue) return v.micros
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos
  if (v instanceof DuckDBDecimalValue) return v.value
  if (v instanceof DuckDBUUIDValue) return v.toString()
  // A plain Uint8Array view (DuckDB hands out Buffers), so values compare equal to those built elsewhere.
  if (v instanceof DuckDBBlobValue) return new Uint8Array(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength)
  throw new AkkoError('INTERNAL', `Unexpected DuckDB value of kind ${v.constructor.name} (this is a bug)`)
}
