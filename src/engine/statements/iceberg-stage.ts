/**
 * Moving a bound query's rows from the engine's sandboxed DuckDB to the storage layer's DuckDB. Bound SQL only
 * runs on the statement's own connection (it uses the engine's Trino macros and the TEMP tables connectors create
 * there), while table writes run on the storage instance; so the statement's rows are computed ONCE on the sandbox
 * and streamed chunk by chunk into a staging table of the storage instance, which the write then reads.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import type { StatementContext } from './statement.js'
import { quoteIdent } from './iceberg-sql-reader.js'

/** A staging table in the storage instance: `name` is usable in SQL given to storage operations. */
export interface Stage {
  readonly name: string
  readonly rows: number
  /** Runs SQL on the storage instance (e.g. checks over the staged rows) and returns the rows as objects. */
  query(sql: string): Promise<Record<string, unknown>[]>
  drop(): Promise<void>
}

/** Runs `sql` on the statement's connection and copies its result into a new staging table of the storage instance. */
export async function stageQuery(ctx: StatementContext, sql: string): Promise<Stage> {
  const duck = ctx.iceberg.tables.duck
  const name = `akko_stage_${randomUUID().replaceAll('-', '')}`
  const result = await ctx.conn.stream(sql).catch(e => Promise.reject(queryError(e)))
  const types = result.columnTypes().map(t => t.toString())
  const names = result.columnNames()
  const conn: DuckDBConnection = await duck.connect()
  let rows = 0
  try {
    await conn.run(`CREATE TABLE ${name} (${names.map((n, i) => `${quoteIdent(n)} ${types[i]}`).join(', ')})`)
    const appender = await conn.createAppender(name)
    try {
      for (;;) {
        if (ctx.signal?.aborted) throw new AkkoError('CANCELLED', 'Query was canceled', {})
        const chunk = await result.fetchChunk().catch(e => Promise.reject(queryError(e)))
        if (!chunk || chunk.rowCount === 0) break
        appender.appendDataChunk(chunk)
        rows += chunk.rowCount
      }
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
  } catch (e) {
    await conn.run(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined)
    duck.release(conn)
    throw e
  }
  return {
    name,
    rows,
    async query(q: string) {
      return (await conn.runAndReadAll(q)).getRowObjects() as Record<string, unknown>[]
    },
    async drop() {
      await conn.run(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined)
      duck.release(conn)
    },
  }
}

/** Runs `fn` with the staged rows of `sql`, dropping the staging table whatever happens. */
export async function withStage<T>(ctx: StatementContext, sql: string, fn: (stage: Stage) => Promise<T>): Promise<T> {
  const stage = await stageQuery(ctx, sql)
  try {
    return await fn(stage)
  } finally {
    await stage.drop()
  }
}

/** Errors of the user's query (a failed cast, division by zero) are the user's to fix, not internal ones. */
function queryError(e: unknown): unknown {
  if (e instanceof AkkoError) return e
  const msg = e instanceof Error ? e.message : String(e)
  return new AkkoError('INVALID_ARGUMENT', msg.replace(/^[A-Za-z ]+ Error: /, ''), {}, { cause: e })
}
