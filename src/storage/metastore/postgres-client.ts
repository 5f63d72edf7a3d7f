import type { Pool } from 'pg'
import { AkkoError, redactUrl } from '../../core/index.js'
import type { SqlClient } from './metastore.js'
import { sqlRun, sqlTransaction, type SqlConnection } from './sql-client.js'

/** A {@link SqlClient} over a `pg.Pool`, plus the handle needed to close it. */
export interface PostgresSqlClient extends SqlClient {
  close(): Promise<void>
}

/** Options of {@link postgresClientConnect}. */
export interface PostgresClientOptions {
  /** Pool size; each concurrent transaction holds one connection. */
  readonly max?: number
}

/**
 * Connects a pool to the PostgreSQL server at `url` and checks it answers. `pg` is imported here, lazily,
 * so the embedded default never loads it. Connection failures become METASTORE_ERROR with the URL's
 * password hidden.
 */
export async function postgresClientConnect(url: string, opts: PostgresClientOptions = {}): Promise<PostgresSqlClient> {
  const { default: pg } = await import('pg')
  let pool: Pool
  try {
    pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 })
  } catch (e) {
    throw connectError(url, e)
  }
  // An idle pooled connection dropped by the server emits 'error'; without a listener Node would crash.
  // The next query on a fresh connection reports the problem instead.
  pool.on('error', () => undefined)
  try {
    await pool.query('SELECT 1')
  } catch (e) {
    await pool.end().catch(() => undefined)
    throw connectError(url, e)
  }
  const poolConn: SqlConnection = { query: (sql, params) => pool.query(sql, params as unknown[] | undefined) }
  return {
    query: <R>(sql: string, params?: readonly unknown[]) => sqlRun<R>(poolConn, sql, params),
    transaction: async <T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> => {
      let client
      try {
        client = await pool.connect()
      } catch (e) {
        throw connectError(url, e)
      }
      let broken = false
      try {
        return await sqlTransaction({ query: (sql, params) => client.query(sql, params as unknown[] | undefined) }, fn)
      } catch (e) {
        // Do not hand a connection that may be mid-transaction back to the pool.
        broken = !(e instanceof AkkoError) || e.code === 'METASTORE_ERROR'
        throw e
      } finally {
        client.release(broken)
      }
    },
    close: async () => {
      if (pool.ended || pool.ending) return
      await pool.end()
    },
  }
}

function connectError(url: string, e: unknown): AkkoError {
  let msg = e instanceof Error ? e.message : String(e)
  const password = passwordOf(url)
  if (password) msg = msg.split(password).join('***')
  const where = redactUrl(url)
  return new AkkoError('METASTORE_ERROR', `Cannot connect to the metastore at ${where}: ${msg}. Check metastoreUrl (AKKO_METASTORE_URL) and that the server is running.`, { url: where })
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password
    return p ? decodeURIComponent(p) : undefined
  } catch {
    return undefined
  }
}
