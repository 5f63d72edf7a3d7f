/**
 * The demo access rules enforced by the engine, persona by persona and cell by cell: alice (admin) and bob
 * (engineer) read raw rows, carol (analyst) EU rows with PANs and names masked and PII-tagged columns nulled,
 * dave (viewer) only active analytics accounts with hashed emails, eve (steward) no raw rows but metadata tables
 * and the audit trail. Then privileges of DDL and DML, what listings show, and the audit events of statements.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { demoRulesPath, rulesLoadFile, tagSourceStatic } from '../../src/govern/index.js'
import { allRows } from '../support/engine.js'
import { as, bankingCreate, md5, openGovernedEngine, TX, type GovernedEngine } from './governance-fixture.js'

let g: GovernedEngine
before(async () => {
  g = await openGovernedEngine(rulesLoadFile(demoRulesPath()), tagSourceStatic({ 'iceberg.banking.customers': { email: ['PII'] } }))
  await bankingCreate(g)
})
after(async () => g?.close())

const denied = (re: RegExp) => ({ code: 'PERMISSION_DENIED', message: re })
const rejects = (user: string, sql: string, expected: object, over = {}) => assert.rejects(g.engine.execute(sql, as(user, over)), expected)

const pan = (p: string) => `************${p.slice(-4)}`
const raw = TX.map(r => [...r])
/** What carol sees of a transaction: EU rows only, PAN masked to its last four digits, name masked. */
const asAnalyst = TX.filter(r => r[13] === 'EU').map(r => r.map((v, i) => (i === 5 ? pan(v as string) : i === 3 ? '***' : v)))

describe('personas read the demo tables cell by cell', () => {
  test('alice (admin) and bob (engineer) read every row unmasked', async () => {
    assert.deepEqual(await g.q('alice', 'SELECT * FROM transactions ORDER BY transaction_id'), raw)
    assert.deepEqual(await g.q('bob', 'SELECT * FROM transactions ORDER BY transaction_id'), raw)
    assert.deepEqual(await g.q('bob', 'SELECT email, card_pan FROM iceberg.analytics_x.accounts ORDER BY account_id'), [
      ['ana@x.io', '4111111111111111'], ['ben@x.io', '5500000000001111'], ['chen@x.io', '4000123412341234'],
    ])
  })

  test('carol (analyst) reads EU transactions with card_pan and customer_name masked, every other cell as stored', async () => {
    assert.deepEqual(await g.q('carol', 'SELECT * FROM transactions ORDER BY transaction_id'), asAnalyst)
  })

  test('carol: customers filtered to EU, the PII-tagged email nulled; accounts filtered; analytics masked but not filtered', async () => {
    assert.deepEqual(await g.q('carol', 'SELECT * FROM customers ORDER BY customer_id'), [[101, '***', null, 'EU', 'retail'], [102, '***', null, 'EU', 'premium']])
    assert.deepEqual(await g.q('carol', 'SELECT * FROM accounts ORDER BY account_id'), [[1001, 101, 'EU', '500.00', 'active'], [1002, 102, 'EU', '20.00', 'active']])
    assert.deepEqual(await g.q('carol', 'SELECT * FROM iceberg.analytics_x.accounts ORDER BY account_id'), [
      [1, '***', 'ana@x.io', '************1111', 'active', 'EU', '500.00'],
      [2, '***', 'ben@x.io', '************1111', 'closed', 'EU', '20.00'],
      [3, '***', 'chen@x.io', '************1234', 'active', 'US', '7000.00'],
    ])
  })

  test('dave (viewer) reads only active analytics accounts, email as its md5 hex, and nothing of banking', async () => {
    assert.deepEqual(await g.q('dave', 'SELECT * FROM iceberg.analytics_x.accounts ORDER BY account_id'), [
      [1, '***', md5('ana@x.io'), '************1111', 'active', 'EU', '500.00'],
      [3, '***', md5('chen@x.io'), '************1234', 'active', 'US', '7000.00'],
    ])
    await rejects('dave', 'SELECT * FROM transactions', denied(/^Access Denied: Cannot select from table iceberg\.banking\.transactions$/))
    await rejects('dave', 'SELECT count(*) FROM iceberg.banking.customers', denied(/Cannot select from table iceberg\.banking\.customers/))
  })

  test('eve (steward) reads no raw rows (filter false) but the metadata tables and the audit trail', async () => {
    assert.deepEqual(await g.q('eve', 'SELECT count(*) FROM transactions'), [[0]])
    assert.deepEqual(await g.q('eve', 'SELECT count(*) FROM iceberg.analytics_x.accounts'), [[0]])
    assert.deepEqual(await g.q('eve', 'SELECT operation FROM "transactions$snapshots"'), [['append']])
    assert.deepEqual(await g.q('eve', 'SELECT sum(record_count) FROM "transactions$files"'), [[6]])
    assert.ok((await g.q('eve', 'SELECT count(*) FROM system.audit.events'))[0]![0] as number > 0)
  })

  test('the audit trail is for stewards and admins only', async () => {
    await g.q('alice', 'SELECT count(*) FROM system.audit.events')
    for (const user of ['bob', 'carol', 'dave']) {
      await rejects(user, 'SELECT * FROM system.audit.events', denied(/^Access Denied: Cannot select from table system\.audit\.events$/))
    }
  })

  test('the same names in any case or quoting select the same rules', async () => {
    assert.deepEqual(await g.q('carol', 'SELECT "CARD_PAN", Customer_Name FROM "ICEBERG"."Banking"."TRANSACTIONS" WHERE transaction_id = 1'), [['************1111', '***']])
    assert.deepEqual(await g.q('carol', 'SELECT count(*) FROM iceberg."banking".Transactions'), [[3]])
  })
})

