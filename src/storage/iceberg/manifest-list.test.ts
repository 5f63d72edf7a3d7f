import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AkkoError } from '../../core/index.js'
import type { ObjectStore } from '../object-store/object-store.js'
import { avroContainerOpen, avroContainerWrite, type AvroSchemaObject } from './avro-codec.js'
import { manifestListRead, manifestListWrite } from './manifest-list.js'
import { manifestRead, manifestWrite, MANIFEST_UNASSIGNED_SEQ } from './manifest.js'
import type { ManifestFile, PartitionSpec, Schema } from './spec.js'
import { valueFromBytes } from './values.js'

function memoryStore(): ObjectStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>()
  const unsupported = () => {
    throw new Error('not used by these tests')
  }
  return {
    kind: 'local', root: 'mem://', files, handles: () => true,
    async get(location) {
      const f = files.get(location)
      if (!f) throw new AkkoError('FILE_NOT_FOUND', `No object at ${location}`, { location })
      return f
    },
    async put(location, body) {
      files.set(location, body)
    },
    head: unsupported, putFile: unsupported, delete: unsupported, list: unsupported, localPath: unsupported, scratchDir: unsupported,
    close: async () => {},
  }
}

const SCHEMA: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'day', required: false, type: 'date' },
  ],
}
const SPEC: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'day', transform: 'identity' }] }
const BIG_SNAPSHOT = 9158179788527662767n
const file = (path: string, day: number | null, rows: number) => ({
  content: 0 as const, file_path: path, file_format: 'PARQUET', partition: { day }, record_count: rows, file_size_in_bytes: 100,
})

describe('manifestListWrite / manifestListRead', () => {
  test('round trip settles the sequence numbers of manifests this snapshot added and keeps older ones', async () => {
    const store = memoryStore()
    const fresh = await manifestWrite(store, 'mem://m-new.avro', {
      schema: SCHEMA, spec: SPEC, formatVersion: 2, content: 0, snapshotId: BIG_SNAPSHOT,
      entries: [{ status: 1, data_file: file('mem://a.parquet', 19000, 3) }, { status: 1, data_file: file('mem://b.parquet', null, 4) }],
    })
    const older: ManifestFile = {
      ...fresh, manifest_path: 'mem://m-old.avro', sequence_number: 4, min_sequence_number: 2, added_snapshot_id: 77n,
      partitions: [{ contains_null: false, contains_nan: null, lower_bound: null, upper_bound: null }], key_metadata: new Uint8Array([1, 2]),
    }
    const size = await manifestListWrite(store, 'mem://snap.avro', {
      snapshotId: BIG_SNAPSHOT, parentSnapshotId: 77n, sequenceNumber: 7, manifests: [fresh, older],
    })
    assert.equal(size, store.files.get('mem://snap.avro')!.byteLength)
    const back = await manifestListRead(store, 'mem://snap.avro')
    assert.deepEqual(back[0], { ...fresh, sequence_number: 7, min_sequence_number: 7 })
    assert.deepEqual(back[1], older)
    assert.equal(back[0]!.added_snapshot_id, BIG_SNAPSHOT)
    assert.equal(valueFromBytes('date', back[0]!.partitions![0]!.lower_bound!), 19000)
    assert.equal(back[0]!.partitions![0]!.contains_null, true)

    const meta = avroContainerOpen(store.files.get('mem://snap.avro')!, 'snap').meta
    assert.equal(meta.get('snapshot-id'), '9158179788527662767')
    assert.equal(meta.get('parent-snapshot-id'), '77')
    assert.equal(meta.get('sequence-number'), '7')
    assert.equal(meta.get('format-version'), '2')

    // Entries of the new manifest now inherit 7 through the list.
    const entries = await manifestRead(store, back[0]!)
    assert.deepEqual(entries.map((e) => [e.sequence_number, e.file_sequence_number, e.snapshot_id]), [
      [7, 7, BIG_SNAPSHOT],
      [7, 7, BIG_SNAPSHOT],
    ])
  })

  test('a first snapshot writes parent-snapshot-id "null"; an unassigned manifest of another snapshot is refused', async () => {
    const store = memoryStore()
    const mf = await manifestWrite(store, 'mem://m.avro', {
      schema: SCHEMA, spec: SPEC, formatVersion: 2, content: 0, snapshotId: 5n, entries: [{ status: 1, data_file: file('mem://a.parquet', 1, 1) }],
    })
    assert.equal(mf.sequence_number, MANIFEST_UNASSIGNED_SEQ)
    await manifestListWrite(store, 'mem://s1.avro', { snapshotId: 5n, sequenceNumber: 1, manifests: [mf] })
    assert.equal(avroContainerOpen(store.files.get('mem://s1.avro')!, 's1').meta.get('parent-snapshot-id'), 'null')
    await assert.rejects(manifestListWrite(store, 'mem://s2.avro', { snapshotId: 6n, sequenceNumber: 2, manifests: [mf] }), {
      code: 'INVALID_ARGUMENT',
      message: /added by snapshot 5, not 6/,
    })
    assert.equal(store.files.has('mem://s2.avro'), false)
  })

  test('a manifest holding only DELETED entries gets the snapshot sequence number as its minimum', async () => {
    const store = memoryStore()
    const mf = await manifestWrite(store, 'mem://gone.avro', {
      schema: SCHEMA, spec: SPEC, formatVersion: 2, content: 0, snapshotId: 9n,
      entries: [{ status: 2, snapshot_id: 9n, sequence_number: 1, file_sequence_number: 1, data_file: file('mem://a.parquet', 1, 1) }],
    })
    assert.deepEqual([mf.sequence_number, mf.min_sequence_number, mf.deleted_files_count, mf.deleted_rows_count], [MANIFEST_UNASSIGNED_SEQ, MANIFEST_UNASSIGNED_SEQ, 1, 1])
    await manifestListWrite(store, 'mem://s.avro', { snapshotId: 9n, sequenceNumber: 3, manifests: [mf] })
    const [back] = await manifestListRead(store, 'mem://s.avro')
    assert.deepEqual([back!.sequence_number, back!.min_sequence_number], [3, 3])
    assert.deepEqual(await manifestRead(store, back!), [])
    assert.equal((await manifestRead(store, back!, { includeDeleted: true }))[0]!.sequence_number, 1)
  })
})

