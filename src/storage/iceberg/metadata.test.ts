import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { sharedDir } from '../../../test/support/paths.js'
import {
  metadataCurrentSchema, metadataCurrentSnapshot, metadataFileName, metadataNew, metadataParse, metadataRef, metadataSerialize,
  metadataSnapshot, metadataSnapshotAt, metadataSpecById, metadataVersionFromLocation,
} from './metadata.js'
import { jsonParseLossless } from './json.js'

const FIX = join(sharedDir(), 'fixtures', 'iceberg')
const fixture = (table: string, file: string): string => readFileSync(join(FIX, table, 'metadata', file), 'utf8')
const fixtureFiles = readdirSync(FIX).filter((d) => !d.includes('.'))
  .flatMap((t) => readdirSync(join(FIX, t, 'metadata')).filter((f) => /^v\d+\.metadata\.json$/.test(f)).map((f) => [t, f] as const))

const invalidAt = (field: RegExp) => (e: unknown): boolean => {
  const err = e as { code: string; message: string }
  assert.equal(err.code, 'INVALID_METADATA', err.message)
  assert.match(err.message, field)
  return true
}

describe('metadataParse on files written by Spark and the Iceberg Java API', () => {
  test('finds all 13 fixture metadata files', () => assert.equal(fixtureFiles.length, 13))

  for (const [table, file] of fixtureFiles) {
    test(`${table}/${file} parses and survives serialize → parse unchanged`, () => {
      const m = metadataParse(fixture(table, file))
      assert.equal(m['format-version'], 2)
      assert.ok(Object.isFrozen(m) && Object.isFrozen(m.schemas[0]))
      assert.deepEqual(metadataParse(metadataSerialize(m)), m)
      assert.deepEqual(metadataParse(metadataSerialize(m, 2)), m)
    })
  }

  test('spark_bunnies: 64-bit snapshot ids are exact bigints and main follows the current snapshot', () => {
    const m = metadataParse(fixture('spark_bunnies', 'v5.metadata.json'))
    const ids = m.snapshots.map((s) => s['snapshot-id']).sort((a, b) => (a < b ? -1 : 1))
    assert.deepEqual(ids, [469881615898633426n, 2701171901096418979n, 7505300640432048841n])
    assert.ok(metadataSnapshot(m, 7505300640432048841n))
    assert.equal(m['current-snapshot-id'], 2701171901096418979n)
    assert.equal(metadataCurrentSnapshot(m)!['snapshot-id'], 2701171901096418979n)
    assert.equal(metadataRef(m, 'main')!['snapshot-id'], 2701171901096418979n)
    assert.equal(metadataCurrentSchema(m)['schema-id'], 1)
    assert.match(metadataSerialize(m), /"current-snapshot-id":2701171901096418979[,}]/)
  })

  test('spark_rename_column: the renamed column and the bucket[4] + identity spec', () => {
    const m = metadataParse(fixture('spark_rename_column', 'v3.metadata.json'))
    assert.equal(metadataCurrentSchema(m).fields.find((f) => f.id === 3)!.name, 'event_date')
    assert.equal(m.schemas.find((s) => s['schema-id'] === 0)!.fields.find((f) => f.id === 3)!.name, 'date')
    assert.equal(m.snapshots[0]!['snapshot-id'], 5276958600260276572n)
    const spec = metadataSpecById(m, m['default-spec-id'])!
    assert.deepEqual(spec.fields.map((f) => [f.name, f.transform, f['source-id'], f['field-id']]), [['id_bucket', 'bucket[4]', 1, 1000], ['date', 'identity', 3, 1001]])
    assert.equal(m['last-partition-id'], 1001)
    assert.equal(m.properties.owner, 'platypii')
  })

  test('java_bunnies v1: current-snapshot-id -1 means no snapshot, and serializes back as -1', () => {
    const m = metadataParse(fixture('java_bunnies', 'v1.metadata.json'))
    assert.equal(m['current-snapshot-id'], null)
    assert.equal(metadataCurrentSnapshot(m), undefined)
    assert.deepEqual(m.refs, {})
    assert.match(metadataSerialize(m), /"current-snapshot-id":-1,/)
  })

  test('time travel follows the snapshot log', () => {
    const m = metadataParse(fixture('java_bunnies', 'v5.metadata.json'))
    const log = m['snapshot-log']
    assert.equal(metadataSnapshotAt(m, log[0]!['timestamp-ms'])['snapshot-id'], log[0]!['snapshot-id'])
    assert.equal(metadataSnapshotAt(m, log[1]!['timestamp-ms'] + 1)['snapshot-id'], log[1]!['snapshot-id'])
    assert.equal(metadataSnapshotAt(m, Number.MAX_SAFE_INTEGER)['snapshot-id'], m['current-snapshot-id'])
    assert.throws(() => metadataSnapshotAt(m, log[0]!['timestamp-ms'] - 1), { code: 'SNAPSHOT_NOT_FOUND' })
  })
})

