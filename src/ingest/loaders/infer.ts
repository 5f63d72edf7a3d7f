/**
 * Iceberg types for the columns of files being loaded into a new table: from DuckDB's types (Parquet, and the
 * CSV sniffer's), and from the merged structure of JSON records (`json_group_structure`).
 * Integers widen to `long` for text formats (DuckDB's sniffer says BIGINT for every integer column, and JSON
 * says UBIGINT), unsigned types to `long`, and columns with no value at all become `string`.
 * @module
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api'
import { duckToIcebergType, type IcebergType } from '../../storage/index.js'

/** The Iceberg type of a DuckDB column type; `nextId` numbers nested fields. */
export function inferFromDuck(type: DuckDBType, nextId: () => number): IcebergType {
  switch (type.typeId) {
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'long'
    case DuckDBTypeId.SQLNULL:
      return 'string'
    default:
      return duckToIcebergType(type, nextId)
  }
}

/** A merged JSON structure (`{"id":"UBIGINT","tags":["VARCHAR"],"o":{"a":"DOUBLE"}}`) as an Iceberg type. */
export function inferFromJsonStructure(s: unknown, nextId: () => number): IcebergType {
  if (typeof s === 'string') {
    switch (s) {
      case 'BOOLEAN': return 'boolean'
      case 'UBIGINT':
      case 'BIGINT': return 'long'
      case 'DOUBLE': return 'double'
      default: return 'string' // VARCHAR, JSON (mixed kinds), NULL (never a value)
    }
  }
  if (Array.isArray(s)) {
    const elementId = nextId()
    return { type: 'list', 'element-id': elementId, element: inferFromJsonStructure(s[0] ?? 'NULL', nextId), 'element-required': false }
  }
  if (s && typeof s === 'object' && Object.keys(s).length > 0) {
    const entries = Object.entries(s)
    const ids = entries.map(() => nextId())
    return { type: 'struct', fields: entries.map(([name, v], i) => ({ id: ids[i]!, name, required: false, type: inferFromJsonStructure(v, nextId) })) }
  }
  return 'string'
}

/** Text columns that hold only ISO dates or timestamps are better typed as such. */
export const ISO_DATE_RE = String.raw`\d{4}-\d{2}-\d{2}`
export const ISO_TIMESTAMP_RE = String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?`
export const ISO_ZONE_RE = String.raw`(Z|z|[+-]\d{2}(:?\d{2})?)`
