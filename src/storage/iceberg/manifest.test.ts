import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { AkkoError } from '../../core/index.js'
import { sharedDir } from '../../../test/support/paths.js'
import type { ObjectStore } from '../object-store/object-store.js'
import { avroContainerWrite, type AvroSchemaObject } from './avro-codec.js'
import { avroManifestEntrySchema } from './avro-schemas.js'
import { jsonParseLossless } from './json.js'
import { manifestListRead } from './manifest-list.js'
import { manifestEntries, manifestRead, manifestWrite, MANIFEST_UNASSIGNED_SEQ, type ManifestDataFile, type ManifestEntryInput } from './manifest.js'
import type { ManifestFile, PartitionSpec, Schema, TableMetadata } from './spec.js'
import { valueFromBytes, valueToBytes } from './values.js'

const FIXTURES = join(sharedDir(), 'fixtures', 'iceberg')
const PREFIXES: Record<string, string> = {
  's3a://hyperparam-iceberg/spark/bunnies/': join(FIXTURES, 'spark_bunnies/'),
  's3a://hyperparam-iceberg/java/bunnies/': join(FIXTURES, 'java_bunnies/'),
  's3a://hyperparam-iceberg/spark/rename_column/': join(FIXTURES, 'spark_rename_column/'),
}

/** A tiny ObjectStore: fixture locations map to the fixture folder, everything else lives in memory. */
function testStore(): ObjectStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>()
  const unsupported = () => {
    throw new Error('not used by these tests')
  }
  return {
    kind: 'local',
    root: 'mem://',
    files,
    handles: () => true,
    async get(location) {
      const mem = files.get(location)
      if (mem) return mem
      const prefix = Object.keys(PREFIXES).find((p) => location.startsWith(p))
      if (!prefix) throw new AkkoError('FILE_NOT_FOUND', `No object at ${location}`, { location })
      return new Uint8Array(await readFile(PREFIXES[prefix] + location.slice(prefix.length)))
    },
    async put(location, body) {
      files.set(location, body)
    },
    head: unsupported,
    putFile: unsupported,
    delete: unsupported,
    list: unsupported,
    localPath: unsupported,
    scratchDir: unsupported,
    close: async () => {},
  }
}

async function metadataOf(table: string, version: string): Promise<TableMetadata> {
  return jsonParseLossless(await readFile(join(FIXTURES, table, 'metadata', version), 'utf8')) as TableMetadata
}

async function snapshotManifests(table: string, version: string) {
  const store = testStore()
  const meta = await metadataOf(table, version)
  const out = []
  for (const snap of meta.snapshots) {
    const list = await manifestListRead(store, snap['manifest-list'])
    const manifests = await Promise.all(list.map(async (mf) => ({ mf, entries: await manifestRead(store, mf, { includeDeleted: true }) })))
    out.push({ snap, list, manifests })
  }
  return out
}

