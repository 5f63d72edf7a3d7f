import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { postgresqlServerConnect } from '../../src/engine/connectors/postgresql/index.js'
import { postgresqlConnectorContract } from '../contracts/postgresql-connector.contract.js'
import { pgFreshDatabase } from '../support/postgres.js'

postgresqlConnectorContract('PostgreSQL server', async () => {
  const db = await pgFreshDatabase('akko_pgconn')
  const client = await postgresqlServerConnect(db.url, { catalog: 'pgcat' })
  return {
    client,
    cleanup: async () => {
      await client.close()
      await db.drop()
    },
  }
})

describe('PostgreSQL server connection errors', () => {
  test('an unreachable server is a CONNECTOR_ERROR naming the catalog, with the password hidden', async () => {
    await assert.rejects(postgresqlServerConnect('postgres://app:s3cr3t-pw@127.0.0.1:1/crm', { catalog: 'crm' }), (e: Error & { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(e.code, 'CONNECTOR_ERROR')
      assert.match(e.message, /Catalog 'crm'/)
      assert.match(e.message, /postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/crm/)
      assert.ok(!e.message.includes('s3cr3t-pw') && !JSON.stringify(e.details).includes('s3cr3t-pw'))
      return true
    })
  })

  test('a wrong password is a CONNECTOR_ERROR that does not echo it', async () => {
    const db = await pgFreshDatabase('akko_pgconn')
    try {
      const u = new URL(db.url)
      u.username = 'no_such_role_akko'
      u.password = 'hunter2-secret'
      await assert.rejects(postgresqlServerConnect(u.toString(), { catalog: 'crm' }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'CONNECTOR_ERROR')
        assert.ok(!e.message.includes('hunter2-secret'))
        return true
      })
    } finally {
      await db.drop()
    }
  })
})
