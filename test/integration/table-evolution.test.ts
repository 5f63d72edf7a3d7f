import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { exprEq } from '../../src/storage/iceberg/expressions.js'
import { scanPlan, tableAppend, tableLoad, tableReadAll } from '../../src/storage/table/index.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const schema = {
  type: 'struct',
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'qty', required: false, type: 'int' },
  ],
}
let t: TestTables
before(async () => {
  t = await openTestTables()
  await t.catalog.createNamespace(['evo'])
})
after(async () => t.close())

test('partition evolution: files written under two specs are read together and pruned by each spec', async () => {
  const ident = { namespace: ['evo'], name: 'p' }
  await t.catalog.createTable(ident, { name: 'p', schema, 'partition-spec': { fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }] } })
  await tableAppend(t, ident, { sql: `SELECT i::BIGINT AS id, ['EU','US'][(i % 2) + 1] AS region, i::INT AS qty FROM range(100) t(i)` })
  // evolve: partition by bucket(id, 4) instead of region
  await t.catalog.commitTable(ident, [{ type: 'assert-default-spec-id', 'default-spec-id': 0 }], [
    { action: 'add-spec', spec: { fields: [{ 'source-id': 1, name: 'id_bucket', transform: 'bucket[4]' }] } },
    { action: 'set-default-spec', 'spec-id': -1 },
  ])
  await tableAppend(t, ident, { sql: `SELECT (100 + i)::BIGINT AS id, ['EU','US'][(i % 2) + 1] AS region, i::INT AS qty FROM range(100) t(i)` })
  const state = await tableLoad(t, ident)
  assert.equal(state.metadata['partition-specs'].length, 2)
  const plan = await scanPlan(t, state.metadata)
  assert.deepEqual([...new Set(plan.tasks.map(x => x.dataFile.spec_id))].sort(), [0, 1])
  assert.equal(plan.tasks.length, 2 + 4)
  const rows = await tableReadAll(t, ident)
  assert.equal(rows.length, 200)
  assert.equal(new Set(rows.map(r => r.id)).size, 200)
  // region = 'EU' prunes the old spec's US file but must keep every new-spec file (they are not partitioned by region)
  const eu = await scanPlan(t, state.metadata, { filter: exprEq('region', 'EU') })
  assert.equal(eu.tasks.filter(x => x.dataFile.spec_id === 0).length, 1)
  assert.equal((await tableReadAll(t, ident, { filter: exprEq('region', 'EU') })).filter(r => r.region === 'EU').length, 100)
  // id = 150 prunes by the new spec's bucket
  const one = await scanPlan(t, state.metadata, { filter: exprEq('id', 150) })
  assert.equal(one.tasks.filter(x => x.dataFile.spec_id === 1).length, 1)
})

test('branches and tags: a tag keeps its snapshot readable while main moves on', async () => {
  const ident = { namespace: ['evo'], name: 'refs' }
  await t.catalog.createTable(ident, { name: 'refs', schema })
  const first = await tableAppend(t, ident, { sql: `SELECT 1::BIGINT AS id, 'EU' AS region, 1 AS qty` })
  assert.ok(first)
  await t.catalog.commitTable(ident, [], [{ action: 'set-snapshot-ref', 'ref-name': 'v1', type: 'tag', 'snapshot-id': first.snapshot['snapshot-id'] }])
  await tableAppend(t, ident, { sql: `SELECT 2::BIGINT AS id, 'US' AS region, 2 AS qty` })
  assert.equal((await tableReadAll(t, ident)).length, 2)
  assert.equal((await tableReadAll(t, ident, { ref: 'v1' })).length, 1)
  await assert.rejects(tableReadAll(t, ident, { ref: 'nope' }), { code: 'SNAPSHOT_NOT_FOUND' })
  await assert.rejects(tableReadAll(t, ident, { snapshotId: 42n }), { code: 'SNAPSHOT_NOT_FOUND' })
  await assert.rejects(tableReadAll(t, ident, { asOfMs: 1000 }), { code: 'SNAPSHOT_NOT_FOUND' })
})

test('type promotion: int widened to long reads old files', async () => {
  const ident = { namespace: ['evo'], name: 'promo' }
  await t.catalog.createTable(ident, { name: 'promo', schema })
  await tableAppend(t, ident, { sql: `SELECT 1::BIGINT AS id, 'EU' AS region, 2147483647::INT AS qty` })
  const { metadata } = await tableLoad(t, ident)
  const s0 = metadata.schemas[0]!
  const s1 = { ...s0, fields: s0.fields.map(f => (f.name === 'qty' ? { ...f, type: 'long' } : f)) }
  await t.catalog.commitTable(ident, [], [{ action: 'add-schema', schema: s1 }, { action: 'set-current-schema', 'schema-id': -1 }])
  await tableAppend(t, ident, { sql: `SELECT 2::BIGINT AS id, 'EU' AS region, 9000000000::BIGINT AS qty` })
  const rows = await tableReadAll(t, ident, { orderBy: 'id' })
  assert.deepEqual(rows.map(r => r.qty), [2147483647n, 9000000000n])
})