describe('metadataParse: format v1 normalization', () => {
  const v1 = {
    'format-version': 1, 'table-uuid': '11111111-2222-3333-4444-555555555555', location: 's3://b/t', 'last-updated-ms': 1700000000000,
    'last-column-id': 2, schema: { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'ts', required: false, type: 'timestamp' }] },
    'partition-spec': [{ name: 'ts_day', transform: 'day', 'source-id': 2 }],
    properties: {}, 'current-snapshot-id': 7505300640432048841n,
    snapshots: [{ 'snapshot-id': 7505300640432048841n, 'timestamp-ms': 1700000000001, 'manifest-list': 's3://b/t/metadata/snap.avro', summary: { operation: 'append' } }],
  }

  test('v1 keys become the v2 shape: schemas, partition-specs, sequence numbers 0, refs.main', () => {
    const m = metadataParse(v1)
    assert.equal(m['format-version'], 1)
    assert.equal(m['current-schema-id'], 0)
    assert.equal(m.schemas[0]!.fields.length, 2)
    assert.deepEqual(m['partition-specs'], [{ 'spec-id': 0, fields: [{ name: 'ts_day', transform: 'day', 'source-id': 2, 'field-id': 1000 }] }])
    assert.equal(m['last-partition-id'], 1000)
    assert.equal(m['last-sequence-number'], 0)
    assert.equal(m.snapshots[0]!['sequence-number'], 0)
    assert.deepEqual(m['sort-orders'], [{ 'order-id': 0, fields: [] }])
    assert.deepEqual(m.refs, { main: { 'snapshot-id': 7505300640432048841n, type: 'branch' } })
    assert.equal(Object.isFrozen(v1), false, "the caller's object is not frozen")
  })

  test('a v1 document serializes with the v1 keys too and round-trips', () => {
    const m = metadataParse(v1)
    const doc = jsonParseLossless(metadataSerialize(m)) as Record<string, unknown>
    assert.ok(doc.schema && doc['partition-spec'] && doc.schemas)
    assert.deepEqual(metadataParse(metadataSerialize(m)), m)
  })

  test('inline manifest lists (early v1) are NOT_SUPPORTED with a clear message', () => {
    const old = { ...v1, snapshots: [{ 'snapshot-id': 7505300640432048841n, 'timestamp-ms': 1, manifests: ['a.avro'] }] }
    assert.throws(() => metadataParse(old), (e: unknown) => (e as { code: string }).code === 'NOT_SUPPORTED' && /7505300640432048841 lists its manifests inline/.test((e as Error).message))
  })
})

describe('metadataParse: broken documents', () => {
  const good = (): Record<string, unknown> => jsonParseLossless(fixture('spark_rename_column', 'v3.metadata.json')) as Record<string, unknown>
  const without = (key: string): Record<string, unknown> => { const d = good(); delete d[key]; return d }

  test('missing required v2 fields are named', () => {
    for (const key of ['location', 'table-uuid', 'last-sequence-number', 'schemas', 'current-schema-id', 'partition-specs', 'default-spec-id', 'last-partition-id', 'sort-orders', 'last-column-id']) {
      assert.throws(() => metadataParse(without(key)), invalidAt(new RegExp(`'${key}'`)), key)
    }
  })

  test('a ref to an unknown snapshot, a missing current schema, and a sequence number beyond the table are rejected', () => {
    const d = good()
    d.refs = { ...(d.refs as object), audit: { 'snapshot-id': 42, type: 'tag' } }
    assert.throws(() => metadataParse(d), invalidAt(/'refs.audit' points at snapshot 42/))
    assert.throws(() => metadataParse({ ...good(), 'current-schema-id': 7 }), invalidAt(/'current-schema-id' is 7/))
    assert.throws(() => metadataParse({ ...good(), 'current-snapshot-id': 5n }), invalidAt(/'current-snapshot-id' is 5/))
    assert.throws(() => metadataParse({ ...good(), 'last-sequence-number': 0 }), invalidAt(/'last-sequence-number'/))
    assert.throws(() => metadataParse({ ...good(), schemas: [{ type: 'struct', 'schema-id': 1, fields: [{ id: 1, name: 'a', required: false, type: 'decimal(50, 2)' }] }] }), invalidAt(/'schemas\[0\]'.*precision 50/))
    const snap = good(); (snap.snapshots as Record<string, unknown>[])[0]!.summary = { 'added-records': '4' }
    assert.throws(() => metadataParse(snap), invalidAt(/'snapshots\[0\].summary.operation' is required/))
  })

  test('truncated or non-JSON text is INVALID_METADATA with the position', () => {
    const text = fixture('spark_rename_column', 'v3.metadata.json')
    assert.throws(() => metadataParse(text.slice(0, 500)), (e: unknown) => invalidAt(/not valid JSON.*position \d+ \(line 20, column \d+\)/)(e) && typeof (e as { details: { position: number } }).details.position === 'number')
    assert.throws(() => metadataParse('[]'), invalidAt(/'\(document\)' must be a JSON object/))
    assert.throws(() => metadataParse({ ...good(), 'format-version': 4 }), { code: 'NOT_SUPPORTED' })
  })
})

