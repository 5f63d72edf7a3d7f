import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AkkoError } from '../../core/index.js'
import { demoRulesPath } from './demo.js'
import { tagSourceStatic, type Identity } from './policy.js'
import { rulesLoadFile, rulesParse } from './rules-file.js'
import { RulesPolicy, rulesPolicyProvider } from './rules-policy.js'

const who = (user: string, roles: string[] = [], groups: string[] = []): Identity => ({ user, roles, groups })
const policy = (doc: unknown, id: Identity) => new RulesPolicy(rulesParse(doc), id)
const privs = (p: RulesPolicy, c: string, s: string, t: string) => [...p.tablePrivileges(c, s, t)].sort()

describe('matching', () => {
  test('first matching table rule wins, even when a later one grants more', () => {
    const doc = { tables: [{ table: 'secret', privileges: [] }, { privileges: ['SELECT', 'INSERT'] }] }
    const p = policy(doc, who('u'))
    assert.deepEqual(privs(p, 'iceberg', 's', 'secret'), [])
    assert.deepEqual(privs(p, 'iceberg', 's', 'open'), ['INSERT', 'SELECT'])
  })

  test('user, role and group patterns match the whole string; role and group match any member', () => {
    const doc = {
      tables: [
        { user: 'ali', privileges: ['DELETE'] },
        { user: 'ali.*', role: 'analyst', privileges: ['UPDATE'] },
        { group: 'finance|ops', privileges: ['INSERT'] },
        { role: 'viewer', privileges: ['SELECT'] },
      ],
    }
    assert.deepEqual(privs(policy(doc, who('alice', ['x', 'analyst'])), 'c', 's', 't'), ['UPDATE'])
    assert.deepEqual(privs(policy(doc, who('ali')), 'c', 's', 't'), ['DELETE'])
    // "ali" as a pattern does not match "malice" (no substring matching).
    assert.deepEqual(privs(policy(doc, who('malice', ['viewer'])), 'c', 's', 't'), ['SELECT'])
    assert.deepEqual(privs(policy(doc, who('bob', ['viewer'], ['ops'])), 'c', 's', 't'), ['INSERT'])
    assert.deepEqual(privs(policy(doc, who('bob', [], ['financeX'])), 'c', 's', 't'), [])
  })

  test('catalog, schema and table patterns; names are compared lower-cased', () => {
    const doc = { tables: [{ catalog: 'iceberg', schema: 'bank.*', table: 'cards', privileges: ['SELECT'] }] }
    const p = policy(doc, who('u'))
    assert.deepEqual(privs(p, 'ICEBERG', 'Banking', 'CARDS'), ['SELECT'])
    assert.deepEqual(privs(p, 'iceberg', 'banking', 'cards2'), [])
    assert.deepEqual(privs(p, 'postgresql', 'banking', 'cards'), [])
  })

  test('defaults: absent sections allow, empty lists deny, no match denies', () => {
    const open = policy({}, who('u'))
    assert.equal(open.catalogAccess('any'), 'all')
    assert.equal(privs(open, 'c', 's', 't').length, 6)
    assert.equal(open.schemaVisible('c', 's'), true)
    assert.equal(open.canImpersonate('other'), false, 'impersonation absent denies')
    assert.equal(open.canImpersonate('u'), true, 'anyone may act as themselves')
    assert.equal(open.canAccessSystemInformation('read'), false, 'system_information absent denies')
    assert.equal(open.canQuery('execute'), true)
    const closed = policy({ catalogs: [], tables: [] }, who('u'))
    assert.equal(closed.catalogAccess('iceberg'), 'none')
    assert.equal(closed.catalogAccess('system'), 'read-only', 'system stays readable unless a rule says otherwise')
    assert.deepEqual(privs(closed, 'system', 's', 't'), [])
  })

  test('read-only catalogs drop write privileges; none hides everything', () => {
    const doc = { catalogs: [{ catalog: 'ro', allow: 'read-only' }, { catalog: 'rw', allow: 'all' }] }
    const p = policy(doc, who('u'))
    assert.deepEqual(privs(p, 'ro', 's', 't'), ['GRANT_SELECT', 'SELECT'])
    assert.throws(() => p.checkTable('ro', 's', 't', 'INSERT'), /^AkkoError: Access Denied: Cannot insert into table ro\.s\.t$/)
    assert.equal(p.schemaVisible('other', 's'), false)
    assert.deepEqual(p.filterCatalogs(['ro', 'rw', 'other']), ['ro', 'rw'])
  })

  test('schemas are visible to owners or when some table in them carries a privilege', () => {
    const doc = {
      schemas: [{ user: 'owner', owner: true }],
      tables: [{ schema: 'hidden', privileges: [] }, { schema: 'part', table: 'a', privileges: [] }, { schema: 'part|open', privileges: ['SELECT'] }],
    }
    const p = policy(doc, who('u'))
    assert.deepEqual(p.filterSchemas('c', ['hidden', 'part', 'open', 'elsewhere', 'information_schema']), ['part', 'open', 'information_schema'])
    assert.deepEqual(p.filterTables('c', 'part', ['a', 'b']), ['b'])
    assert.equal(policy(doc, who('owner')).schemaVisible('c', 'hidden'), true)
  })

  test('checkTable throws PERMISSION_DENIED in Trino\'s message shape', () => {
    const p = policy({ tables: [] }, who('u'))
    assert.throws(() => p.checkTable('c', 's', 't', 'SELECT'), (e: unknown) => {
      assert.ok(e instanceof AkkoError)
      assert.equal(e.code, 'PERMISSION_DENIED')
      assert.equal(e.message, 'Access Denied: Cannot select from table c.s.t')
      assert.deepEqual(e.details, { table: 'c.s.t', privilege: 'SELECT' })
      return true
    })
  })

  test('impersonation: original_user groups feed new_user, first match decides', () => {
    const doc = {
      impersonation: [
        { original_user: 'svc-(.*)', new_user: '$1', allow: true },
        { original_role: 'admin', new_user: 'root', allow: false },
        { original_role: 'admin', new_user: '.*' },
      ],
    }
    assert.equal(policy(doc, who('svc-etl')).canImpersonate('etl'), true)
    assert.equal(policy(doc, who('svc-etl')).canImpersonate('other'), false)
    assert.equal(policy(doc, who('svc-a.b')).canImpersonate('aXb'), false, 'captured text is literal, not a pattern')
    assert.equal(policy(doc, who('al', ['admin'])).canImpersonate('root'), false)
    assert.equal(policy(doc, who('al', ['admin'])).canImpersonate('bob'), true)
  })

  test('columns: deny, masks by name (case-insensitive) and by tag, first entry wins', () => {
    const doc = {
      tables: [
        {
          privileges: ['SELECT'],
          filter: 'owner = current_user',
          columns: [
            { name: 'SSN', allow: false },
            { name: 'email', mask: "'hidden'" },
            { tag: 'PII', mask: 'NULL' },
            { tag: 'secret', allow: false },
          ],
        },
      ],
    }
    const tags = tagSourceStatic({ 'c.s.t': { email: ['PII'], phone: ['pii'], Token: ['secret'] } })
    const p = new RulesPolicy(rulesParse(doc), who('u'), tags)
    const cols = p.columns('c', 's', 't', ['id', 'ssn', 'email', { name: 'phone', type: 'varchar' }, 'token'])
    assert.deepEqual(cols.visible, ['id', 'email', 'phone'])
    assert.deepEqual(cols.denied, ['ssn', 'token'])
    assert.deepEqual([...cols.masks], [['email', "'hidden'"], ['phone', 'NULL']])
    assert.equal(p.rowFilter('c', 's', 't'), 'owner = current_user')
    // Without tags nothing is tag-masked.
    const untagged = policy(doc, who('u')).columns('c', 's', 't', ['phone'])
    assert.deepEqual([...untagged.masks], [])
    // Without SELECT every column is denied.
    assert.deepEqual(policy({ tables: [] }, who('u')).columns('c', 's', 't', ['a']).denied, ['a'])
  })

  test('the provider caches one policy per identity and drops it when the rules change', () => {
    let rules = rulesParse({ tables: [] })
    const provider = rulesPolicyProvider(() => rules)
    const a = provider.policyFor(who('u', ['r1', 'r2']))
    assert.equal(provider.policyFor(who('u', ['r2', 'r1'])), a)
    assert.notEqual(provider.policyFor(who('v')), a)
    rules = rulesParse({})
    const b = provider.policyFor(who('u', ['r1', 'r2']))
    assert.notEqual(b, a)
    assert.equal(b.tablePrivileges('c', 's', 't').has('SELECT'), true)
  })
})

