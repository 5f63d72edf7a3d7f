import type { Pool } from 'pg'
import { redactUrl } from '../../../core/index.js'
import { postgresqlWrapError, type PostgresqlClient, type PostgresqlEndpoint, type PostgresqlQuery } from './postgresql-client.js'

/** Options of {@link postgresqlServerConnect}. */
export interface PostgresqlServerOptions {
  /** The catalog name, for error messages. */
  readonly catalog: string
  /** Pool size: each scan in flight holds one connection for its cursor. */
  readonly max?: number
}

/**
 * Connects a pool to the PostgreSQL server at `url` and checks it answers. `pg` is imported here, lazily, so
 * the embedded default never loads it. The URL is a secret: errors show it with the password hidden.
 * Values are always read as text (the connector casts in SQL), so no `pg` type parser matters.
 */
export async function postgresqlServerConnect(url: string, opts: PostgresqlServerOptions): Promise<PostgresqlClient> {
  const endpoint: PostgresqlEndpoint = { display: redactUrl(url), secrets: secretsOf(url) }
  const { default: pg } = await import('pg')
  let pool: Pool
  try {
    pool = new pg.Pool({ connectionString: url, max: opts.max ?? 5 })
  } catch (e) {
    throw postgresqlWrapError(e, opts.catalog, endpoint, 'connecting')
  }
  // A pooled idle connection dropped by the server emits 'error'; without a listener Node would crash.
  pool.on('error', () => undefined)
  try {
    await pool.query('SELECT 1')
  } catch (e) {
    await pool.end().catch(() => undefined)
    throw postgresqlWrapError(e, opts.catalog, endpoint, 'connecting')
  }
  const run = (q: Pick<Pool, 'query'>): PostgresqlQuery => async (sql, params) => {
    const res = await q.query({ text: sql, values: params ? [...params] : [], rowMode: 'array' })
    return { rows: res.rows as unknown[][], fields: res.fields }
  }
  return {
    endpoint,
    query: run(pool),
    readTransaction: async (fn) => {
      const client = await pool.connect()
      let broken = false
      try {
        await client.query('BEGIN READ ONLY')
        const result = await fn(run(client))
        await client.query('COMMIT')
        return result
      } catch (e) {
        try {
          await client.query('ROLLBACK')
        } catch {
          broken = true // the connection is gone or unusable: do not hand it back to the pool
        }
        throw e
      } finally {
        client.release(broken)
      }
    },
    close: async () => {
      if (!pool.ended && !pool.ending) await pool.end()
    },
  }
}

function secretsOf(url: string): string[] {
  try {
    const u = new URL(url)
    return u.password ? [u.password, decodeURIComponent(u.password)] : []
  } catch {
    // Not a URL: the whole string may hold a password; hide all of it.
    return [url]
  }
}
