/**
 * Iceberg manifests (spec "Manifests"): reading what any engine wrote and writing v2 files that
 * Spark, Trino, PyIceberg and the Java API read. Decoding lives in manifest-read.ts, the Avro
 * schemas in avro-schemas.ts.
 */
import { Buffer } from 'node:buffer'
import type { IoOptions } from '../../core/index.js'
import { AkkoError } from '../../core/index.js'
import type { ObjectStore } from '../object-store/object-store.js'
import { avroContainerWrite } from './avro-codec.js'
import { avroManifestEntrySchema, avroSafeName, type AvroPartitionField } from './avro-schemas.js'
import { jsonStringifyLossless } from './json.js'
import { manifestPartitionSummaries, manifestPartitionToAvro } from './manifest-partition.js'
import { manifestDecode } from './manifest-read.js'
import type { DataFile, ManifestEntry, ManifestFile, PartitionSpec, Schema } from './spec.js'
import { transformResultType } from './transforms.js'
import { schemaIndex, typeIsPrimitive } from './types.js'

export { manifestDecode, manifestHeaderOf, type ManifestDataFile, type ManifestHeader } from './manifest-read.js'

/**
 * The sequence number of a manifest whose snapshot has not been committed yet (Java's UNASSIGNED_SEQ).
 * `manifestListWrite` replaces it with the snapshot's sequence number.
 */
export const MANIFEST_UNASSIGNED_SEQ = -1

/**
 * An entry to write. ADDED entries (status 1) may leave snapshot_id and sequence numbers null: readers
 * inherit them from the manifest list entry. EXISTING and DELETED entries must carry all three.
 */
export type ManifestEntryInput = Omit<ManifestEntry, 'snapshot_id' | 'sequence_number' | 'file_sequence_number' | 'data_file'> & {
  readonly snapshot_id?: bigint | null
  readonly sequence_number?: number | null
  readonly file_sequence_number?: number | null
  readonly data_file: DataFile & { readonly referenced_data_file?: string | null }
}

export interface ManifestWriteOptions extends IoOptions {
  /** The table schema the partition source columns are resolved in (written to the header). */
  readonly schema: Schema
  readonly spec: PartitionSpec
  /** Only 2 is written. */
  readonly formatVersion: number
  /** 0 data files, 1 delete files (position or equality). */
  readonly content: 0 | 1
  readonly entries: readonly ManifestEntryInput[]
  /** The snapshot adding this manifest (`added_snapshot_id`). */
  readonly snapshotId: bigint
}

const invalid = (message: string, details: Record<string, unknown> = {}) => new AkkoError('INVALID_ARGUMENT', message, details)

/** Partition fields with their transform RESULT types (spec "Partitioning"). */
function partitionFieldsOf(schema: Schema, spec: PartitionSpec): AvroPartitionField[] {
  const index = schemaIndex(schema)
  return spec.fields.map((pf) => {
    const source = index.byId.get(pf['source-id'])
    if (!source) {
      throw invalid(`Partition field '${pf.name}' refers to column id ${pf['source-id']}, which the schema does not have`, { field: pf.name })
    }
    const sourceType = source.field.type
    if (!typeIsPrimitive(sourceType)) throw invalid(`Partition field '${pf.name}' has a non-primitive source column`, { field: pf.name })
    return { fieldId: pf['field-id'], name: pf.name, type: transformResultType(pf.transform, sourceType) }
  })
}

function checkEntry(e: ManifestEntryInput, content: 0 | 1, names: ReadonlySet<string>): void {
  const path = e.data_file.file_path
  if (e.status !== 0 && e.status !== 1 && e.status !== 2) throw invalid(`Manifest entry for ${path} has an unknown status ${String(e.status)}`)
  if (e.status !== 1 && (e.snapshot_id == null || e.sequence_number == null || e.file_sequence_number == null)) {
    throw invalid(`Manifest entry for ${path} is EXISTING or DELETED and must carry snapshot_id and both sequence numbers`, { file: path })
  }
  const fc = e.data_file.content
  if (content === 0 ? fc !== 0 : fc !== 1 && fc !== 2) {
    throw invalid(`${path} (content ${fc}) cannot go in a ${content === 0 ? 'data' : 'delete'} manifest`, { file: path })
  }
  if (fc === 2 && !(e.data_file.equality_ids?.length ?? 0)) throw invalid(`Equality delete file ${path} needs equality_ids`, { file: path })
  for (const k of Object.keys(e.data_file.partition)) {
    if (!names.has(k)) throw invalid(`${path} has a value for '${k}', which is not a field of the partition spec`, { file: path, field: k })
  }
}

