import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { Secret } from '../../src/core/index.js'
import { loadFiles } from '../../src/ingest/loaders/index.js'
import { S3ObjectStore, tableReadAll } from '../../src/storage/index.js'
import { tmpHome } from '../support/paths.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

let server: S3TestServer
let t: TestTables
let home: string

before(async () => {
  server = await startS3Server({ buckets: ['akko-wh', 'landing'] })
  home = tmpHome('akko-loaders-s3-')
  const store = new S3ObjectStore({
    root: 's3://akko-wh/warehouse',
    s3: { endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: new Secret(server.secretAccessKey), pathStyle: true },
    cacheDir: join(home, 'cache', 's3'),
    scratchDir: join(home, 'tmp'),
  })
  t = await openTestTables({ store, home })
})
after(async () => {
  await t?.close()
  await t?.store.close()
  await server?.stop()
  if (home) rmSync(home, { recursive: true, force: true })
})

test('files in another bucket load into a table whose warehouse is on S3', async () => {
  await t.store.put('s3://landing/in/orders.csv', new TextEncoder().encode('id,amount\n1,2.50\n2,x\n3,4\n'))
  await t.store.put('s3://landing/in/more.jsonl', new TextEncoder().encode('{"id": 4, "amount": 5}\n'))
  await t.catalog.createNamespace(['landing'])
  await t.catalog.createTable({ namespace: ['landing'], name: 'orders' }, { name: 'orders', schema: { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'amount', required: false, type: 'decimal(12, 2)' }] } })
  await assert.rejects(loadFiles(t, { table: 'landing.orders', files: ['s3://landing/in/orders.csv'] }), /s3:\/\/landing\/in\/orders\.csv row 2: column amount: 'x'/)
  const r = await loadFiles(t, { table: 'landing.orders', files: ['s3://landing/in/orders.csv'], onBadRows: 'skip' })
  assert.deepEqual([r.rows, r.badRows[0]?.row], [2, 2])
  const inferred = await loadFiles(t, { table: 'landing.inferred', files: ['s3://landing/in/orders.csv'], create: true })
  assert.deepEqual([inferred.created, inferred.rows], [true, 3])
  const more = await loadFiles(t, { table: 'landing.orders', files: ['s3://landing/in/more.jsonl'] })
  assert.equal(more.rows, 1)
  const rows = await tableReadAll(t, { namespace: ['landing'], name: 'orders' }, { orderBy: 'id' })
  assert.deepEqual(rows.map(x => x.id), [1n, 3n, 4n])
  const { metadataLocation } = await t.catalog.loadTable({ namespace: ['landing'], name: 'orders' })
  assert.match(metadataLocation, /^s3:\/\/akko-wh\/warehouse\//)
})
