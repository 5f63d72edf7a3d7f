/**
 * Iceberg ↔ DuckDB type mapping (Iceberg spec "Schemas and Data Types"; DuckDB "Data Types").
 * The Iceberg → DuckDB direction drives casts on write and the `schema=` map on read; the reverse
 * direction turns the result of a query into an Iceberg type for CREATE TABLE AS.
 * @module
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api'
import { AkkoError } from '../../../core/index.js'
import type { IcebergType, StructField } from '../spec.js'
import { typeBaseName, typeParseDecimal } from '../types.js'
import { sqlIdent } from './sql-text.js'

const PRIMITIVE_TO_DUCK: Readonly<Record<string, string>> = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  timestamp_ns: 'TIMESTAMP_NS',
  // DuckDB has no nanosecond instant type: values read as microsecond instants.
  timestamptz_ns: 'TIMESTAMPTZ',
  string: 'VARCHAR',
  uuid: 'UUID',
  binary: 'BLOB',
  fixed: 'BLOB',
}

/**
 * The DuckDB type (as SQL text) holding values of an Iceberg type, e.g. `decimal(10,2)` → `DECIMAL(10,2)`,
 * a struct → `STRUCT("a" INTEGER, "b c" VARCHAR)`, `list<long>` → `BIGINT[]`, a map → `MAP(VARCHAR, INTEGER)`.
 * Throws NOT_SUPPORTED for types DuckDB cannot hold (`variant`, `unknown`, geospatial types).
 */
export function icebergToDuckType(type: IcebergType): string {
  if (typeof type === 'string') {
    const base = typeBaseName(type)
    if (base === 'decimal') {
      const d = typeParseDecimal(type)!
      return `DECIMAL(${d.precision},${d.scale})`
    }
    const duck = PRIMITIVE_TO_DUCK[base]
    if (!duck) throw new AkkoError('NOT_SUPPORTED', `Iceberg type '${type}' cannot be read or written through DuckDB yet`, { type })
    return duck
  }
  if (type.type === 'struct') {
    return `STRUCT(${type.fields.map((f) => `${sqlIdent(f.name)} ${icebergToDuckType(f.type)}`).join(', ')})`
  }
  if (type.type === 'list') return `${icebergToDuckType(type.element)}[]`
  return `MAP(${icebergToDuckType(type.key)}, ${icebergToDuckType(type.value)})`
}

/** Hands out fresh field ids for nested types built by `duckToIcebergType`. */
export type FieldIdSource = () => number

/**
 * The Iceberg type for a DuckDB column type, for CREATE TABLE AS. Narrow integers widen to `int`,
 * UINTEGER to `long`, 128-bit and unsigned 64-bit integers to `decimal(38, 0)`, enums to `string`,
 * second/millisecond timestamps to `timestamp`; fixed-size arrays become lists. Nested types take new
 * field ids from `nextId` in depth-first order (struct fields, then list elements, map keys and values).
 * Throws NOT_SUPPORTED naming the type for what Iceberg cannot store (INTERVAL, TIMETZ, BIT, UNION, NULL…).
 */
export function duckToIcebergType(type: DuckDBType, nextId: FieldIdSource): IcebergType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: return 'boolean'
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT: return 'int'
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER: return 'long'
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: return 'decimal(38, 0)'
    case DuckDBTypeId.FLOAT: return 'float'
    case DuckDBTypeId.DOUBLE: return 'double'
    case DuckDBTypeId.DECIMAL: return `decimal(${type.width}, ${type.scale})`
    case DuckDBTypeId.DATE: return 'date'
    case DuckDBTypeId.TIME: return 'time'
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS: return 'timestamp'
    case DuckDBTypeId.TIMESTAMP_TZ: return 'timestamptz'
    case DuckDBTypeId.TIMESTAMP_NS: return 'timestamp_ns'
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM: return 'string'
    case DuckDBTypeId.BLOB: return 'binary'
    case DuckDBTypeId.UUID: return 'uuid'
    case DuckDBTypeId.STRUCT: return structFrom(type.entryNames, type.entryTypes, nextId)
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const elementId = nextId()
      return { type: 'list', 'element-id': elementId, element: duckToIcebergType(type.valueType, nextId), 'element-required': false }
    }
    case DuckDBTypeId.MAP: {
      const keyId = nextId()
      const valueId = nextId()
      return {
        type: 'map', 'key-id': keyId, key: duckToIcebergType(type.keyType, nextId),
        'value-id': valueId, value: duckToIcebergType(type.valueType, nextId), 'value-required': false,
      }
    }
    default:
      throw new AkkoError('NOT_SUPPORTED', `Column type ${type.toString()} cannot be stored in an Iceberg table; cast it to a supported type first`, { type: type.toString() })
  }
}

function structFrom(names: readonly string[], types: readonly DuckDBType[], nextId: FieldIdSource): IcebergType {
  // Ids first, then the nested types: the same order Iceberg uses when it assigns fresh ids.
  const ids = names.map(() => nextId())
  const fields: StructField[] = names.map((name, i) => ({ id: ids[i]!, name, required: false, type: duckToIcebergType(types[i]!, nextId) }))
  return { type: 'struct', fields }
}
