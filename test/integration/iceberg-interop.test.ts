/**
 * Interoperability with other engines, over a real S3-compatible server on loopback:
 * - tables written by Spark and the Iceberg Java API (../shared/fixtures/iceberg) are uploaded under their own
 *   `s3a://hyperparam-iceberg/…` bucket, registered through the REST `register` endpoint, and read with the
 *   figures the fixtures' README gives, at the current snapshot and at every earlier one;
 * - tables this platform writes to an S3 warehouse are read by `icebird`, an independent Iceberg reader, with
 *   exactly the rows the platform reads. icebird fetches `https://<bucket>.s3.amazonaws.com/<key>`; a fetch
 *   shim (the only stand-in here) sends those requests to the loopback S3 server instead.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { join } from 'node:path'
import { icebergRead } from 'icebird'
import { exprEq } from '../../src/storage/iceberg/expressions.js'
import { tableAppend, tableDelete, tableLoad, tableReadAll, type TableContext } from '../../src/storage/table/index.js'
import { sharedDir } from '../support/paths.js'
import { startTestPlatform, type TestPlatform } from '../support/platform.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

const FIXTURES = join(sharedDir(), 'fixtures', 'iceberg')

let s3: S3TestServer
let p: TestPlatform
let tables: TableContext
const realFetch = globalThis.fetch

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await realFetch(`${p.baseUrl}/iceberg${path}`, {
    method,
    headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

const round2 = (x: number) => Math.round(x * 100) / 100
const num = (v: unknown) => Number(v)

before(async () => {
  s3 = await startS3Server({ buckets: ['hyperparam-iceberg', 'warehouse'] })
  await s3.uploadDir('hyperparam-iceberg', 'spark/bunnies', join(FIXTURES, 'spark_bunnies'))
  await s3.uploadDir('hyperparam-iceberg', 'java/bunnies', join(FIXTURES, 'java_bunnies'))
  await s3.uploadDir('hyperparam-iceberg', 'spark/rename_column', join(FIXTURES, 'spark_rename_column'))
  p = await startTestPlatform({
    env: {
      AKKO_WAREHOUSE: 's3://warehouse/wh',
      AKKO_S3_ENDPOINT: s3.endpoint,
      AKKO_S3_REGION: s3.region,
      AKKO_S3_ACCESS_KEY_ID: s3.accessKeyId,
      AKKO_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AKKO_S3_PATH_STYLE: 'true',
    },
  })
  tables = p.platform.tables
  assert.equal((await rest('POST', '/v1/namespaces', { namespace: ['fixtures'] })).status, 200)
  for (const [name, loc] of [
    ['spark_bunnies', 's3a://hyperparam-iceberg/spark/bunnies/metadata/v5.metadata.json'],
    ['java_bunnies', 's3a://hyperparam-iceberg/java/bunnies/metadata/v5.metadata.json'],
    ['spark_rename_column', 's3a://hyperparam-iceberg/spark/rename_column/metadata/v3.metadata.json'],
  ]) {
    const r = await rest('POST', '/v1/namespaces/fixtures/register', { name, 'metadata-location': loc })
    assert.equal(r.status, 200, JSON.stringify(r.json))
  }
})

after(async () => {
  globalThis.fetch = realFetch
  await p?.stop()
  await s3?.stop()
})

/** Rows at each snapshot, oldest first. */
async function rowsPerSnapshot(name: string): Promise<number[]> {
  const ident = { namespace: ['fixtures'], name }
  const { metadata } = await tableLoad(tables, ident)
  const out: number[] = []
  for (const s of metadata.snapshots) out.push((await tableReadAll(tables, ident, { snapshotId: s['snapshot-id'] })).length)
  return out
}