describe('listings show what the caller may see', () => {
  test('SHOW CATALOGS and system.metadata.catalogs hide catalogs without access', async () => {
    assert.deepEqual(await g.q('alice', 'SHOW CATALOGS'), [['iceberg'], ['lake'], ['system']])
    assert.deepEqual(await g.q('dave', 'SHOW CATALOGS'), [['iceberg'], ['system']])
    assert.deepEqual(await g.q('dave', 'SELECT catalog_name FROM system.metadata.catalogs ORDER BY 1'), [['iceberg'], ['system']])
  })

  test('SHOW SCHEMAS and SHOW TABLES list only schemas and tables with a privilege', async () => {
    assert.deepEqual(await g.q('dave', 'SHOW SCHEMAS FROM iceberg'), [['analytics_x'], ['information_schema']])
    assert.deepEqual(await g.q('carol', 'SHOW SCHEMAS FROM iceberg'), [['analytics_x'], ['banking'], ['information_schema']])
    assert.deepEqual(await g.q('dave', 'SHOW TABLES FROM iceberg.analytics_x'), [['accounts']])
    await rejects('dave', 'SHOW TABLES FROM iceberg.banking', denied(/^Access Denied: Cannot show tables of schema iceberg\.banking$/))
    assert.deepEqual(await g.q('dave', 'SHOW SCHEMAS FROM system'), [['information_schema'], ['metadata'], ['runtime']])
    assert.deepEqual(await g.q('eve', 'SHOW SCHEMAS FROM system'), [['audit'], ['information_schema'], ['metadata'], ['runtime']])
    await rejects('dave', 'SHOW SCHEMAS FROM lake', denied(/^Access Denied: Cannot access catalog lake$/))
  })

  test('information_schema lists only visible schemas, tables and columns', async () => {
    assert.deepEqual(await g.q('dave', "SELECT table_schema, table_name FROM iceberg.information_schema.tables WHERE table_schema <> 'information_schema' ORDER BY 1, 2"), [['analytics_x', 'accounts']])
    assert.deepEqual(await g.q('dave', "SELECT schema_name FROM iceberg.information_schema.schemata ORDER BY 1"), [['analytics_x'], ['information_schema']])
    assert.deepEqual(await g.q('dave', "SELECT count(*) FROM iceberg.information_schema.columns WHERE table_schema = 'banking'"), [[0]])
    assert.deepEqual(await g.q('carol', "SELECT count(*) FROM iceberg.information_schema.columns WHERE table_name = 'transactions'"), [[16]])
    await rejects('dave', 'SELECT * FROM lake.information_schema.tables', denied(/Cannot select from table lake\.information_schema\.tables/))
  })

  test('DESCRIBE and SHOW COLUMNS need a privilege; SHOW CREATE TABLE needs ownership; SHOW STATS is refused under masks', async () => {
    assert.equal((await g.q('carol', 'DESCRIBE transactions')).length, 16)
    await rejects('dave', 'DESCRIBE iceberg.banking.transactions', denied(/^Access Denied: Cannot show columns of table iceberg\.banking\.transactions$/))
    await rejects('dave', 'SHOW COLUMNS FROM iceberg.banking.accounts', denied(/Cannot show columns/))
    await rejects('carol', 'SHOW CREATE TABLE transactions', denied(/^Access Denied: Cannot show create table for iceberg\.banking\.transactions$/))
    assert.match(String((await g.q('bob', 'SHOW CREATE TABLE transactions'))[0]![0]), /card_pan varchar/)
    await rejects('carol', 'SHOW STATS FOR transactions', denied(/Cannot show stats for table iceberg\.banking\.transactions/))
    assert.ok((await g.q('bob', 'SHOW STATS FOR transactions')).length > 0)
  })
})

