/**
 * Lookups in table metadata (schemas, specs, sort orders, snapshots, refs, time travel) and metadata file names.
 * Pure: no I/O.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { PartitionSpec, Schema, Snapshot, SnapshotLogEntry, SnapshotRef, SortOrder, TableMetadata } from './spec.js'

// ---------------------------------------------------------------- lookups

/** The current schema. */
export function metadataCurrentSchema(m: TableMetadata): Schema {
  const s = metadataSchemaById(m, m['current-schema-id'])
  if (!s) throw new AkkoError('INVALID_METADATA', `Invalid table metadata: current schema ${m['current-schema-id']} is missing`, { field: 'current-schema-id' })
  return s
}

/** The schema with this id, or undefined. */
export const metadataSchemaById = (m: TableMetadata, id: number): Schema | undefined => m.schemas.find((s) => s['schema-id'] === id)

/** The partition spec with this id, or undefined. */
export const metadataSpecById = (m: TableMetadata, id: number): PartitionSpec | undefined => m['partition-specs'].find((s) => s['spec-id'] === id)

/** The default partition spec. */
export function metadataDefaultSpec(m: TableMetadata): PartitionSpec {
  const s = metadataSpecById(m, m['default-spec-id'])
  if (!s) throw new AkkoError('INVALID_METADATA', `Invalid table metadata: default partition spec ${m['default-spec-id']} is missing`, { field: 'default-spec-id' })
  return s
}

/** The sort order with this id, or undefined. */
export const metadataSortOrderById = (m: TableMetadata, id: number): SortOrder | undefined => m['sort-orders'].find((s) => s['order-id'] === id)

/** The snapshot with this id, or undefined (use `metadataRequireSnapshot` to fail with SNAPSHOT_NOT_FOUND). */
export const metadataSnapshot = (m: TableMetadata, id: bigint): Snapshot | undefined => m.snapshots.find((s) => s['snapshot-id'] === id)

/** The snapshot with this id; SNAPSHOT_NOT_FOUND when the table has none such (never existed or expired). */
export function metadataRequireSnapshot(m: TableMetadata, id: bigint): Snapshot {
  const s = metadataSnapshot(m, id)
  if (!s) throw new AkkoError('SNAPSHOT_NOT_FOUND', `Snapshot ${id} does not exist in table ${m.location} (it may have been expired)`, { snapshotId: String(id) })
  return s
}

/** The current snapshot (the head of `main`), or undefined for a table without data. */
export function metadataCurrentSnapshot(m: TableMetadata): Snapshot | undefined {
  const id = m['current-snapshot-id']
  return id === null || id === undefined ? undefined : metadataSnapshot(m, id)
}

/** A branch or tag by name ('main' is the current snapshot's branch), or undefined. */
export const metadataRef = (m: TableMetadata, name: string): SnapshotRef | undefined => (Object.hasOwn(m.refs, name) ? m.refs[name] : undefined)

/**
 * Time travel: the snapshot that was current at `timestampMs`, from the snapshot log (the last entry at or before
 * that time). SNAPSHOT_NOT_FOUND when the time is before the table's first snapshot or that snapshot expired.
 */
export function metadataSnapshotAt(m: TableMetadata, timestampMs: number): Snapshot {
  let found: bigint | undefined
  const log = m['snapshot-log'].length ? m['snapshot-log'] : ancestorsLog(m)
  for (const e of log) if (e['timestamp-ms'] <= timestampMs) found = e['snapshot-id']
  if (found === undefined) {
    throw new AkkoError('SNAPSHOT_NOT_FOUND', `Table ${m.location} has no snapshot at or before ${new Date(timestampMs).toISOString()}`, { timestampMs })
  }
  return metadataRequireSnapshot(m, found)
}

/** When a writer kept no snapshot log, the current snapshot's ancestry stands in for it (oldest first). */
function ancestorsLog(m: TableMetadata): SnapshotLogEntry[] {
  const out: SnapshotLogEntry[] = []
  for (let s = metadataCurrentSnapshot(m); s; s = s['parent-snapshot-id'] === undefined ? undefined : metadataSnapshot(m, s['parent-snapshot-id'])) {
    out.unshift({ 'snapshot-id': s['snapshot-id'], 'timestamp-ms': s['timestamp-ms'] })
    if (out.length > m.snapshots.length) break
  }
  return out
}

// ---------------------------------------------------------------- file names

/** Metadata file name for a version: `00005-<uuid>.metadata.json` (the name Java and PyIceberg catalogs write). */
export function metadataFileName(version: number, uuid: string): string {
  return `${String(version).padStart(5, '0')}-${uuid}.metadata.json`
}

/**
 * The version number in a metadata file location: 5 for `…/00005-<uuid>.metadata.json`, `…/v5.metadata.json`
 * or their `.gz` forms; undefined when the name follows neither pattern.
 */
export function metadataVersionFromLocation(location: string): number | undefined {
  const name = location.slice(location.lastIndexOf('/') + 1)
  const m = /^(\d+)-.+?(?:\.gz)?\.metadata\.json(?:\.gz)?$/.exec(name) ?? /^v(\d+)(?:\.gz)?\.metadata\.json(?:\.gz)?$/.exec(name)
  return m ? Number(m[1]) : undefined
}