const mapToPairs = (m: ReadonlyMap<number, unknown> | null | undefined, conv: (v: unknown) => unknown = (v) => v) =>
  m == null ? null : [...m].map(([key, value]) => ({ key, value: conv(value) }))
const toBuf = (v: unknown) => Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength)
const toLong = (v: unknown) => BigInt(v as number)

function entryToAvro(e: ManifestEntryInput, snapshotId: bigint, fields: readonly AvroPartitionField[]): Record<string, unknown> {
  const df = e.data_file
  const partition: Record<string, unknown> = {}
  // Same name mapping as avroManifestEntrySchema uses for the r102 struct.
  for (const f of fields) partition[avroSafeName(f.name)] = manifestPartitionToAvro(f.type, df.partition[f.name], f.name)
  const optLong = (v: number | bigint | null | undefined) => (v == null ? null : BigInt(v))
  return {
    status: e.status,
    snapshot_id: e.snapshot_id ?? snapshotId,
    sequence_number: optLong(e.sequence_number),
    file_sequence_number: optLong(e.file_sequence_number),
    data_file: {
      content: df.content,
      file_path: df.file_path,
      file_format: df.file_format.toUpperCase(),
      partition,
      record_count: BigInt(df.record_count),
      file_size_in_bytes: BigInt(df.file_size_in_bytes),
      column_sizes: mapToPairs(df.column_sizes, toLong),
      value_counts: mapToPairs(df.value_counts, toLong),
      null_value_counts: mapToPairs(df.null_value_counts, toLong),
      nan_value_counts: mapToPairs(df.nan_value_counts, toLong),
      lower_bounds: mapToPairs(df.lower_bounds, toBuf),
      upper_bounds: mapToPairs(df.upper_bounds, toBuf),
      key_metadata: df.key_metadata == null ? null : toBuf(df.key_metadata),
      split_offsets: df.split_offsets == null ? null : df.split_offsets.map(toLong),
      equality_ids: df.equality_ids == null ? null : [...df.equality_ids],
      sort_order_id: df.sort_order_id ?? null,
      referenced_data_file: df.referenced_data_file ?? null,
    },
  }
}

/**
 * Writes a v2 manifest (spec "Manifests") to `location` and returns its manifest list entry, with
 * file/row counts and per-partition-field summaries. The returned `sequence_number` is
 * MANIFEST_UNASSIGNED_SEQ, as is `min_sequence_number` when every live entry inherits: both are
 * settled by `manifestListWrite` with the committing snapshot's sequence number.
 */
