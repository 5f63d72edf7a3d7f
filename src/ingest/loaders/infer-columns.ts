/**
 * Schema inference for a table created by a load: DuckDB's sniffer types for CSV (over all files, by name),
 * Parquet's own types, and the merged structure of JSON records, where text columns holding only ISO dates
 * or timestamps become `date`, `timestamp` or `timestamptz`.
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { sqlString, type IcebergType } from '../../storage/index.js'
import { fileError, jsonPointer, type CsvOptions, type LoadFormat, type SourceColumn, type SourceFile } from './file-readers.js'
import { inferFromDuck, inferFromJsonStructure, ISO_DATE_RE, ISO_TIMESTAMP_RE, ISO_ZONE_RE } from './infer.js'

/** Columns (name and Iceberg type) for a new table fed by `files`, in the order they first appear. */
export async function inferColumns(conn: DuckDBConnection, format: LoadFormat, files: readonly SourceFile[], columns: readonly SourceColumn[][], csv: CsvOptions): Promise<{ name: string; type: IcebergType }[]> {
  let id = 1000 // nested field ids: the catalog assigns fresh ones at create time anyway
  const nextId = (): number => ++id
  if (format === 'parquet') {
    const seen = new Map<string, IcebergType>()
    for (const cols of columns) for (const c of cols) if (!seen.has(c.name)) seen.set(c.name, inferFromDuck(c.duckType!, nextId))
    return [...seen].map(([name, type]) => ({ name, type }))
  }
  if (format === 'csv') {
    const paths = `[${files.map(f => sqlString(f.path)).join(', ')}]`
    const header = csv.header === false ? 'false' : 'true'
    const dialect = `delim = ${sqlString(csv.delimiter ?? ',')}, quote = ${sqlString(csv.quote ?? '"')}, escape = ${sqlString(csv.escape ?? csv.quote ?? '"')}`
    const nulls = csv.nullString === undefined ? '' : `, nullstr = ${sqlString(csv.nullString)}`
    const reader = await conn.runAndReadAll(`SELECT * FROM read_csv(${paths}, header = ${header}, ${dialect}, ignore_errors = true, union_by_name = true${nulls}) LIMIT 0`)
      .catch(e => { throw fileError(e, files[0]!) })
    const types = reader.columnTypes()
    const inferred = reader.columnNames().map((name, i) => ({ name, type: widenInteger(inferFromDuck(types[i]!, nextId)) }))
    if (csv.header === false) return inferred.map((c, i) => ({ ...c, name: `column${i + 1}` }))
    return inferred
  }
  const union = files.map(f => `SELECT json FROM read_json_objects(${sqlString(f.path)}, format = 'newline_delimited', ignore_errors = true)`).join(' UNION ALL ')
  const r = (await conn.runAndReadAll(`SELECT json_group_structure(json)::VARCHAR AS s FROM (${union}) WHERE json_type(json) = 'OBJECT'`).catch(e => { throw fileError(e, files[0]!) })).getRowObjectsJS()
  const structure = r[0]?.s ? (JSON.parse(String(r[0].s)) as Record<string, unknown>) : {}
  const out = Object.entries(structure).map(([name, s]) => ({ name, type: inferFromJsonStructure(s, nextId) }))
  const text = out.filter(c => c.type === 'string')
  if (text.length === 0) return out
  const probes = text.map((c, i) => {
    const v = `json_extract_string(json, ${jsonPointer(c.name)})`
    return `count(${v}) AS n${i}, count_if(regexp_full_match(${v}, '${ISO_DATE_RE}')) AS d${i},
      count_if(regexp_full_match(${v}, '${ISO_TIMESTAMP_RE}')) AS t${i}, count_if(regexp_full_match(${v}, '${ISO_TIMESTAMP_RE}\\s*${ISO_ZONE_RE}')) AS z${i}`
  })
  const [p] = (await conn.runAndReadAll(`SELECT ${probes.join(', ')} FROM (${union}) WHERE json_type(json) = 'OBJECT'`)).getRowObjectsJS()
  text.forEach((c, i) => {
    const n = Number(p![`n${i}`])
    if (n === 0) return
    if (Number(p![`d${i}`]) === n) c.type = 'date'
    else if (Number(p![`z${i}`]) === n) c.type = 'timestamptz'
    else if (Number(p![`t${i}`]) === n) c.type = 'timestamp'
  })
  return out
}

/** The CSV sniffer says BIGINT for every integer column; a narrower `int` would only make later rows fail. */
function widenInteger(t: IcebergType): IcebergType {
  return t === 'int' ? 'long' : t
}
