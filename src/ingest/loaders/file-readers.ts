/**
 * How each file format is read by DuckDB under the loader's control: the columns a file offers, and a SELECT of
 * its rows numbered in file order (`__file`, `__row`) with one raw column per source column. Text formats read
 * every value as text so the loader, not DuckDB, decides what is a bad value.
 *
 * Row numbers come from `row_number() OVER ()`: with an empty window DuckDB plans a streaming window operator
 * that numbers rows in scan order (insertion order is preserved by default), which is file order. Parquet uses
 * the reader's own `file_row_number`.
 * @module
 */
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import { duckError, sqlIdent, sqlString } from '../../storage/index.js'

export type LoadFormat = 'csv' | 'jsonl' | 'parquet'

/** CSV dialect. Defaults: comma, double quote, escape = quote, a header line. */
export interface CsvOptions {
  readonly delimiter?: string
  readonly quote?: string
  readonly escape?: string
  /** Whether the first line names the columns (default true). Without it, columns map to the table's in order. */
  readonly header?: boolean
  /** Text that stands for NULL (default: an empty unquoted field). */
  readonly nullString?: string
}

/** One file of a load. */
export interface SourceFile {
  readonly index: number
  /** As the caller named it, for reports. */
  readonly display: string
  /** On the local disk, for DuckDB. */
  readonly path: string
}

/**
 * A column a file offers. `text`: a VARCHAR raw column; `typed`: a raw column of `duckType` (Parquet);
 * `json`: a key of the record held in the raw `__json` column.
 */
export interface SourceColumn {
  readonly name: string
  readonly kind: 'text' | 'typed' | 'json'
  /** The raw column (`c0`, …) for text and typed columns. */
  readonly raw?: string
  readonly duckType?: DuckDBType
}

/** Reads the column list of one file. */
export async function sourceColumns(conn: DuckDBConnection, format: LoadFormat, file: SourceFile, csv: CsvOptions): Promise<SourceColumn[]> {
  if (format === 'csv') {
    const r = await run(conn, `SELECT Columns FROM sniff_csv(${sqlString(file.path)}, ${csvDialect(csv)}, header = ${csv.header === false ? 'false' : 'true'}, ignore_errors = true)`, file)
    const cols = (r[0]?.Columns ?? []) as { name: string }[]
    if (cols.length === 0) throw new AkkoError('INVALID_ARGUMENT', `${file.display} has no columns: is it empty?`, { file: file.display })
    return cols.map((c, i) => ({ name: String(c.name), kind: 'text', raw: `c${i}` }))
  }
  if (format === 'parquet') {
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file.path)}) LIMIT 0`).catch(e => { throw fileError(e, file) })
    const types = reader.columnTypes()
    return reader.columnNames().map((name, i) => ({ name, kind: 'typed', raw: `c${i}`, duckType: types[i] }))
  }
  const r = await run(conn, `SELECT json_group_structure(json)::VARCHAR AS s FROM read_json_objects(${sqlString(file.path)}, format = 'newline_delimited', ignore_errors = true) WHERE json_type(json) = 'OBJECT'`, file)
  const s = r[0]?.s ? (JSON.parse(String(r[0].s)) as Record<string, unknown>) : {}
  return Object.keys(s).map(name => ({ name, kind: 'json' }))
}

/**
 * The numbered rows of one file: `__file`, `__row` and the raw columns. In `check` mode a CSV scan stores
 * malformed records in `rejects` (a table name) instead of failing; in `load` mode it skips them, so both
 * modes number the remaining records alike.
 */
export function sourceRowsSql(format: LoadFormat, file: SourceFile, columns: readonly SourceColumn[], csv: CsvOptions, mode: { readonly rejects: string } | 'load'): string {
  const path = sqlString(file.path)
  if (format === 'csv') {
    const cols = `{${columns.map(c => `${sqlString(c.raw!)}: 'VARCHAR'`).join(', ')}}`
    const errors = mode === 'load' ? 'ignore_errors = true' : `store_rejects = true, rejects_table = ${sqlString(mode.rejects)}, rejects_scan = ${sqlString(`${mode.rejects}_scan`)}`
    const nulls = csv.nullString === undefined ? '' : `, nullstr = ${sqlString(csv.nullString)}`
    return `SELECT ${file.index} AS __file, row_number() OVER () AS __row, ${columns.map(c => c.raw).join(', ')}
      FROM read_csv(${path}, auto_detect = false, header = ${csv.header === false ? 'false' : 'true'}, ${csvDialect(csv)}, columns = ${cols}, ${errors}${nulls})`
  }
  if (format === 'parquet') {
    return `SELECT ${file.index} AS __file, file_row_number + 1 AS __row, ${columns.map(c => `${sqlIdent(c.name)} AS ${c.raw}`).join(', ')}
      FROM read_parquet(${path}, file_row_number = true)`
  }
  return `SELECT ${file.index} AS __file, row_number() OVER () AS __row, json AS __json
    FROM read_json_objects(${path}, format = 'newline_delimited', ignore_errors = true)`
}

/** A JSON pointer (RFC 6901) to a top-level key. */
export const jsonPointer = (key: string): string => sqlString(`/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`)

function csvDialect(csv: CsvOptions): string {
  const delim = csv.delimiter ?? ','
  const quote = csv.quote ?? '"'
  const escape = csv.escape ?? quote
  for (const [name, v] of [['delimiter', delim], ['quote', quote], ['escape', escape]] as const) {
    if (v.length !== 1) throw new AkkoError('INVALID_ARGUMENT', `CSV ${name} must be one character, got '${v}'`, { option: name })
  }
  return `delim = ${sqlString(delim)}, quote = ${sqlString(quote)}, escape = ${sqlString(escape)}`
}

async function run(conn: DuckDBConnection, sql: string, file: SourceFile): Promise<Record<string, unknown>[]> {
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]
  } catch (e) {
    throw fileError(e, file)
  }
}

/** A DuckDB failure reading a file, naming the file as the caller gave it. */
export function fileError(e: unknown, file: SourceFile): AkkoError {
  const err = duckError(e, `Reading ${file.display}`, { file: file.display })
  return err.code === 'INTERNAL' ? new AkkoError('INVALID_ARGUMENT', `Cannot read ${file.display}: ${(e as Error).message}`, { file: file.display }) : err
}
