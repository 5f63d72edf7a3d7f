/**
 * OPA mode end to end: the platform started with AKKO_OPA_URL asks a decision server for every decision, with
 * the input documents of Trino's OPA access-control plugin. There is no OPA binary on this machine, so the
 * server below is a small stand-in answering from those documented shapes the way a Rego policy would: the
 * administrator may do anything; carol reads iceberg.banking.transactions with `region = 'EU'` and card_pan
 * masked, nothing else. When the server goes away every decision denies (fail closed).
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { BasicAuth, Trino } from 'trino-client'
import { startTestPlatform, type TestPlatform } from '../support/platform.js'

interface OpaInput {
  context: { identity: { user: string; groups: string[] } }
  action: { operation: string; resource?: Record<string, any>; filterResources?: Record<string, any>[] }
}

const operations = new Set<string>()

function allowed(input: OpaInput, resource: Record<string, any> | undefined): boolean {
  const user = input.context.identity.user
  if (user === 'admin') return true
  if (user !== 'carol') return false
  switch (input.action.operation) {
    case 'ExecuteQuery':
      return true
    case 'AccessCatalog':
    case 'FilterCatalogs':
      return resource?.catalog?.name === 'iceberg'
    case 'FilterSchemas':
      return resource?.schema?.schemaName === 'banking'
    case 'FilterTables':
    case 'SelectFromColumns':
      return resource?.table?.schemaName === 'banking' && resource?.table?.tableName === 'transactions'
    default:
      return false
  }
}

function answer(path: string, input: OpaInput): unknown {
  const { action } = input
  operations.add(action.operation)
  const carol = input.context.identity.user === 'carol'
  if (path.endsWith('/allow')) return allowed(input, action.resource)
  if (path.endsWith('/batch')) {
    if (action.operation === 'FilterColumns') return (action.filterResources![0]!.table.columns as string[]).map((_c, i) => i)
    return action.filterResources!.flatMap((r, i) => (allowed(input, r) ? [i] : []))
  }
  if (path.endsWith('/rowFilters')) return carol && action.resource?.table?.tableName === 'transactions' ? [{ expression: "region = 'EU'" }] : []
  if (path.endsWith('/batchColumnMasks')) {
    return carol ? action.filterResources!.flatMap((r, index) => (r.column.columnName === 'card_pan' ? [{ index, viewExpression: { expression: "'****' || substr(card_pan, -4)" } }] : [])) : []
  }
  return undefined
}

async function body(req: IncomingMessage): Promise<string> {
  let s = ''
  for await (const chunk of req) s += chunk
  return s
}

let opa: Server
let p: TestPlatform

before(async () => {
  opa = createServer(async (req, res) => {
    const input = (JSON.parse(await body(req)) as { input: OpaInput }).input
    const result = answer(req.url!, input)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(result === undefined ? {} : { result }))
  })
  await new Promise<void>(r => opa.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(opa.address() as AddressInfo).port}/v1/data/trino`
  p = await startTestPlatform({ demo: true, env: { AKKO_OPA_URL: url } })
})
after(async () => {
  await p?.stop()
  if (opa.listening) await new Promise(r => opa.close(r))
})

async function rows(client: Trino, sql: string): Promise<unknown[][]> {
  const out: unknown[][] = []
  for await (const r of await client.query(sql)) {
    if (r.error) throw Object.assign(new Error(r.error.message), { errorName: r.error.errorName })
    out.push(...(r.data ?? []))
  }
  return out
}

test('decisions, row filters and masks come from OPA; OPA unreachable denies everything', async () => {
  assert.equal(p.platform.policy.kind, 'opa')
  const admin = Trino.create({ server: p.baseUrl, extraHeaders: { Authorization: `Bearer ${p.token}`, 'X-Trino-User': 'admin' } })
  await rows(admin, 'CREATE SCHEMA iceberg.banking')
  await rows(admin, 'CREATE TABLE iceberg.banking.transactions (id bigint, card_pan varchar, region varchar)')
  await rows(admin, "INSERT INTO iceberg.banking.transactions VALUES (1, '4111111111111111', 'EU'), (2, '5500000000001111', 'US'), (3, '4000123412341234', 'EU')")
  await rows(admin, 'CREATE TABLE iceberg.banking.customers (id bigint)')

  const carol = Trino.create({ server: p.baseUrl, auth: new BasicAuth('carol', 'carol123') })
  assert.deepEqual(await rows(carol, 'SELECT id, card_pan, region FROM iceberg.banking.transactions ORDER BY id'), [[1, '****1111', 'EU'], [3, '****1234', 'EU']])
  assert.deepEqual(await rows(carol, 'SHOW TABLES FROM iceberg.banking'), [['transactions']])
  await assert.rejects(rows(carol, 'SELECT * FROM iceberg.banking.customers'), (e: Error & { errorName?: string }) => e.errorName === 'PERMISSION_DENIED')
  await assert.rejects(rows(carol, 'DELETE FROM iceberg.banking.transactions'), (e: Error & { errorName?: string }) => e.errorName === 'PERMISSION_DENIED')
  for (const op of ['AccessCatalog', 'SelectFromColumns', 'FilterTables']) assert.ok(operations.has(op), `OPA was asked ${op}`)

  await new Promise(r => opa.close(r))
  await new Promise(r => setTimeout(r, 6000)) // past the decision cache (5 s)
  await assert.rejects(rows(carol, 'SELECT id FROM iceberg.banking.transactions'), (e: Error & { errorName?: string }) => e.errorName === 'PERMISSION_DENIED')
  await assert.rejects(rows(admin, 'SELECT count(*) FROM iceberg.banking.transactions'), (e: Error & { errorName?: string }) => e.errorName === 'PERMISSION_DENIED')
})
