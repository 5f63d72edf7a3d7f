/** The engine over Iceberg tables written through the storage API: queries, time travel, metadata tables, SHOW/DESCRIBE/USE. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { tableAppend, tableLoad } from '../../src/storage/index.js'
import { allRows, openTestEngine, ordersCreate, testSession } from '../support/engine.js'

let env: Awaited<ReturnType<typeof openTestEngine>>
const session = testSession()
let firstSnapshot: bigint

before(async () => {
  env = await openTestEngine({ limits: { maxRows: 1000 } })
  await ordersCreate(env.t)
  firstSnapshot = (await tableLoad(env.t, { namespace: ['sales'], name: 'orders' })).metadata['current-snapshot-id'] as bigint
  await env.t.catalog.createTable({ namespace: ['sales'], name: 'regions' }, { name: 'regions', schema: { type: 'struct', fields: [{ id: 1, name: 'code', required: true, type: 'string' }, { id: 2, name: 'label', required: false, type: 'string' }] } })
  await tableAppend(env.t, { namespace: ['sales'], name: 'regions' }, { sql: "SELECT * FROM (VALUES ('eu', 'Europe'), ('us', 'United States')) v(code, label)" })
  await tableAppend(env.t, { namespace: ['sales'], name: 'orders' }, { sql: "SELECT 10::BIGINT AS id, 'eu' AS region, 100.00::DECIMAL(10,2) AS amount" })
})
after(async () => env.close())

const q = async (sql: string, s = session) => allRows(await env.engine.execute(sql, s))

describe('queries', () => {
  test('join, CTE and aggregate', async () => {
    const rows = await q(`WITH big AS (SELECT * FROM orders WHERE amount > 5) SELECT r.label, count(*) AS n, sum(b.amount) AS total
      FROM big b JOIN regions r ON b.region = r.code GROUP BY r.label ORDER BY r.label`)
    assert.deepEqual(rows, [['Europe', 4, '127.00'], ['United States', 3, '31.50']])
  })

  test('window functions and grouping sets', async () => {
    assert.deepEqual(await q('SELECT id, row_number() OVER (PARTITION BY region ORDER BY id DESC) AS rn FROM orders WHERE id < 4 ORDER BY id'), [[0, 2], [1, 2], [2, 1], [3, 1]])
    const gs = await q('SELECT region, count(*) FROM orders GROUP BY GROUPING SETS ((region), ()) ORDER BY region NULLS LAST')
    assert.deepEqual(gs, [['eu', 6], ['us', 5], [null, 11]])
  })

  test('three-part names, unaliased columns named like Trino, count FILTER, INTERVAL', async () => {
    const r = await env.engine.execute("SELECT count(*) FILTER (WHERE region = 'eu'), 1 + 1, DATE '2024-01-01' + INTERVAL '7' DAY FROM iceberg.sales.orders", { ...session, catalog: undefined, schema: undefined })
    assert.deepEqual(r.columns.map(c => c.name), ['_col0', '_col1', '_col2'])
    assert.deepEqual(await allRows(r), [[6, 2, '2024-01-08 00:00:00.000000']])
  })

  test('time travel by snapshot id and timestamp', async () => {
    assert.deepEqual(await q(`SELECT count(*) FROM orders FOR VERSION AS OF ${firstSnapshot}`), [[10]])
    assert.deepEqual(await q("SELECT count(*) FROM orders FOR TIMESTAMP AS OF TIMESTAMP '2100-01-01 00:00:00 UTC'"), [[11]])
    await assert.rejects(env.engine.execute('SELECT * FROM orders FOR VERSION AS OF 12345', session), { code: 'SNAPSHOT_NOT_FOUND' })
  })

  test('pushdown predicates do not change results', async () => {
    assert.deepEqual(await q("SELECT id FROM orders WHERE id = 10 AND region IN ('eu', 'xx')"), [[10]])
    assert.deepEqual(await q('SELECT count(*) FROM orders o WHERE o.id >= 9 OR o.id IS NULL'), [[2]])
  })

  test('metadata tables', async () => {
    const snaps = await q('SELECT operation, snapshot_id = ' + firstSnapshot + ' FROM "orders$snapshots" ORDER BY committed_at')
    assert.deepEqual(snaps, [['append', true], ['append', false]])
    assert.deepEqual(await q('SELECT count(*), sum(record_count) FROM "orders$files"'), [[2, 11]])
    assert.deepEqual(await q('SELECT name, type FROM "orders$refs"'), [['main', 'BRANCH']])
    assert.deepEqual(await q('SELECT count(*) FROM "orders$history" WHERE is_current_ancestor'), [[2]])
    assert.deepEqual(await q('SELECT added_data_files_count FROM "orders$manifests" ORDER BY 1'), [[1], [1]])
    assert.deepEqual(await q('SELECT file_count, record_count FROM "orders$partitions"'), [[2, 11]])
  })

  test('unknown tables, schemas and functions', async () => {
    await assert.rejects(env.engine.execute('SELECT * FROM nope', session), { code: 'TABLE_NOT_FOUND' })
    await assert.rejects(env.engine.execute('SELECT no_such_fn(1)', session), { code: 'NOT_SUPPORTED', message: /no_such_fn/ })
    await assert.rejects(env.engine.execute('SELECT FROM WHERE', session), (e: { code: string; details: { line: number; column: number } }) => e.code === 'SYNTAX_ERROR' && e.details.line === 1)
    await assert.rejects(env.engine.execute('SELECT * FROM orders', { ...session, schema: undefined }), { code: 'INVALID_REQUEST' })
  })
})

describe('catalog statements', () => {
  test('SHOW CATALOGS/SCHEMAS/TABLES with LIKE', async () => {
    assert.deepEqual(await q('SHOW CATALOGS'), [['iceberg'], ['system']])
    assert.deepEqual(await q('SHOW SCHEMAS FROM iceberg'), [['information_schema'], ['sales']])
    assert.deepEqual(await q("SHOW TABLES LIKE 'reg%'"), [['regions']])
    assert.deepEqual(await q('SHOW TABLES FROM iceberg.sales'), [['orders'], ['regions']])
    await assert.rejects(env.engine.execute('SHOW TABLES FROM nope', session), { code: 'NAMESPACE_NOT_FOUND' })
  })

  test('DESCRIBE, SHOW COLUMNS, SHOW CREATE TABLE', async () => {
    assert.deepEqual(await q('DESCRIBE orders'), [['id', 'bigint', '', ''], ['region', 'varchar', '', ''], ['amount', 'decimal(10,2)', '', '']])
    assert.deepEqual(await q("SHOW COLUMNS FROM iceberg.sales.regions LIKE 'c%'"), [['code', 'varchar', '', '']])
    const [[ddl]] = await q('SHOW CREATE TABLE orders') as [[string]]
    assert.match(ddl, /CREATE TABLE iceberg\.sales\.orders \(\n {3}id bigint NOT NULL,/)
    await assert.rejects(env.engine.execute('DESCRIBE missing', session), { code: 'TABLE_NOT_FOUND' })
  })

  test('USE sets catalog and schema; unknown schema is refused', async () => {
    const r = await env.engine.execute('USE iceberg.sales', { ...session, catalog: undefined, schema: undefined })
    assert.deepEqual(r.sessionChanges, { setCatalog: 'iceberg', setSchema: 'sales' })
    await assert.rejects(env.engine.execute('USE iceberg.nope', session), { code: 'NAMESPACE_NOT_FOUND' })
  })

  test('information_schema and system tables', async () => {
    assert.deepEqual(await q("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'regions' ORDER BY ordinal_position"), [['code', 'varchar'], ['label', 'varchar']])
    assert.deepEqual(await q("SELECT table_name FROM iceberg.information_schema.tables WHERE table_schema = 'sales' ORDER BY 1"), [['orders'], ['regions']])
    assert.deepEqual(await q('SELECT catalog_name FROM system.metadata.catalogs ORDER BY 1'), [['iceberg'], ['system']])
    const mine = await q("SELECT state, \"user\" FROM system.runtime.queries WHERE query LIKE 'SELECT state%'")
    // The system table is read while the query that reads it is being planned.
    assert.deepEqual(mine, [['PLANNING', 'alice']])
  })

  test('SET SESSION, RESET SESSION, EXPLAIN', async () => {
    assert.deepEqual((await env.engine.execute("SET SESSION query_max_run_time = '10m'", session)).sessionChanges, { setSession: { query_max_run_time: '10m' } })
    assert.deepEqual((await env.engine.execute('RESET SESSION query_max_run_time', session)).sessionChanges, { resetSession: ['query_max_run_time'] })
    const r = await env.engine.execute('EXPLAIN SELECT count(*) FROM orders', session)
    assert.deepEqual(r.columns, [{ name: 'Query Plan', type: 'varchar' }])
    assert.match(String((await allRows(r))[0]?.[0]), /READ_PARQUET|PARQUET/i)
  })

  test('statements nothing handles are NOT_SUPPORTED, naming them', async () => {
    await assert.rejects(env.engine.execute('GRANT SELECT ON orders TO bob', session), { code: 'NOT_SUPPORTED', message: /GRANT/ })
  })
})

describe('limits', () => {
  test('a result over the row limit fails with EXCEEDED_OUTPUT_LIMIT and the engine keeps working', async () => {
    await assert.rejects(q('SELECT * FROM range(5000)'), { code: 'EXCEEDED_OUTPUT_LIMIT' })
    assert.deepEqual(await q('SELECT 42'), [[42]])
  })

  test('a time limit interrupts a long query', async () => {
    const limited = await openTestEngine({ limits: { maxRunMs: 200 } })
    try {
      await assert.rejects(limited.engine.execute('SELECT count(*) FROM range(10000000000) a', session).then(allRows), { code: 'EXCEEDED_TIME_LIMIT' })
    } finally {
      await limited.close()
    }
  })

  test('cancel through the signal', async () => {
    const ac = new AbortController()
    const p = env.engine.execute('SELECT count(*) FROM range(10000000000) a', session, { signal: ac.signal }).then(allRows)
    setTimeout(() => ac.abort(), 100)
    await assert.rejects(p, { code: 'CANCELLED' })
    assert.deepEqual(await q('SELECT 1'), [[1]])
  })
})
