/**
 * The core of every load: read the sources' columns, infer or load the target schema, bind columns, check every
 * row in SQL, then either fail listing the bad rows (nothing written) or append the good rows in one commit.
 * File loads and HTTP loads (which spool their records to a JSON lines file) both end here.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import { icebergTypeToTrino } from '../../engine/index.js'
import {
  icebergToDuckType, sqlIdent, tableAppend, tableName,
  type Schema, type StructField, type TableContext, type TableIdent,
} from '../../storage/index.js'
import { sourceColumns, sourceRowsSql, fileError, type CsvOptions, type LoadFormat, type SourceColumn, type SourceFile } from './file-readers.js'
import { inferColumns } from './infer-columns.js'
import { loadSchemaBuild, loadTargetCreate, loadTargetSchema, loadTargetState } from './table-target.js'
import type { BadRow, LoadReport, LoadTargetOptions } from './types.js'
import { castSql, rowProblemSql, typedSourceFits, type ColumnBinding } from './validate.js'

/** Where a bad row is, for its report line: `{ file, row }` for files, `{ page, row }` for HTTP. */
export type RowLocator = (file: SourceFile, row: number) => Pick<BadRow, 'file' | 'page' | 'row'>

export interface LoadSourcesRequest extends LoadTargetOptions {
  readonly ident: TableIdent
  readonly format: LoadFormat
  readonly files: readonly SourceFile[]
  readonly csv?: CsvOptions
  readonly locate?: RowLocator
}

/** Problems listed in an error message (all of them, up to maxBadRowsReported, are in `details.badRows`). */
const IN_MESSAGE = 10