describe('manifests written by Spark and the Java API', () => {
  test('spark_rename_column: three data files with bucket and date partitions, one of them null', async () => {
    const [s] = await snapshotManifests('spark_rename_column', 'v3.metadata.json')
    assert.equal(s!.snap['snapshot-id'], 5276958600260276572n)
    assert.equal(s!.list.length, 1)
    const { mf, entries } = s!.manifests[0]!
    assert.equal(mf.added_snapshot_id, 5276958600260276572n)
    assert.deepEqual([mf.added_files_count, mf.added_rows_count, mf.content, mf.sequence_number], [3, 4, 0, 1])
    const byBucket = new Map(entries.map((e) => [e.data_file.partition.id_bucket, e]))
    assert.deepEqual([...byBucket.keys()].sort(), [0, 2, 3])
    // 2022-01-01 is day 18993 since 1970-01-01.
    assert.equal(byBucket.get(0)!.data_file.partition.date, 18993)
    assert.equal(byBucket.get(2)!.data_file.partition.date, 18994)
    assert.equal(byBucket.get(3)!.data_file.partition.date, null)
    const first = byBucket.get(0)!
    assert.equal(first.status, 1)
    assert.equal(first.snapshot_id, 5276958600260276572n)
    assert.equal(first.sequence_number, 1)
    assert.equal(first.file_sequence_number, 1)
    assert.equal(first.data_file.record_count, 2)
    assert.equal(first.data_file.file_format, 'PARQUET')
    assert.match(first.data_file.file_path, /id_bucket=0\/date=2022-01-01\//)
    assert.equal(first.data_file.value_counts?.get(1), 2)
    assert.equal(valueFromBytes('int', first.data_file.upper_bounds!.get(1)!), 2)
    assert.equal(valueFromBytes('decimal(10, 2)', first.data_file.lower_bounds!.get(4)!), -500n)
    assert.deepEqual(first.data_file.split_offsets, [4])
    // The list summary of the date field: a null seen, bounds 2022-01-01 .. 2022-01-02.
    const date = mf.partitions![1]!
    assert.equal(date.contains_null, true)
    assert.equal(valueFromBytes('date', date.lower_bound!), 18993)
    assert.equal(valueFromBytes('date', date.upper_bound!), 18994)
  })

  test('spark_bunnies: a position-delete manifest, a copy-on-write overwrite, inherited sequence numbers', async () => {
    const snaps = await snapshotManifests('spark_bunnies', 'v5.metadata.json')
    assert.deepEqual(snaps.map((s) => s.snap['snapshot-id']), [7505300640432048841n, 469881615898633426n, 2701171901096418979n])
    const second = snaps[1]!
    const deletes = second.manifests.find((m) => m.mf.content === 1)!
    assert.equal(deletes.mf.sequence_number, 2)
    assert.equal(deletes.entries.length, 1)
    assert.equal(deletes.entries[0]!.data_file.content, 1)
    assert.equal(deletes.entries[0]!.data_file.record_count, 1)
    // The Avro record stores null: both sequence numbers come from the manifest list.
    assert.equal(deletes.entries[0]!.sequence_number, 2)
    assert.equal(deletes.entries[0]!.file_sequence_number, 2)
    const third = snaps[2]!
    const all = third.manifests.flatMap((m) => m.entries)
    const deleted = all.filter((e) => e.status === 2)
    assert.equal(deleted.length, 1)
    // A DELETED entry keeps the sequence numbers it was written with (1), not the list entry's (3).
    assert.equal(deleted[0]!.sequence_number, 1)
    assert.equal(deleted[0]!.snapshot_id, 2701171901096418979n)
    const added = all.filter((e) => e.status === 1 && e.data_file.content === 0)
    assert.deepEqual(added.map((e) => [e.sequence_number, e.data_file.record_count]), [[3, 20]])
  })

  test('manifestRead leaves out DELETED entries unless asked', async () => {
    const store = testStore()
    const meta = await metadataOf('spark_bunnies', 'v5.metadata.json')
    const list = await manifestListRead(store, meta.snapshots[2]!['manifest-list'])
    const live = (await Promise.all(list.map((mf) => manifestRead(store, mf)))).flat()
    assert.equal(live.length, 2)
    assert.ok(live.every((e) => e.status !== 2))
  })

  test('java_bunnies: an equality delete file with equality_ids [1] at sequence number 3', async () => {
    const snaps = await snapshotManifests('java_bunnies', 'v5.metadata.json')
    const meta = await metadataOf('java_bunnies', 'v5.metadata.json')
    assert.deepEqual(snaps.map((s) => s.snap['snapshot-id']), meta.snapshots.map((s) => s['snapshot-id']))
    const last = snaps[2]!
    assert.equal(last.list.length, 4)
    const eq = last.manifests.flatMap((m) => m.entries).filter((e) => e.data_file.content === 2)
    assert.equal(eq.length, 1)
    assert.deepEqual(eq[0]!.data_file.equality_ids, [1])
    assert.equal(eq[0]!.sequence_number, 3)
    assert.equal(eq[0]!.snapshot_id, 9158179788527662767n)
    assert.match(eq[0]!.data_file.file_path, /bunnies-eq-delete-new-zealand\.parquet$/)
    const pos = last.manifests.flatMap((m) => m.entries).filter((e) => e.data_file.content === 1)
    assert.deepEqual(pos.map((e) => [e.sequence_number, e.data_file.record_count]), [[2, 6]])
    assert.ok(last.list.every((m) => typeof m.added_snapshot_id === 'bigint'))
  })

  test('the streaming reader yields the same entries', async () => {
    const store = testStore()
    const meta = await metadataOf('java_bunnies', 'v5.metadata.json')
    const [mf] = await manifestListRead(store, meta.snapshots[0]!['manifest-list'])
    const streamed = []
    for await (const e of manifestEntries(store, mf!)) streamed.push(e)
    assert.deepEqual(streamed, await manifestRead(store, mf!))
    assert.equal(streamed[0]!.data_file.record_count, 21)
  })
})

// ---------------------------------------------------------------- writing

const SCHEMA: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'amount', required: false, type: 'decimal(10, 2)' },
    { id: 5, name: 'code', required: false, type: 'string' },
  ],
}
const SPEC: PartitionSpec = {
  'spec-id': 2,
  fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' },
    { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[8]' },
    { 'source-id': 3, 'field-id': 1002, name: 'ts_day', transform: 'day' },
    { 'source-id': 5, 'field-id': 1003, name: 'code trunc', transform: 'truncate[2]' },
    { 'source-id': 4, 'field-id': 1004, name: 'amount', transform: 'identity' },
  ],
}

