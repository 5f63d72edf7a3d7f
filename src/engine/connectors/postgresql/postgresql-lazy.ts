import type { PostgresqlClient, PostgresqlEndpoint, PostgresqlQuery } from './postgresql-client.js'

/**
 * A client that opens its database on first use. The embedded PGlite database takes seconds to start, and most
 * commands (`akko iceberg …`, a server that never touches the `postgresql` catalog) should not pay for it.
 */
export function postgresqlLazy(endpoint: PostgresqlEndpoint, open: () => Promise<PostgresqlClient>): PostgresqlClient {
  let client: Promise<PostgresqlClient> | undefined
  const get = (): Promise<PostgresqlClient> => {
    client ??= open().catch(e => {
      client = undefined
      throw e
    })
    return client
  }
  const query: PostgresqlQuery = async (sql, params) => (await get()).query(sql, params)
  return {
    endpoint,
    query,
    async readTransaction(fn) {
      return (await get()).readTransaction(fn)
    },
    async embedded() {
      const c = await get()
      return c.embedded ? c.embedded() : undefined
    },
    async close() {
      if (client) await (await client.catch(() => undefined))?.close()
    },
  }
}
