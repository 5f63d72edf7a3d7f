/**
 * Escape attempts against the query engine: each must be refused with a clear error and a stable code, and
 * leave the engine able to answer an ordinary query.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AkkoError } from '../../src/core/index.js'
import { allRows, openTestEngine, ordersCreate, testSession } from '../support/engine.js'

let env: Awaited<ReturnType<typeof openTestEngine>>
const session = testSession()

before(async () => {
  env = await openTestEngine()
  await ordersCreate(env.t)
})
after(async () => env.close())

const ATTEMPTS: ReadonlyArray<readonly [string, string, RegExp?]> = [
  ["SELECT * FROM read_parquet('/etc/passwd')", 'NOT_SUPPORTED', /read_parquet/],
  ["SELECT * FROM read_csv('/etc/passwd')", 'NOT_SUPPORTED', /read_csv/],
  ["SELECT * FROM read_json_auto('/etc/passwd')", 'NOT_SUPPORTED', /read_json_auto/],
  ["SELECT * FROM read_text('/etc/passwd')", 'NOT_SUPPORTED', /read_text/],
  ["SELECT * FROM glob('/*')", 'NOT_SUPPORTED', /glob/],
  ["SELECT * FROM '/etc/passwd'", 'TABLE_NOT_FOUND', /\/etc\/passwd/],
  ["SELECT * FROM 'data.csv'", 'TABLE_NOT_FOUND'],
  ['SELECT * FROM "read_csv"(\'/etc/passwd\')', 'NOT_SUPPORTED', /read_csv/],
  ["SELECT * FROM ReAd_CsV('/etc/passwd')", 'NOT_SUPPORTED', /ReAd_CsV/i],
  ["SELECT * FROM main.read_csv('/etc/passwd')", 'NOT_SUPPORTED'],
  ["COPY (SELECT 1) TO '/tmp/akko-escape.csv'", 'NOT_SUPPORTED', /COPY/],
  ["COPY orders TO '/tmp/akko-escape.parquet'", 'NOT_SUPPORTED', /COPY/],
  ["ATTACH '/tmp/akko-escape.db' AS x", 'NOT_SUPPORTED', /ATTACH/],
  ['INSTALL httpfs', 'NOT_SUPPORTED', /INSTALL/],
  ['LOAD httpfs', 'NOT_SUPPORTED', /LOAD/],
  ['SET enable_external_access = true', 'NOT_SUPPORTED', /SET/],
  ["SET allowed_directories = ['/']", 'NOT_SUPPORTED'],
  ['PRAGMA enable_profiling', 'NOT_SUPPORTED', /PRAGMA/],
  ['RESET memory_limit', 'NOT_SUPPORTED', /RESET/],
  ['CALL pragma_version()', 'NOT_SUPPORTED', /CALL/],
  ["SELECT getenv('HOME')", 'NOT_SUPPORTED', /getenv/],
  ["SELECT current_setting('memory_limit')", 'NOT_SUPPORTED', /current_setting/],
  ['SELECT 1; DROP TABLE orders', 'NOT_SUPPORTED', /one statement/],
  ['SELECT 1 /* ; */ ; SET threads = 1', 'NOT_SUPPORTED', /one statement/],
  ["SELECT 1 -- harmless\n; COPY (SELECT 1) TO '/tmp/x.csv'", 'NOT_SUPPORTED', /one statement/],
  ["/* looks like a query */ COPY (SELECT 1) TO '/tmp/x.csv'", 'NOT_SUPPORTED', /COPY/],
  ["SELECT ';' AS a; SELECT getenv('HOME')", 'NOT_SUPPORTED', /one statement/],
  ["WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x", 'NOT_SUPPORTED', /read_csv/],
  ["SELECT (SELECT count(*) FROM read_blob('/etc/passwd'))", 'NOT_SUPPORTED', /read_blob/],
  ["SELECT * FROM orders WHERE id IN (SELECT 1 FROM read_csv('/etc/passwd'))", 'NOT_SUPPORTED', /read_csv/],
  ['SELECT * FROM (SELECT * FROM duckdb_settings())', 'NOT_SUPPORTED', /duckdb_settings/],
  ['SELECT * FROM duckdb_settings()', 'NOT_SUPPORTED', /duckdb_settings/],
  ['SELECT * FROM duckdb_tables', 'TABLE_NOT_FOUND'],
  ['SELECT * FROM system.main.duckdb_settings', 'TABLE_NOT_FOUND'],
  ["EXPORT DATABASE '/tmp/akko-export'", 'NOT_SUPPORTED', /EXPORT/],
  ["IMPORT DATABASE '/tmp/akko-export'", 'NOT_SUPPORTED', /IMPORT/],
  ['CREATE MACRO m(x) AS x', 'NOT_SUPPORTED'],
  ["CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", 'NOT_SUPPORTED'],
  ["CREATE TEMP VIEW v AS SELECT * FROM read_csv('/etc/passwd')", 'NOT_SUPPORTED'],
  ["SELECT system.main.getenv('HOME')", 'PERMISSION_DENIED', /getenv/],
  ["SELECT * FROM query('SELECT 1')", 'NOT_SUPPORTED', /query/],
  ["SELECT * FROM sniff_csv('/etc/passwd')", 'NOT_SUPPORTED', /sniff_csv/],
  ["VALUES (getenv('HOME'))", 'NOT_SUPPORTED', /getenv/],
  ["SELECT list_transform([1], x -> getenv('HOME'))", 'NOT_SUPPORTED', /getenv/],
  ["SELECT id FROM orders ORDER BY getenv('HOME')", 'NOT_SUPPORTED', /getenv/],
  ["SELECT * FROM ｒｅａｄ_csv('/etc/passwd')", 'NOT_SUPPORTED'],
  ["SELECT * FROM read_csv\u200b('/etc/passwd')", 'NOT_SUPPORTED'],
  ['SELECT * FROM orders FOR VERSION AS OF (SELECT 1)', 'NOT_SUPPORTED', /VERSION AS OF/],
  ["SELECT * FROM orders AT (VERSION => 1)", 'NOT_SUPPORTED'],
  ['DETACH memory', 'NOT_SUPPORTED'],
  ['CHECKPOINT', 'NOT_SUPPORTED'],
  ["SELECT 'x\u0000'", 'SYNTAX_ERROR'],
]

