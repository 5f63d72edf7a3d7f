import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { manifestListRead } from '../../src/storage/iceberg/manifest-list.js'
import { scanPlan, tableAppend, tableLoad, tableReadAll } from '../../src/storage/table/index.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const schema = { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }] }
const path = (location: string) => (location.startsWith('file:') ? fileURLToPath(location) : location)
let t: TestTables

before(async () => {
  t = await openTestTables()
  await t.catalog.createNamespace(['bad'])
})
after(async () => t.close())

async function freshTable(name: string) {
  const ident = { namespace: ['bad'], name }
  await t.catalog.createTable(ident, { name, schema })
  await tableAppend(t, ident, { sql: 'SELECT i::BIGINT AS id FROM range(100) t(i)' })
  return { ident, state: await tableLoad(t, ident) }
}

test('a truncated Parquet data file is a CORRUPT_FILE error naming the file, and the table is unchanged', async () => {
  const { ident, state } = await freshTable('trunc_parquet')
  const file = (await scanPlan(t, state.metadata)).tasks[0]!.dataFile.file_path
  const bytes = readFileSync(path(file))
  writeFileSync(path(file), bytes.subarray(0, Math.floor(bytes.length / 2)))
  await assert.rejects(tableReadAll(t, ident), (e: any) => e.code === 'CORRUPT_FILE' && /parquet/i.test(e.message))
  assert.equal((await tableLoad(t, ident)).metadataLocation, state.metadataLocation)
})

test('a missing data file is FILE_NOT_FOUND', async () => {
  const { ident, state } = await freshTable('missing_parquet')
  const file = (await scanPlan(t, state.metadata)).tasks[0]!.dataFile.file_path
  rmSync(path(file))
  await assert.rejects(tableReadAll(t, ident), (e: any) => e.code === 'FILE_NOT_FOUND')
})

test('a truncated Avro manifest is CORRUPT_FILE; a commit on top of it fails and changes nothing', async () => {
  const { ident, state } = await freshTable('trunc_avro')
  const snap = state.metadata.snapshots[0]!
  const [mf] = await manifestListRead(t.store, snap['manifest-list'])
  const bytes = readFileSync(path(mf!.manifest_path))
  writeFileSync(path(mf!.manifest_path), bytes.subarray(0, Math.floor(bytes.length / 2)))
  await assert.rejects(tableReadAll(t, ident), (e: any) => e.code === 'CORRUPT_FILE')
  const list = readFileSync(path(snap['manifest-list']))
  writeFileSync(path(snap['manifest-list']), list.subarray(0, 20))
  await assert.rejects(tableAppend(t, ident, { sql: 'SELECT 1::BIGINT AS id' }), (e: any) => e.code === 'CORRUPT_FILE')
  assert.equal((await tableLoad(t, ident)).metadataLocation, state.metadataLocation)
})

test('rows that do not fit the schema are refused before anything is committed', async () => {
  const { ident, state } = await freshTable('bad_rows')
  await assert.rejects(tableAppend(t, ident, { sql: `SELECT NULL::BIGINT AS id` }), (e: any) => ['INVALID_ARGUMENT', 'CONSTRAINT_VIOLATION'].includes(e.code))
  await assert.rejects(tableAppend(t, ident, { sql: `SELECT 1::BIGINT AS id, 'x' AS nope` }), (e: any) => e.code === 'COLUMN_NOT_FOUND')
  await assert.rejects(tableAppend(t, ident, { sql: `SELECT 'abc' AS id` }), (e: any) => e.code === 'INVALID_ARGUMENT')
  assert.equal((await tableLoad(t, ident)).metadataLocation, state.metadataLocation)
  assert.equal((await tableReadAll(t, ident)).length, 100)
})
