import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Trino, type QueryResult } from 'trino-client'
// presto-client ships no types.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import presto from 'presto-client'
import type { AkkoQueryEngine } from '../../src/engine/index.js'
import { startTestPlatform, type TestPlatform } from '../support/platform.js'

let tp: TestPlatform

before(async () => {
  tp = await startTestPlatform({ demo: true })
})

after(async () => {
  await tp?.stop()
})

function trino(extra: { catalog?: string; schema?: string; session?: Record<string, string> } = {}): Trino {
  return Trino.create({ server: tp.baseUrl, source: 'akko-test', extraHeaders: { Authorization: `Bearer ${tp.token}`, 'X-Trino-User': 'alice' }, ...extra })
}

/** All rows, the last page, and the columns of one statement through trino-client. */
async function tq(client: Trino, sql: string): Promise<{ rows: unknown[][]; last: QueryResult; pages: number; columns?: QueryResult['columns'] }> {
  const iter = await client.query(sql)
  const rows: unknown[][] = []
  let last: QueryResult | undefined
  let pages = 0
  let columns: QueryResult['columns']
  for await (const r of iter) {
    last = r
    pages++
    columns ??= r.columns
    if (r.data) rows.push(...r.data)
  }
  return { rows, last: last!, pages, columns }
}

const TYPED = `SELECT
  CAST(7 AS bigint) AS bi, CAST(8 AS integer) AS i, CAST(1.5 AS double) AS d, CAST(2.5 AS real) AS r,
  CAST('12.34' AS decimal(4,2)) AS dc, 'héllo' AS v, true AS bo, DATE '2024-01-02' AS dt,
  CAST('2024-01-02 03:04:05.123456' AS timestamp(6)) AS ts,
  CAST('2024-01-02 03:04:05.123456 UTC' AS timestamp with time zone) AS tz,
  CAST('abc' AS varbinary) AS vb, ARRAY[1, 2] AS arr, MAP(ARRAY['a'], ARRAY[1]) AS m,
  CAST(ROW(1, 'x') AS ROW(a integer, b varchar)) AS rw, JSON '{"a":1}' AS j,
  UUID '12151fd2-7586-11e9-8f9e-2a86e4085a59' AS u, CAST(NULL AS varchar) AS nl`

const TYPED_EXPECTED: Record<string, [string, unknown]> = {
  bi: ['bigint', 7],
  i: ['integer', 8],
  d: ['double', 1.5],
  r: ['real', 2.5],
  dc: ['decimal(4,2)', '12.34'],
  v: ['varchar', 'héllo'],
  bo: ['boolean', true],
  dt: ['date', '2024-01-02'],
  ts: ['timestamp(6)', '2024-01-02 03:04:05.123456'],
  // DuckDB keeps microseconds: the engine types this timestamp(6) with time zone (Trino would default to 3 digits).
  tz: ['timestamp(6) with time zone', '2024-01-02 03:04:05.123456 UTC'],
  vb: ['varbinary', Buffer.from('abc').toString('base64')],
  arr: ['array(integer)', [1, 2]],
  m: ['map(varchar, integer)', { a: 1 }],
  rw: ['row(a integer, b varchar)', [1, 'x']],
  j: ['json', '{"a":1}'],
  u: ['uuid', '12151fd2-7586-11e9-8f9e-2a86e4085a59'],
  nl: ['varchar', null],
}

