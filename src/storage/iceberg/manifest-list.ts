/**
 * Iceberg manifest lists (spec "Manifest Lists"): one per snapshot, listing its manifests with counts
 * and partition summaries. Reads v1 and v2 files from any writer (fields found by id in the writer's
 * schema; v1 defaults applied), writes v2.
 */
import { Buffer } from 'node:buffer'
import { AkkoError, type IoOptions } from '../../core/index.js'
import type { ObjectStore } from '../object-store/object-store.js'
import { avroContainerOpen, avroContainerWrite } from './avro-codec.js'
import { avroBytes, avroFieldReader, avroLongToNumber, avroRequiredReader, type Named } from './avro-fields.js'
import { AVRO_MANIFEST_FILE_SCHEMA, avroFieldById, avroNamedTypes, avroRecordFields, avroResolve } from './avro-schemas.js'
import { MANIFEST_UNASSIGNED_SEQ } from './manifest.js'
import type { FieldSummary, ManifestFile } from './spec.js'

export interface ManifestListWriteOptions extends IoOptions {
  readonly snapshotId: bigint
  readonly parentSnapshotId?: bigint | null
  /** The committing snapshot's sequence number; replaces MANIFEST_UNASSIGNED_SEQ in manifests it added. */
  readonly sequenceNumber: number
  readonly manifests: readonly ManifestFile[]
}

type Rec = Record<string, unknown>
const num = avroLongToNumber
const big = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number))
const buf = (u: Uint8Array | null | undefined) => (u == null ? null : Buffer.from(u.buffer, u.byteOffset, u.byteLength))

/**
 * Settles the sequence numbers of manifests added by this snapshot (Java's ManifestListWriter does the same):
 * an unassigned sequence number becomes the snapshot's; an unassigned minimum (every live entry inherits,
 * or none is live) becomes the manifest's sequence number.
 */
function settle(m: ManifestFile, o: ManifestListWriteOptions): ManifestFile {
  let seq = m.sequence_number
  if (seq === MANIFEST_UNASSIGNED_SEQ) {
    if (m.added_snapshot_id !== o.snapshotId) {
      throw new AkkoError(
        'INVALID_ARGUMENT',
        `Manifest ${m.manifest_path} has no sequence number yet but was added by snapshot ${m.added_snapshot_id}, not ${o.snapshotId}`,
        { manifest: m.manifest_path },
      )
    }
    seq = o.sequenceNumber
  }
  const min = m.min_sequence_number === MANIFEST_UNASSIGNED_SEQ ? seq : m.min_sequence_number
  return seq === m.sequence_number && min === m.min_sequence_number ? m : { ...m, sequence_number: seq, min_sequence_number: min }
}

function toAvro(m: ManifestFile): Rec {
  return {
    manifest_path: m.manifest_path,
    manifest_length: BigInt(m.manifest_length),
    partition_spec_id: m.partition_spec_id,
    content: m.content,
    sequence_number: BigInt(m.sequence_number),
    min_sequence_number: BigInt(m.min_sequence_number),
    added_snapshot_id: m.added_snapshot_id,
    added_files_count: m.added_files_count,
    existing_files_count: m.existing_files_count,
    deleted_files_count: m.deleted_files_count,
    added_rows_count: BigInt(m.added_rows_count),
    existing_rows_count: BigInt(m.existing_rows_count),
    deleted_rows_count: BigInt(m.deleted_rows_count),
    partitions:
      m.partitions == null
        ? null
        : m.partitions.map((p) => ({
            contains_null: p.contains_null,
            contains_nan: p.contains_nan ?? null,
            lower_bound: buf(p.lower_bound),
            upper_bound: buf(p.upper_bound),
          })),
    key_metadata: buf(m.key_metadata),
  }
}

/**
 * Writes a v2 manifest list (spec "Manifest Lists") to `location`; returns its size in bytes.
 * Header: snapshot-id, parent-snapshot-id ("null" when none, as Java writes it), sequence-number, format-version.
 */
export async function manifestListWrite(store: ObjectStore, location: string, opts: ManifestListWriteOptions): Promise<number> {
  const records = opts.manifests.map((m) => toAvro(settle(m, opts)))
  const bytes = avroContainerWrite(AVRO_MANIFEST_FILE_SCHEMA, {
    'snapshot-id': String(opts.snapshotId),
    'parent-snapshot-id': opts.parentSnapshotId == null ? 'null' : String(opts.parentSnapshotId),
    'sequence-number': String(opts.sequenceNumber),
    'format-version': '2',
  }, records)
  await store.put(location, bytes, opts.signal ? { signal: opts.signal } : {})
  return bytes.byteLength
}

