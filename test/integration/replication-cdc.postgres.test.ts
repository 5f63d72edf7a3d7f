import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { cdcDrop, cdcPipeline, type CdcPipeline } from '../../src/ingest/postgres/index.js'
import { tableLoad, tableReadAll } from '../../src/storage/index.js'
import { pgFreshDatabase } from '../support/postgres.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

/** Waits until the pipeline has applied everything committed at the source so far. */
async function caughtUp(p: CdcPipeline, admin: pg.Client, timeoutMs = 30_000): Promise<void> {
  const target = String((await admin.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l)
  const parse = (l: string) => { const [a, b] = l.split('/'); return (BigInt(`0x${a}`) << 32n) | BigInt(`0x${b}`) }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const s = p.status()
    if (s.state === 'failed') throw new Error(`pipeline failed: ${s.error}`)
    if (s.confirmedLsn && parse(s.confirmedLsn) >= parse(target) && s.pendingTransactions === 0) return
    if (Date.now() > deadline) throw new Error(`pipeline did not catch up to ${target}: ${JSON.stringify(s)}`)
    await new Promise(r => setTimeout(r, 100))
  }
}

describe('CDC from PostgreSQL (logical replication, in process)', () => {
  let db: { url: string; drop: () => Promise<void> }
  let admin: pg.Client
  let t: TestTables
  const name = `t_${randomBytes(3).toString('hex')}`
  before(async () => {
    db = await pgFreshDatabase('akko_cdc')
    admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    t = await openTestTables()
  })
  after(async () => {
    await cdcDrop({ source: { url: db.url }, name }).catch(() => undefined)
    await admin.end()
    await t.close()
    await db.drop()
  })

  test('initial snapshot, then inserts, updates, deletes, an added column and unchanged TOASTed values', async () => {
    await admin.query(`CREATE TABLE items (id int PRIMARY KEY, label text, qty int4, big text, tags text[])`)
    await admin.query(`INSERT INTO items SELECT i, 'item ' || i, i, NULL, ARRAY['a', 'b c'] FROM generate_series(1, 100) i`)
    const target = { namespace: ['cdc'], name: 'items' }
    const applied: number[] = []
    const p = cdcPipeline({ tables: t, source: { url: db.url }, name, streams: [{ table: 'items', target }], flushIntervalMs: 200, onApplied: e => applied.push(e.rows) })
    await p.start()
    assert.equal(p.status().state, 'streaming')
    assert.equal(p.status().snapshotRows, 100)
    const snap = (await tableLoad(t, target)).metadata.snapshots.at(-1)!
    assert.equal(snap.summary.operation, 'overwrite')
    assert.match(snap.summary['akko.cdc.lsn']!, /^[0-9A-F]+\/[0-9A-F]+$/)

    // A large incompressible value is TOASTed out of line: updates that do not touch it send it as "unchanged".
    const big = randomBytes(6000).toString('base64')
    await admin.query(`UPDATE items SET big = $1 WHERE id = 7`, [big])
    await caughtUp(p, admin) // in the table before the next update, which sends it as unchanged
    await admin.query(`INSERT INTO items VALUES (101, 'new', 1, NULL, '{}')`)
    await admin.query(`BEGIN; UPDATE items SET qty = qty + 1000 WHERE id <= 10; DELETE FROM items WHERE id BETWEEN 90 AND 95; COMMIT`)
    await admin.query(`UPDATE items SET id = 1000 WHERE id = 50`)
    await admin.query(`ALTER TABLE items ADD COLUMN color text`)
    await admin.query(`UPDATE items SET color = 'red', label = 'recolored' WHERE id IN (7, 8)`)
    await admin.query(`INSERT INTO items (id, label, color) VALUES (102, 'colored', 'blue')`)
    await caughtUp(p, admin)
    const st = p.status()
    assert.ok(st.commits >= 1)
    assert.equal(st.lagMs, 0)
    assert.ok(st.lastAppliedLsn)

    const rows = await tableReadAll(t, target, { orderBy: 'id' })
    const src = (await admin.query(`SELECT id, label, qty, big, color, tags FROM items ORDER BY id`)).rows
    assert.equal(rows.length, src.length)
    assert.deepEqual(rows.map(r => [Number(r.id), r.label, r.qty, r.big, r.color]), src.map(r => [r.id, r.label, r.qty, r.big, r.color]))
    const row7 = rows.find(r => Number(r.id) === 7)!
    assert.equal(row7.big, big, 'an unchanged TOASTed value keeps its value')
    assert.equal(row7.color, 'red')
    assert.ok(rows.some(r => Number(r.id) === 1000) && !rows.some(r => Number(r.id) === 50), 'a key change deletes the old key')
    const schema = (await tableLoad(t, target)).metadata.schemas.at(-1)!
    assert.ok(schema.fields.some(f => f.name === 'color'), 'the added column is in the Iceberg schema')

    // Stop and restart: nothing is applied twice; later changes still arrive.
    await p.stop()
    assert.equal(p.status().state, 'stopped')
    await admin.query(`TRUNCATE items`)
    await admin.query(`INSERT INTO items (id, label) VALUES (1, 'after truncate')`)
    const p2 = cdcPipeline({ tables: t, source: { url: db.url }, name, streams: [{ table: 'items', target }], flushIntervalMs: 200 })
    await p2.start()
    assert.equal(p2.status().snapshotRows, 0, 'a restart resumes the stream: no new snapshot')
    await caughtUp(p2, admin)
    await p2.stop()
    const final = await tableReadAll(t, target)
    assert.deepEqual(final.map(r => [Number(r.id), r.label]), [[1, 'after truncate']])
  })

  test('several tables in one pipeline; a transaction a table already holds (by its stored LSN) is not applied to it again', async () => {
    const pname = `${name}_m`
    await admin.query(`CREATE TABLE ma (id int PRIMARY KEY, v text); CREATE TABLE mb (id int PRIMARY KEY, v text)`)
    await admin.query(`INSERT INTO ma VALUES (1, 'a1'); INSERT INTO mb VALUES (1, 'b1')`)
    const ta = { namespace: ['cdc'], name: 'ma' }
    const tb = { namespace: ['cdc'], name: 'mb' }
    const open = () => cdcPipeline({ tables: t, source: { url: db.url }, name: pname, streams: [{ table: 'ma', target: ta }, { table: 'public.mb', target: tb }], flushIntervalMs: 100 })
    try {
      const p = open()
      await p.start()
      await admin.query(`BEGIN; UPDATE ma SET v = 'a2'; UPDATE mb SET v = 'b2'; COMMIT`)
      await caughtUp(p, admin)
      await p.stop()

      // As if a crash had come between the two tables' commits of the next batch: ma already holds T1, mb does not.
      await admin.query(`BEGIN; UPDATE ma SET v = 'a3'; UPDATE mb SET v = 'b3'; COMMIT`)
      const afterT1 = String((await admin.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l)
      const { snapshotCommit } = await import('../../src/storage/index.js')
      await snapshotCommit(t, ta, { operation: 'append', added: [], summary: { 'akko.cdc.lsn': afterT1, 'akko.cdc.slot': `akko_${pname}` } })
      await admin.query(`INSERT INTO ma VALUES (2, 'new')`)

      const q = open()
      await q.start()
      await caughtUp(q, admin)
      await q.stop()
      // ma keeps 'a2' for id 1 (T1 is skipped there: the stored position says it is in) but gets the later row;
      // mb gets T1.
      assert.deepEqual((await tableReadAll(t, ta, { orderBy: 'id' })).map(r => r.v), ['a2', 'new'])
      assert.deepEqual((await tableReadAll(t, tb, { orderBy: 'id' })).map(r => r.v), ['b3'])
    } finally {
      await cdcDrop({ source: { url: db.url }, name: pname })
    }
  })

  test('a table without primary key or replica identity is refused; REPLICA IDENTITY FULL is accepted', async () => {
    await admin.query(`CREATE TABLE loose (a int, b text)`)
    const p = cdcPipeline({ tables: t, source: { url: db.url }, name: `${name}_x`, streams: [{ table: 'loose', target: { namespace: ['cdc'], name: 'loose' } }] })
    await assert.rejects(p.start(), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /has no primary key.*REPLICA IDENTITY FULL/.test(e.message))
    assert.equal(p.status().state, 'failed')

    await admin.query(`ALTER TABLE loose REPLICA IDENTITY FULL`)
    await admin.query(`INSERT INTO loose VALUES (1, 'x'), (2, NULL)`)
    const target = { namespace: ['cdc'], name: 'loose' }
    const q = cdcPipeline({ tables: t, source: { url: db.url }, name: `${name}_x`, streams: [{ table: 'loose', target }], flushIntervalMs: 100 })
    try {
      await q.start()
      await admin.query(`UPDATE loose SET b = 'y' WHERE a = 2`)
      await admin.query(`DELETE FROM loose WHERE a = 1`)
      await admin.query(`INSERT INTO loose VALUES (3, 'z')`)
      await caughtUp(q, admin)
      const rows = await tableReadAll(t, target, { orderBy: 'a' })
      assert.deepEqual(rows.map(r => [r.a, r.b]), [[2, 'y'], [3, 'z']])
    } finally {
      await q.stop()
      await cdcDrop({ source: { url: db.url }, name: `${name}_x` })
    }
    const left = await admin.query(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1`, [`akko_${name}_x`])
    assert.equal(left.rows[0].n, 0, 'cdcDrop removes the slot')
  })
})
