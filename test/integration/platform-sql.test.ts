import { join } from 'node:path'
import { postgresqlEmbeddedOpen } from '../../src/engine/index.js'
import { platformSqlContract } from '../contracts/platform-sql.contract.js'

// Catalog `postgresql` is the embedded PGlite database under AKKO_HOME/postgresql by default.
platformSqlContract('embedded PGlite', async () => ({
  env: async () => ({}),
  async seed(home, statements) {
    const db = await postgresqlEmbeddedOpen(join(home, 'postgresql'))
    try {
      for (const s of statements) await db.query(s)
    } finally {
      await db.close()
    }
  },
  cleanup: async () => {},
}))