describe('privileges of DDL, DML and procedures', () => {
  test('analysts and viewers cannot write, create, alter, comment or run procedures', async () => {
    await rejects('carol', "INSERT INTO transactions (transaction_id) VALUES (99)", denied(/^Access Denied: Cannot insert into table iceberg\.banking\.transactions$/))
    await rejects('carol', 'DELETE FROM transactions', denied(/^Access Denied: Cannot delete from table iceberg\.banking\.transactions$/))
    await rejects('carol', "UPDATE accounts SET status = 'x'", denied(/^Access Denied: Cannot update columns \[status\] in table iceberg\.banking\.accounts$/))
    await rejects('carol', 'CREATE TABLE iceberg.banking.mine (a bigint)', denied(/^Access Denied: Cannot create table iceberg\.banking\.mine$/))
    await rejects('carol', 'CREATE TABLE iceberg.banking.copy AS SELECT * FROM transactions', denied(/Cannot create table iceberg\.banking\.copy/))
    await rejects('carol', 'DROP TABLE transactions', denied(/^Access Denied: Cannot drop table iceberg\.banking\.transactions$/))
    await rejects('carol', 'ALTER TABLE transactions ADD COLUMN x bigint', denied(/Cannot add a column to table iceberg\.banking\.transactions/))
    await rejects('carol', "ALTER TABLE transactions EXECUTE optimize", denied(/Cannot execute table procedure optimize on iceberg\.banking\.transactions/))
    await rejects('carol', "ALTER TABLE transactions EXECUTE expire_snapshots(retention_threshold => '7d')", denied(/Cannot execute table procedure expire_snapshots/))
    await rejects('dave', "COMMENT ON TABLE iceberg.analytics_x.accounts IS 'x'", denied(/Cannot comment table to iceberg\.analytics_x\.accounts/))
    await rejects('carol', 'CREATE SCHEMA iceberg.scratch', denied(/^Access Denied: Cannot create schema iceberg\.scratch$/))
    await rejects('carol', 'DROP SCHEMA iceberg.banking', denied(/Cannot drop schema iceberg\.banking/))
    await rejects('carol', 'CREATE VIEW iceberg.banking.v AS SELECT 1 AS x', denied(/Cannot create view iceberg\.banking\.v/))
    assert.deepEqual(await g.q('alice', 'SELECT count(*) FROM transactions'), [[6]], 'nothing changed')
  })

  test('an engineer owns schemas and tables: the full life cycle works', async () => {
    await g.q('bob', 'CREATE SCHEMA iceberg.scratch')
    await g.q('bob', 'CREATE TABLE iceberg.scratch.t AS SELECT transaction_id, card_pan FROM iceberg.banking.transactions')
    await g.q('bob', "INSERT INTO iceberg.scratch.t VALUES (7, 'x')")
    await g.q('bob', 'ALTER TABLE iceberg.scratch.t ADD COLUMN note varchar')
    await g.q('bob', "COMMENT ON TABLE iceberg.scratch.t IS 'scratch'")
    await g.q('bob', "ALTER TABLE iceberg.scratch.t EXECUTE optimize")
    assert.deepEqual(await g.q('bob', 'SELECT count(*), max(card_pan) FROM iceberg.scratch.t'), [[7, 'x']])
    await g.q('bob', 'DROP TABLE iceberg.scratch.t')
    await g.q('bob', 'DROP SCHEMA iceberg.scratch')
  })

  test('read-only catalog access refuses writes even where table rules would grant them', async () => {
    // Stewards have SELECT on banking, and iceberg is read-only for them.
    await rejects('eve', "DELETE FROM transactions WHERE transaction_id = 1", denied(/Cannot delete from table/))
  })
})