function dataFile(path: string, partition: Record<string, unknown>, rows: number, extra: object = {}): ManifestEntryInput['data_file'] {
  return {
    content: 0,
    file_path: path,
    file_format: 'PARQUET',
    partition,
    record_count: rows,
    file_size_in_bytes: 1000 + rows,
    column_sizes: new Map([[1, 80], [2, 40]]),
    value_counts: new Map([[1, rows], [2, rows]]),
    null_value_counts: new Map([[1, 0], [2, 1]]),
    nan_value_counts: new Map(),
    lower_bounds: new Map([[1, valueToBytes('long', 1n)], [2, valueToBytes('string', 'EU')]]),
    upper_bounds: new Map([[1, valueToBytes('long', 9007199254740993n)], [2, valueToBytes('string', 'US')]]),
    key_metadata: null,
    split_offsets: [4, 1_000_000],
    equality_ids: null,
    sort_order_id: 0,
    ...extra,
  }
}

const SNAP = 8_000_000_000_000_000_123n

const ENTRIES: ManifestEntryInput[] = [
  { status: 1, data_file: dataFile('file:///w/t/data/a.parquet', { region: 'EU', id_bucket: 3, ts_day: 19000, 'code trunc': 'ab', amount: 12345n }, 10) },
  { status: 1, data_file: dataFile('file:///w/t/data/b.parquet', { region: 'US', id_bucket: 0, ts_day: 18990, 'code trunc': null, amount: -5n }, 5) },
  {
    status: 0,
    snapshot_id: 42n,
    sequence_number: 4,
    file_sequence_number: 4,
    data_file: dataFile('file:///w/t/data/c.parquet', { region: null, id_bucket: 7, ts_day: 19010, 'code trunc': 'zz', amount: null }, 7),
  },
  {
    status: 2,
    snapshot_id: 41n,
    sequence_number: 2,
    file_sequence_number: 3,
    data_file: dataFile('file:///w/t/data/d.parquet', { region: 'EU', id_bucket: 1, ts_day: 18000, 'code trunc': 'aa', amount: 1n }, 3),
  },
]

