/**
 * The SELECT a Parquet write copies from: the caller's query with every top-level schema column cast to
 * its Iceberg type's DuckDB type, missing optional columns filled from `write-default` (else NULL), and
 * the partition transforms computed as extra columns.
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../../core/index.js'
import type { PartitionField, PartitionSpec, Schema, StructField } from '../spec.js'
import { schemaIndex } from '../types.js'
import { icebergToDuckType } from './duck-types.js'
import { duckRunAll } from './duck-run.js'
import { partitionExprSql } from './partition-sql.js'
import { sqlLiteralFromJson } from './sql-literal.js'
import { sqlIdent } from './sql-text.js'

/** Column holding the hash of a row's partition tuple; DuckDB writes one directory per value. */
export const PARTITION_KEY_COLUMN = '__akko_part'

/** Reads `sourceSql`'s column names without running it, and checks them against the schema. */
export async function writeSourceColumns(conn: DuckDBConnection, sourceSql: string, schema: Schema, signal?: AbortSignal): Promise<Set<string>> {
  const reader = await duckRunAll(conn, `DESCRIBE SELECT * FROM (${sourceSql}) AS __akko_src`, 'Reading the columns of the rows to write', signal)
  const names = reader.getRowObjectsJS().map((r) => String(r.column_name))
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) throw new AkkoError('INVALID_ARGUMENT', `The rows to write have two columns named '${n}'`, { column: n })
    seen.add(n)
  }
  const known = new Set(schema.fields.map((f) => f.name))
  const extra = names.filter((n) => !known.has(n))
  if (extra.length > 0) {
    throw new AkkoError('COLUMN_NOT_FOUND', `The table has no column ${extra.map((n) => `'${n}'`).join(', ')}; its columns are ${[...known].map((n) => `'${n}'`).join(', ')}`, { columns: extra })
  }
  const missing = schema.fields.filter((f) => !seen.has(f.name) && f.required && f['write-default'] === undefined)
  if (missing.length > 0) {
    throw new AkkoError('INVALID_ARGUMENT', `Required column ${missing.map((f) => `'${f.name}'`).join(', ')} has no value in the rows to write`, { columns: missing.map((f) => f.name) })
  }
  return seen
}

/** One top-level column of the write, cast (or defaulted) to its Iceberg type. */
function columnSql(f: StructField, present: ReadonlySet<string>): string {
  const duck = icebergToDuckType(f.type)
  if (present.has(f.name)) return `CAST(__akko_src.${sqlIdent(f.name)} AS ${duck}) AS ${sqlIdent(f.name)}`
  const def = f['write-default'] === undefined ? 'NULL' : sqlLiteralFromJson(f.type, f['write-default'])
  return `CAST(${def} AS ${duck}) AS ${sqlIdent(f.name)}`
}

/** The partition transform of one partition field, over the columns of a written row. */
export function partitionFieldSql(schema: Schema, pf: PartitionField): string {
  const src = schemaIndex(schema).byId.get(pf['source-id'])
  if (!src) throw new AkkoError('INVALID_ARGUMENT', `Partition field '${pf.name}' refers to column id ${pf['source-id']}, which is not in the schema`, { partitionField: pf.name })
  if (src.path.some((p, i) => i < src.path.length - 1 && (p === 'element' || p === 'key' || p === 'value'))) {
    throw new AkkoError('NOT_SUPPORTED', `Partition field '${pf.name}' is sourced from inside a list or map, which Iceberg does not allow`, { partitionField: pf.name })
  }
  return partitionExprSql(pf.transform, src.field.type, src.path.map(sqlIdent).join('.'))
}

/**
 * The full SELECT to copy: schema columns in schema order, plus `__akko_part` (a hash of the partition
 * tuple) when the spec has fields.
 */
export function writeSourceSql(sourceSql: string, schema: Schema, spec: PartitionSpec, present: ReadonlySet<string>): string {
  const cast = `SELECT ${schema.fields.map((f) => columnSql(f, present)).join(', ')} FROM (${sourceSql}) AS __akko_src`
  if (spec.fields.length === 0) return cast
  const parts = spec.fields.map((pf) => partitionFieldSql(schema, pf))
  return `SELECT *, hash(${parts.join(', ')}) AS ${PARTITION_KEY_COLUMN} FROM (${cast}) AS __akko_cast`
}