function summariesReader(fields: ReturnType<typeof avroRecordFields>, named: Named): (rec: Rec) => FieldSummary[] | null {
  const field = avroFieldById(fields, 507, 'partitions')
  if (!field) return () => null
  const t = avroResolve(field.type, named)
  const items = typeof t === 'object' && !Array.isArray(t) ? (t as { items?: never }).items : undefined
  const fs = items === undefined ? [] : avroRecordFields(items, named)
  const nameOf = (id: number, name: string) => avroFieldById(fs, id, name)?.name
  const [cNull, cNan, lower, upper] = [nameOf(509, 'contains_null'), nameOf(518, 'contains_nan'), nameOf(510, 'lower_bound'), nameOf(511, 'upper_bound')]
  const opt = <T>(r: Rec, n: string | undefined, conv: (v: unknown) => T): T | null => (n === undefined || r[n] == null ? null : conv(r[n]))
  return (rec) => {
    const raw = rec[field.name] as Rec[] | null | undefined
    if (raw == null) return null
    return raw.map((r) => ({
      contains_null: opt(r, cNull, Boolean) ?? false,
      contains_nan: opt(r, cNan, Boolean),
      lower_bound: opt(r, lower, avroBytes),
      upper_bound: opt(r, upper, avroBytes),
    }))
  }
}

/** Decodes a manifest list held in `bytes` (see `manifestListRead`). */
export function manifestListDecode(bytes: Uint8Array, location: string): ManifestFile[] {
  const file = avroContainerOpen(bytes, location)
  const named = avroNamedTypes(file.schema)
  const fs = avroRecordFields(file.schema, named)
  const by = (id: number, ...names: string[]) => avroFieldById(fs, id, ...names)
  const need = <T>(id: number, name: string, conv: (v: unknown) => T) => avroRequiredReader(by(id, name), conv, location, name)
  // v1 lists lack content and sequence numbers: data manifests at sequence number 0 (spec "Manifest Lists").
  // v1 counts are optional; absent counts read as 0.
  const r = {
    manifest_path: need(500, 'manifest_path', String),
    manifest_length: need(501, 'manifest_length', num),
    partition_spec_id: need(502, 'partition_spec_id', num),
    content: avroFieldReader(by(517, 'content'), (v) => num(v) as 0 | 1, 0 as 0 | 1),
    sequence_number: avroFieldReader(by(515, 'sequence_number'), num, 0),
    min_sequence_number: avroFieldReader(by(516, 'min_sequence_number'), num, 0),
    added_snapshot_id: need(503, 'added_snapshot_id', big),
    added_files_count: avroFieldReader(by(504, 'added_files_count', 'added_data_files_count'), num, 0),
    existing_files_count: avroFieldReader(by(505, 'existing_files_count', 'existing_data_files_count'), num, 0),
    deleted_files_count: avroFieldReader(by(506, 'deleted_files_count', 'deleted_data_files_count'), num, 0),
    added_rows_count: avroFieldReader(by(512, 'added_rows_count'), num, 0),
    existing_rows_count: avroFieldReader(by(513, 'existing_rows_count'), num, 0),
    deleted_rows_count: avroFieldReader(by(514, 'deleted_rows_count'), num, 0),
    partitions: summariesReader(fs, named),
    key_metadata: avroFieldReader(by(519, 'key_metadata'), avroBytes, null),
  }
  const out: ManifestFile[] = []
  for (const raw of file.records()) {
    const rec = raw as Rec
    const m: Record<string, unknown> = {}
    for (const [k, read] of Object.entries(r)) m[k] = read(rec)
    out.push(m as unknown as ManifestFile)
  }
  return out
}

/**
 * Reads a manifest list (v1 or v2, any writer). A missing file fails with the store's FILE_NOT_FOUND,
 * an unreadable one with CORRUPT_FILE naming it.
 */
export async function manifestListRead(store: ObjectStore, location: string, opts: IoOptions = {}): Promise<ManifestFile[]> {
  const bytes = await store.get(location, undefined, opts)
  return manifestListDecode(bytes, location)
}
