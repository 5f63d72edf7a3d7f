import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import type { Connector, ScanRequest, TableRef } from '../connectors/connector.js'
import type { Session } from '../engine.js'
import { nameResolve, queryBind } from './bind.js'
import { singleStatement, sqlTokenize, statementHead, timeTravelRewrite } from './tokenizer.js'

let instance: DuckDBInstance
let conn: DuckDBConnection
before(async () => {
  instance = await DuckDBInstance.create(':memory:')
  conn = await instance.connect()
})
after(() => {
  conn.closeSync()
  instance.closeSync()
})

const session: Session = { user: 'u', catalog: 'cat', schema: 'sch', properties: {}, preparedStatements: {} }

/** A connector that records scan requests and serves `SELECT 1 AS a, 'x' AS b`. */
function recorder() {
  const scans: { ref: TableRef; req: ScanRequest }[] = []
  const connector: Connector = {
    catalog: 'cat', kind: 'iceberg',
    listSchemas: async () => ['sch'], listTables: async () => ['t'], describeTable: async () => [],
    scan: async (_ctx, ref, req) => { scans.push({ ref, req }); return { sql: `SELECT 1 AS a, 'x' AS b, '${ref.table}' AS src` } },
  }
  return { scans, connector }
}

async function bind(sql: string, rec = recorder()) {
  const tokens = singleStatement(sql, sqlTokenize(sql)).tokens
  const tt = timeTravelRewrite(sql, tokens)
  const out = await queryBind({
    conn, session, scan: { conn, session, tempName: () => 'tmp' },
    resolveName: p => nameResolve(session, p), connector: c => (c === 'cat' ? rec.connector : undefined), versions: tt.versions,
  }, tt.sql)
  return { ...out, scans: rec.scans }
}

describe('tokenizer', () => {
  test('statement head skips comments and upper-cases keywords', () => {
    assert.equal(statementHead(sqlTokenize('/* x */ -- y\n show   tables from s')), 'SHOW TABLES FROM')
  })
  test('semicolons inside strings, quoted names and comments do not split statements', () => {
    const sql = `SELECT ';' AS "a;b" /* ; */ -- ;\n;`
    assert.equal(singleStatement(sql, sqlTokenize(sql)).sql, `SELECT ';' AS "a;b"`)
    assert.throws(() => singleStatement('SELECT 1; SELECT 2', sqlTokenize('SELECT 1; SELECT 2')), { code: 'NOT_SUPPORTED' })
  })
  test('unterminated literals are syntax errors with a position', () => {
    assert.throws(() => sqlTokenize("SELECT\n 'abc"), { code: 'SYNTAX_ERROR', details: { line: 2, column: 2 } })
  })
  test('FOR VERSION / TIMESTAMP AS OF become markers with versions', () => {
    const sql = "SELECT * FROM a FOR VERSION AS OF 42 JOIN \"B\" FOR TIMESTAMP AS OF TIMESTAMP '2024-01-01 00:00:00 UTC' ON true"
    const r = timeTravelRewrite(sql, sqlTokenize(sql))
    assert.deepEqual(r.versions, [{ snapshotId: 42n }, { asOfMs: Date.UTC(2024, 0, 1) }])
    assert.match(r.sql, /"a#akko_version#0" JOIN "B#akko_version#1" ON true/)
  })
})

describe('binder', () => {
  test('resolves 1-, 2- and 3-part names and substitutes the connector relation with the alias', async () => {
    const r = await bind('SELECT t.a, u.b FROM t JOIN sch.t2 u ON true CROSS JOIN cat.sch.t3')
    assert.deepEqual(r.scans.map(s => s.ref.table), ['t', 't2', 't3'])
    const rows = (await conn.runAndReadAll(r.sql)).getRows()
    assert.deepEqual(rows, [[1, 'x']])
  })
  test('CTE names shadow tables, also inside subqueries', async () => {
    const r = await bind('WITH t AS (SELECT 5 AS a) SELECT (SELECT max(a) FROM t) FROM t')
    assert.equal(r.scans.length, 0)
  })
  test('an unknown catalog is NOT_FOUND', async () => {
    await assert.rejects(bind('SELECT * FROM other.s.t'), { code: 'NOT_FOUND', message: /other/ })
  })
  test('simple conjuncts of a single-table WHERE are pushed down; others are not', async () => {
    const r = await bind("SELECT * FROM t x WHERE x.a = 1 AND 2 < b AND c IN (1, 2) AND d IS NULL AND (e = 1 OR f = 2) AND g = a")
    assert.deepEqual(r.scans[0]?.req.filters, [
      { column: 'a', op: '=', value: 1 }, { column: 'b', op: '>', value: 2 }, { column: 'c', op: 'in', value: [1, 2] }, { column: 'd', op: 'is null' },
    ])
    const joined = await bind('SELECT * FROM t JOIN u ON true WHERE a = 1')
    assert.deepEqual(joined.scans.map(s => s.req.filters), [[], []])
  })
  test('time travel reaches the connector', async () => {
    const r = await bind('SELECT * FROM t FOR VERSION AS OF 7')
    assert.deepEqual(r.scans[0]?.req.version, { snapshotId: 7n })
  })
  test('Trino functions are mapped; unknown ones refused by name', async () => {
    const r = await bind("SELECT approx_distinct(a), regexp_like(b, 'x') FROM t")
    assert.match(r.sql, /(trino_approx_distinct|approx_count_distinct)\(a\)/)
    await assert.rejects(bind('SELECT frobnicate(1)'), { code: 'NOT_SUPPORTED', message: /frobnicate/ })
    await assert.rejects(bind("SELECT * FROM range(3), read_csv('x')"), { code: 'NOT_SUPPORTED', message: /read_csv/ })
  })
  test('numbers survive the round trip exactly (doubles, decimals, 64-bit and larger integers)', async () => {
    const sql = 'SELECT 12345678901234567890 AS big, 2.0 AS two, 9007199254740993 AS odd, 1e-7 AS tiny'
    const r = await bind(sql)
    const direct = (await conn.runAndReadAll(sql)).getRows().map(row => row.map(String))
    assert.deepEqual((await conn.runAndReadAll(r.sql)).getRows().map(row => row.map(String)), direct)
  })
})
