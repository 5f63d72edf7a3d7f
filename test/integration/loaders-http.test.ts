import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secret, type LogEvent, type Logger } from '../../src/core/index.js'
import { badRowLine, httpRetryDelay, linkNext, loadHttpJson, type LoadHttpJsonOptions } from '../../src/ingest/loaders/index.js'
import { tableReadAll, type TableIdent } from '../../src/storage/index.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const TOKEN = 'tok-3f9a7c2e5b1d'
const API_KEY = 'key-8e7d6c5b4a39'
/** 25 records: ids 1..25; record 13 has a bad amount. */
const RECORDS = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, amount: i === 12 ? 'n/a' : `${i + 1}.50`, name: `item ${i + 1}` }))

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void

describe('loading a paginated HTTP JSON API', () => {
  let t: TestTables
  let server: Server
  let base: string
  const hits: string[] = []
  const routes = new Map<string, Handler>()
  const counters = new Map<string, number>()
  const bump = (k: string): number => { const n = (counters.get(k) ?? 0) + 1; counters.set(k, n); return n }
  const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
  const events: LogEvent[] = []
  const log: Logger = { enabled: () => true, emit: e => { events.push(typeof e === 'function' ? e() : e) } }
  const ctx = () => ({ ...t, log })
  const snapshotsOf = async (ident: TableIdent) => (await t.catalog.loadTable(ident)).metadata.snapshots.length

  const SCHEMA = { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'amount', required: false, type: 'decimal(12, 2)' }, { id: 3, name: 'name', required: false, type: 'string' }] }
  /** Loads into a table created beforehand with SCHEMA (so record 13's amount is a bad value). */
  const load = async (o: LoadHttpJsonOptions) => {
    const ident = typeof o.table === 'string' ? { namespace: ['api'], name: o.table.split('.')[1]! } : o.table
    if (!(await t.catalog.tableExists(ident))) await t.catalog.createTable(ident, { name: ident.name, schema: SCHEMA })
    return loadHttpJson(ctx(), o)
  }

  before(async () => {
    t = await openTestTables()
    await t.catalog.createNamespace(['api'])
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x')
      hits.push(`${url.pathname}${url.search}`)
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, { error: 'unauthorized' }, 401)
      const h = routes.get(url.pathname)
      if (!h) return json(res, { error: 'no route' }, 404)
      h(req, url, res)
    })
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    // next link in the body, relative, 10 records a page, records under data.items
    routes.set('/next', (_q, url, res) => {
      const start = Number(url.searchParams.get('start') ?? 0)
      const items = RECORDS.slice(start, start + 10)
      json(res, { data: { items }, next: start + 10 < RECORDS.length ? `/next?start=${start + 10}` : null })
    })
    // page numbers, 10 a page, an empty page at the end
    routes.set('/paged', (_q, url, res) => {
      const page = Number(url.searchParams.get('p'))
      json(res, RECORDS.slice((page - 1) * 10, page * 10))
    })
    // offset and limit
    routes.set('/offset', (_q, url, res) => {
      const off = Number(url.searchParams.get('offset'))
      const lim = Number(url.searchParams.get('limit'))
      json(res, { results: RECORDS.slice(off, off + lim) })
    })
    // Link header
    routes.set('/linked', (_q, url, res) => {
      const page = Number(url.searchParams.get('page') ?? 1)
      const headers: Record<string, string> = page < 3 ? { link: `<${base}/linked?page=${page + 1}>; rel="next", <${base}/linked?page=1>; rel="first"` } : {}
      json(res, RECORDS.slice((page - 1) * 10, page * 10), 200, headers)
    })
    // cursor
    routes.set('/cursor', (_q, url, res) => {
      const c = Number(url.searchParams.get('after') ?? 0)
      json(res, { rows: RECORDS.slice(c, c + 10), meta: { cursor: c + 10 < RECORDS.length ? String(c + 10) : '' } })
    })
    // requires the API key in the query
    routes.set('/keyed', (_q, url, res) => {
      if (url.searchParams.get('api_key') !== API_KEY) return json(res, { error: 'bad key' }, 403)
      json(res, RECORDS.slice(0, 3))
    })
    // 503 twice, then 429 with Retry-After: 2, then fine
    routes.set('/flaky', (_q, _u, res) => {
      const n = bump('flaky')
      if (n <= 2) return json(res, { error: 'busy' }, 503)
      if (n === 3) return json(res, { error: 'slow down' }, 429, { 'retry-after': '2' })
      json(res, RECORDS.slice(0, 5))
    })
    // always 500, echoing what it was sent
    routes.set('/broken', (req, url, res) => json(res, { error: `internal error for ${req.headers.authorization} at ${url.search}` }, 500))
    // page 2 fails for good
    routes.set('/half', (_q, url, res) => {
      const page = Number(url.searchParams.get('page'))
      if (page === 2) return json(res, { error: 'gone' }, 404)
      json(res, RECORDS.slice((page - 1) * 10, page * 10))
    })
    routes.set('/elsewhere', (_q, _u, res) => json(res, { items: RECORDS.slice(0, 2), next: 'http://example.com/steal' }))
  })
  after(async () => {
    await new Promise<void>(r => server?.close(() => r()))
    await t?.close()
  })

  /** A fresh table per load: id bigint required, amount decimal(12,2), name varchar (created by the load). */
  const opts = (path: string, over: Partial<LoadHttpJsonOptions> = {}): LoadHttpJsonOptions => ({
    table: `api.${path.replace(/\W/g, '')}_${bump('table')}`,
    url: `${base}/${path}`,
    headers: { authorization: new Secret(`Bearer ${TOKEN}`) },
    onBadRows: 'skip',
    sleep: async () => undefined,
    ...over,
  })

  test('next links in the body: every page in one commit, bad records located by page and row', async () => {
    const o = opts('next', { recordsPath: 'data.items', pagination: { style: 'next-link', path: 'next' } })
    const r = await load(o)
    assert.deepEqual([r.pages, r.rows, r.badRowCount, r.truncated, r.created], [3, 24, 1, false, false])
    assert.deepEqual(r.badRows, [{ page: 2, row: 3, column: 'amount', reason: "column amount: 'n/a' is not a decimal(12,2)" }])
    assert.equal(badRowLine(r.badRows[0]!), `page 2, row 3: column amount: 'n/a' is not a decimal(12,2)`)
    const ident = { namespace: ['api'], name: String(o.table).split('.')[1]! }
    assert.equal(await snapshotsOf(ident), 1)
    const rows = await tableReadAll(t, ident, { orderBy: 'id' })
    assert.deepEqual(rows.map(x => x.id), RECORDS.filter(x => x.id !== 13).map(x => BigInt(x.id)))
  })

  test('in fail mode a bad record fails the load and writes nothing', async () => {
    const o = opts('next', { recordsPath: 'data.items', pagination: { style: 'next-link', path: 'next' }, onBadRows: 'fail' })
    await assert.rejects(load(o), /page 2, row 3: column amount: 'n\/a' is not a decimal\(12,2\)/)
    assert.equal(await snapshotsOf({ namespace: ['api'], name: String(o.table).split('.')[1]! }), 0)
  })

  test('create infers the table from the records', async () => {
    const o = opts('next', { recordsPath: 'data.items', pagination: { style: 'next-link', path: 'next' }, create: true, partitionBy: ['bucket(4, id)'] })
    const r = await loadHttpJson(ctx(), o)
    assert.deepEqual([r.created, r.rows, r.badRowCount], [true, 25, 0])
    const { metadata } = await t.catalog.loadTable({ namespace: ['api'], name: String(o.table).split('.')[1]! })
    // 'n/a' among numbers: the merged JSON type is text
    assert.deepEqual(metadata.schemas[0]!.fields.map(f => [f.name, f.type]), [['id', 'long'], ['amount', 'string'], ['name', 'string']])
    assert.deepEqual(metadata['partition-specs'].at(-1)!.fields.map(f => f.transform), ['bucket[4]'])
  })

  test('page numbers, offsets, Link headers and cursors all walk every record', async () => {
    const cases: [string, Partial<LoadHttpJsonOptions>, number][] = [
      ['paged', { pagination: { style: 'page', param: 'p' } }, 4],
      ['offset', { recordsPath: 'results', pagination: { style: 'offset', limit: 10 } }, 3],
      ['linked', { pagination: { style: 'link-header' } }, 3],
      ['cursor', { recordsPath: 'rows', pagination: { style: 'cursor', path: 'meta.cursor', param: 'after' } }, 3],
    ]
    for (const [path, over, pages] of cases) {
      const r = await load(opts(path, over))
      assert.deepEqual([path, r.pages, r.rows + r.badRowCount], [path, pages, 25])
    }
    assert.ok(hits.includes('/paged?p=4') && hits.includes('/offset?offset=20&limit=10') && hits.includes('/cursor?after=20'))
  })

  test('maxPages stops the walk and says so', async () => {
    const r = await load(opts('paged', { pagination: { style: 'page', param: 'p' }, maxPages: 2 }))
    assert.deepEqual([r.pages, r.rows, r.truncated], [2, 19, true])
  })

  test('503 and 429 are retried, honouring Retry-After', async () => {
    const delays: number[] = []
    const r = await load(opts('flaky', { retryBaseMs: 100, sleep: async ms => { delays.push(ms) } }))
    assert.equal(r.rows, 5)
    assert.equal(delays.length, 3)
    assert.ok(delays[0]! >= 50 && delays[0]! <= 100, `first backoff ${delays[0]}`)
    assert.ok(delays[1]! >= 100 && delays[1]! <= 200, `second backoff ${delays[1]}`)
    assert.equal(delays[2], 2000)
    assert.equal(httpRetryDelay(0, 500, 30_000, 'Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000)
    assert.equal(httpRetryDelay(0, 500, 5000, '120'), 5000)
  })

  test('failures give up with CONNECTOR_ERROR, write nothing, and never show the secrets', async () => {
    const ident = { namespace: ['api'], name: 'kept' }
    const first = await load({ ...opts('paged', { pagination: { style: 'page', param: 'p' } }), table: ident })
    assert.equal(first.rows, 24)
    const failing: [string, Partial<LoadHttpJsonOptions>, RegExp][] = [
      ['broken', { retries: 2, query: { api_key: new Secret(API_KEY) } }, /answered 500 Internal Server Error on page 1 after 3 attempts/],
      ['half', { pagination: { style: 'page' }, query: { api_key: new Secret(API_KEY) } }, /answered 404 Not Found on page 2/],
    ]
    for (const [path, over, message] of failing) {
      events.length = 0
      await assert.rejects(load({ ...opts(path, over), table: ident }), (e: Error & { code?: string; details?: unknown }) => {
        assert.equal(e.code, 'CONNECTOR_ERROR')
        assert.match(e.message, message)
        assert.match(e.message, /api_key=\*\*\*/)
        const all = `${e.message} ${JSON.stringify(e.details)} ${JSON.stringify(events)} ${e.stack}`
        assert.ok(!all.includes(TOKEN) && !all.includes(API_KEY), all)
        return true
      })
    }
    assert.equal(await snapshotsOf(ident), 1)
    await assert.rejects(load(opts('next', { headers: { authorization: new Secret('Bearer wrong-token-123456') } })), (e: Error) => {
      assert.match(e.message, /answered 401 Unauthorized on page 1\. Check the credentials/)
      assert.ok(!e.message.includes('wrong-token-123456'))
      return true
    })
  })

  test('secret query parameters reach the API but not the report', async () => {
    const r = await load(opts('keyed', { query: { api_key: new Secret(API_KEY) } }))
    assert.equal(r.rows, 3)
    assert.ok(!JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(API_KEY))
  })

  test('a next link to another origin is refused; a records path that is not an array is an error', async () => {
    await assert.rejects(load(opts('elsewhere', { recordsPath: 'items', pagination: { style: 'next-link', path: 'next' } })), /links to another origin \(http:\/\/example\.com\)/)
    await assert.rejects(load(opts('next', { recordsPath: 'data.nope' })), /Page 1 of .* has no array of records at 'data\.nope'/)
    await assert.rejects(load(opts('next', { url: 'ftp://x/y' })), /must use http or https/)
  })

  test('Link header parsing follows RFC 8288', () => {
    assert.equal(linkNext('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"'), 'https://a/x?page=2')
    assert.equal(linkNext('<https://a/p1>; rel="prev", <https://a/p3>; rel=next'), 'https://a/p3')
    assert.equal(linkNext('<https://a/p1>; rel="prev next"'), 'https://a/p1')
    assert.equal(linkNext('<https://a/p1>; rel="nextish"'), undefined)
    assert.equal(linkNext(null), undefined)
  })
})
