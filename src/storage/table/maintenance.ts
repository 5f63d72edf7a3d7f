import { AkkoError } from '../../core/index.js'
import { manifestListRead } from '../iceberg/manifest-list.js'
import { manifestRead } from '../iceberg/manifest.js'
import { dataFilesWrite, scanSql, type FileScanTask } from '../iceberg/duck/index.js'
import type { DataFile, TableMetadata } from '../iceberg/spec.js'
import type { TableIdent } from '../metastore/metastore.js'
import { mapLimit, scanPlan } from './scan-planner.js'
import { currentSchema, snapshotCommit, specById, type CommitResult } from './snapshot-producer.js'
import { tableLoad, tableName, type TableContext } from './table-context.js'

/** Progress callback for long maintenance work (the CLI draws a bar with it). */
export type Progress = (done: number, total: number, what: string) => void

export interface ExpireResult {
  readonly expiredSnapshots: readonly bigint[]
  readonly deletedFiles: number
}

/**
 * Expires snapshots older than `olderThanMs` (keeping the newest `retainLast` of the main branch and every
 * snapshot a branch or tag points at), commits their removal, then deletes the files only they referenced.
 */
export async function snapshotsExpire(ctx: TableContext, ident: TableIdent, opts: { olderThanMs: number; retainLast?: number; progress?: Progress }): Promise<ExpireResult> {
  const base = await tableLoad(ctx, ident)
  const m = base.metadata
  const keep = new Set<bigint>()
  for (const ref of Object.values(m.refs)) keep.add(ref['snapshot-id'])
  let id: bigint | null = m.refs.main?.['snapshot-id'] ?? null
  for (let n = 0; id !== null && n < Math.max(1, opts.retainLast ?? 1); n++) {
    const cur: bigint = id
    keep.add(cur)
    id = m.snapshots.find(s => s['snapshot-id'] === cur)?.['parent-snapshot-id'] ?? null
  }
  const expired = m.snapshots.filter(s => !keep.has(s['snapshot-id']) && s['timestamp-ms'] < opts.olderThanMs).map(s => s['snapshot-id'])
  if (expired.length === 0) return { expiredSnapshots: [], deletedFiles: 0 }
  const before = await reachableFiles(ctx, m, m.snapshots.map(s => s['snapshot-id']), opts.progress)
  const committed = await ctx.catalog.commitTable(ident, [{ type: 'assert-table-uuid', uuid: m['table-uuid'] }], [{ action: 'remove-snapshots', 'snapshot-ids': expired }])
  const after = await reachableFiles(ctx, committed.metadata, committed.metadata.snapshots.map(s => s['snapshot-id']))
  const doomed = [...before].filter(f => !after.has(f))
  await mapLimit(doomed, 16, f => ctx.store.delete(f))
  ctx.log.emit({ code: 'S020', level: 'info', table: tableName(ident), expired: expired.length, deletedFiles: doomed.length })
  return { expiredSnapshots: expired, deletedFiles: doomed.length }
}

/**
 * Deletes files under the table's location that no snapshot or metadata file references and that are older
 * than `olderThanMs` (default: 3 days ago, so a writer's files not yet committed are never taken).
 * This is how files left by a crashed writer are reclaimed.
 */
export async function orphanFilesRemove(ctx: TableContext, ident: TableIdent, opts: { olderThanMs?: number; dryRun?: boolean; progress?: Progress } = {}): Promise<{ readonly orphans: readonly string[] }> {
  const { metadata: m, metadataLocation } = await tableLoad(ctx, ident)
  const olderThan = opts.olderThanMs ?? Date.now() - 3 * 24 * 3600 * 1000
  const reachable = await reachableFiles(ctx, m, m.snapshots.map(s => s['snapshot-id']), opts.progress)
  reachable.add(normalize(metadataLocation))
  for (const e of m['metadata-log']) reachable.add(normalize(e['metadata-file']))
  const orphans: string[] = []
  for await (const o of ctx.store.list(`${m.location}/`)) {
    const loc = normalize(o.location)
    if (reachable.has(loc) || o.lastModified.getTime() >= olderThan) continue
    if (loc.endsWith('/metadata/version-hint.text')) continue
    orphans.push(o.location)
  }
  if (!opts.dryRun) await mapLimit(orphans, 16, f => ctx.store.delete(f))
  ctx.log.emit({ code: 'S021', level: 'info', table: tableName(ident), orphans: orphans.length, dryRun: Boolean(opts.dryRun) })
  return { orphans }
}

/**
 * Compaction: rewrites the data files of each partition that has several files smaller than the target size (or
 * files with deletes) into as few files as possible, applying their deletes; commits as `replace` (no logical change).
 */
