import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PostgresMetastore } from '../../src/storage/index.js'
import { auditTrailContract, logCapture } from '../../src/govern/audit/audit-trail.contract.js'
import { auditTrailOpen } from '../../src/govern/index.js'
import { pgFreshDatabase } from '../support/postgres.js'

// The same assertions as on PGlite, on the real server: the pool gives the writers real concurrency.
auditTrailContract('PostgreSQL', async () => {
  const db = await pgFreshDatabase('akko_audit')
  const metastore = await PostgresMetastore.connect(db.url, { max: 8 })
  return {
    metastore,
    cleanup: async () => {
      await metastore.close()
      await db.drop()
    },
  }
})

test('trails in separate pools on one server (separate processes) store every event once, ids in commit order', async () => {
  const db = await pgFreshDatabase('akko_audit_procs')
  const stores = await Promise.all([1, 2, 3].map(() => PostgresMetastore.connect(db.url, { max: 4 })))
  try {
    const trails = await Promise.all(stores.map((metastore) => auditTrailOpen({ metastore, log: logCapture(), batchSize: 5, flushDelayMs: 1 })))
    await Promise.all(trails.map(async (t, p) => {
      for (let i = 0; i < 30; i++) {
        t.record({ kind: 'query', actor: `p${p}`, outcome: 'success', action: 'SELECT', source: 'trino', details: { i } })
        if (i % 7 === 0) await new Promise((r) => setImmediate(r))
      }
      await t.flush()
    }))
    const got = await trails[0]!.events({ limit: 1000 })
    assert.equal(got.length, 90)
    assert.deepEqual(got.map((e) => e.id), Array.from({ length: 90 }, (_, i) => i + 1), 'one block of ids per batch, no collision, no gap')
    for (let p = 0; p < 3; p++) assert.deepEqual(got.filter((e) => e.actor === `p${p}`).map((e) => e.details!.i), Array.from({ length: 30 }, (_, i) => i))
    await Promise.all(trails.map((t) => t.close()))
  } finally {
    await Promise.all(stores.map((s) => s.close()))
    await db.drop()
  }
})