/** Runs a load; see the module comment. */
export async function loadSources(ctx: TableContext, req: LoadSourcesRequest): Promise<LoadReport> {
  const onBadRows = req.onBadRows ?? 'fail'
  if (onBadRows !== 'fail' && onBadRows !== 'skip') throw new AkkoError('INVALID_ARGUMENT', `onBadRows must be 'fail' or 'skip', got '${String(onBadRows)}'`, { option: 'onBadRows' })
  const maxListed = req.maxBadRowsReported ?? 100
  const locate: RowLocator = req.locate ?? ((file, row) => ({ file: file.display, row }))
  const csv = req.csv ?? {}
  const state = await loadTargetState(ctx, req.ident)
  if (!state && !req.create) {
    throw new AkkoError('TABLE_NOT_FOUND', `Table ${tableName(req.ident)} does not exist; create it first, or load with create: true to create it from the data`, { table: tableName(req.ident) })
  }
  const bad = `akko_load_bad_${randomUUID().replaceAll('-', '')}`
  const conn = await ctx.duck.connect()
  try {
    const columns: SourceColumn[][] = []
    for (const f of req.files) columns.push(await sourceColumns(conn, req.format, f, csv))
    const schema = state ? loadTargetSchema(state) : loadSchemaBuild(await inferColumns(conn, req.format, req.files, columns, csv))
    if (!state && csv.header === false) columns.forEach(cols => cols.forEach((c, i) => Object.assign(c, { name: schema.fields[i]?.name ?? c.name })))
    if (state && req.format === 'csv' && csv.header === false) renameByPosition(columns, schema, req.files)
    const { bindings, ignored } = bindAll(req, schema, columns)

    await conn.run(`CREATE TABLE ${sqlIdent(bad)} (__file INTEGER, __row BIGINT, c VARCHAR, r VARCHAR)`)
    const rejects: { file: SourceFile; row: number; reason: string }[] = []
    for (const f of req.files) {
      const rejectsTable = `${bad}_rej_${f.index}`
      const rows = sourceRowsSql(req.format, f, columns[f.index]!, csv, { rejects: rejectsTable })
      await run(conn, `INSERT INTO ${sqlIdent(bad)} SELECT __file, __row, p.c, p.r FROM (SELECT __file, __row, ${rowProblemSql(bindings[f.index]!, req.format === 'jsonl')} AS p FROM (${rows})) WHERE p IS NOT NULL`, f, req.signal)
      if (req.format === 'csv') rejects.push(...(await csvRejects(conn, rejectsTable, f, csv)))
    }
    const typedCount = Number((await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${sqlIdent(bad)}`)).getRowObjectsJS()[0]!.n)
    const badRowCount = typedCount + rejects.length
    const badRows = badRowCount === 0 ? [] : await badRowsList(conn, bad, req.files, rejects, locate, maxListed)
    if (badRowCount > 0 && onBadRows === 'fail') throw badRowsError(req.ident, badRows, badRowCount)

    const created = !state
    if (!bindings.some(bs => bs.length > 0)) {
      if (created) throw new AkkoError('INVALID_ARGUMENT', `Cannot create ${tableName(req.ident)}: the data has no columns to infer a schema from`, { table: tableName(req.ident) })
      return Object.freeze({ table: tableName(req.ident), rows: 0, created, badRows: Object.freeze(badRows), badRowCount, ignoredColumns: Object.freeze(ignored) })
    }
    if (created) await loadTargetCreate(ctx, req.ident, schema, req.partitionBy ?? [])
    const sql = loadSql(req, columns, bindings, schema, typedCount > 0 ? bad : undefined)
    let result
    try {
      result = await tableAppend(ctx, req.ident, { sql }, { signal: req.signal })
    } catch (e) {
      if (created) await ctx.catalog.dropTable(req.ident, { purge: true }).catch(() => undefined)
      throw e
    }
    return Object.freeze({
      table: tableName(req.ident),
      rows: result?.rows ?? 0,
      created,
      badRows: Object.freeze(badRows),
      badRowCount,
      ignoredColumns: Object.freeze(ignored),
      ...(result ? { snapshotId: result.snapshot['snapshot-id'] } : {}),
    })
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${sqlIdent(bad)}`).catch(() => undefined)
    ctx.duck.release(conn)
  }
}

/** Binds each file's columns to table fields (exact name, else the one case-insensitive match). */
function bindAll(req: LoadSourcesRequest, schema: Schema, columns: readonly SourceColumn[][]): { bindings: ColumnBinding[][]; ignored: string[] } {
  const ignored = new Set<string>()
  const bindings = req.files.map(f => {
    const out: ColumnBinding[] = []
    const unknown: string[] = []
    for (const source of columns[f.index]!) {
      const field = schema.fields.find(x => x.name === source.name) ?? uniqueFold(schema.fields, source.name)
      if (!field) unknown.push(source.name)
      else if (out.some(b => b.field.id === field.id)) throw new AkkoError('INVALID_ARGUMENT', `${f.display} has two columns for table column '${field.name}'`, { file: f.display, column: field.name })
      else if (!typedSourceFits(source, field.type)) {
        throw new AkkoError('INVALID_ARGUMENT', `Column '${source.name}' of ${f.display} is ${source.duckType!.toString()}, which does not convert to ${icebergTypeToTrino(field.type)} (column '${field.name}' of ${tableName(req.ident)})`, { file: f.display, column: field.name })
      } else out.push({ field, source })
    }
    if (unknown.length > 0 && (req.onUnknownColumns ?? 'fail') === 'fail') {
      throw new AkkoError('COLUMN_NOT_FOUND',
        `${f.display} has column ${unknown.map(n => `'${n}'`).join(', ')} that table ${tableName(req.ident)} does not have (its columns: ${schema.fields.map(x => x.name).join(', ')}); load with onUnknownColumns: 'ignore' to leave them out`,
        { file: f.display, columns: unknown })
    }
    unknown.forEach(n => ignored.add(n))
    const missing = schema.fields.filter(x => x.required && x['write-default'] === undefined && !out.some(b => b.field.id === x.id))
    if (missing.length > 0) {
      throw new AkkoError('INVALID_ARGUMENT', `Column ${missing.map(x => `'${x.name}'`).join(', ')} of table ${tableName(req.ident)} is required, but ${f.display} has no such column`, { file: f.display, columns: missing.map(x => x.name) })
    }
    return out
  })
  return { bindings, ignored: [...ignored] }
}

function uniqueFold(fields: readonly StructField[], name: string): StructField | undefined {
  const hits = fields.filter(f => f.name.toLowerCase() === name.toLowerCase())
  return hits.length === 1 ? hits[0] : undefined
}

/** Headerless CSV into an existing table: columns are the table's, in order. */
function renameByPosition(columns: SourceColumn[][], schema: Schema, files: readonly SourceFile[]): void {
  for (const f of files) {
    const cols = columns[f.index]!
    if (cols.length > schema.fields.length) {
      throw new AkkoError('INVALID_ARGUMENT', `${f.display} has ${cols.length} columns but the table has ${schema.fields.length}`, { file: f.display })
    }
    cols.forEach((c, i) => Object.assign(c, { name: schema.fields[i]!.name }))
  }
}

/** The SELECT that feeds the append: every file's good rows, converted, in file order. */
function loadSql(req: LoadSourcesRequest, columns: readonly SourceColumn[][], bindings: readonly ColumnBinding[][], schema: Schema, bad: string | undefined): string {
  const fed = schema.fields.filter(f => bindings.some(bs => bs.some(b => b.field.id === f.id)))
  const parts = req.files.map(f => {
    const bs = bindings[f.index]!
    const cols = fed.map(field => {
      const b = bs.find(x => x.field.id === field.id)
      return `${b ? castSql(b) : `NULL::${icebergToDuckType(field.type)}`} AS ${sqlIdent(field.name)}`
    })
    return `SELECT __file, __row, ${cols.join(', ')} FROM (${sourceRowsSql(req.format, f, columns[f.index]!, req.csv ?? {}, 'load')})`
  })
  const filter = bad ? ` WHERE NOT EXISTS (SELECT 1 FROM ${sqlIdent(bad)} b WHERE b.__file = s.__file AND b.__row = s.__row)` : ''
  return `SELECT ${fed.map(f => sqlIdent(f.name)).join(', ')} FROM (${parts.join('\nUNION ALL\n')}) s${filter}`
}

/** Malformed CSV records of one file (wrong number of fields, bad quoting), numbered as data rows. */
async function csvRejects(conn: DuckDBConnection, table: string, f: SourceFile, csv: CsvOptions): Promise<{ file: SourceFile; row: number; reason: string }[]> {
  try {
    const rows = (await conn.runAndReadAll(`SELECT line::BIGINT AS line, any_value(error_message) AS m FROM ${sqlIdent(table)} GROUP BY line ORDER BY line`)).getRowObjectsJS()
    const header = csv.header === false ? 0 : 1
    return rows.map(r => ({ file: f, row: Number(r.line) - header, reason: `malformed CSV record: ${String(r.m)}` }))
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${sqlIdent(table)}; DROP TABLE IF EXISTS ${sqlIdent(`${table}_scan`)}`).catch(() => undefined)
  }
}

/**
 * The first `max` bad rows in file and row order. A CSV value problem is found on the n-th well-formed record;
 * its data row number counts the malformed records before it too.
 */
async function badRowsList(conn: DuckDBConnection, bad: string, files: readonly SourceFile[], rejects: readonly { file: SourceFile; row: number; reason: string }[], locate: RowLocator, max: number): Promise<BadRow[]> {
  const typed = (await conn.runAndReadAll(`SELECT __file, __row, c, r FROM ${sqlIdent(bad)} ORDER BY __file, __row LIMIT ${Math.max(0, Math.floor(max))}`)).getRowObjectsJS()
  const all: { file: SourceFile; row: number; column?: string; reason: string }[] = []
  for (const t of typed) {
    const file = files[Number(t.__file)]!
    let row = Number(t.__row)
    for (const r of rejects) if (r.file === file && r.row <= row) row++
    all.push({ file, row, ...(t.c === null ? {} : { column: String(t.c) }), reason: String(t.r) })
  }
  all.push(...rejects)
  all.sort((a, b) => a.file.index - b.file.index || a.row - b.row)
  return all.slice(0, max).map(b => Object.freeze({ ...locate(b.file, b.row), ...(b.column ? { column: b.column } : {}), reason: b.reason }))
}

/** `row 17: column amount: 'abc' is not a decimal(12,2)`, prefixed by the file or page. */
export function badRowLine(b: BadRow): string {
  const where = b.page !== undefined ? `page ${b.page}, row ${b.row}` : `row ${b.row}`
  return `${b.file ? `${b.file} ` : ''}${where}: ${b.reason}`
}

function badRowsError(ident: TableIdent, badRows: readonly BadRow[], count: number): AkkoError {
  const lines = badRows.slice(0, IN_MESSAGE).map(badRowLine)
  const more = count > lines.length ? `\n(and ${count - lines.length} more)` : ''
  return new AkkoError('INVALID_ARGUMENT',
    `Nothing was loaded into ${tableName(ident)}: ${count} bad row(s). Fix them, or load with onBadRows: 'skip' to load the other rows.\n${lines.join('\n')}${more}`,
    { table: tableName(ident), badRowCount: count, badRows })
}

async function run(conn: DuckDBConnection, sql: string, f: SourceFile, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  const onAbort = (): void => conn.interrupt()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await conn.run(sql)
  } catch (e) {
    if (signal?.aborted) throw new AkkoError('CANCELLED', `Loading ${f.display} was cancelled; nothing was written`)
    throw fileError(e, f)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

