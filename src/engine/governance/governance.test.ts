import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { rulesParse, rulesPolicyProvider, type AccessPolicy, type PolicyProvider } from '../../govern/index.js'
import { governedText, trinoToDuckType } from './governed-relation.js'
import { QueryAccess } from './query-access.js'

const ref = { catalog: 'iceberg', schema: 'banking', table: 'transactions' }
const cols = [{ name: 'id', type: 'bigint', nullable: true }, { name: 'Card_PAN', type: 'varchar', nullable: true }, { name: 'secret', type: 'decimal(12,2)', nullable: true }]

describe('the governance wrapper', () => {
  test('Trino types map to DuckDB types for mask casts, nested ones included; unknown ones are left uncast', () => {
    assert.equal(trinoToDuckType('decimal(12,2)'), 'DECIMAL(12,2)')
    assert.equal(trinoToDuckType('timestamp(6) with time zone'), 'TIMESTAMPTZ')
    assert.equal(trinoToDuckType('timestamp(9)'), 'TIMESTAMP_NS')
    assert.equal(trinoToDuckType('varchar(20)'), 'VARCHAR')
    assert.equal(trinoToDuckType('array(map(varchar, row(a bigint, "b c" double)))'), 'MAP(VARCHAR, STRUCT(a BIGINT, "b c" DOUBLE))[]')
    assert.equal(trinoToDuckType('geometry'), undefined)
  })

  test('masked columns are cast to their type, denied ones left out, every column nulled outside the row filter', () => {
    const text = governedText(cols, { filter: "region = 'EU'", masks: new Map([['card_pan', "'x'"]]), denied: new Set(['secret']), governed: true }, false)
    assert.equal(text, `SELECT CASE WHEN __akko_ok THEN "id" END AS "id", CASE WHEN __akko_ok THEN CAST(('x') AS VARCHAR) END AS "Card_PAN" `
      + `FROM (SELECT *, (region = 'EU') AS __akko_ok FROM __akko_source) AS __akko_governed WHERE __akko_ok`)
    assert.equal(governedText(cols, { masks: new Map(), denied: new Set(['id']), governed: true }, true), 'SELECT "Card_PAN" AS "Card_PAN", "secret" AS "secret", "_file", "_pos" FROM __akko_source')
  })
})

describe('QueryAccess', () => {
  test('answers are asked once per statement and table', async () => {
    let asked = 0
    const inner = rulesPolicyProvider(rulesParse({ tables: [{ privileges: ['SELECT'], filter: 'id > 0' }] }))
    const provider: PolicyProvider = {
      kind: 'rules',
      close: () => {},
      policyFor: id => {
        const p = inner.policyFor(id)
        return new Proxy(p, { get: (t, k) => (k === 'rowFilter' ? (...a: [string, string, string]) => (asked++, t.rowFilter(...a)) : Reflect.get(t, k, t)) }) as AccessPolicy
      },
    }
    const access = new QueryAccess(provider, { user: 'u', groups: [], roles: [] })
    const [a, b] = await Promise.all([access.governance(ref, cols), access.governance({ ...ref, table: 'TRANSACTIONS' }, cols)])
    assert.equal(a.filter, 'id > 0')
    assert.equal(a, b)
    assert.equal(asked, 1)
  })

  test('an expression that would not stay one expression (from OPA, unchecked) is refused', async () => {
    const inner = rulesPolicyProvider(rulesParse({}))
    const provider: PolicyProvider = {
      kind: 'opa',
      close: () => {},
      policyFor: id => Object.assign(Object.create(inner.policyFor(id)) as AccessPolicy, { rowFilter: () => "true) AS __akko_ok FROM t --" }),
    }
    await assert.rejects(new QueryAccess(provider, { user: 'u', groups: [], roles: [] }).governance(ref, cols), { code: 'INVALID_CONFIG', message: /row filter on iceberg\.banking\.transactions is not a valid SQL expression/ })
  })

  test('without a policy nothing is checked, filtered or hidden', async () => {
    const access = new QueryAccess(undefined, { user: 'u', groups: [], roles: [] })
    assert.equal(access.enabled, false)
    await access.checkSelect(ref)
    assert.equal((await access.governance(ref, cols)).governed, false)
    assert.deepEqual(await access.filterCatalogs(['a', 'b']), ['a', 'b'])
  })
})

describe('predicate risk', () => {
  const riskOf = async (sql: string) => {
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const { sqlParse } = await import('../sql/parse.js')
    const { predicateRisk } = await import('../sql/predicate-risk.js')
    const instance = await DuckDBInstance.create(':memory:')
    const conn = await instance.connect()
    try {
      const r = predicateRisk(await sqlParse(conn, sql))
      return { risky: r.risky, columns: [...r.columns].sort() }
    } finally {
      conn.closeSync()
      instance.closeSync()
    }
  }

  test('comparisons of columns with constants, IN lists, BETWEEN, LIKE, IS NULL and subqueries cannot fail on a value', async () => {
    const sql = `SELECT 1 FROM t JOIN u ON t.a = u.b WHERE (t.c BETWEEN 1 AND 2 OR d IN ('x', 'y')) AND e LIKE 'x%' AND NOT f
      AND g IS NOT NULL AND ts >= current_timestamp - INTERVAL '7' DAY AND h IN (SELECT k FROM v WHERE k > 0) AND EXISTS (SELECT 1) GROUP BY 1
      HAVING count(*) > 1 AND sum(CAST(z AS integer)) > 0 QUALIFY row_number() OVER (ORDER BY a) = 1`
    assert.deepEqual(await riskOf(sql), { risky: false, columns: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'k', 'ts'] })
  })

  test('casts, arithmetic and functions of columns in any predicate are a risk, in subqueries and join conditions too', async () => {
    for (const sql of [
      'SELECT 1 FROM t WHERE CAST(a AS integer) = 1',
      'SELECT 1 FROM t WHERE a + 1 > 2',
      "SELECT 1 FROM t WHERE CASE WHEN r = 'US' THEN error('x') END",
      'SELECT 1 FROM t JOIN u ON CAST(t.a AS bigint) = u.b',
      'SELECT (SELECT max(x) FROM u WHERE u.k = length(t.a)) FROM t',
      'SELECT a FROM t GROUP BY a HAVING CAST(a AS integer) > 1',
    ]) assert.equal((await riskOf(sql)).risky, true, sql)
    assert.equal((await riskOf('SELECT CAST(a AS integer) FROM t')).risky, false, 'expressions outside predicates run after the filter')
  })
})

describe('system.audit.events pushdown', () => {
  test('WHERE conjuncts on kind, actor, id and time narrow what the trail reads', async () => {
    const { auditFilterFrom } = await import('../connectors/system-connector.js')
    assert.deepEqual(auditFilterFrom([
      { column: 'kind', op: '=', value: 'denial' }, { column: 'actor', op: '=', value: 'dave' }, { column: 'id', op: '>=', value: 10 },
      { column: 'time', op: '>=', value: '2024-01-01T00:00:00Z' }, { column: 'time', op: '<', value: new Date('2024-02-01T00:00:00Z') }, { column: 'rows', op: '>', value: 1 },
    ]), { kind: 'denial', actor: 'dave', afterId: 9, since: '2024-01-01T00:00:00.000Z', until: '2024-02-01T00:00:00.000Z' })
    assert.deepEqual(auditFilterFrom([{ column: 'id', op: '>=', value: 0 }]), {}, 'no negative cursor')
  })
})
