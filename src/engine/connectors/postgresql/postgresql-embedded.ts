import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { AkkoError } from '../../../core/index.js'
import type { PostgresqlClient, PostgresqlQuery, PostgresqlRows } from './postgresql-client.js'

/**
 * Opens (creating if needed) the embedded PostgreSQL database of a `postgresql` catalog, stored under `dir`
 * (by default `${AKKO_HOME}/postgresql`). It is a PGlite instance of its own, separate from the metastore's,
 * so users' tables never mix with the platform's state. PGlite is a single connection: its own lock runs
 * transactions one after the other.
 */
export async function postgresqlEmbeddedOpen(dir: string): Promise<PostgresqlClient> {
  let db: PGlite
  try {
    mkdirSync(dir, { recursive: true })
    db = await PGlite.create(dir)
  } catch (e) {
    throw new AkkoError('CONNECTOR_ERROR', `Cannot open the embedded PostgreSQL database in ${dir}: ${(e as Error).message}. Check the directory is writable and not used by another process.`, { dir })
  }
  const run = (q: Pick<PGlite, 'query'>): PostgresqlQuery => async (sql, params) => {
    const res = await q.query<unknown[]>(sql, params ? [...params] : [], { rowMode: 'array' })
    return { rows: res.rows, fields: res.fields } satisfies PostgresqlRows
  }
  return {
    endpoint: { display: `embedded PGlite (${dir})`, secrets: [] },
    query: run(db),
    embedded: async () => db,
    readTransaction: (fn) =>
      db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION READ ONLY')
        return fn(run(tx))
      }),
    close: async () => {
      if (!db.closed) await db.close()
    },
  }
}
