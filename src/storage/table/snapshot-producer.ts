import { randomUUID } from 'node:crypto'
import { AkkoError, isCommitConflict } from '../../core/index.js'
import { manifestListRead, manifestListWrite } from '../iceberg/manifest-list.js'
import { manifestRead, manifestWrite } from '../iceberg/manifest.js'
import { metadataCurrentSchema, metadataSpecById } from '../iceberg/metadata.js'
import type { DataFile, ManifestEntry, ManifestFile, Snapshot, TableMetadata } from '../iceberg/spec.js'
import { snapshotIdNew } from './snapshot-id.js'
import { summaryBuild } from './snapshot-summary.js'
import { tableLoad, tableName, type TableContext, type TableState } from './table-context.js'

/** One logical change to a table, committed as one snapshot (spec "Snapshots"). */
export interface SnapshotChange {
  readonly operation: 'append' | 'overwrite' | 'delete' | 'replace'
  /** New data files and delete files (told apart by `content`). */
  readonly added?: readonly DataFile[]
  /** Live data or delete files this snapshot removes (matched by `file_path`). */
  readonly removed?: readonly DataFile[]
  /** Extra summary properties (e.g. a CDC watermark); values are strings, as the spec requires. */
  readonly summary?: Readonly<Record<string, string>>
  /**
   * Conflict detection when another writer committed first: receives the entries those snapshots added and
   * removed, and throws COMMIT_CONFLICT (with `details.retryable: false`) if this change is no longer valid.
   * Appends need none; overwrites and row-level deletes check for conflicting files.
   */
  readonly validate?: (since: ConcurrentChanges) => void
  /** The branch to commit to (default `main`). */
  readonly branch?: string
  /** Rewrite the parent's manifests into one manifest per content and spec (maintenance; operation `replace`). */
  readonly rewriteManifests?: boolean
}

export interface ConcurrentChanges {
  readonly snapshots: readonly Snapshot[]
  readonly added: readonly ManifestEntry[]
  readonly removed: readonly ManifestEntry[]
}

export interface CommitResult extends TableState {
  readonly snapshot: Snapshot
  readonly attempts: number
}

export interface CommitOptions {
  /** The state the change was computed from; loaded when absent. */
  readonly base?: TableState
  readonly maxAttempts?: number
  readonly signal?: AbortSignal
}

const DEFAULT_ATTEMPTS = 60

/**
 * Commits `change` as a new snapshot with optimistic concurrency: manifests for the added files are written once;
 * each attempt writes a manifest list on top of the branch head it saw, and the catalog swaps the metadata pointer
 * only if the branch still points there (assert-ref-snapshot-id). A lost race reloads, validates and retries with
 * jittered backoff, reusing the added manifests (their entries inherit the sequence number, spec §2.8).
 */
export async function snapshotCommit(ctx: TableContext, ident: CommitResult['ident'], change: SnapshotChange, opts: CommitOptions = {}): Promise<CommitResult> {
  let base = opts.base ?? (await tableLoad(ctx, ident))
  formatCheckWritable(base)
  const snapshotId = snapshotIdNew()
  const branch = change.branch ?? 'main'
  const added = await addedManifestsWrite(ctx, base.metadata, change.added ?? [], snapshotId)
  const firstParent = branchHead(base.metadata, branch)
  const maxAttempts = opts.maxAttempts ?? DEFAULT_ATTEMPTS
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted()
    const written: string[] = []
    try {
      const snapshot = await snapshotWrite(ctx, base, change, { snapshotId, branch, added, attempt, written })
      const parentId = snapshot['parent-snapshot-id'] ?? null
      const committed = await ctx.catalog.commitTable(
        ident,
        [
          { type: 'assert-table-uuid', uuid: base.metadata['table-uuid'] },
          { type: 'assert-ref-snapshot-id', ref: branch, 'snapshot-id': parentId },
        ],
        [
          { action: 'add-snapshot', snapshot },
          { action: 'set-snapshot-ref', 'ref-name': branch, type: 'branch', 'snapshot-id': snapshotId },
        ],
      )
      return { ident, metadataLocation: committed.metadataLocation, metadata: committed.metadata, snapshot, attempts: attempt }
    } catch (e) {
      await filesDelete(ctx, written)
      const retryable = isCommitConflict(e) && e.details.retryable !== false && attempt < maxAttempts
      if (!retryable) {
        await filesDelete(ctx, added.map(m => m.manifest_path))
        throw e
      }
      ctx.log.emit({ code: 'S010', level: 'debug', table: tableName(ident), attempt, reason: 'COMMIT_CONFLICT' })
      await backoff(attempt, opts.signal)
      base = await tableLoad(ctx, ident)
      if (change.validate) change.validate(await concurrentChanges(ctx, base.metadata, firstParent, branch))
    }
  }
}

