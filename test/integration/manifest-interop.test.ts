/**
 * Manifests and manifest lists we write, decoded by an independent Avro reader (icebird's, which
 * resolves fields by name as the spec spells them), compared field by field with what we wrote and
 * with how the same reader decodes the original file Spark wrote.
 */
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { avroMetadata, avroRead } from 'icebird'
import { LocalObjectStore } from '../../src/storage/object-store/local-object-store.js'
import { manifestListRead, manifestListWrite } from '../../src/storage/iceberg/manifest-list.js'
import { manifestRead, manifestWrite, type ManifestEntryInput } from '../../src/storage/iceberg/manifest.js'
import type { ManifestFile, PartitionSpec, Schema } from '../../src/storage/iceberg/spec.js'
import { valueFromBytes, valueToBytes } from '../../src/storage/iceberg/values.js'
import { sharedDir, tmpHome } from '../support/paths.js'

type Rec = Record<string, any>

/** Decodes an Avro container with icebird: header metadata and records. */
function icebirdDecode(bytes: Uint8Array): { metadata: Rec; records: Rec[] } {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
  const { metadata, syncMarker } = avroMetadata(reader)
  return { metadata, records: avroRead({ reader, metadata, syncMarker }) }
}

const pairs = (m: ReadonlyMap<number, unknown> | null | undefined) => (m ? [...m].map(([key, value]) => ({ key, value })) : undefined)
const days = (d: number) => new Date(d * 86_400_000)

const home = tmpHome('akko-manifest-interop-')
const store = new LocalObjectStore(pathToFileURL(home).href)
after(async () => {
  await store.close()
  await rm(home, { recursive: true, force: true })
})

const schema: Schema = {
  type: 'struct',
  'schema-id': 1,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'code', required: false, type: 'string' },
  ],
}
const spec: PartitionSpec = {
  'spec-id': 1,
  fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' },
    { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[16]' },
    { 'source-id': 3, 'field-id': 1002, name: 'ts_day', transform: 'day' },
    { 'source-id': 4, 'field-id': 1003, name: 'code_trunc', transform: 'truncate[3]' },
  ],
}
const SNAPSHOT = 7505300640432048841n

const entries: ManifestEntryInput[] = [1, 2, 3].map((i) => ({
  status: 1,
  data_file: {
    content: 0,
    file_path: `${store.root}/t/data/region=EU/f${i}.parquet`,
    file_format: 'PARQUET',
    partition: { region: i === 3 ? null : 'EU', id_bucket: i * 5, ts_day: 20000 + i, code_trunc: `ab${i}` },
    record_count: 100 * i,
    file_size_in_bytes: 4096 * i,
    column_sizes: new Map([[1, 800 * i], [2, 300]]),
    value_counts: new Map([[1, 100 * i], [2, 100 * i]]),
    null_value_counts: new Map([[1, 0], [2, i]]),
    nan_value_counts: new Map(),
    lower_bounds: new Map([[1, valueToBytes('long', BigInt(i))], [2, valueToBytes('string', 'EU')]]),
    upper_bounds: new Map([[1, valueToBytes('long', 2n ** 60n + BigInt(i))], [2, valueToBytes('string', 'EU')]]),
    key_metadata: null,
    split_offsets: [4, 65536 * i],
    equality_ids: null,
    sort_order_id: 0,
  },
}))

