import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { postgresqlEmbeddedOpen } from '../../src/engine/connectors/postgresql/index.js'
import { postgresqlConnectorContract } from '../contracts/postgresql-connector.contract.js'
import { tmpHome } from '../support/paths.js'

// The embedded database of the `postgresql` catalog: its own PGlite under AKKO_HOME/postgresql.
postgresqlConnectorContract('embedded PGlite', async () => {
  const home = tmpHome()
  const client = await postgresqlEmbeddedOpen(join(home, 'postgresql'))
  return {
    client,
    cleanup: async () => {
      await client.close()
      rmSync(home, { recursive: true, force: true })
    },
  }
})
