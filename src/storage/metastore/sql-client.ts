import { AkkoError, isAkkoError } from '../../core/index.js'
import type { SqlClient } from './metastore.js'

/**
 * What both drivers have in common: one connection that runs one statement at a time. The adapters
 * (pglite-client.ts, postgres-client.ts) only decide how a connection is obtained; BEGIN/COMMIT,
 * savepoints and error translation live here so PGlite and PostgreSQL share one code path.
 */
export interface SqlConnection {
  /** Without params, several `;`-separated statements may be sent (a migration); the last result counts. */
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>
}

/** The SQLSTATE of a driver error wrapped by {@link sqlWrapError}, if any (e.g. '23505' unique violation). */
export function sqlStateOf(e: unknown): string | undefined {
  if (isAkkoError(e, 'METASTORE_ERROR') && typeof e.details.sqlstate === 'string') return e.details.sqlstate
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/**
 * Turns a driver error into METASTORE_ERROR, keeping the SQLSTATE in `details.sqlstate` so callers can
 * react to constraint violations. AkkoErrors (thrown by our own code inside a transaction) pass through.
 */
export function sqlWrapError(e: unknown): AkkoError {
  if (e instanceof AkkoError) return e
  const sqlstate = sqlStateOf(e)
  const msg = e instanceof Error ? e.message : String(e)
  return new AkkoError('METASTORE_ERROR', `Metastore query failed: ${msg}`, sqlstate ? { sqlstate } : {}, { cause: e })
}

/** Runs one statement on `conn`, translating driver errors. */
export async function sqlRun<R>(conn: SqlConnection, sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> {
  try {
    const res = await conn.query(sql, params ? [...params] : undefined)
    const last = Array.isArray(res) ? res[res.length - 1] : res
    return { rows: (last?.rows ?? []) as R[] }
  } catch (e) {
    throw sqlWrapError(e)
  }
}

/**
 * Runs `fn` inside BEGIN … COMMIT on `conn`; any throw rolls back and is rethrown unchanged. Nested calls on the
 * handed-out client become savepoints, so a layer can call `transaction()` without knowing whether it
 * already runs inside one.
 */
export async function sqlTransaction<T>(conn: SqlConnection, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  await sqlRun(conn, 'BEGIN')
  let result: T
  try {
    result = await fn(txClient(conn, 0))
  } catch (e) {
    await rollbackQuietly(conn, 'ROLLBACK')
    throw e
  }
  try {
    await sqlRun(conn, 'COMMIT')
  } catch (e) {
    // A failed COMMIT has already ended the transaction on the server; nothing to roll back.
    throw sqlWrapError(e)
  }
  return result
}

function txClient(conn: SqlConnection, depth: number): SqlClient {
  return {
    query: <R>(sql: string, params?: readonly unknown[]) => sqlRun<R>(conn, sql, params),
    transaction: async <T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> => {
      const sp = `akko_sp_${depth + 1}`
      await sqlRun(conn, `SAVEPOINT ${sp}`)
      try {
        const r = await fn(txClient(conn, depth + 1))
        await sqlRun(conn, `RELEASE SAVEPOINT ${sp}`)
        return r
      } catch (e) {
        await rollbackQuietly(conn, `ROLLBACK TO SAVEPOINT ${sp}`)
        throw e
      }
    },
  }
}

async function rollbackQuietly(conn: SqlConnection, sql: string): Promise<void> {
  try {
    await conn.query(sql)
  } catch {
    // The original error is what the caller needs; a failed rollback means the connection is gone anyway.
  }
}

/**
 * A FIFO async mutex. PGlite is a single connection: without it, a statement issued outside a
 * transaction would run inside whichever transaction happens to be open.
 */
export class AsyncMutex {
  #tail: Promise<void> = Promise.resolve()

  /** Runs `fn` once every earlier holder has finished; errors propagate to the caller only. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}