describe('files we write, read by an independent Avro reader', () => {
  let manifest: ManifestFile
  const manifestLoc = `${store.root}/t/metadata/m0.avro`
  const listLoc = `${store.root}/t/metadata/snap-1.avro`

  test('a manifest: header metadata and every entry field', async () => {
    manifest = await manifestWrite(store, manifestLoc, { schema, spec, formatVersion: 2, content: 0, entries, snapshotId: SNAPSHOT })
    const { metadata, records } = icebirdDecode(await store.get(manifestLoc))
    assert.equal(metadata['format-version'], '2')
    assert.equal(metadata.content, 'data')
    assert.equal(metadata['partition-spec-id'], '1')
    assert.deepEqual(JSON.parse(metadata['partition-spec']), spec.fields)
    assert.deepEqual(metadata.schema, schema)
    assert.equal(metadata['avro.schema'].name, 'manifest_entry')
    assert.equal(records.length, 3)
    for (const [i, rec] of records.entries()) {
      const df = entries[i]!.data_file
      assert.equal(rec.status, 1)
      assert.equal(rec.snapshot_id, SNAPSHOT)
      assert.equal(rec.sequence_number, undefined) // null on disk: inherited from the list
      assert.equal(rec.file_sequence_number, undefined)
      const d = rec.data_file
      assert.deepEqual([d.content, d.file_path, d.file_format, d.record_count, d.file_size_in_bytes], [0, df.file_path, 'PARQUET', BigInt(df.record_count), BigInt(df.file_size_in_bytes)])
      assert.deepEqual(d.partition, {
        region: df.partition.region ?? undefined,
        id_bucket: df.partition.id_bucket,
        ts_day: days(df.partition.ts_day as number),
        code_trunc: df.partition.code_trunc,
      })
      const longs = (m: ReadonlyMap<number, number> | null | undefined) => pairs(m)?.map((p) => ({ key: p.key, value: BigInt(p.value as number) }))
      assert.deepEqual(d.column_sizes, longs(df.column_sizes))
      assert.deepEqual(d.value_counts, longs(df.value_counts))
      assert.deepEqual(d.null_value_counts, longs(df.null_value_counts))
      assert.deepEqual(d.nan_value_counts, [])
      assert.deepEqual(d.lower_bounds.map((p: Rec) => [p.key, [...p.value]]), pairs(df.lower_bounds)!.map((p) => [p.key, [...(p.value as Uint8Array)]]))
      assert.equal(valueFromBytes('long', d.upper_bounds[0].value), 2n ** 60n + BigInt(i + 1))
      assert.deepEqual(d.upper_bounds.map((p: Rec) => [p.key, [...p.value]]), pairs(df.upper_bounds)!.map((p) => [p.key, [...(p.value as Uint8Array)]]))
      assert.deepEqual(d.split_offsets, df.split_offsets!.map(BigInt))
      assert.equal(d.key_metadata, undefined)
      assert.equal(d.equality_ids, undefined)
      assert.equal(d.sort_order_id, 0)
    }
  })

  test('a manifest list: header metadata and every manifest_file field', async () => {
    const size = await manifestListWrite(store, listLoc, { snapshotId: SNAPSHOT, parentSnapshotId: null, sequenceNumber: 12, manifests: [manifest] })
    const bytes = await store.get(listLoc)
    assert.equal(size, bytes.byteLength)
    const { metadata, records } = icebirdDecode(bytes)
    assert.deepEqual(
      [metadata['snapshot-id'], metadata['parent-snapshot-id'], metadata['sequence-number'], metadata['format-version']],
      ['7505300640432048841', 'null', '12', '2'],
    )
    assert.equal(records.length, 1)
    const r = records[0]!
    assert.deepEqual(
      [r.manifest_path, r.manifest_length, r.partition_spec_id, r.content, r.sequence_number, r.min_sequence_number, r.added_snapshot_id],
      [manifestLoc, BigInt(manifest.manifest_length), 1, 0, 12n, 12n, SNAPSHOT],
    )
    assert.deepEqual(
      [r.added_files_count, r.existing_files_count, r.deleted_files_count, r.added_rows_count, r.existing_rows_count, r.deleted_rows_count],
      [3, 0, 0, 600n, 0n, 0n],
    )
    const [region, bucket, day, trunc] = r.partitions
    assert.deepEqual([region.contains_null, region.contains_nan], [true, false])
    assert.equal(new TextDecoder().decode(region.lower_bound), 'EU')
    assert.deepEqual([valueFromBytes('int', bucket.lower_bound), valueFromBytes('int', bucket.upper_bound)], [5, 15])
    assert.deepEqual([valueFromBytes('date', day.lower_bound), valueFromBytes('date', day.upper_bound)], [20001, 20003])
    assert.deepEqual([valueFromBytes('string', trunc.lower_bound), valueFromBytes('string', trunc.upper_bound)], ['ab1', 'ab3'])
    assert.equal(r.key_metadata, undefined)

    // And our own reader agrees with what it wrote, sequence numbers inherited through the list.
    const [mf] = await manifestListRead(store, listLoc)
    const back = await manifestRead(store, mf!)
    assert.deepEqual(back.map((e) => [e.sequence_number, e.file_sequence_number, e.data_file.partition]), entries.map((e) => [12, 12, e.data_file.partition]))
  })

  test("a Spark manifest re-written by us decodes like Spark's original", async () => {
    const dir = join(sharedDir(), 'fixtures', 'iceberg', 'spark_rename_column', 'metadata')
    const original = icebirdDecode(new Uint8Array(await readFile(join(dir, 'abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro'))))
    const sparkList = icebirdDecode(new Uint8Array(await readFile(join(dir, 'snap-5276958600260276572-1-abf62b15-903b-40b6-9e6b-26bcdceac9b3.avro'))))
    // Read the Spark files through a store that maps their s3a:// locations onto the fixture folder.
    const fixtureStore = {
      ...store,
      get: async (loc: string) => new Uint8Array(await readFile(join(dir, loc.split('/').pop()!))),
    } as unknown as LocalObjectStore
    const [mf] = await manifestListRead(fixtureStore, 's3a://hyperparam-iceberg/spark/rename_column/metadata/snap-5276958600260276572-1-abf62b15-903b-40b6-9e6b-26bcdceac9b3.avro')
    const read = await manifestRead(fixtureStore, mf!)
    const tableSchema = original.metadata.schema as Schema
    const sparkSpec: PartitionSpec = { 'spec-id': 0, fields: JSON.parse(original.metadata['partition-spec']) }
    const loc = `${store.root}/t/metadata/spark-rewrite.avro`
    const rewritten = await manifestWrite(store, loc, {
      schema: tableSchema, spec: sparkSpec, formatVersion: 2, content: 0, snapshotId: mf!.added_snapshot_id,
      entries: read.map((e) => ({ ...e, sequence_number: null, file_sequence_number: null })),
    })
    const ours = icebirdDecode(await store.get(loc))
    assert.equal(ours.records.length, original.records.length)
    for (const [i, theirs] of original.records.entries()) {
      const mine = ours.records[i]!
      for (const k of ['status', 'snapshot_id', 'sequence_number', 'file_sequence_number']) assert.deepEqual(mine[k], theirs[k], k)
      for (const [k, v] of Object.entries(theirs.data_file)) assert.deepEqual(mine.data_file[k], v, `data_file.${k}`)
    }
    // Our list entry for it matches Spark's, apart from the field names v2 spells differently.
    await manifestListWrite(store, `${store.root}/t/metadata/spark-list.avro`, { snapshotId: mf!.added_snapshot_id, sequenceNumber: 1, manifests: [rewritten] })
    const ourList = icebirdDecode(await store.get(`${store.root}/t/metadata/spark-list.avro`)).records[0]!
    const sparkEntry = sparkList.records[0]!
    const renamed: Record<string, string> = { added_data_files_count: 'added_files_count', existing_data_files_count: 'existing_files_count', deleted_data_files_count: 'deleted_files_count' }
    for (const [k, v] of Object.entries(sparkEntry)) {
      if (k === 'manifest_path' || k === 'manifest_length') continue
      assert.deepEqual(ourList[renamed[k] ?? k], v, k)
    }
  })
})
