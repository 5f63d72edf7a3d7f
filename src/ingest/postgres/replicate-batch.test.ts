import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { postgresqlEmbeddedOpen, type PostgresqlClient } from '../../engine/index.js'
import { tableLoad, tableReadAll } from '../../storage/index.js'
import { openTestTables, type TestTables } from '../../../test/support/table-context.js'
import { tmpHome } from '../../../test/support/paths.js'
import { replicateBatch, replicationWatermark } from './replicate-batch.js'

const TYPES_DDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE all_types (
  id int8 PRIMARY KEY, s int2, i int4, n numeric(12,2), nn numeric, r real, d double precision, b boolean,
  t text, v varchar(10), c char(5), dt date, tm time, ts timestamp, tstz timestamptz, u uuid, j json, jb jsonb,
  bin bytea, ai int4[], tags text[], e mood
);
INSERT INTO all_types VALUES
  (1, 7, -42, 1234.56, 3.141592653, 1.5, 2.25, true, 'plain', 'short', 'ab', '2024-02-29', '13:14:15.123456',
   '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05.678901+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '{"a": [1, 2]}', '{"b": "x"}', '\\x00ff10', '{1,NULL,3}', '{"a b","c,d","e\\"f",NULL}', 'happy'),
  (2, NULL, NULL, NULL, NULL, 'NaN', '-Infinity', false, E'line1\\nline2, "quoted"', '', NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, '\\x', '{}', NULL, NULL),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`

describe('replicateBatch from the embedded PostgreSQL (PGlite)', () => {
  let t: TestTables
  let pgDir: string
  let pg: PostgresqlClient
  before(async () => {
    t = await openTestTables()
    pgDir = tmpHome('akko-pglite-')
    pg = await postgresqlEmbeddedOpen(pgDir)
  })
  after(async () => {
    await pg.close()
    await t.close()
    rmSync(pgDir, { recursive: true, force: true })
  })
  const exec = async (sql: string) => {
    for (const s of sql.split(';').map(x => x.trim()).filter(Boolean)) await pg.query(s)
  }

  test('full copy maps every supported type and keeps values exact', async () => {
    await exec(TYPES_DDL)
    const target = { namespace: ['rep'], name: 'all_types' }
    const res = await replicateBatch({ tables: t, source: { client: pg }, table: 'all_types', target, mode: 'full' })
    assert.equal(res.committed, true)
    assert.equal(res.strategy, 'overwrite')
    assert.equal(res.rowsRead, 3)
    const schema = (await tableLoad(t, target)).metadata.schemas.at(-1)!
    const types = Object.fromEntries(schema.fields.map(f => [f.name, typeof f.type === 'string' ? f.type : `list<${(f.type as { element: string }).element}>`]))
    assert.deepEqual(types, {
      id: 'long', s: 'int', i: 'int', n: 'decimal(12,2)', nn: 'decimal(38,9)', r: 'float', d: 'double', b: 'boolean',
      t: 'string', v: 'string', c: 'string', dt: 'date', tm: 'time', ts: 'timestamp', tstz: 'timestamptz', u: 'uuid',
      j: 'string', jb: 'string', bin: 'binary', ai: 'list<int>', tags: 'list<string>', e: 'string',
    })
    assert.deepEqual(schema['identifier-field-ids'], [1])
    assert.equal(schema.fields[0]!.required, true)
    const rows = await t.duck.withConnection(async conn => {
      const { tableScanSql } = await import('../../storage/index.js')
      const { sql } = await tableScanSql(t, await tableLoad(t, target))
      const r = await conn.runAndReadAll(`SELECT id, s, i, n::VARCHAR n, nn::VARCHAR nn, r::VARCHAR r, d::VARCHAR d, b, t, v, c, dt::VARCHAR dt, tm::VARCHAR tm,
        ts::VARCHAR ts, (tstz AT TIME ZONE 'UTC')::VARCHAR tstz, u::VARCHAR u, j, jb, hex(bin) bin, ai::VARCHAR ai, to_json(tags)::VARCHAR tags, e FROM (${sql}) ORDER BY id`)
      return r.getRowObjectsJson()
    })
    assert.deepEqual(rows[0], {
      id: '1', s: 7, i: -42, n: '1234.56', nn: '3.141592653', r: '1.5', d: '2.25', b: true, t: 'plain', v: 'short', c: 'ab',
      dt: '2024-02-29', tm: '13:14:15.123456', ts: '2024-01-02 03:04:05.678901', tstz: '2024-01-02 01:04:05.678901',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', j: '{"a": [1, 2]}', jb: '{"b": "x"}', bin: '00FF10', ai: '[1, NULL, 3]',
      tags: '["a b","c,d","e\\"f",null]', e: 'happy',
    })
    assert.equal(rows[1]!.t, 'line1\nline2, "quoted"')
    assert.equal(rows[1]!.v, '', 'an empty string stays empty, not NULL')
    assert.equal(rows[1]!.r, 'nan')
    assert.equal(rows[1]!.d, '-inf')
    assert.equal(rows[1]!.bin, '')
    assert.equal(rows[1]!.ai, '[]')
    assert.ok(Object.entries(rows[2]!).every(([k, v]) => k === 'id' || v === null), 'all NULLs stay NULL')

    // A second full copy replaces the content (no duplicates), in one overwrite commit.
    await pg.query(`DELETE FROM all_types WHERE id = 3`)
    const again = await replicateBatch({ tables: t, source: { client: pg }, table: 'all_types', target, mode: 'full' })
    assert.equal(again.rowsRead, 2)
    const state = await tableLoad(t, target)
    assert.equal(state.metadata.snapshots.at(-1)!.summary.operation, 'overwrite')
    assert.deepEqual((await tableReadAll(t, target, { orderBy: 'id' })).map(r => Number(r.id)), [1, 2])
  })

  test('incremental by watermark merges by primary key; a run with no change commits nothing', async () => {
    await exec(`CREATE TABLE accounts (id int4 PRIMARY KEY, owner text, balance numeric(12,2), updated_at timestamptz NOT NULL);
      INSERT INTO accounts SELECT i, 'owner ' || i, i * 10, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 500) i`)
    const target = { namespace: ['rep'], name: 'accounts' }
    const run = () => replicateBatch({ tables: t, source: { client: pg }, table: 'public.accounts', target, mode: 'incremental', watermarkColumn: 'updated_at', chunkBytes: 4096 })
    const first = await run()
    assert.equal(first.strategy, 'append')
    assert.equal(first.rowsRead, 500)
    assert.equal(first.watermark, '2024-01-01 08:20:00+00')
    assert.equal((await replicationWatermark(t, target))?.watermark, '2024-01-01 08:20:00+00')

    await exec(`UPDATE accounts SET balance = -1, updated_at = timestamptz '2024-02-01 00:00:00+00' WHERE id IN (5, 400);
      INSERT INTO accounts VALUES (501, E'new\\nowner', 1, timestamptz '2024-02-01 00:00:00+00')`)
    const second = await run()
    assert.equal(second.strategy, 'merge')
    assert.equal(second.committed, true)
    assert.equal(second.previousWatermark, '2024-01-01 08:20:00+00')
    assert.equal(second.watermark, '2024-02-01 00:00:00+00')
    assert.equal(second.rowsRead, 4, 'the 3 changed rows and the row at the previous watermark')
    assert.equal(second.rowsWritten, 3)
    const rows = await tableReadAll(t, target, { orderBy: 'id' })
    assert.equal(rows.length, 501, 'updated rows replace the old ones: no duplicate key')
    assert.equal(new Set(rows.map(r => r.id)).size, 501)
    assert.equal(String(rows[4]!.balance), '-1.00')
    assert.equal(rows[500]!.owner, 'new\nowner')

    const before = (await tableLoad(t, target)).metadata.snapshots.length
    const third = await run()
    assert.equal(third.committed, false, 'rows at the watermark are read again but equal: nothing to commit')
    assert.equal(third.rowsRead, 3)
    assert.equal((await tableLoad(t, target)).metadata.snapshots.length, before)
    assert.equal((await tableReadAll(t, target)).length, 501)
  })

  test('unsupported types fail naming the column, or travel as text when asked', async () => {
    await exec(`CREATE TABLE odd (id int PRIMARY KEY, span interval, addr inet);
      INSERT INTO odd VALUES (1, '1 day 02:00:00', '10.0.0.1')`)
    const target = { namespace: ['rep'], name: 'odd' }
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'odd', target, mode: 'full' }),
      (e: Error & { code?: string }) => e.code === 'NOT_SUPPORTED' && /Column 'span' of public\.odd has type interval/.test(e.message))
    const res = await replicateBatch({ tables: t, source: { client: pg }, table: 'odd', target, mode: 'full', unsupportedTypes: 'string' })
    assert.equal(res.rowsRead, 1)
    const [row] = await tableReadAll(t, target)
    assert.equal(row!.span, '1 day 02:00:00')
    assert.equal(row!.addr, '10.0.0.1')
  })

  test('BC and infinite dates fail the copy instead of changing', async () => {
    await exec(`CREATE TABLE old_dates (id int PRIMARY KEY, d date); INSERT INTO old_dates VALUES (1, '0044-03-15 BC')`)
    const target = { namespace: ['rep'], name: 'old_dates' }
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'old_dates', target, mode: 'full' }), /0044-03-15 BC \(a BC or infinite date\/timestamp\) has no Iceberg representation/)
    await exec(`UPDATE old_dates SET d = 'infinity'`)
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'old_dates', target, mode: 'full' }), /infinity/)
    await exec(`CREATE TABLE old_ts (id int PRIMARY KEY, ts timestamp, tz timestamptz); INSERT INTO old_ts VALUES (1, '2024-01-01 10:00:00', '-infinity')`)
    const ts = { namespace: ['rep'], name: 'old_ts' }
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'old_ts', target: ts, mode: 'full' }), /-infinity \(a BC or infinite date\/timestamp\)/)
    // (DuckDB's CSV reader would read this one as NULL if the column were read typed.)
    await exec(`UPDATE old_ts SET tz = '0044-03-15 10:00:00+00 BC'`)
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'old_ts', target: ts, mode: 'full' }), /0044-03-15 10:00:00\+00 BC/)
    await exec(`UPDATE old_ts SET tz = now(), ts = '0044-03-15 10:00:00 BC'`)
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'old_ts', target: ts, mode: 'full' }), /0044-03-15 10:00:00 BC/)
    assert.equal((await tableLoad(t, ts)).metadata.snapshots.length, 0)
    assert.equal((await tableLoad(t, target)).metadata.snapshots.length, 0, 'nothing was committed')
  })

  test('incremental needs a key and a watermark column', async () => {
    await exec(`CREATE TABLE nokey (a int, b text)`)
    const target = { namespace: ['rep'], name: 'nokey' }
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'nokey', target, mode: 'incremental', watermarkColumn: 'a' }), /has no primary key/)
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'nokey', target, mode: 'incremental', keyColumns: ['a'] }), /needs a watermark column/)
    await assert.rejects(replicateBatch({ tables: t, source: { client: pg }, table: 'missing', target, mode: 'full' }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND')
    const res = await replicateBatch({ tables: t, source: { client: pg }, table: 'nokey', target, mode: 'full' })
    assert.equal(res.rowsRead, 0)
    assert.equal(res.committed, true)
  })

  test('a source column added later is added to the Iceberg table', async () => {
    const target = { namespace: ['rep'], name: 'accounts' }
    await exec(`ALTER TABLE accounts ADD COLUMN tier text; UPDATE accounts SET tier = 'gold', updated_at = timestamptz '2024-03-01 00:00:00+00' WHERE id = 1`)
    const res = await replicateBatch({ tables: t, source: { client: pg }, table: 'accounts', target, mode: 'incremental', watermarkColumn: 'updated_at' })
    assert.equal(res.rowsWritten, 1)
    const rows = await tableReadAll(t, target, { orderBy: 'id' })
    assert.equal(rows[0]!.tier, 'gold')
    assert.equal(rows[1]!.tier, null)
    assert.equal(rows.length, 501)
  })
})


