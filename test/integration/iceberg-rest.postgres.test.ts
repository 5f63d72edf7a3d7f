import { after } from 'node:test'
import { catalogRestContract } from '../contracts/catalog-rest.contract.js'
import { startTestPlatform } from '../support/platform.js'
import { pgFreshDatabase } from '../support/postgres.js'

// The same contract on a real PostgreSQL server as the metastore, local disk as the warehouse.
const drops: Array<() => Promise<void>> = []
after(async () => {
  for (const drop of drops) await drop()
})

catalogRestContract('PostgreSQL + local disk', async () => {
  const db = await pgFreshDatabase('akko_rest')
  drops.push(db.drop)
  return startTestPlatform({ metastoreUrl: db.url })
})