describe('manifestWrite', () => {
  test('round trip: partitions of every transform, stats maps, bounds, inheritance', async () => {
    const store = testStore()
    const loc = 'mem://t/metadata/m0.avro'
    const mf = await manifestWrite(store, loc, { schema: SCHEMA, spec: SPEC, formatVersion: 2, content: 0, entries: ENTRIES, snapshotId: SNAP })
    assert.equal(mf.manifest_length, store.files.get(loc)!.byteLength)
    assert.deepEqual(
      [mf.added_files_count, mf.existing_files_count, mf.deleted_files_count, mf.added_rows_count, mf.existing_rows_count, mf.deleted_rows_count],
      [2, 1, 1, 15, 7, 3],
    )
    assert.equal(mf.sequence_number, MANIFEST_UNASSIGNED_SEQ)
    assert.equal(mf.min_sequence_number, 4)
    assert.equal(mf.partition_spec_id, 2)
    // Summaries: bounds over all entries, nulls noted.
    const [region, bucket, day, trunc, amount] = mf.partitions!
    assert.deepEqual([region!.contains_null, bucket!.contains_null, trunc!.contains_null, amount!.contains_null], [true, false, true, true])
    assert.equal(valueFromBytes('string', region!.lower_bound!), 'EU')
    assert.equal(valueFromBytes('string', region!.upper_bound!), 'US')
    assert.deepEqual([valueFromBytes('int', bucket!.lower_bound!), valueFromBytes('int', bucket!.upper_bound!)], [0, 7])
    assert.deepEqual([valueFromBytes('date', day!.lower_bound!), valueFromBytes('date', day!.upper_bound!)], [18000, 19010])
    assert.deepEqual([valueFromBytes('decimal(10, 2)', amount!.lower_bound!), valueFromBytes('decimal(10, 2)', amount!.upper_bound!)], [-5n, 12345n])
    assert.equal(day!.contains_nan, false)

    const committed: ManifestFile = { ...mf, sequence_number: 9, min_sequence_number: 4 }
    const back = await manifestRead(store, committed, { includeDeleted: true })
    assert.equal(back.length, 4)
    assert.deepEqual(back.map((e) => [e.status, e.snapshot_id, e.sequence_number, e.file_sequence_number]), [
      [1, SNAP, 9, 9],
      [1, SNAP, 9, 9],
      [0, 42n, 4, 4],
      [2, 41n, 2, 3],
    ])
    for (const [i, e] of back.entries()) {
      const want = ENTRIES[i]!.data_file
      assert.deepEqual(e.data_file, { ...want, spec_id: 2 })
    }
    assert.equal(valueFromBytes('long', back[0]!.data_file.upper_bounds!.get(1)!), 9007199254740993n)
  })

  test('a delete manifest with position and equality deletes keeps content and equality ids', async () => {
    const store = testStore()
    const entries: ManifestEntryInput[] = [
      { status: 1, data_file: dataFile('s3://b/t/data/pos.parquet', {}, 2, { content: 1, sort_order_id: null }) },
      { status: 1, data_file: dataFile('s3://b/t/data/eq.parquet', {}, 1, { content: 2, equality_ids: [1, 2] }) },
    ]
    const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] }
    const mf = await manifestWrite(store, 'mem://d.avro', { schema: SCHEMA, spec: unpartitioned, formatVersion: 2, content: 1, entries, snapshotId: 5n })
    assert.equal(mf.content, 1)
    assert.deepEqual(mf.partitions, [])
    const back = await manifestRead(store, { ...mf, sequence_number: 6, min_sequence_number: 6 })
    assert.deepEqual(back.map((e) => [e.data_file.content, e.data_file.equality_ids, e.data_file.sort_order_id, e.sequence_number]), [
      [1, null, null, 6],
      [2, [1, 2], 0, 6],
    ])
    assert.deepEqual(back[0]!.data_file.partition, {})
  })

  test('bad input is refused and nothing is written', async () => {
    const store = testStore()
    const write = (entries: ManifestEntryInput[], content: 0 | 1 = 0) =>
      manifestWrite(store, 'mem://bad.avro', { schema: SCHEMA, spec: SPEC, formatVersion: 2, content, entries, snapshotId: 1n })
    const part = { region: 'EU', id_bucket: 1, ts_day: 1, 'code trunc': 'a', amount: 1n }
    await assert.rejects(write([{ status: 0, data_file: dataFile('x', part, 1) }]), { code: 'INVALID_ARGUMENT', message: /EXISTING or DELETED/ })
    await assert.rejects(write([{ status: 1, data_file: dataFile('x', { ...part, ts_day: 'monday' }, 1) }]), {
      code: 'INVALID_ARGUMENT',
      message: /'ts_day' of type date/,
    })
    await assert.rejects(write([{ status: 1, data_file: dataFile('x', { ...part, amount: 10n ** 10n }, 1) }]), { code: 'INVALID_ARGUMENT' })
    await assert.rejects(write([{ status: 1, data_file: dataFile('x', { ...part, nope: 1 }, 1) }]), { code: 'INVALID_ARGUMENT', message: /nope/ })
    await assert.rejects(write([{ status: 1, data_file: dataFile('x', part, 1) }], 1), { code: 'INVALID_ARGUMENT', message: /delete manifest/ })
    await assert.rejects(
      manifestWrite(store, 'mem://bad.avro', { schema: SCHEMA, spec: SPEC, formatVersion: 1, content: 0, entries: [], snapshotId: 1n }),
      { code: 'NOT_SUPPORTED' },
    )
    assert.equal(store.files.size, 0)
  })
})

