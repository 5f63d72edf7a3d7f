/**
 * The demo realm's five personas against the running platform, as users reach it: `trino-client` with each
 * persona's password (HTTP basic against the built-in realm), the same queries, cell by cell. Then the Iceberg
 * REST catalog refuses to hand a filtered or masked table's files to the analyst, and every statement of the
 * personas is in the audit trail with the right identity and outcome.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { BasicAuth, Trino } from 'trino-client'
import type { GovernedEngine } from './governance-fixture.js'
import { bankingCreate, md5, TX } from './governance-fixture.js'
import { startTestPlatform, type TestPlatform } from '../support/platform.js'

const PASSWORDS: Readonly<Record<string, string>> = { alice: 'alice123', bob: 'bob123', carol: 'carol123', dave: 'dave123', eve: 'eve123' }

let p: TestPlatform
/** Query ids each persona ran, with whether the statement was refused. */
const ran: Array<{ user: string; id: string; denied: boolean }> = []

function client(user: string): Trino {
  return Trino.create({ server: p.baseUrl, catalog: 'iceberg', schema: 'banking', auth: new BasicAuth(user, PASSWORDS[user]!) })
}

/** All rows of a statement run as `user`; a failed statement throws `errorName: message`. */
async function q(user: string, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = []
  let id = ''
  try {
    for await (const r of await client(user).query(sql)) {
      id = r.id
      if (r.error) throw Object.assign(new Error(r.error.message), { errorName: r.error.errorName })
      rows.push(...(r.data ?? []))
    }
  } catch (e) {
    ran.push({ user, id, denied: (e as { errorName?: string }).errorName === 'PERMISSION_DENIED' })
    throw e
  }
  ran.push({ user, id, denied: false })
  return rows
}

const deniedQuery = (user: string, sql: string, message: RegExp) =>
  assert.rejects(q(user, sql), (e: Error & { errorName?: string }) => e.errorName === 'PERMISSION_DENIED' && message.test(e.message))

const pan = (s: string) => `************${s.slice(-4)}`

before(async () => {
  p = await startTestPlatform({ demo: true })
  await bankingCreate({ q: (_user: string, sql: string) => q('alice', sql) } as unknown as GovernedEngine)
})
after(() => p?.stop())

describe('the personas over the Trino protocol, cell by cell', () => {
  test('alice and bob read every transaction as stored', async () => {
    for (const user of ['alice', 'bob']) assert.deepEqual(await q(user, 'SELECT * FROM transactions ORDER BY transaction_id'), TX.map(r => [...r]), user)
  })

  test('carol reads EU rows only, PAN and name masked', async () => {
    const expected = TX.filter(r => r[13] === 'EU').map(r => r.map((v, i) => (i === 5 ? pan(v as string) : i === 3 ? '***' : v)))
    assert.deepEqual(await q('carol', 'SELECT * FROM transactions ORDER BY transaction_id'), expected)
    assert.deepEqual(await q('carol', 'SELECT region, count(*) FROM transactions GROUP BY region'), [['EU', 3]])
  })

  test('dave reads active analytics accounts with hashed e-mails, and no banking table', async () => {
    assert.deepEqual(await q('dave', 'SELECT account_id, customer_name, email, card_pan, status FROM iceberg.analytics_x.accounts ORDER BY account_id'), [
      [1, '***', md5('ana@x.io'), '************1111', 'active'],
      [3, '***', md5('chen@x.io'), '************1234', 'active'],
    ])
    await deniedQuery('dave', 'SELECT * FROM transactions', /Cannot select from table iceberg\.banking\.transactions/)
  })

  test('eve reads no raw rows but the metadata tables and the audit trail', async () => {
    assert.deepEqual(await q('eve', 'SELECT count(*) FROM transactions'), [[0]])
    assert.deepEqual(await q('eve', 'SELECT operation FROM "transactions$snapshots"'), [['append']])
    await p.platform.audit.flush()
    assert.ok(Number((await q('eve', "SELECT count(*) FROM system.audit.events WHERE actor = 'alice'"))[0]![0]) > 0)
    await deniedQuery('carol', 'SELECT count(*) FROM system.audit.events', /audit/)
  })

  test('listings differ by persona', async () => {
    const schemas = async (user: string) => (await q(user, 'SHOW SCHEMAS FROM iceberg')).map(r => r[0]).filter(s => s !== 'information_schema')
    assert.deepEqual((await schemas('alice')).sort(), ['analytics_x', 'banking'])
    assert.deepEqual(await schemas('dave'), ['analytics_x'])
  })
})

describe('other entry points', () => {
  test('the Iceberg REST catalog gives alice the table and refuses carol its files (she has a filter and masks)', async () => {
    const token = async (user: string) => {
      const res = await fetch(`${p.server.issuerUrl}/protocol/openid-connect/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', client_id: 'akko-cli', username: user, password: PASSWORDS[user]! }),
      })
      return ((await res.json()) as { access_token: string }).access_token
    }
    const load = async (user: string) => fetch(`${p.baseUrl}/iceberg/v1/namespaces/banking/tables/transactions`, { headers: { authorization: `Bearer ${await token(user)}` } })
    assert.equal((await load('alice')).status, 200)
    const refused = await load('carol')
    assert.equal(refused.status, 403)
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /row filter or column masks/)
    assert.equal((await load('dave')).status, 403)
    // Listing hides what dave may not see.
    const list = await fetch(`${p.baseUrl}/iceberg/v1/namespaces`, { headers: { authorization: `Bearer ${await token('dave')}` } })
    assert.deepEqual(((await list.json()) as { namespaces: string[][] }).namespaces, [['analytics_x']])
    await p.platform.audit.flush()
    const denials = await p.platform.audit.events({ kind: 'denial', actor: 'carol' })
    assert.ok(denials.some(e => e.source === 'iceberg-rest' && e.tables?.includes('iceberg.banking.transactions')))
  })

  test('every statement the personas ran is in the audit trail with their identity and outcome', async () => {
    await p.platform.audit.flush()
    const events = await p.platform.audit.events({ limit: 100_000 })
    const byQuery = new Map(events.filter(e => e.queryId).map(e => [e.queryId!, e]))
    assert.ok(ran.length >= 15)
    for (const r of ran) {
      const e = byQuery.get(r.id)
      assert.ok(e, `query ${r.id} of ${r.user} is in the trail`)
      assert.equal(e.actor, r.user, `actor of ${r.id}`)
      assert.equal(e.source, 'trino')
      assert.equal(e.outcome, r.denied ? 'denied' : 'success', `outcome of ${r.id}: ${e.queryText}`)
    }
    const logins = events.filter(e => e.kind === 'authentication' && e.outcome === 'success').map(e => e.actor)
    for (const user of Object.keys(PASSWORDS)) assert.ok(logins.includes(user), `${user}'s sign-in is recorded`)
    assert.ok(!JSON.stringify(events).includes('carol123'), 'no password in the trail')
  })
})
