import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { replicateBatch } from '../../src/ingest/postgres/index.js'
import { tableLoad, tableReadAll } from '../../src/storage/index.js'
import { pgFreshDatabase } from '../support/postgres.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

describe('batch replication from the PostgreSQL server (COPY TO STDOUT)', () => {
  let db: { url: string; drop: () => Promise<void> }
  let admin: pg.Client
  let t: TestTables
  before(async () => {
    db = await pgFreshDatabase('akko_batch')
    admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    t = await openTestTables()
  })
  after(async () => {
    await admin.end()
    await t.close()
    await db.drop()
  })

  test('full copy in chunks, then incremental merges by key; a run without change commits nothing', async () => {
    await admin.query(`CREATE SCHEMA sales`)
    await admin.query(`CREATE TABLE sales."Orders" (id bigserial PRIMARY KEY, customer text, amount numeric(12,2), tags text[], payload jsonb,
      ref uuid, placed_at timestamptz NOT NULL, seq bigint NOT NULL)`)
    await admin.query(`INSERT INTO sales."Orders" (customer, amount, tags, payload, ref, placed_at, seq)
      SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE 'cust "' || i || E'"\\n,x' END, i * 1.5, ARRAY['t' || (i % 3), NULL], jsonb_build_object('i', i),
             md5(i::text)::uuid, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', i
      FROM generate_series(1, 20000) i`)
    const target = { namespace: ['rep'], name: 'orders' }
    const full = await replicateBatch({ tables: t, source: { url: db.url }, table: 'sales."Orders"', target, mode: 'full', chunkBytes: 256 * 1024, parallelism: 2 })
    assert.equal(full.strategy, 'overwrite')
    assert.equal(full.rowsRead, 20000)
    const state = await tableLoad(t, target)
    assert.ok(Number(state.metadata.snapshots.at(-1)!.summary['added-data-files']) > 3, 'one data file per chunk at least')
    const digest = `count(*)::text AS n, sum(amount)::text AS total, md5(string_agg(id || '|' || coalesce(customer, '~') || '|' || amount || '|' || ref, ',' ORDER BY id)) AS h`
    const src = (await admin.query(`SELECT ${digest} FROM sales."Orders"`)).rows[0]
    const got = await t.duck.withConnection(async conn => {
      const { tableScanSql } = await import('../../src/storage/index.js')
      const { sql } = await tableScanSql(t, await tableLoad(t, target))
      return (await conn.runAndReadAll(`SELECT count(*)::VARCHAR AS n, sum(amount)::VARCHAR AS total,
        md5(string_agg(id || '|' || coalesce(customer, '~') || '|' || amount || '|' || ref::VARCHAR, ',' ORDER BY id)) AS h FROM (${sql})`)).getRowObjectsJson()[0]
    })
    assert.deepEqual(got, src, 'every row arrives exactly')

    // Incremental by a serial column: the first run over a non-empty table merges.
    const inc = () => replicateBatch({ tables: t, source: { url: db.url }, table: 'sales."Orders"', target, mode: 'incremental', watermarkColumn: 'seq' })
    const first = await inc()
    assert.equal(first.strategy, 'merge')
    assert.equal(first.watermark, '20000')
    assert.equal(first.rowsWritten, 0, 'the table already holds these rows')
    assert.equal((await tableLoad(t, target)).metadata.snapshots.at(-1)!.summary['added-records'], undefined, 'only the watermark is recorded')
    await admin.query(`UPDATE sales."Orders" SET amount = -1, seq = 20001 WHERE id IN (1, 2)`)
    await admin.query(`INSERT INTO sales."Orders" (customer, amount, placed_at, seq) VALUES ('late', 9, now(), 20002)`)
    const second = await inc()
    assert.equal(second.committed, true)
    assert.equal(second.previousWatermark, '20000')
    assert.equal(second.watermark, '20002')
    assert.equal(second.rowsWritten, 3)
    const rows = await tableReadAll(t, target, { orderBy: 'id' })
    assert.equal(rows.length, 20001)
    assert.equal(new Set(rows.map(r => String(r.id))).size, 20001, 'no duplicate key')
    assert.equal(String(rows[0]!.amount), '-1.00')
    const third = await inc()
    assert.equal(third.committed, false)
    assert.equal((await tableReadAll(t, target)).length, 20001)
  })
})
