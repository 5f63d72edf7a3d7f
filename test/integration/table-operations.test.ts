import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TableIdent } from '../../src/storage/metastore/metastore.js'
import { exprEq, exprGtEq } from '../../src/storage/iceberg/expressions.js'
import {
  dataFilesRewrite, manifestsRewrite, orphanFilesRemove, scanPlan, snapshotsExpire,
  tableAppend, tableDelete, tableLoad, tableOverwrite, tableReadAll, tableRowChanges,
} from '../../src/storage/table/index.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'amount', required: false, type: 'decimal(12,2)' },
  ],
}
const rowsSql = (from: number, to: number) =>
  `SELECT i::BIGINT AS id, ['EU','US','APAC','LATAM'][(i % 4) + 1] AS region,
          (TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_hours(i % 96)) AS ts, (i * 1.25)::DECIMAL(12,2) AS amount
   FROM range(${from}, ${to}) t(i)`


function sum(rows: Record<string, unknown>[], col: string): number {
  return rows.reduce((a, r) => a + Number(r[col]), 0)
}

describe('Iceberg table operations (PGlite + local disk)', () => {
  let t: TestTables
  const ns = ['ops']
  before(async () => {
    t = await openTestTables()
    await t.catalog.createNamespace(ns)
  })
  after(async () => t.close())

  test('append, read, delete with position deletes, time travel', async () => {
    const ident = { namespace: ns, name: 'tx' }
    await t.catalog.createTable(ident, { name: 'tx', schema, 'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }, { 'source-id': 3, 'field-id': 1001, name: 'ts_day', transform: 'day' }] } })
    const first = await tableAppend(t, ident, { sql: rowsSql(0, 1000) })
    assert.ok(first)
    assert.equal(first.rows, 1000)
    assert.equal(first.snapshot.summary.operation, 'append')
    assert.equal(first.snapshot.summary['total-records'], '1000')
    const all = await tableReadAll(t, ident)
    assert.equal(all.length, 1000)
    assert.equal(sum(all, 'id'), (999 * 1000) / 2)

    // 4 regions x 4 days: 16 partitions, each its own data file
    const plan = await scanPlan(t, first.metadata)
    assert.equal(plan.tasks.length, 16)
    const eu = await scanPlan(t, first.metadata, { filter: exprEq('region', 'EU') })
    assert.equal(eu.tasks.length, 4, 'only the EU partitions remain after pruning')
    assert.equal(eu.metrics.dataFilesPruned, 12)

    const del = await tableDelete(t, ident, { sql: 'id % 10 = 0' })
    assert.ok(del)
    assert.equal(del.rows, 100)
    assert.equal(del.snapshot.summary.operation, 'delete')
    const afterDelete = await tableReadAll(t, ident)
    assert.equal(afterDelete.length, 900)
    assert.ok(afterDelete.every(r => Number(r.id) % 10 !== 0))
    const planAfter = await scanPlan(t, del.metadata)
    assert.ok(planAfter.tasks.some(task => task.deletes.length > 0), 'partial deletes are position delete files')

    const old = await tableReadAll(t, ident, { snapshotId: first.snapshot['snapshot-id'] })
    assert.equal(old.length, 1000, 'time travel by snapshot id sees the rows before the delete')
    const byTime = await tableReadAll(t, ident, { asOfMs: first.snapshot['timestamp-ms'] })
    assert.equal(byTime.length, 1000, 'time travel by timestamp')
  })

  test('a data file whose rows are all deleted is removed, not masked', async () => {
    const ident = { namespace: ns, name: 'whole' }
    await t.catalog.createTable(ident, { name: 'whole', schema, 'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }] } })
    await tableAppend(t, ident, { sql: rowsSql(0, 400) })
    const res = await tableDelete(t, ident, { sql: `region = 'EU'`, filter: exprEq('region', 'EU') })
    assert.ok(res)
    assert.equal(res.rows, 100)
    assert.equal(res.snapshot.summary['deleted-data-files'], '1')
    assert.equal(res.snapshot.summary['added-delete-files'], undefined)
    const rows = await tableReadAll(t, ident)
    assert.equal(rows.length, 300)
  })

  test('update through row-level changes and overwrite by predicate', async () => {
    const ident = { namespace: ns, name: 'upd' }
    await t.catalog.createTable(ident, { name: 'upd', schema })
    await tableAppend(t, ident, { sql: rowsSql(0, 100) })
    const upd = await tableRowChanges(t, ident, target => ({
      deletes: `SELECT _file, _pos FROM ${target} WHERE id < 10`,
      inserts: `SELECT id, 'UPDATED' AS region, ts, amount FROM ${target} WHERE id < 10`,
    }))
    assert.ok(upd)
    assert.equal(upd.snapshot.summary.operation, 'overwrite')
    let rows = await tableReadAll(t, ident, { orderBy: 'id' })
    assert.equal(rows.length, 100)
    assert.equal(rows.filter(r => r.region === 'UPDATED').length, 10)

    await tableOverwrite(t, ident, { sql: `SELECT 1000::BIGINT AS id, 'NEW' AS region, NULL::TIMESTAMPTZ AS ts, 1.50::DECIMAL(12,2) AS amount` }, { sql: `id >= 50`, filter: exprGtEq('id', 50) })
    rows = await tableReadAll(t, ident, { orderBy: 'id' })
    assert.equal(rows.length, 51)
    assert.equal(rows.at(-1)?.id, 1000n)

    const replaced = await tableOverwrite(t, ident, { sql: rowsSql(0, 5) })
    assert.ok(replaced)
    rows = await tableReadAll(t, ident)
    assert.equal(rows.length, 5)
  })

  test('schema evolution: renamed and added columns read by field id', async () => {
    const ident = { namespace: ns, name: 'evo' }
    const created = await t.catalog.createTable(ident, { name: 'evo', schema })
    await tableAppend(t, ident, { sql: rowsSql(0, 10) })
    const cur = await tableLoad(t, ident)
    const s0 = cur.metadata.schemas[0]!
    const s1 = {
      ...s0, 'schema-id': 1,
      fields: [...s0.fields.map(f => (f.name === 'region' ? { ...f, name: 'area' } : f)), { id: 5, name: 'note', required: false, type: 'string' }],
    }
    void created
    await t.catalog.commitTable(ident, [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }], [{ action: 'add-schema', schema: s1 }, { action: 'set-current-schema', 'schema-id': -1 }])
    await tableAppend(t, ident, { sql: `SELECT 100::BIGINT AS id, 'EU' AS area, NULL::TIMESTAMPTZ AS ts, 1::DECIMAL(12,2) AS amount, 'hello' AS note` })
    const rows = await tableReadAll(t, ident, { orderBy: 'id' })
    assert.equal(rows.length, 11)
    assert.equal(rows[0]?.area, 'EU', 'the renamed column reads old files by field id')
    assert.equal(rows[0]?.note, null, 'a column added later reads as NULL from older files')
    assert.equal(rows[10]?.note, 'hello')
  })

  test('8 concurrent writers x 50 appends: 400 snapshots, no lost or duplicate row', async () => {
    const ident = { namespace: ns, name: 'race' }
    await t.catalog.createTable(ident, { name: 'race', schema })
    const writers = Array.from({ length: 8 }, (_, w) => (async () => {
      for (let i = 0; i < 50; i++) {
        const id = w * 1000 + i
        await tableAppend(t, ident, { sql: `SELECT ${id}::BIGINT AS id, 'w${w}' AS region, NULL::TIMESTAMPTZ AS ts, NULL::DECIMAL(12,2) AS amount` })
      }
    })())
    await Promise.all(writers)
    const state = await tableLoad(t, ident)
    assert.equal(state.metadata.snapshots.length, 400)
    assert.equal(state.metadata['last-sequence-number'], 400)
    const rows = await tableReadAll(t, ident)
    assert.equal(rows.length, 400)
    assert.equal(new Set(rows.map(r => r.id)).size, 400, 'no duplicate')
  })

  test('maintenance: compaction, manifest rewrite, snapshot expiry and orphan removal keep every row', async () => {
    const ident = { namespace: ns, name: 'maint' }
    await t.catalog.createTable(ident, { name: 'maint', schema, 'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }] } })
    for (let i = 0; i < 5; i++) await tableAppend(t, ident, { sql: rowsSql(i * 100, (i + 1) * 100) })
    await tableDelete(t, ident, { sql: 'id % 7 = 0' })
    const expected = (await tableReadAll(t, ident)).map(r => Number(r.id)).sort((a, b) => a - b)
    const before = await tableLoad(t, ident)
    assert.equal((await scanPlan(t, before.metadata)).tasks.length, 20)

    const compacted = await dataFilesRewrite(t, ident)
    assert.equal(compacted.rewritten, 20)
    assert.equal(compacted.added, 4)
    const afterCompaction = await tableLoad(t, ident)
    const plan = await scanPlan(t, afterCompaction.metadata)
    assert.equal(plan.tasks.length, 4)
    assert.ok(plan.tasks.every(task => task.deletes.length === 0), 'deletes were applied and dropped')
    assert.equal(afterCompaction.metadata.snapshots.at(-1)?.summary.operation, 'replace')

    const rewritten = await manifestsRewrite(t, ident)
    assert.ok(rewritten)
    assert.deepEqual((await tableReadAll(t, ident)).map(r => Number(r.id)).sort((a, b) => a - b), expected)

    const oldFile = plan.tasks[0]!.dataFile.file_path
    const beforeExpire = await tableLoad(t, ident)
    const firstData = (await scanPlan(t, beforeExpire.metadata, { snapshotId: beforeExpire.metadata.snapshots[0]!['snapshot-id'] })).tasks[0]!.dataFile.file_path
    const exp = await snapshotsExpire(t, ident, { olderThanMs: Date.now() + 1, retainLast: 1 })
    assert.equal(exp.expiredSnapshots.length, beforeExpire.metadata.snapshots.length - 1)
    assert.ok(exp.deletedFiles > 0)
    assert.equal(existsSync(fileURLToPath(new URL(firstData.startsWith('file:') ? firstData : `file://${firstData}`))), false, 'a file only expired snapshots used is deleted')
    assert.equal(existsSync(fileURLToPath(new URL(oldFile.startsWith('file:') ? oldFile : `file://${oldFile}`))), true, 'a live file is kept')
    assert.deepEqual((await tableReadAll(t, ident)).map(r => Number(r.id)).sort((a, b) => a - b), expected)

    const orphans = await orphanFilesRemove(t, ident, { olderThanMs: Date.now() + 1 })
    assert.deepEqual(orphans.orphans, [], 'nothing unreferenced after expiry')
    assert.deepEqual((await tableReadAll(t, ident)).map(r => Number(r.id)).sort((a, b) => a - b), expected)
  })
})
