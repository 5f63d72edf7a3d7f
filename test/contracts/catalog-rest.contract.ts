import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonParseLossless, jsonStringifyLossless } from '../../src/storage/iceberg/json.js'
import type { TestPlatform } from '../support/platform.js'

type Json = Record<string, any>
interface Reply {
  status: number
  body: Json
  headers: Headers
}

const SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'name', type: 'string', required: false },
  ],
}

/**
 * The Iceberg REST catalog as a client sees it, over plain HTTP: run against every metastore backend so
 * the embedded and the server form give the same answers.
 */
export function catalogRestContract(name: string, start: () => Promise<TestPlatform>): void {
  describe(`Iceberg REST catalog contract: ${name}`, () => {
    let p: TestPlatform
    before(async () => {
      p = await start()
    })
    after(async () => {
      await p?.stop()
    })

    /** Calls `/iceberg/v1${path}` with the admin token; bodies are written and read losslessly. */
    async function call(method: string, path: string, body?: unknown, opts: { token?: string | null; raw?: string } = {}): Promise<Reply> {
      const headers: Record<string, string> = {}
      const token = opts.token === undefined ? p.token : opts.token
      if (token !== null) headers.authorization = `Bearer ${token}`
      let payload: string | undefined = opts.raw
      if (body !== undefined) payload = jsonStringifyLossless(body)
      if (payload !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(`${p.baseUrl}/iceberg/v1${path}`, { method, headers, body: payload })
      const text = await res.text()
      return { status: res.status, headers: res.headers, body: text ? (jsonParseLossless(text) as Json) : {} }
    }
    const expectError = (r: Reply, status: number, type: string): void => {
      assert.equal(r.status, status, jsonStringifyLossless(r.body))
      assert.equal(r.body.error?.type, type, jsonStringifyLossless(r.body))
      assert.equal(r.body.error?.code, status)
      assert.equal(typeof r.body.error?.message, 'string')
      assert.equal(r.body.error?.stack, undefined)
    }
    const createNs = async (...ns: string[]): Promise<void> => {
      const r = await call('POST', '/namespaces', { namespace: ns })
      assert.equal(r.status, 200, jsonStringifyLossless(r.body))
    }
    const createTable = async (ns: string, table: string, extra: Json = {}): Promise<Reply> => {
      const r = await call('POST', `/namespaces/${ns}/tables`, { name: table, schema: SCHEMA, ...extra })
      assert.equal(r.status, 200, jsonStringifyLossless(r.body))
      return r
    }
    const load = (ns: string, table: string): Promise<Reply> => call('GET', `/namespaces/${ns}/tables/${table}`)
    const addColumn = (column: string, schemaId = 0): Json => ({
      requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': schemaId }],
      updates: [
        { action: 'add-schema', schema: { type: 'struct', 'schema-id': schemaId + 1, fields: [...SCHEMA.fields, { id: 3, name: column, type: 'double', required: false }] } },
        { action: 'set-current-schema', 'schema-id': -1 },
      ],
    })
    const currentFields = (m: Json): string[] =>
      m.schemas.find((s: Json) => s['schema-id'] === m['current-schema-id']).fields.map((f: Json) => f.name)

    test('GET /v1/config returns defaults, overrides and the supported endpoints', async () => {
      const r = await call('GET', '/config?warehouse=main')
      assert.equal(r.status, 200)
      assert.deepEqual(r.body.defaults, {})
      assert.equal(typeof r.body.overrides, 'object')
      assert.ok(r.body.endpoints.includes('POST /v1/{prefix}/transactions/commit'))
      assert.ok(r.body.endpoints.includes('HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}'))
    })

    test('a request without or with a wrong bearer token gets 401 ErrorModel; health needs none', async () => {
      expectError(await call('GET', '/namespaces', undefined, { token: null }), 401, 'NotAuthorizedException')
      expectError(await call('GET', '/namespaces', undefined, { token: 'not-the-token' }), 401, 'NotAuthorizedException')
      expectError(await call('POST', '/namespaces', { namespace: ['sneaky'] }, { token: 'x' }), 401, 'NotAuthorizedException')
      assert.equal((await call('HEAD', '/namespaces/sneaky')).status, 404, 'an unauthenticated create must change nothing')
      const health = await fetch(`${p.baseUrl}/api/health`)
      assert.equal(health.status, 200)
      const other = await fetch(`${p.baseUrl}/api/anything`)
      assert.equal(other.status, 401)
    })

    test('namespace lifecycle: nested levels, properties, paging, not-empty and not-found errors', async () => {
      await createNs('lc')
      expectError(await call('POST', '/namespaces', { namespace: ['lc'] }), 409, 'AlreadyExistsException')
      await createNs('lc', 'sub')
      expectError(await call('POST', '/namespaces', { namespace: ['nope', 'child'] }), 404, 'NoSuchNamespaceException')
      const top = await call('GET', '/namespaces')
      assert.ok(top.body.namespaces.some((n: string[]) => n.join('.') === 'lc'))
      assert.ok(!top.body.namespaces.some((n: string[]) => n.length > 1), 'only the top level without parent')
      const children = await call('GET', '/namespaces?parent=lc')
      assert.deepEqual(children.body.namespaces, [['lc', 'sub']])
      assert.equal((await call('HEAD', '/namespaces/lc%1Fsub')).status, 204)
      assert.deepEqual((await call('GET', '/namespaces/lc%1Fsub')).body.namespace, ['lc', 'sub'])

      const props = await call('POST', '/namespaces/lc/properties', { updates: { owner: 'ana', tier: 'gold' } })
      assert.equal(props.status, 200)
      assert.deepEqual([...props.body.updated].sort(), ['owner', 'tier'])
      const props2 = await call('POST', '/namespaces/lc/properties', { removals: ['tier', 'ghost'], updates: { owner: 'bo' } })
      assert.deepEqual(props2.body.removed, ['tier'])
      assert.deepEqual(props2.body.missing, ['ghost'])
      assert.deepEqual((await call('GET', '/namespaces/lc')).body.properties, { owner: 'bo' })
      const both = await call('POST', '/namespaces/lc/properties', { removals: ['owner'], updates: { owner: 'x' } })
      assert.equal(both.status, 400)
      assert.deepEqual((await call('GET', '/namespaces/lc')).body.properties, { owner: 'bo' }, 'a rejected update changes nothing')

      expectError(await call('DELETE', '/namespaces/lc'), 409, 'NamespaceNotEmptyException')
      assert.equal((await call('DELETE', '/namespaces/lc%1Fsub')).status, 204)
      assert.equal((await call('DELETE', '/namespaces/lc')).status, 204)
      assert.equal((await call('HEAD', '/namespaces/lc')).status, 404)
      expectError(await call('GET', '/namespaces/lc'), 404, 'NoSuchNamespaceException')
      expectError(await call('DELETE', '/namespaces/lc'), 404, 'NoSuchNamespaceException')

      await createNs('paged')
      for (const n of ['pg_c', 'pg_a', 'pg_b']) await createNs('paged', n)
      const page1 = await call('GET', '/namespaces?parent=paged&pageSize=2')
      assert.deepEqual(page1.body.namespaces, [['paged', 'pg_a'], ['paged', 'pg_b']])
      assert.equal(typeof page1.body['next-page-token'], 'string')
      const page2 = await call('GET', `/namespaces?parent=paged&pageSize=2&pageToken=${encodeURIComponent(page1.body['next-page-token'])}`)
      assert.deepEqual(page2.body.namespaces, [['paged', 'pg_c']])
      assert.ok(page2.body['next-page-token'] == null)
    })

    test('table create, load, commit a new column, rename, list, drop without purge keeps files', async () => {
      await createNs('tb')
      const created = await createTable('tb', 'orders', { properties: { owner: 'sales' } })
      const loc0 = created.body['metadata-location']
      assert.match(loc0, /\/metadata\/00000-[0-9a-f-]+\.metadata\.json$/)
      assert.deepEqual(currentFields(created.body.metadata), ['id', 'name'])
      assert.equal(created.body.metadata.properties.owner, 'sales')
      expectError(await call('POST', '/namespaces/tb/tables', { name: 'orders', schema: SCHEMA }), 409, 'AlreadyExistsException')
      assert.equal((await call('HEAD', '/namespaces/tb/tables/orders')).status, 204)

      const committed = await call('POST', '/namespaces/tb/tables/orders', addColumn('amount'))
      assert.equal(committed.status, 200, JSON.stringify(committed.body))
      assert.match(committed.body['metadata-location'], /\/metadata\/00001-[0-9a-f-]+\.metadata\.json$/)
      assert.deepEqual(currentFields(committed.body.metadata), ['id', 'name', 'amount'])
      const reloaded = await load('tb', 'orders')
      assert.equal(reloaded.body['metadata-location'], committed.body['metadata-location'])
      assert.deepEqual(currentFields(reloaded.body.metadata), ['id', 'name', 'amount'])
      assert.ok(reloaded.body.metadata['metadata-log'].some((e: Json) => e['metadata-file'] === loc0))

      const listed = await call('GET', '/namespaces/tb/tables')
      assert.deepEqual(listed.body.identifiers, [{ namespace: ['tb'], name: 'orders' }])

      assert.equal((await call('POST', '/tables/rename', { source: { namespace: ['tb'], name: 'orders' }, destination: { namespace: ['tb'], name: 'orders2' } })).status, 204)
      expectError(await load('tb', 'orders'), 404, 'NoSuchTableException')
      assert.equal((await load('tb', 'orders2')).body['metadata-location'], committed.body['metadata-location'])

      assert.equal((await call('DELETE', '/namespaces/tb/tables/orders2?purgeRequested=false')).status, 204)
      expectError(await load('tb', 'orders2'), 404, 'NoSuchTableException')
      assert.ok(await p.platform.store.head(committed.body['metadata-location']), 'a drop without purge keeps the files')
    })

    test('drop with purge deletes the metadata files and everything under the table location', async () => {
      await createNs('pu')
      const created = await createTable('pu', 'gone')
      const committed = await call('POST', '/namespaces/pu/tables/gone', addColumn('x'))
      assert.equal(committed.status, 200)
      const location = committed.body.metadata.location as string
      assert.equal((await call('DELETE', '/namespaces/pu/tables/gone?purgeRequested=true')).status, 204)
      assert.equal(await p.platform.store.head(created.body['metadata-location']), undefined)
      assert.equal(await p.platform.store.head(committed.body['metadata-location']), undefined)
      const left: string[] = []
      for await (const o of p.platform.store.list(location + '/')) left.push(o.location)
      assert.deepEqual(left, [])
      expectError(await load('pu', 'gone'), 404, 'NoSuchTableException')
    })

    test('stage-create writes nothing; the assert-create commit creates the table', async () => {
      await createNs('st')
      const staged = await createTable('st', 'later', { 'stage-create': true, properties: { a: '1' } })
      assert.equal(staged.body['metadata-location'], undefined)
      assert.equal((await call('HEAD', '/namespaces/st/tables/later')).status, 404)
      const m = staged.body.metadata
      const commit = {
        identifier: { namespace: ['st'], name: 'later' },
        requirements: [{ type: 'assert-create' }],
        updates: [
          { action: 'assign-uuid', uuid: m['table-uuid'] },
          { action: 'upgrade-format-version', 'format-version': 2 },
          { action: 'add-schema', schema: m.schemas[0], 'last-column-id': m['last-column-id'] },
          { action: 'set-current-schema', 'schema-id': -1 },
          { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } },
          { action: 'set-default-spec', 'spec-id': -1 },
          { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
          { action: 'set-default-sort-order', 'sort-order-id': -1 },
          { action: 'set-location', location: m.location },
          { action: 'set-properties', updates: { a: '1' } },
        ],
      }
      const r = await call('POST', '/namespaces/st/tables/later', commit)
      assert.equal(r.status, 200, jsonStringifyLossless(r.body))
      const loaded = await load('st', 'later')
      assert.equal(loaded.status, 200)
      assert.equal(loaded.body.metadata['table-uuid'], m['table-uuid'])
      assert.equal(loaded.body.metadata.location, m.location)
      assert.deepEqual(currentFields(loaded.body.metadata), ['id', 'name'])
      assert.equal(loaded.body.metadata.properties.a, '1')
      expectError(await call('POST', '/namespaces/st/tables/later', commit), 409, 'CommitFailedException')
      assert.equal((await load('st', 'later')).body['metadata-location'], loaded.body['metadata-location'])
    })

    test('register an existing metadata file; a missing or invalid file changes nothing', async () => {
      await createNs('rg')
      await createTable('rg', 'orig')
      const committed = await call('POST', '/namespaces/rg/tables/orig', addColumn('extra'))
      const loc = committed.body['metadata-location']
      assert.equal((await call('DELETE', '/namespaces/rg/tables/orig')).status, 204)
      const reg = await call('POST', '/namespaces/rg/register', { name: 'back', 'metadata-location': loc })
      assert.equal(reg.status, 200, JSON.stringify(reg.body))
      assert.equal(reg.body['metadata-location'], loc)
      const loaded = await load('rg', 'back')
      assert.equal(loaded.body['metadata-location'], loc)
      assert.equal(loaded.body.metadata['table-uuid'], committed.body.metadata['table-uuid'])
      assert.deepEqual(currentFields(loaded.body.metadata), ['id', 'name', 'extra'])
      expectError(await call('POST', '/namespaces/rg/register', { name: 'back', 'metadata-location': loc }), 409, 'AlreadyExistsException')

      const missing = loc.replace(/[^/]+$/, '99999-missing.metadata.json')
      expectError(await call('POST', '/namespaces/rg/register', { name: 'ghost', 'metadata-location': missing }), 404, 'NotFoundException')
      assert.equal((await call('HEAD', '/namespaces/rg/tables/ghost')).status, 404)
      const garbage = loc.replace(/[^/]+$/, '99998-garbage.metadata.json')
      await p.platform.store.put(garbage, new TextEncoder().encode('{"format-version": 2, "nonsense": true}'))
      expectError(await call('POST', '/namespaces/rg/register', { name: 'ghost', 'metadata-location': garbage }), 400, 'BadRequestException')
      assert.equal((await call('HEAD', '/namespaces/rg/tables/ghost')).status, 404)
    })

    test('a multi-table transaction is all or nothing', async () => {
      await createNs('tx')
      const a = await createTable('tx', 'a')
      const b = await createTable('tx', 'b')
      const change = (t: string, uuid: string, v: string): Json => ({
        identifier: { namespace: ['tx'], name: t },
        requirements: [{ type: 'assert-table-uuid', uuid }],
        updates: [{ action: 'set-properties', updates: { v } }],
      })
      const stale = await call('POST', '/transactions/commit', {
        'table-changes': [change('a', a.body.metadata['table-uuid'], '1'), change('b', '00000000-0000-0000-0000-000000000000', '1')],
      })
      expectError(stale, 409, 'CommitFailedException')
      assert.equal((await load('tx', 'a')).body['metadata-location'], a.body['metadata-location'], 'a is unchanged')
      assert.equal((await load('tx', 'b')).body['metadata-location'], b.body['metadata-location'], 'b is unchanged')

      const ok = await call('POST', '/transactions/commit', {
        'table-changes': [change('a', a.body.metadata['table-uuid'], '2'), change('b', b.body.metadata['table-uuid'], '2')],
      })
      assert.equal(ok.status, 204, jsonStringifyLossless(ok.body))
      assert.equal((await load('tx', 'a')).body.metadata.properties.v, '2')
      assert.equal((await load('tx', 'b')).body.metadata.properties.v, '2')
      const noIdent = await call('POST', '/transactions/commit', { 'table-changes': [{ requirements: [], updates: [] }] })
      expectError(noIdent, 400, 'BadRequestException')
    })

    test('two commits built on the same base race: one wins, the other gets 409 and leaves no trace', async () => {
      await createNs('race')
      await createTable('race', 't')
      const [r1, r2] = await Promise.all([call('POST', '/namespaces/race/tables/t', addColumn('first')), call('POST', '/namespaces/race/tables/t', addColumn('second'))])
      const statuses = [r1.status, r2.status].sort()
      assert.deepEqual(statuses, [200, 409], `${jsonStringifyLossless(r1.body)} ${jsonStringifyLossless(r2.body)}`)
      const [winner, loser] = r1.status === 200 ? [r1, r2] : [r2, r1]
      expectError(loser, 409, 'CommitFailedException')
      const now = await load('race', 't')
      assert.equal(now.body['metadata-location'], winner.body['metadata-location'])
      assert.deepEqual(currentFields(now.body.metadata), currentFields(winner.body.metadata))
      const metaFiles: string[] = []
      for await (const o of p.platform.store.list(now.body.metadata.location + '/metadata/')) metaFiles.push(o.location)
      assert.equal(metaFiles.length, 2, `only the create and the winning commit remain: ${metaFiles.join(', ')}`)

      // The loser retries on top of the winner's metadata, as a client does after a 409.
      const retry = await call('POST', '/namespaces/race/tables/t', addColumn('again', 0))
      expectError(retry, 409, 'CommitFailedException')
    })

    test('bad input gets the right status and ErrorModel type and changes nothing', async () => {
      await createNs('bad')
      const t = await createTable('bad', 't')
      const before = t.body['metadata-location']
      expectError(await call('POST', '/namespaces/bad/tables/t', undefined, { raw: '{"requirements": [' }), 400, 'BadRequestException')
      expectError(await call('POST', '/namespaces/bad/tables/t', { requirements: [], updates: [{ action: 'make-it-faster' }] }), 400, 'BadRequestException')
      expectError(await call('POST', '/namespaces/bad/tables/t', { requirements: [{ type: 'assert-magic' }], updates: [] }), 400, 'BadRequestException')
      expectError(await call('POST', '/namespaces/bad/tables/t', { updates: [] }), 400, 'BadRequestException')
      const badType = {
        requirements: [],
        updates: [{ action: 'add-schema', schema: { type: 'struct', fields: [{ id: 1, name: 'id', type: 'varchar', required: true }] } }],
      }
      expectError(await call('POST', '/namespaces/bad/tables/t', badType), 400, 'BadRequestException')
      assert.equal((await load('bad', 't')).body['metadata-location'], before, 'rejected commits change nothing')

      const badSchema = { name: 'u', schema: { type: 'struct', fields: [{ id: 1, name: 'x', type: 'varchar', required: true }] } }
      expectError(await call('POST', '/namespaces/bad/tables', badSchema), 400, 'BadRequestException')
      expectError(await call('POST', '/namespaces/bad/tables', { schema: SCHEMA }), 400, 'BadRequestException')
      expectError(await call('POST', '/namespaces/bad/tables', undefined, { raw: 'not json' }), 400, 'BadRequestException')
      assert.equal((await call('HEAD', '/namespaces/bad/tables/u')).status, 404)
      assert.deepEqual((await call('GET', '/namespaces/bad/tables')).body.identifiers, [{ namespace: ['bad'], name: 't' }])

      expectError(await call('GET', '/namespaces/unknown/tables'), 404, 'NoSuchNamespaceException')
      expectError(await call('POST', '/namespaces/unknown/tables', { name: 't', schema: SCHEMA }), 404, 'NoSuchNamespaceException')
      expectError(await call('GET', '/namespaces/unknown/tables/t'), 404, 'NoSuchTableException')
      expectError(await call('POST', '/namespaces/bad/tables/nosuch', { requirements: [], updates: [] }), 404, 'NoSuchTableException')
      expectError(await call('POST', '/namespaces', { namespace: 'flat' }), 400, 'BadRequestException')
    })

    test('snapshot ids beyond 2^53 survive a commit and a load exactly', async () => {
      await createNs('big')
      const t = await createTable('big', 'ids')
      const id = 7505300640432048841n
      const body =
        `{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}],"updates":[` +
        `{"action":"add-snapshot","snapshot":{"snapshot-id":${id},"sequence-number":1,"timestamp-ms":${Date.now()},` +
        `"manifest-list":"${t.body.metadata.location}/metadata/snap-${id}.avro","summary":{"operation":"append"},"schema-id":0}},` +
        `{"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${id}}]}`
      const r = await call('POST', '/namespaces/big/tables/ids', undefined, { raw: body })
      assert.equal(r.status, 200, jsonStringifyLossless(r.body))
      const res = await fetch(`${p.baseUrl}/iceberg/v1/namespaces/big/tables/ids?snapshots=refs`, { headers: { authorization: `Bearer ${p.token}` } })
      const text = await res.text()
      assert.ok(text.includes(`"current-snapshot-id":${id}`), text.slice(0, 400))
      const loaded = jsonParseLossless(text) as Json
      assert.equal(loaded.metadata.snapshots[0]['snapshot-id'], id)
      const etag = res.headers.get('etag')
      assert.ok(etag)
      const again = await fetch(`${p.baseUrl}/iceberg/v1/namespaces/big/tables/ids?snapshots=refs`, { headers: { authorization: `Bearer ${p.token}`, 'if-none-match': etag } })
      assert.equal(again.status, 304)
      // The manifest list does not exist: purge logs that and still drops the table.
      assert.equal((await call('DELETE', '/namespaces/big/tables/ids?purgeRequested=true')).status, 204)
      expectError(await load('big', 'ids'), 404, 'NoSuchTableException')
    })
  })
}
