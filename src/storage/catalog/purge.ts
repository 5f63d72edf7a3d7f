import { isAkkoError, type Logger } from '../../core/index.js'
import type { ObjectStore } from '../object-store/object-store.js'
import type { TableMetadata } from '../iceberg/spec.js'
import { manifestListRead } from '../iceberg/manifest-list.js'
import { manifestRead } from '../iceberg/manifest.js'

/** What a purge did, for logs and callers that want to report it. */
export interface PurgeResult {
  readonly deleted: number
  readonly failed: number
}

/**
 * Deletes every file a dropped table references: data and delete files of every snapshot, manifests,
 * manifest lists, statistics, current and previous metadata files, then whatever is left under the table
 * location. Runs after the pointer is gone, so nothing can commit to the table meanwhile; a file that
 * cannot be read or deleted is logged and skipped (a purge never fails the drop).
 */
export async function tablePurgeFiles(
  store: ObjectStore,
  metadata: TableMetadata | undefined,
  metadataLocation: string,
  log: Logger,
): Promise<PurgeResult> {
  const files = new Set<string>([metadataLocation])
  if (metadata) for (const f of await referencedFiles(store, metadata, log)) files.add(f)
  let deleted = 0
  let failed = 0
  const remove = async (location: string): Promise<void> => {
    if (!store.handles(location)) return
    try {
      await store.delete(location)
      deleted++
    } catch (e) {
      if (isAkkoError(e, 'FILE_NOT_FOUND')) return
      failed++
      log.emit({ code: 'S021', level: 'warn', msg: 'purge could not delete a file', location, error: errorText(e) })
    }
  }
  for (const f of files) await remove(f)
  if (metadata && store.handles(metadata.location)) {
    // Files the metadata no longer mentions (orphans of failed writes) still belong to the table.
    const prefix = metadata.location.replace(/\/+$/, '') + '/'
    try {
      for await (const o of store.list(prefix)) await remove(o.location)
    } catch (e) {
      failed++
      log.emit({ code: 'S021', level: 'warn', msg: 'purge could not list the table location', location: prefix, error: errorText(e) })
    }
  }
  return { deleted, failed }
}

async function referencedFiles(store: ObjectStore, metadata: TableMetadata, log: Logger): Promise<string[]> {
  const out: string[] = []
  for (const m of metadata['metadata-log']) out.push(m['metadata-file'])
  for (const s of metadata.statistics ?? []) out.push(s['statistics-path'])
  for (const s of metadata['partition-statistics'] ?? []) out.push(s['statistics-path'])
  const seenManifests = new Set<string>()
  for (const snap of metadata.snapshots) {
    out.push(snap['manifest-list'])
    try {
      for (const mf of await manifestListRead(store, snap['manifest-list'])) {
        if (seenManifests.has(mf.manifest_path)) continue
        seenManifests.add(mf.manifest_path)
        out.push(mf.manifest_path)
        for (const entry of await manifestRead(store, mf, { includeDeleted: true })) out.push(entry.data_file.file_path)
      }
    } catch (e) {
      if (isAkkoError(e, 'FILE_NOT_FOUND')) continue
      log.emit({ code: 'S021', level: 'warn', msg: 'purge could not read a manifest', snapshot: snap['snapshot-id'], error: errorText(e) })
    }
  }
  return out
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))
