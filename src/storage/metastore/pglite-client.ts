import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { AkkoError } from '../../core/index.js'
import type { SqlClient } from './metastore.js'
import { AsyncMutex, sqlRun, sqlTransaction, type SqlConnection } from './sql-client.js'

/** A {@link SqlClient} over embedded PGlite, plus the handle needed to close it. */
export interface PgliteSqlClient extends SqlClient {
  close(): Promise<void>
}

/**
 * Opens (creating if needed) a PGlite database stored under `dir`. PGlite is one connection, so every
 * statement and every transaction goes through one mutex: two concurrent `transaction()` calls run one
 * after the other and never interleave statements.
 */
export async function pgliteClientOpen(dir: string): Promise<PgliteSqlClient> {
  let db: PGlite
  try {
    mkdirSync(dir, { recursive: true })
    db = await PGlite.create(dir)
  } catch (e) {
    throw new AkkoError('METASTORE_ERROR', `Cannot open the embedded metastore in ${dir}: ${(e as Error).message}. Check the directory is writable and not used by another process.`, { dir }, { cause: e })
  }
  // Parameterless statements use the simple protocol (exec) so a migration may hold several statements,
  // as with node-postgres.
  const conn: SqlConnection = {
    query: (sql, params) => (params?.length ? db.query(sql, [...params]) : db.exec(sql)),
  }
  const mutex = new AsyncMutex()
  // Marks code running inside a transaction callback: a call on the outer client from there would wait
  // for the mutex its own transaction holds. Failing loudly beats hanging forever. The flag is cleared
  // when the transaction ends, so work started inside it that outlives it is not blamed.
  const insideTx = new AsyncLocalStorage<{ active: boolean }>()
  let closed = false
  const guard = (): void => {
    if (insideTx.getStore()?.active) throw new AkkoError('INTERNAL', 'A metastore call was made on the outer client inside a transaction callback; use the transaction handed to the callback (this is a bug)')
    if (closed) throw new AkkoError('METASTORE_ERROR', 'The metastore is closed', { dir })
  }
  return {
    query: <R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => {
      try {
        guard()
      } catch (e) {
        return Promise.reject(e)
      }
      return mutex.run(async () => {
        guard()
        return sqlRun<R>(conn, sql, params)
      })
    },
    transaction: <T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> => {
      try {
        guard()
      } catch (e) {
        return Promise.reject(e)
      }
      return mutex.run(async () => {
        guard()
        const mark = { active: true }
        try {
          return await insideTx.run(mark, () => sqlTransaction(conn, fn))
        } finally {
          mark.active = false
        }
      })
    },
    close: () =>
      mutex.run(async () => {
        if (closed) return
        closed = true
        await db.close()
      }),
  }
}
