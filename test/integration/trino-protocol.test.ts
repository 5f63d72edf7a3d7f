import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { AkkoError, Secret, silentLogger } from '../../src/core/index.js'
import type { ExecuteOptions, QueryEngine, QueryResult, Session } from '../../src/engine/engine.js'
import { bearerTokenAuthenticator, httpAppCreate, httpServerStart, type RunningServer } from '../../src/serve/index.js'
import { trinoGateway, type TrinoGateway } from '../../src/serve/trino/index.js'

/**
 * A scripted engine: the SQL text picks the behaviour, and what the gateway passed in (sessions, signals) is
 * recorded so the tests can see what reached the engine.
 */
class FakeEngine implements QueryEngine {
  sessions: Session[] = []
  batchesPulled = 0
  aborted = 0
  closedStreams = 0

  async execute(sql: string, session: Session, opts: ExecuteOptions = {}): Promise<QueryResult> {
    this.sessions.push(session)
    const self = this
    const queryId = 'engine-' + this.sessions.length
    const m = /^SELECT RANGE (\d+)$/.exec(sql)
    if (m) {
      const n = Number(m[1])
      async function* rows(): AsyncGenerator<unknown[][]> {
        for (let i = 0; i < n; i += 1000) {
          self.batchesPulled++
          yield Array.from({ length: Math.min(1000, n - i) }, (_, k) => [i + k, `row-${i + k}`])
        }
      }
      return { queryId, columns: [{ name: 'n', type: 'bigint' }, { name: 's', type: 'varchar' }], rows: rows() }
    }
    if (sql === 'SELECT SLOW') {
      opts.signal?.addEventListener('abort', () => self.aborted++)
      async function* rows(): AsyncGenerator<unknown[][]> {
        try {
          for (let i = 0; ; i++) {
            await new Promise(r => setTimeout(r, 20))
            if (opts.signal?.aborted) return
            yield [[i]]
          }
        } finally {
          self.closedStreams++
        }
      }
      return { queryId, columns: [{ name: 'i', type: 'integer' }], rows: rows() }
    }
    if (sql === 'SHOW SESSION') {
      return { queryId, columns: [{ name: 'session', type: 'json' }], rows: once([[JSON.stringify(session)]]) }
    }
    if (sql === 'USE lake.sales') return { queryId, columns: [], rows: once([]), updateType: 'USE', sessionChanges: { setCatalog: 'lake', setSchema: 'sales' } }
    if (sql === "SET SESSION query_max_run_time = '1 h'") {
      return { queryId, columns: [], rows: once([]), updateType: 'SET SESSION', sessionChanges: { setSession: { query_max_run_time: '1 h' } } }
    }
    if (sql === 'PREPARE q FROM SELECT 1, 2') {
      return { queryId, columns: [], rows: once([]), updateType: 'PREPARE', sessionChanges: { addedPrepare: { q: 'SELECT 1, 2' } } }
    }
    if (sql === 'CREATE TABLE t (x int)') return { queryId, columns: [], rows: once([]), updateType: 'CREATE TABLE' }
    if (sql === 'INSERT INTO t VALUES 1, 2, 3') return { queryId, columns: [], rows: once([]), updateType: 'INSERT', updateCount: 3 }
    if (sql === 'BROKEN') throw new Error('disk /secret/path exploded')
    throw new AkkoError('SYNTAX_ERROR', "line 1:8: mismatched input 'FRM'", { line: 1, column: 8 })
  }

  async close(): Promise<void> {}
}

async function* once(rows: unknown[][]): AsyncGenerator<unknown[][]> {
  yield rows
}

const TOKEN = 'test-token-123'
let engine: FakeEngine
let gateway: TrinoGateway
let server: RunningServer

before(async () => {
  engine = new FakeEngine()
  gateway = trinoGateway({ engine, log: silentLogger, version: '0.1.0', impersonate: async () => ({ groups: [], roles: [] }), queries: { pageRows: 4096, maxWaitMs: 200, abandonAfterMs: 400, retainMs: 60_000 } })
  const app = httpAppCreate({ authenticate: bearerTokenAuthenticator(new Secret(TOKEN)), log: silentLogger, mounts: [gateway.mount] })
  server = await httpServerStart(app, { host: '127.0.0.1', port: 0 })
})