describe('tables written by other engines, registered over REST from S3', () => {
  test('spark_bunnies: position deletes, copy-on-write, added column, sanitized Parquet names', async () => {
    const rows = await tableReadAll(tables, { namespace: ['fixtures'], name: 'spark_bunnies' })
    assert.equal(rows.length, 20)
    assert.equal(rows.reduce((a, r) => a + num(r['Popularity Rank']), 0), 230)
    assert.equal(rows.reduce((a, r) => a + num(r.breed_name_length), 0), 205)
    assert.ok(rows.every(r => r.breed_name_length !== null))
    assert.equal(round2(rows.reduce((a, r) => a + num(r['Average Weight']), 0)), 51.4)
    assert.ok(!rows.some(r => r['Breed Name'] === 'Holland Lop'))
    assert.deepEqual(await rowsPerSnapshot('spark_bunnies'), [21, 20, 20])
  })

  test('java_bunnies: equality delete at the same sequence number as a re-insert, added boolean column', async () => {
    const rows = await tableReadAll(tables, { namespace: ['fixtures'], name: 'java_bunnies' })
    assert.equal(rows.length, 15)
    const nz = rows.filter(r => r['Breed Name'] === 'New Zealand')
    assert.equal(nz.length, 1)
    assert.equal(num(nz[0]!['Popularity Rank']), 0)
    assert.equal(nz[0]!.__happy__, true)
    assert.equal(rows.filter(r => r.__happy__ !== null).length, 1)
    assert.equal(rows.reduce((a, r) => a + num(r['Popularity Rank']), 0), 173)
    assert.equal(round2(rows.reduce((a, r) => a + num(r['Average Weight']), 0)), 35.6)
    assert.deepEqual(await rowsPerSnapshot('java_bunnies'), [21, 15, 15])
  })

  test('spark_rename_column: bucket + identity partitions with a NULL value, renamed column, decimal', async () => {
    const ident = { namespace: ['fixtures'], name: 'spark_rename_column' }
    const rows = await tableReadAll(tables, ident, { orderBy: 'id' })
    assert.deepEqual(rows.map(r => num(r.id)), [1, 2, 3, 4])
    assert.equal(rows.reduce((a, r) => a + Number(String(r.price)), 0).toFixed(2), '100000004.98')
    assert.equal(rows.filter(r => r.event_date !== null).length, 3)
    // pruning by the renamed column's identity partition keeps only matching files
    const one = await tableReadAll(tables, ident, { filter: exprEq('id', 3) })
    assert.deepEqual(one.filter(r => num(r.id) === 3).length, 1)
  })

  test('a missing metadata file and an invalid one are refused and register nothing', async () => {
    const missing = await rest('POST', '/v1/namespaces/fixtures/register', { name: 'nope', 'metadata-location': 's3a://hyperparam-iceberg/spark/bunnies/metadata/v99.metadata.json' })
    assert.equal(missing.status, 404)
    const bad = await rest('POST', '/v1/namespaces/fixtures/register', { name: 'nope', 'metadata-location': 's3a://hyperparam-iceberg/spark/bunnies/metadata/snap-469881615898633426-1-ac75cc9f-cc0c-4712-8337-fe4b0c473459.avro' })
    assert.equal(bad.status, 400)
    assert.equal((await rest('HEAD', '/v1/namespaces/fixtures/tables/nope')).status, 404)
  })
})

describe('tables this platform writes, read by icebird', () => {
  before(() => {
    // icebird addresses objects virtual-host style on AWS; route those URLs to the loopback server.
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const m = /^https:\/\/([^.]+)\.s3\.amazonaws\.com(\/.*)$/.exec(url)
      return realFetch(m ? `${s3.endpoint}/${m[1]}${m[2]}` : input, init)
    }) as typeof fetch
  })

  const schema = {
    type: 'struct',
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'region', required: false, type: 'string' },
      { id: 3, name: 'ts', required: false, type: 'timestamptz' },
      { id: 4, name: 'amount', required: false, type: 'double' },
      { id: 5, name: 'flag', required: false, type: 'boolean' },
    ],
  }
  const source = (from: number, to: number) => `SELECT i::BIGINT AS id, ['EU','US','APAC'][(i % 3) + 1] AS region,
    TIMESTAMPTZ '2026-03-01 00:00:00+00' + to_hours(i * 7) AS ts, i * 0.5 AS amount, i % 2 = 0 AS flag FROM range(${from}, ${to}) t(i)`

  /** The platform's rows and icebird's rows of the same table, normalized for comparison and sorted by id. */
  async function bothReads(name: string) {
    const ident = { namespace: ['written'], name }
    const state = await tableLoad(tables, ident)
    const ours = (await tableReadAll(tables, ident, { orderBy: 'id' })).map(r => normalize(r))
    const loc = state.metadataLocation
    const theirs = (await icebergRead({ tableUrl: state.metadata.location, metadataFileName: loc.slice(loc.lastIndexOf('/') + 1) }))
      .map(r => normalize(r))
      .sort((a, b) => Number(a.id) - Number(b.id))
    return { ours, theirs }
  }

  function normalize(r: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(r)) {
      if (v === undefined || v === null) out[k] = null
      else if (v instanceof Date) out[k] = v.getTime()
      else if (typeof v === 'object' && v !== null && 'micros' in v) out[k] = Number((v as { micros: bigint }).micros / 1000n)
      else if (typeof v === 'bigint') out[k] = Number(v)
      else out[k] = v
    }
    return out
  }

  for (const [name, spec] of [
    ['unpartitioned', undefined],
    ['by_region', [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }]],
    ['by_bucket', [{ 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[4]' }]],
    ['by_day', [{ 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'day' }]],
  ] as const) {
    test(`${name}: appends and a row-level delete read the same in icebird`, async () => {
      if (name === 'unpartitioned') assert.equal((await rest('POST', '/v1/namespaces', { namespace: ['written'] })).status, 200)
      const ident = { namespace: ['written'], name }
      const created = await rest('POST', '/v1/namespaces/written/tables', { name, schema, ...(spec ? { 'partition-spec': { fields: spec } } : {}) })
      assert.equal(created.status, 200, JSON.stringify(created.json))
      await tableAppend(tables, ident, { sql: source(0, 300) })
      await tableAppend(tables, ident, { sql: source(300, 400) })
      await tableDelete(tables, ident, { sql: 'id % 5 = 1' })
      const { ours, theirs } = await bothReads(name)
      assert.equal(ours.length, 320)
      assert.deepEqual(theirs, ours)
    })
  }

  test('after schema evolution (rename + added column) icebird reads the same rows', async () => {
    const ident = { namespace: ['written'], name: 'unpartitioned' }
    const { metadata } = await tableLoad(tables, ident)
    const s0 = metadata.schemas.find(s => s['schema-id'] === metadata['current-schema-id'])!
    const s1 = { ...s0, fields: [...s0.fields.map(f => (f.name === 'amount' ? { ...f, name: 'value' } : f)), { id: 6, name: 'note', required: false, type: 'string' }] }
    const r = await rest('POST', '/v1/namespaces/written/tables/unpartitioned', {
      requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': s0['schema-id'] }],
      updates: [{ action: 'add-schema', schema: s1 }, { action: 'set-current-schema', 'schema-id': -1 }],
    })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    await tableAppend(tables, ident, { sql: `SELECT 1000::BIGINT AS id, 'EU' AS region, NULL::TIMESTAMPTZ AS ts, 2.5 AS value, true AS flag, 'late' AS note` })
    const { ours, theirs } = await bothReads('unpartitioned')
    assert.equal(ours.length, 321)
    assert.equal(ours.at(-1)?.note, 'late')
    assert.equal(ours[0]?.value, 0)
    assert.deepEqual(theirs, ours)
  })
})

