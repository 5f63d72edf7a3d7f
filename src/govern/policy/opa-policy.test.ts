/**
 * OPA mode against a small decision server started in the test. There is no OPA binary on this machine, so the
 * server below answers from the documented input shapes of Trino's OPA access-control plugin
 * (`input.context.identity`, `input.action.operation`, `input.action.resource`, `filterResources`) the way a
 * Rego policy would: analysts may read iceberg.banking except `secret`, see region EU only, and get `card_pan` masked.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { AkkoError } from '../../core/index.js'
import { opaPolicy } from './opa-policy.js'

interface OpaInput {
  context: { identity: { user: string; groups: string[] }; softwareStack: { trinoVersion: string } }
  action: { operation: string; resource?: Record<string, any>; filterResources?: Record<string, any>[] }
}

const seen: Array<{ path: string; input: OpaInput }> = []

function decideOne(input: OpaInput, resource: Record<string, any> | undefined): boolean {
  const analyst = input.context.identity.groups.includes('analysts')
  switch (input.action.operation) {
    case 'AccessCatalog':
      return resource?.catalog?.name === 'iceberg'
    case 'FilterCatalogs':
      return resource?.catalog?.name === 'iceberg'
    case 'FilterSchemas':
      return resource?.schema?.schemaName === 'banking'
    case 'SelectFromColumns':
    case 'FilterTables': {
      const t = resource?.table
      return analyst && t?.catalogName === 'iceberg' && t?.schemaName === 'banking' && t?.tableName !== 'secret' && !(t?.columns ?? []).includes('ssn')
    }
    case 'ImpersonateUser':
      return input.context.identity.user === 'admin'
    default:
      return false
  }
}

function answer(path: string, input: OpaInput): unknown {
  const { action } = input
  if (path === '/v1/data/trino/allow') return decideOne(input, action.resource)
  if (path === '/v1/data/trino/batch') {
    if (action.operation === 'FilterColumns') {
      const t = action.filterResources![0]!.table
      return (t.columns as string[]).flatMap((c, i) => (c === 'ssn' ? [] : [i]))
    }
    return action.filterResources!.flatMap((r, i) => (decideOne(input, r) ? [i] : []))
  }
  if (path === '/v1/data/trino/rowFilters') return action.resource?.table?.tableName === 'transactions' ? [{ expression: "region = 'EU'" }, { expression: 'amount > 0' }] : []
  if (path === '/v1/data/trino/columnMask') return action.resource?.column?.columnName === 'card_pan' ? { expression: "'****'" } : null
  if (path === '/v1/data/trino/batchColumnMasks') {
    return action.filterResources!.flatMap((r, index) => (r.column.columnName === 'card_pan' ? [{ index, viewExpression: { expression: "'****'" } }] : []))
  }
  return undefined
}

async function body(req: IncomingMessage): Promise<string> {
  let s = ''
  for await (const chunk of req) s += chunk
  return s
}

let server: Server
let base: string
before(async () => {
  server = createServer(async (req, res) => {
    const input = (JSON.parse(await body(req)) as { input: OpaInput }).input
    seen.push({ path: req.url!, input })
    res.setHeader('content-type', 'application/json')
    const result = answer(req.url!, input)
    res.end(JSON.stringify(result === undefined ? { decision_id: 'x' } : { decision_id: 'x', result }))
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/data/trino`
})
after(() => new Promise<void>(r => server.close(() => r())))

const carol = { user: 'carol', groups: ['analysts'], roles: ['akko-analyst'] }

describe('OPA policy', () => {
  test('sends Trino plugin input documents and maps decisions', async () => {
    const opa = opaPolicy({ url: `${base}/allow`, batchUrl: `${base}/batch`, rowFiltersUrl: `${base}/rowFilters`, batchColumnMaskingUrl: `${base}/batchColumnMasks`, trinoVersion: '480' })
    const p = opa.policyFor(carol)
    seen.length = 0
    assert.equal(await p.catalogAccess('iceberg'), 'all')
    assert.deepEqual(seen[0], {
      path: '/v1/data/trino/allow',
      input: { context: { identity: { user: 'carol', groups: ['analysts'] }, softwareStack: { trinoVersion: '480' } }, action: { operation: 'AccessCatalog', resource: { catalog: { name: 'iceberg' } } } },
    })
    assert.equal(await p.catalogAccess('postgresql'), 'none')
    assert.deepEqual(await p.filterCatalogs(['postgresql', 'iceberg']), ['iceberg'])
    assert.deepEqual(await p.filterTables('iceberg', 'banking', ['cards', 'secret', 'accounts']), ['cards', 'accounts'])
    const batch = seen.find(s => s.input.action.operation === 'FilterTables')!
    assert.equal(batch.path, '/v1/data/trino/batch')
    assert.deepEqual(batch.input.action.filterResources![1], { table: { catalogName: 'iceberg', schemaName: 'banking', tableName: 'secret' } })

    assert.deepEqual([...(await p.tablePrivileges('iceberg', 'banking', 'cards'))], ['SELECT'])
    await assert.rejects(Promise.resolve(p.checkTable('iceberg', 'banking', 'secret', 'SELECT')), /^AkkoError: Access Denied: Cannot select from table iceberg\.banking\.secret$/)
    const cols = await p.columns('iceberg', 'banking', 'cards', ['id', 'ssn', { name: 'card_pan', type: 'varchar' }])
    assert.deepEqual(cols.visible, ['id', 'card_pan'])
    assert.deepEqual(cols.denied, ['ssn'])
    assert.deepEqual([...cols.masks], [['card_pan', "'****'"]])
    const maskReq = seen.find(s => s.path.endsWith('/batchColumnMasks'))!
    assert.deepEqual(maskReq.input.action.filterResources![1], { column: { catalogName: 'iceberg', schemaName: 'banking', tableName: 'cards', columnName: 'card_pan', columnType: 'varchar' } })
    assert.equal(await p.rowFilter('iceberg', 'banking', 'transactions'), "(region = 'EU') AND (amount > 0)")
    assert.equal(await p.rowFilter('iceberg', 'banking', 'cards'), undefined)
    assert.equal(await p.canImpersonate('dave'), false)
    assert.equal(await opa.policyFor({ user: 'admin', groups: [], roles: [] }).canImpersonate('dave'), true)
  })

  test('without batch endpoints each item is asked on its own; single column-mask endpoint', async () => {
    const p = opaPolicy({ url: `${base}/allow`, columnMaskingUrl: `${base}/columnMask` }).policyFor(carol)
    seen.length = 0
    assert.deepEqual(await p.filterSchemas('iceberg', ['banking', 'hr']), ['banking'])
    assert.ok(seen.every(s => s.path === '/v1/data/trino/allow' && s.input.action.resource !== undefined))
    const cols = await p.columns('iceberg', 'banking', 'cards', ['ssn', 'card_pan'])
    assert.deepEqual(cols.denied, ['ssn'])
    assert.deepEqual([...cols.masks], [['card_pan', "'****'"]])
    assert.equal(await p.rowFilter('iceberg', 'banking', 'transactions'), undefined, 'no row-filter endpoint, no filters')
  })

  test('decisions are cached briefly per identity', async () => {
    let clock = 0
    const opa = opaPolicy({ url: `${base}/allow`, cacheTtlMs: 1000, now: () => clock })
    seen.length = 0
    await opa.policyFor(carol).catalogAccess('iceberg')
    await opa.policyFor(carol).catalogAccess('iceberg')
    assert.equal(seen.length, 1)
    await opa.policyFor({ ...carol, user: 'dave' }).catalogAccess('iceberg')
    assert.equal(seen.length, 2, 'another identity is another decision')
    clock = 1500
    await opa.policyFor(carol).catalogAccess('iceberg')
    assert.equal(seen.length, 3, 'expired decisions are asked again')
  })

  test('fails closed when OPA is unreachable', async () => {
    // A port nothing listens on: take one from a server and close it.
    const probe = createServer()
    await new Promise<void>(r => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>(r => probe.close(() => r()))
    const dead = `http://127.0.0.1:${port}/v1/data/trino`
    const warnings: unknown[] = []
    const p = opaPolicy({
      url: `${dead}/allow`, batchUrl: `${dead}/batch`, rowFiltersUrl: `${dead}/rowFilters`, batchColumnMaskingUrl: `${dead}/masks`,
      logger: { enabled: () => true, emit: e => warnings.push(e) },
    }).policyFor(carol)
    assert.equal(await p.catalogAccess('iceberg'), 'none')
    assert.deepEqual(await p.filterTables('iceberg', 'banking', ['cards']), [])
    assert.equal((await p.tablePrivileges('iceberg', 'banking', 'cards')).size, 0)
    await assert.rejects(Promise.resolve(p.checkTable('iceberg', 'banking', 'cards', 'SELECT')), (e: unknown) => e instanceof AkkoError && e.code === 'PERMISSION_DENIED')
    await assert.rejects(Promise.resolve(p.rowFilter('iceberg', 'banking', 'transactions')), /Access Denied: .*policy server is unavailable/)
    const cols = await p.columns('iceberg', 'banking', 'cards', ['id'])
    assert.deepEqual(cols.visible, [])
    assert.equal(await p.canImpersonate('x'), false)
    assert.ok(warnings.length > 0)
  })

  test('an HTTP error from OPA also denies', async () => {
    const p = opaPolicy({ url: `${base}/nowhere-500`, fetch: async () => new Response('boom', { status: 500 }) }).policyFor(carol)
    assert.equal(await p.catalogAccess('iceberg'), 'none')
  })
})