// A v1 table as an older Java writer left it: no content, no sequence numbers, optional counts named
// added_data_files_count, a required snapshot_id and block_size_in_bytes; day partitions as plain int.
const V1_LIST_SCHEMA: AvroSchemaObject = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'added_snapshot_id', type: ['null', 'long'], default: null, 'field-id': 503 },
    { name: 'added_data_files_count', type: ['null', 'int'], default: null, 'field-id': 504 },
    { name: 'existing_data_files_count', type: ['null', 'int'], default: null, 'field-id': 505 },
    { name: 'deleted_data_files_count', type: ['null', 'int'], default: null, 'field-id': 506 },
  ],
}
const V1_ENTRY_SCHEMA: AvroSchemaObject = {
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: 'long', 'field-id': 1 },
    {
      name: 'data_file',
      'field-id': 2,
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'file_path', type: 'string', 'field-id': 100 },
          { name: 'file_format', type: 'string', 'field-id': 101 },
          { name: 'partition', 'field-id': 102, type: { type: 'record', name: 'r102', fields: [{ name: 'ts_day', type: ['null', 'int'], default: null, 'field-id': 1000 }] } },
          { name: 'record_count', type: 'long', 'field-id': 103 },
          { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
          { name: 'block_size_in_bytes', type: 'long', 'field-id': 105 },
        ],
      },
    },
  ],
}

describe('format v1 files', () => {
  test('v1 lists and manifests read with the spec defaults: data content, sequence number 0', async () => {
    const store = memoryStore()
    const entry = (status: number, path: string, day: number | null) => ({
      status, snapshot_id: 12n, data_file: { file_path: path, file_format: 'parquet', partition: { ts_day: day }, record_count: 5n, file_size_in_bytes: 50n, block_size_in_bytes: 67108864n },
    })
    store.files.set('mem://v1-m.avro', avroContainerWrite(V1_ENTRY_SCHEMA, {
      'format-version': '1', 'partition-spec': '[{"name":"ts_day","transform":"day","source-id":2,"field-id":1000}]', 'partition-spec-id': '0',
    }, [entry(1, 'mem://a.parquet', 18000), entry(0, 'mem://b.parquet', null)], 'null'))
    store.files.set('mem://v1-list.avro', avroContainerWrite(V1_LIST_SCHEMA, { 'snapshot-id': '12' }, [
      { manifest_path: 'mem://v1-m.avro', manifest_length: 10n, partition_spec_id: 0, added_snapshot_id: 12n, added_data_files_count: 1, existing_data_files_count: 1, deleted_data_files_count: null },
    ]))
    const [mf] = await manifestListRead(store, 'mem://v1-list.avro')
    assert.deepEqual(
      [mf!.content, mf!.sequence_number, mf!.min_sequence_number, mf!.added_files_count, mf!.existing_files_count, mf!.deleted_files_count, mf!.partitions],
      [0, 0, 0, 1, 1, 0, null],
    )
    const entries = await manifestRead(store, mf!)
    assert.deepEqual(entries.map((e) => [e.status, e.snapshot_id, e.sequence_number, e.file_sequence_number]), [[1, 12n, 0, 0], [0, 12n, 0, 0]])
    assert.deepEqual(entries.map((e) => e.data_file.partition), [{ ts_day: 18000 }, { ts_day: null }])
    assert.deepEqual([entries[0]!.data_file.content, entries[0]!.data_file.file_format, entries[0]!.data_file.record_count], [0, 'PARQUET', 5])
    assert.equal(entries[0]!.data_file.column_sizes, null)
  })

  test('fields without ids are matched by name', async () => {
    const store = memoryStore()
    const noIds = { ...V1_LIST_SCHEMA, fields: V1_LIST_SCHEMA.fields!.map(({ 'field-id': _drop, ...f }) => f) } as AvroSchemaObject
    store.files.set('mem://l.avro', avroContainerWrite(noIds, {}, [
      { manifest_path: 'mem://m.avro', manifest_length: 1n, partition_spec_id: 3, added_snapshot_id: 2n, added_data_files_count: 4, existing_data_files_count: null, deleted_data_files_count: 2 },
    ]))
    const [mf] = await manifestListRead(store, 'mem://l.avro')
    assert.deepEqual([mf!.manifest_path, mf!.partition_spec_id, mf!.added_snapshot_id, mf!.added_files_count, mf!.deleted_files_count], ['mem://m.avro', 3, 2n, 4, 2])
  })
})