describe('audit events', () => {
  test('a governed query: actor, tables, rule names without their expressions, rows streamed, duration', async () => {
    const r = await g.engine.execute("SELECT transaction_id, card_pan FROM transactions WHERE amount > 0", as('carol'))
    assert.equal((await allRows(r)).length, 3)
    const e = g.audit.of(r.queryId)
    assert.ok(e)
    assert.equal(e.kind, 'query')
    assert.equal(e.outcome, 'success')
    assert.equal(e.action, 'SELECT')
    assert.equal(e.actor, 'carol')
    assert.equal(e.source, 'engine')
    assert.equal(e.rows, 3)
    assert.equal(e.queryText, "SELECT transaction_id, card_pan FROM transactions WHERE amount > 0")
    assert.deepEqual(e.catalogs, ['iceberg'])
    assert.deepEqual(e.tables, ['iceberg.banking.transactions'])
    assert.deepEqual(e.rules, ['mask iceberg.banking.transactions.card_pan', 'mask iceberg.banking.transactions.customer_name', 'row_filter iceberg.banking.transactions'])
    assert.ok(!JSON.stringify(e).includes("'EU'") && !JSON.stringify(e).includes('substr'), 'no filter or mask expression in the event')
    assert.equal(typeof e.durationMs, 'number')
  })

  test('a denial, a catalog change, and a failure', async () => {
    const denial = await g.engine.execute('SELECT 1', as('dave')).then(async r => (await allRows(r), r.queryId))
    assert.equal(g.audit.of(denial)?.kind, 'query')
    await rejects('dave', 'SELECT * FROM transactions', { code: 'PERMISSION_DENIED' })
    const d = g.audit.list.at(-1)!
    assert.deepEqual([d.kind, d.outcome, d.actor, d.error?.code, d.tables], ['denial', 'denied', 'dave', 'PERMISSION_DENIED', ['iceberg.banking.transactions']])
    await g.q('bob', 'CREATE TABLE iceberg.banking.audit_probe (a bigint)')
    const c = g.audit.list.at(-1)!
    assert.deepEqual([c.kind, c.action, c.outcome, c.tables], ['catalog_change', 'CREATE TABLE', 'success', ['iceberg.banking.audit_probe']])
    await g.q('bob', 'DROP TABLE iceberg.banking.audit_probe')
    await rejects('bob', 'SELECT CAST(description AS bigint) FROM transactions', { code: 'INVALID_ARGUMENT' })
    const f = g.audit.list.at(-1)!
    assert.deepEqual([f.kind, f.outcome, f.error?.code], ['query', 'failure', 'INVALID_ARGUMENT'])
  })

  test('source, client address and impersonation come from the session; an abandoned stream is recorded with its rows so far', async () => {
    const r = await g.engine.execute('SELECT * FROM transactions', as('carol', { authenticatedUser: 'alice', auditSource: 'trino', remote: '10.0.0.7' }))
    for await (const _batch of r.rows) break
    const e = g.audit.of(r.queryId)!
    assert.deepEqual([e.actor, e.runAs, e.source, e.remote, e.rows, e.details], ['alice', 'carol', 'trino', '10.0.0.7', 3, { abandoned: true }])
  })

  test('system.audit.events: the trail as a table, with typed columns and pushed-down filters', async () => {
    await rejects('dave', 'SELECT * FROM transactions', { code: 'PERMISSION_DENIED' })
    const r = await g.engine.execute("SELECT kind, actor, outcome, tables, rules, rows, error_code FROM system.audit.events WHERE actor = 'dave' AND kind = 'denial' ORDER BY id DESC LIMIT 1", as('eve'))
    assert.deepEqual(r.columns.map(c => c.type), ['varchar', 'varchar', 'varchar', 'array(varchar)', 'array(varchar)', 'bigint', 'varchar'])
    assert.deepEqual(await allRows(r), [['denial', 'dave', 'denied', ['iceberg.banking.transactions'], [], null, 'PERMISSION_DENIED']])
    const described = await g.q('alice', 'DESCRIBE system.audit.events')
    assert.deepEqual(described.map(r => r[0]), ['id', 'time', 'kind', 'actor', 'run_as', 'outcome', 'action', 'source', 'query_id', 'query_text', 'catalogs', 'tables', 'rules', 'rows', 'duration_ms', 'error_code', 'error_message', 'remote', 'details'])
    assert.deepEqual(described.filter(r => ['time', 'catalogs', 'details'].includes(r[0] as string)).map(r => r[1]), ['timestamp(3) with time zone', 'array(varchar)', 'json'])
    const [row] = await g.q('alice', "SELECT details, json_extract_scalar(details, '$.abandoned') FROM system.audit.events WHERE details IS NOT NULL ORDER BY id DESC LIMIT 1")
    assert.deepEqual(row, ['{"abandoned":true}', 'true'])
  })
})