export async function dataFilesRewrite(ctx: TableContext, ident: TableIdent, opts: { targetFileSizeBytes?: number; minInputFiles?: number; progress?: Progress } = {}): Promise<{ readonly rewritten: number; readonly added: number; readonly result?: CommitResult }> {
  const base = await tableLoad(ctx, ident)
  const m = base.metadata
  const target = opts.targetFileSizeBytes ?? Number(m.properties['write.target-file-size-bytes'] ?? 512 * 1024 * 1024)
  const plan = await scanPlan(ctx, m)
  const groups = new Map<string, FileScanTask[]>()
  for (const t of plan.tasks) {
    const small = Number(t.dataFile.file_size_in_bytes) < target * 0.75 || t.deletes.length > 0
    if (!small) continue
    const key = `${t.dataFile.spec_id}|${JSON.stringify(t.dataFile.partition, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = []))
    g.push(t)
  }
  const selected = [...groups.values()].filter(g => g.length >= (opts.minInputFiles ?? 2) || g.some(t => t.deletes.length > 0))
  if (selected.length === 0) return { rewritten: 0, added: 0 }
  const conn = await ctx.duck.connect()
  const added: DataFile[] = []
  try {
    let done = 0
    for (const tasks of selected) {
      const { sql } = await scanSql({ schema: currentSchema(m), tasks, store: ctx.store })
      added.push(...await dataFilesWrite(conn, { sourceSql: sql, schema: currentSchema(m), spec: specById(m, m['default-spec-id']), store: ctx.store, dataLocation: m.properties['write.data.path'] ?? `${m.location}/data`, targetFileSizeBytes: target }))
      opts.progress?.(++done, selected.length, 'partitions rewritten')
    }
  } finally {
    conn.closeSync()
  }
  const rewrittenTasks = selected.flat()
  const rewrittenPaths = new Set(rewrittenTasks.map(t => t.dataFile.file_path))
  const deleteUse = new Map<string, { file: DataFile; all: boolean }>()
  for (const t of plan.tasks) {
    for (const d of t.deletes) {
      const u = deleteUse.get(d.file.file_path) ?? { file: d.file, all: true }
      u.all &&= rewrittenPaths.has(t.dataFile.file_path)
      deleteUse.set(d.file.file_path, u)
    }
  }
  const removed = [...rewrittenTasks.map(t => t.dataFile), ...[...deleteUse.values()].filter(u => u.all).map(u => u.file)]
  const result = await snapshotCommit(ctx, ident, {
    operation: 'replace',
    added,
    removed,
    validate: since => {
      if (since.added.some(e => e.data_file.content !== 0)) {
        throw new AkkoError('COMMIT_CONFLICT', `Rows of ${tableName(ident)} were deleted while compaction ran; run it again.`, { retryable: false })
      }
    },
  }, { base })
  return { rewritten: rewrittenTasks.length, added: added.length, result }
}

/** Rewrites the current snapshot's manifests into one per content and partition spec (operation `replace`). */
export async function manifestsRewrite(ctx: TableContext, ident: TableIdent): Promise<CommitResult | undefined> {
  const base = await tableLoad(ctx, ident)
  if (!base.metadata.refs.main) return undefined
  return snapshotCommit(ctx, ident, { operation: 'replace', rewriteManifests: true }, { base })
}

/** Every file reachable from the given snapshots: manifest lists, manifests, data and delete files. */
export async function reachableFiles(ctx: TableContext, m: TableMetadata, snapshotIds: readonly bigint[], progress?: Progress): Promise<Set<string>> {
  const out = new Set<string>()
  const manifests = new Map<string, Parameters<typeof manifestRead>[1]>()
  for (const id of snapshotIds) {
    const s = m.snapshots.find(x => x['snapshot-id'] === id)
    if (!s) continue
    out.add(normalize(s['manifest-list']))
    for (const mf of await manifestListRead(ctx.store, s['manifest-list'])) manifests.set(mf.manifest_path, mf)
  }
  let done = 0
  await mapLimit([...manifests.values()], 8, async mf => {
    out.add(normalize(mf.manifest_path))
    for (const e of await manifestRead(ctx.store, mf, { includeDeleted: true })) if (e.status !== 2) out.add(normalize(e.data_file.file_path))
    progress?.(++done, manifests.size, 'manifests read')
  })
  return out
}

/** Same object, same string: `s3a://` and `s3n://` are `s3://`; `file:` URIs and plain paths agree. */
function normalize(location: string): string {
  if (location.startsWith('s3a://') || location.startsWith('s3n://')) return `s3://${location.slice(6)}`
  if (location.startsWith('file://')) return decodeURI(location.slice('file://'.length))
  return location
}