export async function manifestWrite(store: ObjectStore, location: string, opts: ManifestWriteOptions): Promise<ManifestFile> {
  const { schema, spec, content, entries, snapshotId } = opts
  if (opts.formatVersion !== 2) {
    throw new AkkoError('NOT_SUPPORTED', `Writing format version ${opts.formatVersion} manifests is not supported; only version 2`, {
      formatVersion: opts.formatVersion,
    })
  }
  const fields = partitionFieldsOf(schema, spec)
  const names = new Set(fields.map((f) => f.name))
  for (const e of entries) checkEntry(e, content, names)
  const records = entries.map((e) => entryToAvro(e, snapshotId, fields))
  const bytes = avroContainerWrite(avroManifestEntrySchema(fields), {
    schema: jsonStringifyLossless(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': jsonStringifyLossless(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': '2',
    content: content === 0 ? 'data' : 'deletes',
  }, records)
  await store.put(location, bytes, opts.signal ? { signal: opts.signal } : {})
  return manifestFileFor(location, bytes.byteLength, opts, fields)
}

function manifestFileFor(location: string, length: number, opts: ManifestWriteOptions, fields: readonly AvroPartitionField[]): ManifestFile {
  const count = { files: [0, 0, 0], rows: [0, 0, 0] }
  let minSeq: number | undefined
  for (const e of opts.entries) {
    count.files[e.status]! += 1
    count.rows[e.status]! += e.data_file.record_count
    if (e.status !== 2 && e.sequence_number != null) minSeq = Math.min(minSeq ?? e.sequence_number, e.sequence_number)
  }
  return {
    manifest_path: location,
    manifest_length: length,
    partition_spec_id: opts.spec['spec-id'],
    content: opts.content,
    sequence_number: MANIFEST_UNASSIGNED_SEQ,
    min_sequence_number: minSeq ?? MANIFEST_UNASSIGNED_SEQ,
    added_snapshot_id: opts.snapshotId,
    added_files_count: count.files[1]!,
    existing_files_count: count.files[0]!,
    deleted_files_count: count.files[2]!,
    added_rows_count: count.rows[1]!,
    existing_rows_count: count.rows[0]!,
    deleted_rows_count: count.rows[2]!,
    partitions: manifestPartitionSummaries(fields, opts.entries.map((e) => e.data_file.partition)),
    key_metadata: null,
  }
}

export interface ManifestReadOptions extends IoOptions {
  /** Also return DELETED entries (status 2); by default only live (EXISTING and ADDED) entries. */
  readonly includeDeleted?: boolean
}

/**
 * Streams the entries of the manifest `manifestFile` points at, with sequence numbers and snapshot ids
 * inherited from it. A missing file fails with the store's FILE_NOT_FOUND; an unreadable one with CORRUPT_FILE.
 */
export async function* manifestEntries(store: ObjectStore, manifestFile: ManifestFile, opts: ManifestReadOptions = {}): AsyncGenerator<ManifestEntry> {
  const bytes = await store.get(manifestFile.manifest_path, undefined, opts.signal ? { signal: opts.signal } : {})
  yield* manifestDecode(bytes, manifestFile, opts)
}

/** Reads every (live, unless `includeDeleted`) entry of a manifest; see `manifestEntries`. */
export async function manifestRead(store: ObjectStore, manifestFile: ManifestFile, opts: ManifestReadOptions = {}): Promise<ManifestEntry[]> {
  // Manifests are immutable, and the inherited values depend only on the list entry: cache the decoded entries.
  const key = `${manifestFile.manifest_path}|${manifestFile.sequence_number}|${manifestFile.added_snapshot_id}|${opts.includeDeleted === true}`
  const hit = MANIFEST_CACHE.get(key)
  if (hit) {
    MANIFEST_CACHE.delete(key)
    MANIFEST_CACHE.set(key, hit)
    return hit
  }
  const out: ManifestEntry[] = []
  for await (const e of manifestEntries(store, manifestFile, opts)) out.push(e)
  Object.freeze(out)
  manifestCachePut(key, out)
  return out
}

/** Empties the decoded-manifest cache (benchmarks of cold planning). */
export function manifestCacheClear(): void {
  MANIFEST_CACHE.clear()
  manifestCacheEntries = 0
}

/** Decoded manifests, least recently used first; bounded by the number of entries held. */
const MANIFEST_CACHE = new Map<string, ManifestEntry[]>()
const MANIFEST_CACHE_MAX_ENTRIES = 500_000
let manifestCacheEntries = 0

function manifestCachePut(key: string, entries: ManifestEntry[]): void {
  if (entries.length > MANIFEST_CACHE_MAX_ENTRIES / 4) return
  MANIFEST_CACHE.set(key, entries)
  manifestCacheEntries += entries.length
  while (manifestCacheEntries > MANIFEST_CACHE_MAX_ENTRIES) {
    const [oldest, value] = MANIFEST_CACHE.entries().next().value as [string, ManifestEntry[]]
    MANIFEST_CACHE.delete(oldest)
    manifestCacheEntries -= value.length
  }
}
