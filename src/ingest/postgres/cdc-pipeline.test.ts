import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { test } from 'node:test'
import { postgresqlEmbeddedOpen } from '../../engine/index.js'
import { openTestTables } from '../../../test/support/table-context.js'
import { tmpHome } from '../../../test/support/paths.js'
import { cdcDrop, cdcPipeline, cdcSlotName } from './cdc-pipeline.js'
import { pgLogicalCheck } from './replication-connection.js'

test('CDC on the embedded PGlite database is refused, saying it needs a server with wal_level=logical', async () => {
  const t = await openTestTables()
  const dir = tmpHome('akko-pglite-')
  const client = await postgresqlEmbeddedOpen(dir)
  try {
    const p = cdcPipeline({ tables: t, source: { client }, name: 'embedded', streams: [{ table: 'x', target: { namespace: ['n'], name: 'x' } }] })
    await assert.rejects(p.start(), (e: Error & { code?: string }) => e.code === 'NOT_SUPPORTED' && /PostgreSQL server with wal_level=logical/.test(e.message) && /PGlite/.test(e.message))
    assert.equal(p.status().state, 'failed')
    await assert.rejects(cdcDrop({ source: { client }, name: 'embedded' }), /wal_level=logical/)
  } finally {
    await client.close()
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a server without wal_level=logical is refused with what to change', async () => {
  await assert.rejects(pgLogicalCheck(async () => [['replica']], 'postgres://db:5432/app'),
    (e: Error & { code?: string }) => e.code === 'NOT_SUPPORTED' && /wal_level=replica/.test(e.message) && /wal_level = logical/.test(e.message) && /restart/.test(e.message))
  await pgLogicalCheck(async () => [['logical']], 'x')
})

test('pipeline names make slot names PostgreSQL accepts', () => {
  assert.equal(cdcSlotName('orders_2'), 'akko_orders_2')
  assert.throws(() => cdcSlotName('Orders'), /lower-case letters, digits or underscores/)
  assert.throws(() => cdcSlotName(''), /1 to 58/)
})
