/**
 * Streams the rows of one PostgreSQL SELECT into a DuckDB TEMP table: a server-side cursor fetched in
 * batches inside a read-only transaction, each batch appended with DuckDB's Appender, so a large table never
 * sits in memory as one array. Values travel as PostgreSQL's text output and DuckDB casts them to the
 * column's type, which keeps decimals, 64-bit integers, timestamps and JSON exact.
 * @module
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../../core/index.js'
import type { PostgresqlClient, PostgresqlQuery } from './postgresql-client.js'
import type { PostgresqlColumn } from './postgresql-types.js'

/** What {@link postgresqlLoad} needs. */
export interface PostgresqlLoadRequest {
  readonly client: PostgresqlClient
  readonly conn: DuckDBConnection
  /** Name of the TEMP table to create (from `ScanContext.tempName()`). */
  readonly table: string
  /** Columns in the order of the SELECT list; empty for a query that needs only the row count. */
  readonly columns: readonly PostgresqlColumn[]
  /** The PostgreSQL SELECT producing one text value per column (see postgresqlReadExpr). */
  readonly select: string
  readonly params: readonly string[]
  readonly batchRows: number
  readonly signal?: AbortSignal
  /** Called after each FETCH with the rows it returned (tests count them to prove batching). */
  readonly onBatch?: (rows: number) => void
}

/** The column holding one `true` per row when a scan needs no column (e.g. `count(*)`). */
export const POSTGRESQL_ROW_MARKER = '_akko_row'

export const duckIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

// Session settings that fix the text output the DuckDB casts rely on, whatever the server's defaults.
const SESSION_SETUP = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  'SET LOCAL IntervalStyle = postgres',
  'SET LOCAL extra_float_digits = 1',
]

/** Creates the TEMP table and fills it; returns the number of rows loaded. Drops the table on failure. */
export async function postgresqlLoad(req: PostgresqlLoadRequest): Promise<number> {
  const target = duckIdent(req.table)
  // Arrays arrive as JSON text and are converted once loading is done (see arraysConvert).
  const defs = req.columns.length
    ? req.columns.map((c) => `${duckIdent(c.name)} ${c.kind === 'array' ? 'VARCHAR' : c.duckType}`)
    : [`${duckIdent(POSTGRESQL_ROW_MARKER)} BOOLEAN`]
  await req.conn.run(`CREATE TEMP TABLE ${target} (${defs.join(', ')})`)
  try {
    const appender = await req.conn.createAppender(req.table)
    let total = 0
    try {
      total = await req.client.readTransaction(async (query) => {
        for (const s of SESSION_SETUP) await query(s)
        return cursorDrain(query, req, appender)
      })
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
    await arraysConvert(req.conn, target, req.columns)
    return total
  } catch (e) {
    await req.conn.run(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined)
    throw e
  }
}

async function cursorDrain(query: PostgresqlQuery, req: PostgresqlLoadRequest, appender: DuckDBAppender): Promise<number> {
  await query(`DECLARE akko_scan NO SCROLL CURSOR FOR ${req.select}`, req.params)
  let total = 0
  for (;;) {
    if (req.signal?.aborted) throw new AkkoError('CANCELLED', 'The query was cancelled while reading from PostgreSQL')
    const { rows } = await query(`FETCH FORWARD ${req.batchRows} FROM akko_scan`)
    req.onBatch?.(rows.length)
    for (const row of rows) rowAppend(appender, req.columns, row)
    total += rows.length
    if (rows.length < req.batchRows) break
  }
  await query('CLOSE akko_scan')
  return total
}

function rowAppend(appender: DuckDBAppender, columns: readonly PostgresqlColumn[], row: readonly unknown[]): void {
  if (columns.length === 0) {
    appender.appendBoolean(true)
    appender.endRow()
    return
  }
  for (let i = 0; i < columns.length; i++) {
    const v = row[i]
    const col = columns[i]!
    if (v === null || v === undefined) {
      appender.appendNull()
      continue
    }
    try {
      if (col.kind === 'bytea') appender.appendBlob(Buffer.from(String(v), 'hex'))
      else appender.appendVarchar(String(v))
    } catch (e) {
      throw new AkkoError('CONNECTOR_ERROR', `A value of column '${col.name}' (${col.trinoType}) cannot be represented: ${(e as Error).message}`, { column: col.name, type: col.trinoType })
    }
  }
  appender.endRow()
}

async function arraysConvert(conn: DuckDBConnection, target: string, columns: readonly PostgresqlColumn[]): Promise<void> {
  for (const c of columns) {
    if (c.kind !== 'array') continue
    const dims = (c.duckType.match(/\[\]/g) ?? []).length
    const id = duckIdent(c.name)
    // JSON → VARCHAR[]… keeps each element's exact text; the last cast parses elements as their own type.
    const using = `CAST(CAST(CAST(${id} AS JSON) AS VARCHAR${'[]'.repeat(dims)}) AS ${c.duckType})`
    try {
      await conn.run(`ALTER TABLE ${target} ALTER COLUMN ${id} SET DATA TYPE ${c.duckType} USING ${using}`)
    } catch (e) {
      throw new AkkoError('CONNECTOR_ERROR', `Array column '${c.name}' (${c.trinoType}) cannot be read: ${(e as Error).message}`, { column: c.name, type: c.trinoType })
    }
  }
}