test('v3 fields a newer writer adds are read, and a uuid/decimal partition decodes to its in-memory form', async () => {
  const store = testStore()
  const base = avroManifestEntrySchema([
    { fieldId: 1000, name: 'u', type: 'uuid' },
    { fieldId: 1001, name: 'd', type: 'decimal(20, 3)' },
  ])
  const df = base.fields!.find((f) => f.name === 'data_file')!.type as AvroSchemaObject
  const v3 = {
    ...base,
    fields: base.fields!.map((f) => f.name !== 'data_file' ? f : {
      ...f,
      type: { ...df, fields: [...df.fields!, { name: 'first_row_id', type: ['null', 'long'], default: null, 'field-id': 142 }] },
    }),
  }
  const uuid = 'f79c3e09-677c-4bbd-a479-3f349cb785e7'
  const rec = {
    status: 1, snapshot_id: null, sequence_number: null, file_sequence_number: null,
    data_file: {
      content: 1, file_path: 'mem://pos.parquet', file_format: 'parquet',
      partition: { u: Buffer.from(uuid.replace(/-/g, ''), 'hex'), d: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]) },
      record_count: 3n, file_size_in_bytes: 10n, column_sizes: null, value_counts: null, null_value_counts: null, nan_value_counts: null,
      lower_bounds: null, upper_bounds: null, key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null,
      referenced_data_file: 'mem://data.parquet', first_row_id: 2n ** 40n,
    },
  }
  store.files.set('mem://v3.avro', avroContainerWrite(v3, { 'format-version': '3', content: 'deletes' }, [rec]))
  const [e] = await manifestRead(store, {
    manifest_path: 'mem://v3.avro', manifest_length: 0, partition_spec_id: 4, content: 1, sequence_number: 8, min_sequence_number: 8,
    added_snapshot_id: 99n, added_files_count: 1, existing_files_count: 0, deleted_files_count: 0, added_rows_count: 3, existing_rows_count: 0, deleted_rows_count: 0,
  })
  const d = e!.data_file as ManifestDataFile
  assert.deepEqual([e!.snapshot_id, e!.sequence_number, d.spec_id, d.content], [99n, 8, 4, 1])
  assert.deepEqual(d.partition, { u: uuid, d: -2n })
  assert.equal(d.referenced_data_file, 'mem://data.parquet')
  assert.equal(d.first_row_id, 2n ** 40n)
  assert.equal(d.column_sizes, null)
})

describe('unreadable manifests', () => {
  const mf = (path: string): ManifestFile => ({
    manifest_path: path, manifest_length: 0, partition_spec_id: 0, content: 0, sequence_number: 1, min_sequence_number: 1,
    added_snapshot_id: 1n, added_files_count: 0, existing_files_count: 0, deleted_files_count: 0,
    added_rows_count: 0, existing_rows_count: 0, deleted_rows_count: 0,
  })

  test('a manifest cut in half is CORRUPT_FILE naming the file', async () => {
    const store = testStore()
    const whole = await store.get('s3a://hyperparam-iceberg/spark/rename_column/metadata/abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro')
    store.files.set('mem://half.avro', whole.subarray(0, whole.length >> 1))
    await assert.rejects(manifestRead(store, mf('mem://half.avro')), (e: unknown) => {
      assert.ok(e instanceof AkkoError)
      assert.equal(e.code, 'CORRUPT_FILE')
      assert.match(e.message, /mem:\/\/half\.avro/)
      return true
    })
    // Cut inside the data block, past the header.
    store.files.set('mem://tail.avro', whole.subarray(0, whole.length - 20))
    await assert.rejects(manifestRead(store, mf('mem://tail.avro')), { code: 'CORRUPT_FILE' })
  })

  test('a file that is not Avro is CORRUPT_FILE; a missing file is FILE_NOT_FOUND', async () => {
    const store = testStore()
    store.files.set('mem://x.avro', new TextEncoder().encode('{"not": "avro"}'))
    await assert.rejects(manifestRead(store, mf('mem://x.avro')), { code: 'CORRUPT_FILE', message: /mem:\/\/x\.avro/ })
    await assert.rejects(manifestListRead(store, 'mem://x.avro'), { code: 'CORRUPT_FILE' })
    await assert.rejects(manifestRead(store, mf('mem://missing.avro')), { code: 'FILE_NOT_FOUND' })
  })

  test('a manifest list is not a manifest', async () => {
    const store = testStore()
    const path = 's3a://hyperparam-iceberg/spark/rename_column/metadata/snap-5276958600260276572-1-abf62b15-903b-40b6-9e6b-26bcdceac9b3.avro'
    await assert.rejects(manifestRead(store, mf(path)), { code: 'CORRUPT_FILE', message: /not an Iceberg manifest/ })
  })
})