describe('sql sandbox', () => {
  for (const [sql, code, message] of ATTEMPTS) {
    test(`refuses ${JSON.stringify(sql)}`, async () => {
      await assert.rejects(engineRun(sql), (e: unknown) => {
        assert.ok(e instanceof AkkoError, `expected AkkoError, got ${String(e)}`)
        assert.equal(e.code, code, `${sql}: ${e.message}`)
        if (message) assert.match(e.message, message)
        assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace in the message')
        return true
      })
      assert.deepEqual(await engineRun('SELECT count(*) FROM orders'), [[10]])
    })
  }

  test('a prepared statement is checked when executed', async () => {
    const prepared = await env.engine.execute("PREPARE p FROM SELECT getenv('HOME')", session)
    assert.deepEqual(prepared.sessionChanges?.addedPrepare, { p: "SELECT getenv('HOME')" })
    await assert.rejects(env.engine.execute('EXECUTE p', { ...session, preparedStatements: { p: "SELECT getenv('HOME')" } }), { code: 'NOT_SUPPORTED' })
  })

  test('an EXECUTE USING argument cannot smuggle a function', async () => {
    const s = { ...session, preparedStatements: { q: 'SELECT id FROM orders WHERE id = ?' } }
    assert.deepEqual(await allRows(await env.engine.execute('EXECUTE q USING 3', s)), [[3]])
    await assert.rejects(env.engine.execute("EXECUTE q USING getenv('HOME')", s), { code: 'NOT_SUPPORTED' })
  })

  test('nothing was written outside the warehouse', async () => {
    const { existsSync } = await import('node:fs')
    assert.equal(existsSync('/tmp/akko-escape.csv'), false)
    assert.equal(existsSync('/tmp/akko-escape.db'), false)
    assert.equal(existsSync('/tmp/akko-export'), false)
  })
})

async function engineRun(sql: string): Promise<unknown[][]> {
  return allRows(await env.engine.execute(sql, session))
}
