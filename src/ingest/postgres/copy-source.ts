/**
 * Reads a source table's rows as CSV into a stream, inside one REPEATABLE READ transaction so the rows and the
 * new watermark come from the same snapshot. A server streams `COPY (SELECT …) TO STDOUT (FORMAT csv)` through
 * pg-copy-streams; an engine client (embedded PGlite) is read with a cursor, batch by batch, each batch written
 * as CSV text. Either way no more than one batch is ever held in JavaScript.
 * @module
 */
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { AkkoError } from '../../core/index.js'
import type { PostgresqlClient } from '../../engine/index.js'
import { csvValue } from './csv-chunks.js'
import { pgError, pgIdent, pgLiteral, pgServerClient, type PgSourceColumn, type PgSourceTable } from './pg-source.js'

/** What to copy. */
export interface CopyRequest {
  readonly table: PgSourceTable
  /** Columns in the order the CSV carries them. */
  readonly columns: readonly PgSourceColumn[]
  /** Only rows whose watermark column is at or after this value (its text output); all rows when absent. */
  readonly watermark?: { readonly column: PgSourceColumn; readonly from?: string }
  /** An exported snapshot (`CREATE_REPLICATION_SLOT … EXPORT_SNAPSHOT`) to read at. */
  readonly snapshot?: string
  /** Receives the CSV bytes; ended when the copy is done. */
  readonly sink: Writable
  /** Rows per FETCH on the cursor path (default 10,000). */
  readonly batchRows?: number
  readonly signal?: AbortSignal
}

/** The largest watermark value among the copied rows, read in the same snapshot (null: no row). */
export interface CopyResult {
  readonly watermark?: string | null
}

/** PostgreSQL expression of a column as the CSV carries it: its text output, arrays as JSON arrays of element texts. */
function columnExpr(c: PgSourceColumn): string {
  const id = pgIdent(c.name)
  if (c.type.kind === 'array') return `array_to_json(${id}::text${'[]'.repeat(c.type.dims ?? 1)})::text`
  return id
}

/** The text output of a value (format's %s calls the type's output function, as COPY does; ::text may differ, e.g. for inet). */
const textExpr = (e: string): string => `CASE WHEN (${e}) IS NULL THEN NULL ELSE format('%s', ${e}) END`

function whereSql(req: CopyRequest): string {
  const w = req.watermark
  if (!w?.from) return ''
  return ` WHERE ${pgIdent(w.column.name)} >= ${pgLiteral(w.from)}::${w.column.pgType.formatted}`
}

function maxSql(req: CopyRequest): string | undefined {
  const w = req.watermark
  return w ? `SELECT max(${pgIdent(w.column.name)})::text FROM ${req.table.sql}${whereSql(req)}` : undefined
}

/** The SELECT whose rows are copied (also what the benchmark's baseline copies). */
export function copySelectSql(req: Pick<CopyRequest, 'table' | 'columns' | 'watermark'>): string {
  return `SELECT ${req.columns.map(columnExpr).join(', ')} FROM ${req.table.sql}${whereSql(req as CopyRequest)}`
}

const SESSION_SETUP = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  'SET LOCAL IntervalStyle = postgres',
  'SET LOCAL extra_float_digits = 1',
  "SET LOCAL bytea_output = 'hex'",
]

/** Copies from a PostgreSQL server with COPY … TO STDOUT. */
export async function copyFromServer(url: string, req: CopyRequest): Promise<CopyResult> {
  const { to: copyTo } = await import('pg-copy-streams')
  const client = await pgServerClient(url)
  let doing = 'starting the copy transaction'
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    if (req.snapshot) await client.query(`SET TRANSACTION SNAPSHOT ${pgLiteral(req.snapshot)}`)
    for (const s of SESSION_SETUP) await client.query(s)
    const max = maxSql(req)
    let watermark: string | null | undefined
    doing = `reading the watermark of ${req.table.display}`
    if (max) watermark = ((await client.query({ text: max, rowMode: 'array' })).rows[0] as unknown[])[0] as string | null
    doing = `copying ${req.table.display}`
    await pipeline(client.query(copyTo(`COPY (${copySelectSql(req)}) TO STDOUT WITH (FORMAT csv)`)), req.sink, { signal: req.signal })
    await client.query('COMMIT')
    return { watermark }
  } catch (e) {
    if (req.signal?.aborted) throw new AkkoError('CANCELLED', `Copying ${req.table.display} was cancelled`)
    throw pgError(e, url, doing)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Copies through an engine client (embedded PGlite) with a cursor, writing each batch as CSV. */
export async function copyFromClient(client: PostgresqlClient, req: CopyRequest): Promise<CopyResult> {
  const batch = req.batchRows ?? 10_000
  try {
    const result = await client.readTransaction(async query => {
      await query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
      for (const s of SESSION_SETUP) await query(s)
      const max = maxSql(req)
      const watermark = max ? ((await query(max)).rows[0]?.[0] as string | null) : undefined
      const select = `SELECT ${req.columns.map(c => textExpr(columnExpr(c))).join(', ')} FROM ${req.table.sql}${whereSql(req)}`
      await query(`DECLARE akko_copy NO SCROLL CURSOR FOR ${select}`)
      for (;;) {
        if (req.signal?.aborted) throw new AkkoError('CANCELLED', `Copying ${req.table.display} was cancelled`)
        const { rows } = await query(`FETCH FORWARD ${batch} FROM akko_copy`)
        if (rows.length) {
          let text = ''
          for (const row of rows) text += row.map(csvValue).join(',') + '\n'
          if (!req.sink.write(text)) await once(req.sink, 'drain')
        }
        if (rows.length < batch) break
      }
      await query('CLOSE akko_copy')
      return { watermark }
    })
    req.sink.end()
    await finished(req.sink)
    return result
  } catch (e) {
    req.sink.destroy()
    throw pgError(e, undefined, `copying ${req.table.display}`)
  }
}