/** Refuses to write a table whose format this writer does not produce. */
function formatCheckWritable(state: TableState): void {
  if (state.metadata['format-version'] !== 2) {
    throw new AkkoError('NOT_SUPPORTED', `Table ${tableName(state.ident)} is Iceberg format v${state.metadata['format-version']}; this platform writes format v2 tables only. Upgrade it first (set the table property format-version to 2).`, { table: tableName(state.ident) })
  }
}

/** The snapshot id a branch points at, or null when the branch does not exist yet. */
export function branchHead(m: TableMetadata, branch: string): bigint | null {
  const ref = m.refs[branch]
  if (ref) return ref['snapshot-id']
  if (branch === 'main' && m['current-snapshot-id'] !== undefined && m['current-snapshot-id'] !== null && m['current-snapshot-id'] >= 0n) return m['current-snapshot-id']
  return null
}

/** Manifests for the new files, one per (content, spec); entries leave sequence numbers null to inherit them. */
async function addedManifestsWrite(ctx: TableContext, m: TableMetadata, files: readonly DataFile[], snapshotId: bigint): Promise<ManifestFile[]> {
  const groups = new Map<string, DataFile[]>()
  for (const f of files) {
    const key = `${f.content === 0 ? 0 : 1}:${f.spec_id ?? m['default-spec-id']}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = []))
    g.push(f)
  }
  const out: ManifestFile[] = []
  for (const [key, group] of groups) {
    const [content, specId] = key.split(':').map(Number) as [0 | 1, number]
    const location = `${m.location}/metadata/${randomUUID()}-m0.avro`
    out.push(await manifestWrite(ctx.store, location, {
      schema: currentSchema(m),
      spec: specById(m, specId),
      formatVersion: 2,
      content,
      snapshotId,
      entries: group.map(f => ({ status: 1, snapshot_id: snapshotId, sequence_number: null, file_sequence_number: null, data_file: f })),
    }))
  }
  return out
}

interface AttemptInput {
  readonly snapshotId: bigint
  readonly branch: string
  readonly added: readonly ManifestFile[]
  readonly attempt: number
  /** Files this attempt wrote, deleted if the attempt does not commit. */
  readonly written: string[]
}

/** Writes the manifest list for one attempt on top of the branch head in `base`, and returns the snapshot. */
async function snapshotWrite(ctx: TableContext, base: TableState, change: SnapshotChange, a: AttemptInput): Promise<Snapshot> {
  const m = base.metadata
  const parentId = branchHead(m, a.branch)
  const parent = parentId === null ? undefined : m.snapshots.find(s => s['snapshot-id'] === parentId)
  const sequenceNumber = m['last-sequence-number'] + 1
  const parentManifests = parent ? await manifestListRead(ctx.store, parent['manifest-list']) : []
  const { kept, rewritten, removedEntries } = change.rewriteManifests
    ? await manifestsConsolidate(ctx, m, parentManifests, a)
    : await removedApply(ctx, m, parentManifests, change.removed ?? [], a)
  const manifests = [
    ...a.added.map(mf => ({ ...mf, sequence_number: sequenceNumber, min_sequence_number: sequenceNumber, added_snapshot_id: a.snapshotId })),
    ...rewritten.map(mf => ({ ...mf, sequence_number: sequenceNumber, min_sequence_number: Math.min(mf.min_sequence_number, sequenceNumber) })),
    ...kept,
  ]
  const manifestList = `${m.location}/metadata/snap-${a.snapshotId}-${a.attempt}-${randomUUID()}.avro`
  a.written.push(manifestList)
  await manifestListWrite(ctx.store, manifestList, { snapshotId: a.snapshotId, parentSnapshotId: parentId, sequenceNumber, manifests })
  return {
    'snapshot-id': a.snapshotId,
    ...(parentId !== null ? { 'parent-snapshot-id': parentId } : {}),
    'sequence-number': sequenceNumber,
    'timestamp-ms': Math.max(Date.now(), m['last-updated-ms'] + 1),
    'manifest-list': manifestList,
    summary: summaryBuild(change.operation, parent?.summary, change.added ?? [], removedEntries.map(e => e.data_file), change.summary),
    'schema-id': m['current-schema-id'],
  }
}

/**
 * Carries the parent's manifests into the new snapshot. Manifests holding a removed file are rewritten: the
 * removed entries become DELETED (stamped with the new snapshot id), live entries EXISTING with their sequence
 * numbers kept explicitly. A removed file that is no longer live means another writer removed it first: conflict.
 */
async function removedApply(ctx: TableContext, m: TableMetadata, parentManifests: readonly ManifestFile[], removed: readonly DataFile[], a: AttemptInput) {
  const want = new Map(removed.map(f => [f.file_path, f]))
  const kept: ManifestFile[] = []
  const rewritten: ManifestFile[] = []
  const removedEntries: ManifestEntry[] = []
  for (const mf of parentManifests) {
    const live = mf.added_files_count + mf.existing_files_count
    if (want.size === 0 || live === 0) {
      if (live > 0 || mf.added_snapshot_id === a.snapshotId) kept.push(mf)
      continue
    }
    const entries = await manifestRead(ctx.store, mf)
    const hits = entries.filter(e => want.has(e.data_file.file_path))
    if (hits.length === 0) {
      kept.push(mf)
      continue
    }
    const next = entries.map(e => want.has(e.data_file.file_path)
      ? { ...e, status: 2 as const, snapshot_id: a.snapshotId }
      : { ...e, status: 0 as const })
    for (const h of hits) {
      removedEntries.push(h)
      want.delete(h.data_file.file_path)
    }
    const location = `${m.location}/metadata/${randomUUID()}-m${a.attempt}.avro`
    a.written.push(location)
    rewritten.push(await manifestWrite(ctx.store, location, {
      schema: currentSchema(m),
      spec: specById(m, mf.partition_spec_id),
      formatVersion: 2,
      content: mf.content,
      snapshotId: a.snapshotId,
      entries: next,
    }))
  }
  if (want.size > 0) {
    const [first] = want.keys()
    throw new AkkoError('COMMIT_CONFLICT', `Cannot remove ${want.size} file(s) that are no longer in the table (first: ${first}); another writer changed it concurrently. Retry the statement.`, { retryable: false, files: [...want.keys()].slice(0, 10) })
  }
  return { kept, rewritten, removedEntries }
}

/** Rewrites every live entry of the parent's manifests as EXISTING into one manifest per (content, spec). */
async function manifestsConsolidate(ctx: TableContext, m: TableMetadata, parentManifests: readonly ManifestFile[], a: AttemptInput) {
  const groups = new Map<string, ManifestEntry[]>()
  for (const mf of parentManifests) {
    for (const e of await manifestRead(ctx.store, mf)) {
      if (e.status === 2) continue
      const key = `${mf.content}:${mf.partition_spec_id}`
      let g = groups.get(key)
      if (!g) groups.set(key, (g = []))
      g.push({ ...e, status: 0 })
    }
  }
  const rewritten: ManifestFile[] = []
  for (const [key, entries] of groups) {
    const [content, specId] = key.split(':').map(Number) as [0 | 1, number]
    const location = `${m.location}/metadata/${randomUUID()}-m${a.attempt}.avro`
    a.written.push(location)
    rewritten.push(await manifestWrite(ctx.store, location, { schema: currentSchema(m), spec: specById(m, specId), formatVersion: 2, content, snapshotId: a.snapshotId, entries }))
  }
  return { kept: [] as ManifestFile[], rewritten, removedEntries: [] as ManifestEntry[] }
}

/** Entries added and removed by the snapshots committed on `branch` after `since` (conflict detection). */
async function concurrentChanges(ctx: TableContext, m: TableMetadata, since: bigint | null, branch: string): Promise<ConcurrentChanges> {
  const snapshots: Snapshot[] = []
  let id = branchHead(m, branch)
  while (id !== null && id !== since) {
    const s = m.snapshots.find(x => x['snapshot-id'] === id)
    if (!s) break
    snapshots.push(s)
    id = s['parent-snapshot-id'] ?? null
  }
  const ids = new Set(snapshots.map(s => s['snapshot-id']))
  const added: ManifestEntry[] = []
  const removed: ManifestEntry[] = []
  for (const s of snapshots) {
    for (const mf of await manifestListRead(ctx.store, s['manifest-list'])) {
      if (mf.added_snapshot_id !== s['snapshot-id']) continue
      for (const e of await manifestRead(ctx.store, mf, { includeDeleted: true })) {
        if (!ids.has(e.snapshot_id)) continue
        if (e.status === 1) added.push(e)
        else if (e.status === 2) removed.push(e)
      }
    }
  }
  return { snapshots, added, removed }
}

async function filesDelete(ctx: TableContext, locations: readonly string[]): Promise<void> {
  await Promise.all(locations.map(l => ctx.store.delete(l).catch(() => undefined)))
}

function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  const ms = Math.min(1000, 5 * 2 ** Math.min(attempt, 8)) * (0.5 + Math.random())
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason) }, { once: true })
  })
}

/** The table's current schema (INVALID_METADATA when missing). */
export const currentSchema = metadataCurrentSchema

/** The partition spec with this id (INVALID_METADATA when missing). */
export function specById(m: TableMetadata, id: number) {
  const s = metadataSpecById(m, id)
  if (!s) throw new AkkoError('INVALID_METADATA', `Partition spec ${id} is missing from the table metadata`)
  return s
}