describe('trino-client (npm) against the platform', () => {
  test('catalog and schema from options and from USE; DDL and DML through the gateway', async () => {
    const c = trino({ catalog: 'iceberg' })
    assert.equal((await tq(c, 'CREATE SCHEMA sales')).last.error, undefined)
    const use = await tq(c, 'USE iceberg.sales')
    assert.equal(use.last.error, undefined)
    // The client now sends the schema the server set, so unqualified names resolve in it.
    assert.equal((await tq(c, 'CREATE TABLE orders (id bigint, item varchar)')).last.error, undefined)
    const ins = await tq(c, "INSERT INTO orders VALUES (1, 'tea'), (2, 'cake')")
    assert.deepEqual(ins.rows, [[2]])
    const sel = await tq(trino({ catalog: 'iceberg', schema: 'sales' }), 'SELECT id, item FROM orders ORDER BY id')
    assert.deepEqual(sel.rows, [[1, 'tea'], [2, 'cake']])
  })

  test('session properties and prepared statements travel in headers', async () => {
    const c = trino({ session: { query_max_run_time: '1h' } })
    const show = await tq(c, 'SHOW SESSION')
    assert.ok(show.rows.some(r => r[0] === 'query_max_run_time' && r[1] === '1h'), JSON.stringify(show.rows))
    const prep = await tq(c, 'PREPARE twice FROM SELECT ? * 2')
    assert.equal(prep.last.error, undefined)
    const exec = await tq(c, 'EXECUTE twice USING 21')
    assert.deepEqual(exec.rows, [[42]])
  })

  test('100,000 rows arrive over many pages', async () => {
    const r = await tq(trino(), 'SELECT x FROM unnest(sequence(1, 100000)) AS t(x)')
    assert.equal(r.last.error, undefined)
    assert.equal(r.rows.length, 100000)
    assert.ok(r.pages >= 20, `pages: ${r.pages}`)
    assert.deepEqual(r.rows[0], [1])
    assert.deepEqual(r.rows[99999], [100000])
  })

  test('typed values come in Trino wire encoding', async () => {
    const r = await tq(trino(), TYPED)
    assert.equal(r.last.error, undefined, JSON.stringify(r.last.error))
    const names = r.columns!.map(c => c.name)
    const row = r.rows[0]!
    for (const [name, [type, value]] of Object.entries(TYPED_EXPECTED)) {
      const i = names.indexOf(name)
      assert.equal(r.columns![i]!.type, type, `type of ${name}`)
      assert.deepEqual(row[i], value, `value of ${name}`)
    }
  })

  test('a syntax error comes back as an error object; cancel stops a running query', async () => {
    const bad = await tq(trino(), 'SELECT 1 FRM nothing')
    assert.equal(bad.last.error?.errorName, 'SYNTAX_ERROR')
    assert.equal(bad.last.error?.errorType, 'USER_ERROR')
    assert.equal(bad.last.error?.errorCode, 1)
    assert.deepEqual((bad.last.error as { errorLocation?: unknown } | undefined)?.errorLocation, { lineNumber: 1, columnNumber: 14 })

    const c = trino()
    const iter = await c.query('SELECT x FROM unnest(sequence(1, 1000000)) AS t(x)')
    const first = await iter.next()
    const id = first.value.id
    await c.cancel(id)
    const engine = tp.platform.engine as AkkoQueryEngine
    for (let i = 0; i < 200 && engine.queries().some(q => q.state === 'RUNNING' || q.state === 'QUEUED'); i++) await new Promise(r => setTimeout(r, 20))
    assert.ok(!engine.queries().some(q => q.state === 'RUNNING' || q.state === 'QUEUED'), 'the engine still runs the cancelled query')
    const info = await c.queryInfo(id)
    assert.equal(info.state, 'FAILED')
  })
})

describe('presto-client (npm) against the platform', () => {
  const client = (): any =>
    new presto.Client({
      host: '127.0.0.1',
      port: Number(new URL(tp.baseUrl).port),
      engine: 'trino',
      user: 'bob',
      custom_auth: `Bearer ${tp.token}`,
      catalog: 'iceberg',
      schema: 'information_schema',
      checkInterval: 5,
      timeout: 120,
    })

  function run(sql: string, extra: Record<string, unknown> = {}): Promise<{ rows: unknown[][]; columns: { name: string; type: string }[]; error?: any }> {
    return new Promise(resolve => {
      const rows: unknown[][] = []
      let columns: { name: string; type: string }[] = []
      client().execute({
        query: sql,
        ...extra,
        columns: (_e: unknown, cols: typeof columns) => (columns = cols),
        data: (_e: unknown, data: unknown[][]) => rows.push(...data),
        success: () => resolve({ rows, columns }),
        error: (error: any) => resolve({ rows, columns, error }),
      })
    })
  }

  test('headers, session and prepared statements', async () => {
    const r = await run('SELECT table_name FROM tables WHERE table_schema = ?', {})
    // A parameter without EXECUTE is a user error, reported through the error callback.
    assert.ok(r.error)
    const show = await run('SHOW SESSION', { session: 'query_max_run_time=2h' })
    assert.equal(show.error, undefined, JSON.stringify(show.error))
    assert.ok(show.rows.some(x => x[0] === 'query_max_run_time' && x[1] === '2h'))
    const exec = await run('EXECUTE query0 USING 4', { prepares: ['SELECT ? + 1'] })
    assert.equal(exec.error, undefined, JSON.stringify(exec.error))
    assert.deepEqual(exec.rows, [[5]])
  })

  test('100,000 rows and typed values', async () => {
    const big = await run('SELECT x FROM unnest(sequence(1, 100000)) AS t(x)')
    assert.equal(big.error, undefined)
    assert.equal(big.rows.length, 100000)
    const typed = await run(TYPED)
    assert.equal(typed.error, undefined, JSON.stringify(typed.error))
    const names = typed.columns.map(c => c.name)
    for (const [name, [type, value]] of Object.entries(TYPED_EXPECTED)) {
      assert.equal(typed.columns[names.indexOf(name)]!.type, type, `type of ${name}`)
      assert.deepEqual(typed.rows[0]![names.indexOf(name)], value, `value of ${name}`)
    }
  })

  test('errors reach the error callback with Trino fields; cancel ends the query', async () => {
    const bad = await run('SELECT 1 FRM nothing')
    assert.equal(bad.error.errorName, 'SYNTAX_ERROR')
    assert.equal(bad.error.errorType, 'USER_ERROR')
    let pages = 0
    const cancelled = await run('SELECT x FROM unnest(sequence(1, 1000000)) AS t(x)', { cancel: () => ++pages > 2 })
    assert.match(cancelled.error.message, /canceled/)
    assert.ok(cancelled.rows.length < 1000000)
  })
})
