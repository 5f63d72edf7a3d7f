import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { allRows, openTestEngine, ordersCreate, testSession } from '../support/engine.js'

let env: Awaited<ReturnType<typeof openTestEngine>>
before(async () => {
  env = await openTestEngine()
  await ordersCreate(env.t)
})
after(async () => env.close())

test('SHOW STATS FOR an Iceberg table reports row count, null fractions and bounds from metadata', async () => {
  const r = await env.engine.execute('SHOW STATS FOR iceberg.sales.orders', testSession())
  assert.deepEqual(r.columns.map(c => `${c.name}:${c.type}`), [
    'column_name:varchar', 'data_size:double', 'distinct_values_count:double', 'nulls_fraction:double', 'row_count:double', 'low_value:varchar', 'high_value:varchar',
  ])
  const rows = await allRows(r)
  const by = new Map(rows.map(row => [row[0], row]))
  assert.deepEqual(by.get('id')?.slice(3), [0, null, '0', '9'])
  assert.deepEqual(by.get('amount')?.slice(3), [0, null, '0.00', '13.50'])
  const region = by.get('region')!
  assert.ok(Number(region[1]) > 0, 'varchar columns report their data size')
  assert.deepEqual(region.slice(3), [0, null, null, null])
  assert.deepEqual(rows.at(-1), [null, null, null, null, 10, null, null])
})

test('SHOW STATS counts deleted rows out and fails clearly on a missing table', async () => {
  await env.engine.execute(`DELETE FROM iceberg.sales.orders WHERE id = 3`, testSession()).then(allRows)
  const rows = await allRows(await env.engine.execute('SHOW STATS FOR iceberg.sales.orders', testSession()))
  assert.equal(rows.at(-1)?.[4], 9)
  await assert.rejects(env.engine.execute('SHOW STATS FOR iceberg.sales.nope', testSession()), { code: 'TABLE_NOT_FOUND' })
})

test('SHOW CREATE TABLE prints the Iceberg table properties as Trino does', async () => {
  await allRows(await env.engine.execute(`CREATE TABLE iceberg.sales.parted (id bigint, ts timestamp(6) with time zone, region varchar) WITH (partitioning = ARRAY['region', 'day(ts)', 'bucket(id, 8)'])`, testSession()))
  const [[text]] = await allRows(await env.engine.execute('SHOW CREATE TABLE iceberg.sales.parted', testSession())) as [[string]]
  assert.match(text, /^CREATE TABLE iceberg\.sales\.parted \(\n {3}id bigint,\n {3}ts timestamp\(6\) with time zone,\n {3}region varchar\n\)\nWITH \(/)
  assert.match(text, /format = 'PARQUET'/)
  assert.match(text, /format_version = 2/)
  assert.match(text, /location = '[^']+\/parted-[0-9a-f]{32}'/)
  assert.match(text, /partitioning = ARRAY\['region', 'day\(ts\)', 'bucket\(id, 8\)'\]/)
})