describe('metadataNew', () => {
  test('assigns fresh column ids, partition ids from 1000 and sort order 1; ignores request ids', () => {
    const m = metadataNew({
      location: 's3://wh/db/t/', tableUuid: '00000000-0000-4000-8000-000000000001', nowMs: 1700000000000,
      schema: { type: 'struct', fields: [
        { id: 10, name: 'id', required: true, type: 'long' },
        { id: 11, name: 'ts', required: false, type: 'timestamptz' },
        { id: 12, name: 'tags', required: false, type: { type: 'list', 'element-id': 13, element: 'string', 'element-required': false } },
      ] },
      spec: { fields: [{ 'source-id': 11, transform: 'day' }, { 'source-id': 10, transform: 'bucket[16]' }] },
      sortOrder: { fields: [{ 'source-id': 11, direction: 'desc' }] },
      properties: { 'write.format.default': 'parquet' },
    })
    assert.deepEqual(m.schemas[0]!.fields.map((f) => f.id), [1, 2, 3])
    assert.equal(m['last-column-id'], 4)
    assert.deepEqual(m['partition-specs'][0]!.fields, [
      { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
      { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[16]' },
    ])
    assert.equal(m['last-partition-id'], 1001)
    assert.deepEqual(m['sort-orders'], [{ 'order-id': 1, fields: [{ 'source-id': 2, transform: 'identity', direction: 'desc', 'null-order': 'nulls-last' }] }])
    assert.equal(m['default-sort-order-id'], 1)
    assert.equal(m.location, 's3://wh/db/t')
    assert.equal(m['format-version'], 2)
    assert.equal(m['current-snapshot-id'], null)
    assert.deepEqual(metadataParse(metadataSerialize(m)), m)
  })

  test('an unpartitioned, unsorted table has last-partition-id 999 and order 0', () => {
    const m = metadataNew({ location: 'file:///tmp/t', schema: { type: 'struct', fields: [{ id: 1, name: 'a', required: false, type: 'int' }] } })
    assert.equal(m['last-partition-id'], 999)
    assert.equal(m['default-sort-order-id'], 0)
    assert.match(m['table-uuid'], /^[0-9a-f-]{36}$/)
  })

  test('bad partition specs fail with INVALID_SCHEMA and name the problem', () => {
    const schema = { type: 'struct' as const, fields: [{ id: 1, name: 'a', required: false, type: 'string' }, { id: 2, name: 'b', required: false, type: 'int' }] }
    assert.throws(() => metadataNew({ location: 'x', schema, spec: { fields: [{ 'source-id': 9, transform: 'identity' }] } }), /source-id 9/)
    assert.throws(() => metadataNew({ location: 'x', schema, spec: { fields: [{ 'source-id': 1, transform: 'year' }] } }), { code: 'INVALID_SCHEMA' })
    assert.throws(() => metadataNew({ location: 'x', schema, spec: { fields: [{ 'source-id': 1, transform: 'bucket[2]', name: 'b' }] } }), /'b' conflicts with a column/)
  })
})

describe('metadata file names', () => {
  test('versioned names and their version numbers', () => {
    assert.equal(metadataFileName(5, 'abc'), '00005-abc.metadata.json')
    assert.equal(metadataVersionFromLocation('s3://b/t/metadata/00005-0f5e3b1c-aaaa-bbbb-cccc-0123456789ab.metadata.json'), 5)
    assert.equal(metadataVersionFromLocation('s3a://b/t/metadata/v12.metadata.json'), 12)
    assert.equal(metadataVersionFromLocation('/t/metadata/00003-x.gz.metadata.json'), 3)
    assert.equal(metadataVersionFromLocation('/t/metadata/snap-1.avro'), undefined)
  })
})