describe('SQL DML through the engine writes valid Iceberg (icebird reads the same rows)', () => {
  test('INSERT → UPDATE → MERGE → DELETE, checked after each statement', async () => {
    const engine = p.platform.engine!
    const session = { user: 'alice', roles: ['akko-admin'], catalog: 'iceberg', schema: 'dml', properties: {}, preparedStatements: {} }
    const run = async (sql: string) => {
      const r = await engine.execute(sql, session)
      const rows: unknown[][] = []
      for await (const b of r.rows) for (const row of b) rows.push([...row])
      return { rows, count: r.updateCount }
    }
    const icebirdRows = async () => {
      const state = await tableLoad(tables, { namespace: ['dml'], name: 'accounts' })
      const loc = state.metadataLocation
      const rows = await icebergRead({ tableUrl: state.metadata.location, metadataFileName: loc.slice(loc.lastIndexOf('/') + 1) })
      return rows.map(r => [Number(r.id), r.owner, Number(r.balance)]).sort((a, b) => Number(a[0]) - Number(b[0]))
    }
    const ours = async () => (await run('SELECT id, owner, balance FROM accounts ORDER BY id')).rows.map(r => [Number(r[0]), r[1], Number(r[2])])
    const check = async (expected: unknown[][]) => {
      assert.deepEqual(await ours(), expected)
      assert.deepEqual(await icebirdRows(), expected)
    }

    await run('CREATE SCHEMA iceberg.dml')
    await run(`CREATE TABLE accounts (id bigint, owner varchar, balance double) WITH (partitioning = ARRAY['bucket(id, 2)'])`)
    assert.equal((await run(`INSERT INTO accounts VALUES (1, 'ann', 10), (2, 'ben', 20), (3, 'cy', 30), (4, 'di', 40)`)).count, 4)
    await check([[1, 'ann', 10], [2, 'ben', 20], [3, 'cy', 30], [4, 'di', 40]])
    assert.equal((await run(`UPDATE accounts SET balance = balance + 5 WHERE id IN (2, 4)`)).count, 2)
    await check([[1, 'ann', 10], [2, 'ben', 25], [3, 'cy', 30], [4, 'di', 45]])
    const merged = await run(`MERGE INTO accounts t USING (VALUES (3, 'cy', 1.0), (5, 'ed', 50.0), (1, 'ann', -1.0)) AS s(id, owner, delta) ON t.id = s.id
      WHEN MATCHED AND s.delta < 0 THEN DELETE
      WHEN MATCHED THEN UPDATE SET balance = t.balance + s.delta
      WHEN NOT MATCHED THEN INSERT (id, owner, balance) VALUES (s.id, s.owner, s.delta)`)
    assert.equal(merged.count, 3)
    await check([[2, 'ben', 25], [3, 'cy', 31], [4, 'di', 45], [5, 'ed', 50]])
    assert.equal((await run(`DELETE FROM accounts WHERE balance > 40`)).count, 2)
    await check([[2, 'ben', 25], [3, 'cy', 31]])
  })
})
