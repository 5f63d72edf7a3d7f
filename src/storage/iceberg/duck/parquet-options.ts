/**
 * The Parquet options every file AKKO writes carries: Iceberg field ids on every column, nested ones
 * included (spec "Parquet": "every column must carry its field id"), and the schema JSON under the
 * `iceberg.schema` key, which readers that match columns by name rely on.
 * @module
 */
import type { IcebergType, StructField, StructType } from '../spec.js'
import { sqlIdent, sqlString } from './sql-text.js'

/** Parquet compression codecs DuckDB writes. */
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'brotli' | 'uncompressed'

const COMPRESSIONS = new Set<string>(['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'uncompressed'])

/** True when DuckDB can write this codec. */
export const parquetCompressionValid = (c: string): c is ParquetCompression => COMPRESSIONS.has(c)

/**
 * DuckDB's FIELD_IDS value for top-level fields: `{"id": 1, "s": {__duckdb_field_id: 3, "p": 4}, "tags": {__duckdb_field_id: 5, element: 6}}`.
 */
export function parquetFieldIdsSql(fields: readonly StructField[]): string {
  return `{${fields.map((f) => `${sqlIdent(f.name)}: ${fieldIdSpec(f.id, f.type)}`).join(', ')}}`
}

function fieldIdSpec(id: number, type: IcebergType): string {
  if (typeof type === 'string') return String(id)
  const children =
    type.type === 'struct' ? type.fields.map((f) => `${sqlIdent(f.name)}: ${fieldIdSpec(f.id, f.type)}`)
    : type.type === 'list' ? [`element: ${fieldIdSpec(type['element-id'], type.element)}`]
    : [`key: ${fieldIdSpec(type['key-id'], type.key)}`, `value: ${fieldIdSpec(type['value-id'], type.value)}`]
  return `{__duckdb_field_id: ${id}, ${children.join(', ')}}`
}

/** DuckDB's KV_METADATA value holding the schema JSON as Iceberg's Java writer stores it. */
export function parquetKvMetadataSql(schema: StructType): string {
  const json = JSON.stringify(schema, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  return `{'iceberg.schema': ${sqlString(json)}}`
}
