import pg from 'pg'
import { platformSqlContract } from '../contracts/platform-sql.contract.js'
import { pgFreshDatabase } from '../support/postgres.js'

// Catalog `postgresql` is a real PostgreSQL server, configured with AKKO_POSTGRESQL_URL.
platformSqlContract('PostgreSQL server', async () => {
  const db = await pgFreshDatabase('akko_catalog')
  return {
    env: async () => ({ AKKO_POSTGRESQL_URL: db.url }),
    async seed(_home, statements) {
      const c = new pg.Client({ connectionString: db.url })
      await c.connect()
      try {
        for (const s of statements) await c.query(s)
      } finally {
        await c.end()
      }
    },
    cleanup: () => db.drop(),
  }
})