after(async () => {
  gateway.close()
  await server.close()
})

const auth = { authorization: `Bearer ${TOKEN}`, 'X-Trino-User': 'alice' }

async function post(sql: string, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${server.url}/v1/statement`, { method: 'POST', headers, body: sql })
}

interface Page {
  id: string
  nextUri?: string
  infoUri: string
  columns?: { name: string; type: string; typeSignature: unknown }[]
  data?: unknown[][]
  stats: { state: string; processedRows: number }
  error?: Record<string, any>
  updateType?: string
  updateCount?: number
}

/** Runs a statement to the end with raw fetch; returns every page and the response of each. */
async function runAll(sql: string, headers: Record<string, string> = auth): Promise<{ pages: Page[]; responses: Response[] }> {
  const first = await post(sql, headers)
  assert.equal(first.status, 200)
  const pages: Page[] = [(await first.json()) as Page]
  const responses = [first]
  while (pages.at(-1)!.nextUri) {
    const r = await fetch(pages.at(-1)!.nextUri!, { headers: auth })
    assert.equal(r.status, 200)
    responses.push(r)
    pages.push((await r.json()) as Page)
  }
  return { pages, responses }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500 && !cond(); i++) await new Promise(r => setTimeout(r, 20))
  assert.ok(cond(), `timed out waiting for: ${what}`)
}

describe('Trino protocol gateway (scripted engine)', () => {
  test('/v1/info answers without credentials', async () => {
    const r = await fetch(`${server.url}/v1/info`)
    assert.equal(r.status, 200)
    const info = (await r.json()) as any
    assert.equal(info.nodeVersion.version, '0.1.0')
    assert.equal(info.coordinator, true)
    assert.equal(info.starting, false)
    assert.match(info.uptime, /^\d+\.\d\d(ms|s|m|h|d)$/)
  })

  test('a request without a token gets a plain 401 naming the Bearer scheme; no user is a 400', async () => {
    const r = await post('SELECT RANGE 1', { 'X-Trino-User': 'alice' })
    assert.equal(r.status, 401)
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/)
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/)
    const noUser = await post('SELECT RANGE 1', { authorization: `Bearer ${TOKEN}`, 'X-Trino-User': '' })
    // The admin token is an identity, so it stands in for a missing user.
    assert.equal(noUser.status, 200)
    const empty = await post('   ', auth)
    assert.equal(empty.status, 400)
    assert.match(await empty.text(), /empty/)
  })

  test('100,000 rows come back in bounded pages, in order, after a QUEUED answer without data', async () => {
    const { pages } = await runAll('SELECT RANGE 100000')
    const first = pages[0]!
    assert.equal(first.stats.state, 'QUEUED')
    assert.equal(first.data, undefined)
    assert.match(first.nextUri!, /\/v1\/statement\/executing\/\d{8}_\d{6}_\d{5}_[a-z]{5}\/y[0-9a-f]+\/1$/)
    assert.match(first.infoUri, /\/ui\/query\.html\?/)
    const withData = pages.filter(p => p.data)
    assert.ok(withData.length >= 25, `expected many pages, got ${withData.length}`)
    for (const p of withData) assert.ok(p.data!.length <= 4096)
    const rows = withData.flatMap(p => p.data!)
    assert.equal(rows.length, 100000)
    assert.deepEqual(rows[0], [0, 'row-0'])
    assert.deepEqual(rows[99999], [99999, 'row-99999'])
    assert.ok(rows.every((r, i) => r[0] === i))
    const last = pages.at(-1)!
    assert.equal(last.stats.state, 'FINISHED')
    assert.equal(last.stats.processedRows, 100000)
    assert.deepEqual(last.columns, [
      { name: 'n', type: 'bigint', typeSignature: { rawType: 'bigint', arguments: [] } },
      { name: 's', type: 'varchar', typeSignature: { rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2147483647 }] } },
    ])
  })

  test('the engine is read one page ahead of the client, not to the end', async () => {
    const before = engine.batchesPulled
    const first = (await (await post('SELECT RANGE 100000')).json()) as Page
    const p1 = (await (await fetch(first.nextUri!, { headers: auth })).json()) as Page
    assert.equal(p1.data!.length, 4096)
    await new Promise(r => setTimeout(r, 100))
    // One page sent, one page ready: about 8 of the 100 batches, never the whole result.
    assert.ok(engine.batchesPulled - before <= 10, `engine ran ahead: ${engine.batchesPulled - before} batches`)
    // Re-asking for the same page (a client retry) gets the same page.
    const again = (await (await fetch(first.nextUri!, { headers: auth })).json()) as Page
    assert.deepEqual(again.data, p1.data)
    const del = await fetch(p1.nextUri!, { method: 'DELETE', headers: auth })
    assert.equal(del.status, 204)
  })

  test('request headers reach the engine session (X-Trino-* and X-Presto-*)', async () => {
    const { pages } = await runAll('SHOW SESSION', {
      ...auth,
      'X-Trino-Catalog': 'lake',
      'X-Trino-Schema': 'sales',
      'X-Trino-Session': 'query_max_run_time=2h, note=a%2Cb+c',
      'X-Trino-Prepared-Statement': 'q1=SELECT+1%2C+2,q2=SELECT%20%27x%27',
      'X-Trino-Client-Tags': 'etl, nightly',
      'X-Trino-Source': 'my-tool',
      'X-Trino-Time-Zone': 'Europe/Paris',
    })
    const s = JSON.parse(pages.flatMap(p => p.data ?? [])[0]![0] as string)
    assert.equal(s.user, 'alice')
    assert.equal(s.catalog, 'lake')
    assert.equal(s.schema, 'sales')
    assert.deepEqual(s.properties, { query_max_run_time: '2h', note: 'a,b c' })
    assert.deepEqual(s.preparedStatements, { q1: 'SELECT 1, 2', q2: "SELECT 'x'" })
    assert.deepEqual(s.clientTags, ['etl', 'nightly'])
    assert.equal(s.source, 'my-tool')
    assert.equal(s.timeZone, 'Europe/Paris')
    const presto = await runAll('SHOW SESSION', { authorization: `Bearer ${TOKEN}`, 'X-Presto-User': 'bob', 'X-Presto-Catalog': 'pg' })
    const ps = JSON.parse(presto.pages.flatMap(p => p.data ?? [])[0]![0] as string)
    assert.equal(ps.user, 'bob')
    assert.equal(ps.catalog, 'pg')
    const bad = await post('SHOW SESSION', { ...auth, 'X-Trino-Session': 'novalue' })
    assert.equal(bad.status, 400)
  })

  test('session changes come back as response headers, once, on the final response', async () => {
    const use = await runAll('USE lake.sales')
    const withHeader = use.responses.filter(r => r.headers.has('x-trino-set-catalog'))
    assert.equal(withHeader.length, 1)
    assert.equal(withHeader[0], use.responses.at(-1))
    assert.equal(withHeader[0]!.headers.get('x-trino-set-schema'), 'sales')
    const last = use.pages.at(-1)!
    assert.equal(last.updateType, 'USE')
    assert.deepEqual(last.columns!.map(c => [c.name, c.type]), [['result', 'boolean']])
    assert.deepEqual(last.data, [[true]])
    const set = await runAll("SET SESSION query_max_run_time = '1 h'")
    assert.equal(set.responses.at(-1)!.headers.get('x-trino-set-session'), 'query_max_run_time=1+h')
    const prep = await runAll('PREPARE q FROM SELECT 1, 2')
    assert.equal(prep.responses.at(-1)!.headers.get('x-trino-added-prepare'), 'q=SELECT+1%2C+2')
    const presto = await runAll('USE lake.sales', { authorization: `Bearer ${TOKEN}`, 'X-Presto-User': 'bob' })
    assert.equal(presto.responses.at(-1)!.headers.get('x-presto-set-catalog'), 'lake')
  })

  test('DDL answers result=true; DML answers rows=n with updateCount', async () => {
    const ddl = (await runAll('CREATE TABLE t (x int)')).pages.at(-1)!
    assert.equal(ddl.updateType, 'CREATE TABLE')
    assert.deepEqual(ddl.data, [[true]])
    const ins = (await runAll('INSERT INTO t VALUES 1, 2, 3')).pages.at(-1)!
    assert.equal(ins.updateType, 'INSERT')
    assert.equal(ins.updateCount, 3)
    assert.deepEqual(ins.columns!.map(c => [c.name, c.type]), [['rows', 'bigint']])
    assert.deepEqual(ins.data, [[3]])
  })

  test('a syntax error is a Trino QueryError with code, name, type and location on a later page', async () => {
    const { pages } = await runAll('SELECT x FRM t')
    assert.ok(pages[0]!.nextUri, 'the POST answer never carries the error')
    assert.equal(pages[0]!.error, undefined)
    const last = pages.at(-1)!
    assert.equal(last.stats.state, 'FAILED')
    assert.equal(last.nextUri, undefined)
    assert.equal(last.error!.errorName, 'SYNTAX_ERROR')
    assert.equal(last.error!.errorCode, 1)
    assert.equal(last.error!.errorType, 'USER_ERROR')
    assert.deepEqual(last.error!.errorLocation, { lineNumber: 1, columnNumber: 8 })
    assert.equal(last.error!.message, "line 1:8: mismatched input 'FRM'")
    assert.deepEqual(last.error!.failureInfo.stack, [])
  })

  test('an internal failure says so without leaking its cause', async () => {
    const { pages } = await runAll('BROKEN')
    const err = pages.at(-1)!.error!
    assert.equal(err.errorName, 'GENERIC_INTERNAL_ERROR')
    assert.equal(err.errorType, 'INTERNAL_ERROR')
    assert.equal(err.errorCode, 65536)
    assert.ok(!JSON.stringify(pages).includes('/secret/path'))
  })

  test('DELETE nextUri cancels: the engine is told, its stream closed, later GETs say USER_CANCELED', async () => {
    const abortedBefore = engine.aborted
    const closedBefore = engine.closedStreams
    const first = (await (await post('SELECT SLOW')).json()) as Page
    const p1 = (await (await fetch(first.nextUri!, { headers: auth })).json()) as Page
    assert.ok(p1.nextUri)
    assert.ok(gateway.registry.running().some(q => q.id === first.id))
    const del = await fetch(p1.nextUri!, { method: 'DELETE', headers: auth })
    assert.equal(del.status, 204)
    assert.equal(engine.aborted, abortedBefore + 1)
    await until(() => engine.closedStreams >= closedBefore + 1, 'the row stream to close')
    assert.ok(!gateway.registry.running().some(q => q.id === first.id))
    const after = (await (await fetch(p1.nextUri!, { headers: auth })).json()) as Page
    assert.equal(after.stats.state, 'FAILED')
    assert.equal(after.error!.errorName, 'USER_CANCELED')
    assert.equal(after.error!.errorCode, 3)
    assert.equal(after.nextUri, undefined)
    const info = (await (await fetch(`${server.url}/v1/query/${first.id}`, { headers: auth })).json()) as any
    assert.equal(info.state, 'FAILED')
  })

  test('DELETE /v1/query/{id} cancels too; unknown ids and wrong slugs are 404', async () => {
    const first = (await (await post('SELECT SLOW')).json()) as Page
    const del = await fetch(`${server.url}/v1/query/${first.id}`, { method: 'DELETE', headers: auth })
    assert.equal(del.status, 204)
    assert.equal(gateway.registry.get(first.id)!.state, 'FAILED')
    const wrongSlug = first.nextUri!.replace(/\/y[0-9a-f]+\//, '/yfeedbeef/')
    assert.equal((await fetch(wrongSlug, { headers: auth })).status, 404)
    assert.equal((await fetch(`${server.url}/v1/query/nope`, { headers: auth })).status, 404)
  })

  test('a query whose client stops polling is cancelled', async () => {
    const closedBefore = engine.closedStreams
    const first = (await (await post('SELECT SLOW')).json()) as Page
    await fetch(first.nextUri!, { headers: auth })
    await until(() => gateway.registry.get(first.id)?.state === 'FAILED', 'the abandoned query to be cancelled')
    await until(() => engine.closedStreams >= closedBefore + 1, 'the row stream to close')
    const info = (await (await fetch(`${server.url}/v1/query/${first.id}`, { headers: auth })).json()) as any
    assert.match(info.failureInfo.message, /abandoned/)
  })
})