describe('demo rules per persona', () => {
  const rules = rulesLoadFile(demoRulesPath())
  const provider = rulesPolicyProvider(rules, { tags: tagSourceStatic({ 'iceberg.banking.customers': { phone: ['PII'] } }) })
  const alice = provider.policyFor(who('alice', ['akko-admin']))
  const bob = provider.policyFor(who('bob', ['akko-engineer']))
  const carol = provider.policyFor(who('carol', ['akko-analyst']))
  const dave = provider.policyFor(who('dave', ['akko-viewer']))
  const eve = provider.policyFor(who('eve', ['akko-steward']))
  const customerCols = ['customer_id', 'customer_name', 'email', 'phone', 'region']
  const PAN_MASK = "'************' || substr(card_pan, -4)"

  test('alice and bob see everything unmasked and unfiltered', () => {
    for (const p of [alice, bob]) {
      for (const t of ['transactions', 'customers', 'accounts', 'cards', 'merchants']) {
        assert.ok(p.tablePrivileges('iceberg', 'banking', t).has('SELECT'))
        assert.equal(p.rowFilter('iceberg', 'banking', t), undefined)
      }
      const c = p.columns('iceberg', 'banking', 'customers', customerCols)
      assert.deepEqual(c.visible, customerCols)
      assert.equal(c.masks.size, 0)
      assert.ok(p.tablePrivileges('iceberg', 'banking', 'transactions').has('INSERT'))
    }
    assert.equal(alice.canImpersonate('carol'), true)
    assert.equal(bob.canImpersonate('carol'), false)
    assert.ok(alice.tablePrivileges('system', 'audit', 'events').has('SELECT'))
    assert.equal(bob.tablePrivileges('system', 'audit', 'events').size, 0)
  })

  test('carol: region EU on transactions, customers, accounts; PAN and name masked; read-only', () => {
    for (const t of ['transactions', 'customers', 'accounts']) assert.equal(carol.rowFilter('iceberg', 'banking', t), "region = 'EU'")
    assert.equal(carol.rowFilter('iceberg', 'banking', 'merchants'), undefined)
    const c = carol.columns('iceberg', 'banking', 'customers', customerCols)
    assert.deepEqual(c.visible, customerCols)
    assert.deepEqual([...c.masks], [['customer_name', "'***'"], ['phone', 'NULL']])
    assert.equal(carol.columns('iceberg', 'banking', 'cards', ['card_id', 'card_pan']).masks.get('card_pan'), PAN_MASK)
    assert.throws(() => carol.checkTable('iceberg', 'banking', 'transactions', 'INSERT'), /Cannot insert into table iceberg\.banking\.transactions/)
    assert.equal(carol.catalogAccess('postgresql'), 'none')
    assert.equal(carol.tablePrivileges('system', 'audit', 'events').size, 0)
    // Granted more: the group lifts the region filter but keeps the masks.
    const global = provider.policyFor(who('carol', ['akko-analyst'], ['akko-all-regions']))
    assert.equal(global.rowFilter('iceberg', 'banking', 'transactions'), undefined)
    assert.equal(global.columns('iceberg', 'banking', 'cards', ['card_pan']).masks.get('card_pan'), PAN_MASK)
  })

  test('dave: only analytics schemas, active accounts only, email hashed', () => {
    assert.deepEqual(dave.filterSchemas('iceberg', ['banking', 'analytics', 'information_schema']), ['analytics', 'information_schema'])
    assert.throws(() => dave.checkTable('iceberg', 'banking', 'transactions', 'SELECT'), /Access Denied: Cannot select from table iceberg\.banking\.transactions/)
    assert.equal(dave.rowFilter('iceberg', 'analytics', 'dim_accounts'), "status = 'active'")
    assert.equal(dave.rowFilter('iceberg', 'analytics', 'fraud_by_region'), undefined)
    const c = dave.columns('iceberg', 'analytics', 'dim_customers', ['customer_name', 'email', 'region'])
    assert.deepEqual([...c.masks], [['customer_name', "'***'"], ['email', 'md5(email)']])
    // Carol is not a viewer: her email is shown.
    assert.equal(carol.columns('iceberg', 'analytics', 'dim_customers', ['email']).masks.size, 0)
  })

  test('eve: metadata tables and the audit trail, no raw rows', () => {
    assert.ok(eve.tablePrivileges('system', 'audit', 'events').has('SELECT'))
    assert.equal(eve.rowFilter('system', 'audit', 'events'), undefined)
    assert.equal(eve.rowFilter('iceberg', 'banking', 'transactions$snapshots'), undefined)
    assert.equal(eve.rowFilter('iceberg', 'banking', 'transactions'), 'false')
    assert.equal(eve.schemaVisible('iceberg', 'banking'), true, 'stewards browse the catalog')
    assert.equal(eve.columns('iceberg', 'banking', 'cards', ['card_pan']).masks.get('card_pan'), PAN_MASK)
    assert.equal(eve.canAccessSystemInformation('read'), true)
    assert.equal(eve.canAccessSystemInformation('write'), false)
  })

  test('explain names the deciding rules', () => {
    const x = carol.explainTable('iceberg', 'banking', 'customers', customerCols)
    assert.equal(x.catalogAccess, 'read-only')
    assert.equal(x.catalogRule, 1)
    assert.equal(rules.tables![x.tableRule!]!.filter, "region = 'EU'")
    assert.deepEqual(x.privileges, ['SELECT'])
    assert.equal(x.columns.rules.get('phone')?.tag, 'PII')
  })
})
