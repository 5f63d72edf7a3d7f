import { AkkoError } from '../../core/index.js'
import { manifestListRead } from '../iceberg/manifest-list.js'
import { manifestRead } from '../iceberg/manifest.js'
import { exprBind, type Expr } from '../iceberg/expressions.js'
import { manifestEvaluator, metricsEvaluator, partitionEvaluator, partitionProjection } from '../iceberg/evaluators.js'
import type { FileScanTask } from '../iceberg/duck/index.js'
import type { DataFile, ManifestEntry, ManifestFile, PartitionSpec, Schema, Snapshot, TableMetadata } from '../iceberg/spec.js'
import { transformResultType } from '../iceberg/transforms.js'
import { metadataSnapshotAt } from '../iceberg/metadata.js'
import { schemaIndex } from '../iceberg/types.js'
import type { StructType } from '../iceberg/spec.js'
import { currentSchema, specById } from './snapshot-producer.js'
import type { TableContext } from './table-context.js'

/** Which snapshot to read: the branch head (default `main`), a snapshot id, a ref name, or the state at a time. */
export interface SnapshotSelector {
  readonly snapshotId?: bigint
  readonly ref?: string
  readonly asOfMs?: number
}

export interface ScanPlanOptions extends SnapshotSelector {
  /** Rows must match this filter; files that cannot match are pruned (never a false negative). */
  readonly filter?: Expr
  readonly caseSensitive?: boolean
  readonly signal?: AbortSignal
}

export interface ScanPlanMetrics {
  readonly manifests: number
  readonly manifestsPruned: number
  readonly dataFiles: number
  readonly dataFilesPruned: number
  readonly deleteFiles: number
}

export interface ScanPlan {
  /** Undefined for a table with no snapshot yet (an empty scan). */
  readonly snapshot?: Snapshot
  /** The schema to read with: the snapshot's schema for time travel, else the current one. */
  readonly schema: Schema
  readonly tasks: readonly FileScanTask[]
  readonly metrics: ScanPlanMetrics
}

/** Resolves a selector to a snapshot (SNAPSHOT_NOT_FOUND when it names none). */
export function snapshotSelect(m: TableMetadata, sel: SnapshotSelector): Snapshot | undefined {
  const byId = (id: bigint) => {
    const s = m.snapshots.find(x => x['snapshot-id'] === id)
    if (!s) throw new AkkoError('SNAPSHOT_NOT_FOUND', `Snapshot ${id} does not exist in this table`, { snapshotId: String(id) })
    return s
  }
  if (sel.snapshotId !== undefined) return byId(sel.snapshotId)
  if (sel.asOfMs !== undefined) return metadataSnapshotAt(m, sel.asOfMs)
  const refName = sel.ref ?? 'main'
  const ref = m.refs[refName]
  if (ref) return byId(ref['snapshot-id'])
  if (sel.ref !== undefined && sel.ref !== 'main') throw new AkkoError('SNAPSHOT_NOT_FOUND', `The table has no branch or tag named '${sel.ref}'`, { ref: sel.ref })
  const cur = m['current-snapshot-id']
  return cur === undefined || cur === null || cur < 0n ? undefined : byId(cur)
}

const READ_CONCURRENCY = 8

/**
 * Plans a scan (spec "Scan Planning"): prunes manifests by their partition summaries, then data files by
 * partition values and column metrics, and attaches to each data file the delete files that apply to it:
 * position deletes with a data sequence number >= the file's, equality deletes with a strictly greater one,
 * both from the same partition (an equality delete in an unpartitioned spec applies to every partition).
 */
export async function scanPlan(ctx: TableContext, m: TableMetadata, opts: ScanPlanOptions = {}): Promise<ScanPlan> {
  const snapshot = snapshotSelect(m, opts)
  const timeTravel = opts.snapshotId !== undefined || opts.asOfMs !== undefined
  const schema = timeTravel && snapshot?.['schema-id'] !== undefined
    ? (m.schemas.find(s => s['schema-id'] === snapshot['schema-id']) ?? currentSchema(m))
    : currentSchema(m)
  if (!snapshot) return { schema, tasks: [], metrics: { manifests: 0, manifestsPruned: 0, dataFiles: 0, dataFilesPruned: 0, deleteFiles: 0 } }

  const bound = opts.filter ? exprBind(opts.filter, schema, { caseSensitive: opts.caseSensitive ?? false }) : undefined
  const perSpec = new Map<number, { manifest: (mf: ManifestFile) => boolean; partition: (p: DataFile['partition']) => boolean }>()
  const specFilter = (specId: number) => {
    let f = perSpec.get(specId)
    if (!f) {
      const spec = specById(m, specId)
      if (!bound) f = { manifest: () => true, partition: () => true }
      else {
        const projected = partitionProjection(bound, spec, schema)
        f = { manifest: manifestEvaluator(projected, spec, schema), partition: partitionEvaluator(projected, partitionType(spec, schema)) }
      }
      perSpec.set(specId, f)
    }
    return f
  }
  const metrics = bound ? metricsEvaluator(bound, schema) : () => true

  const manifests = await manifestListRead(ctx.store, snapshot['manifest-list'])
  const selected = manifests.filter(mf => specFilter(mf.partition_spec_id).manifest(mf))
  const entryLists = await mapLimit(selected, READ_CONCURRENCY, async mf => {
    opts.signal?.throwIfAborted()
    return { mf, entries: await manifestRead(ctx.store, mf) }
  })

  const data: ManifestEntry[] = []
  const deletes: ManifestEntry[] = []
  let dataTotal = 0
  for (const { mf, entries } of entryLists) {
    const f = specFilter(mf.partition_spec_id)
    for (const e of entries) {
      if (e.status === 2) continue
      const file = e.data_file.spec_id === undefined ? { ...e, data_file: { ...e.data_file, spec_id: mf.partition_spec_id } } : e
      if (e.data_file.content !== 0) {
        deletes.push(file)
        continue
      }
      dataTotal++
      if (f.partition(e.data_file.partition) && metrics(e.data_file)) data.push(file)
    }
  }
  for (const mf of manifests) if (mf.content === 0 && !selected.includes(mf)) dataTotal += mf.added_files_count + mf.existing_files_count
  const index = deleteIndexBuild(m, deletes)
  const tasks = data.map(e => ({
    dataFile: e.data_file,
    dataSequenceNumber: e.sequence_number,
    deletes: index.forDataFile(e).map(d => ({ file: d.data_file, sequenceNumber: d.sequence_number })),
  }))
  return {
    snapshot,
    schema,
    tasks,
    metrics: { manifests: manifests.length, manifestsPruned: manifests.length - selected.length, dataFiles: dataTotal, dataFilesPruned: dataTotal - data.length, deleteFiles: deletes.length },
  }
}

/** The partition tuple's struct type: partition field ids and names, transform result types. */
export function partitionType(spec: PartitionSpec, schema: Schema): StructType {
  const index = schemaIndex(schema)
  return {
    type: 'struct',
    fields: spec.fields.map(f => {
      const source = index.byId.get(f['source-id'])?.field.type
      return { id: f['field-id'], name: f.name, required: false, type: typeof source === 'string' ? transformResultType(f.transform, source) : 'string' }
    }),
  }
}

const FILE_PATH_ID = 2147483546

/** Groups delete files by spec and partition so each data file finds the ones that apply in O(1). */
function deleteIndexBuild(m: TableMetadata, deletes: readonly ManifestEntry[]) {
  const byPartition = new Map<string, ManifestEntry[]>()
  const global: ManifestEntry[] = []
  for (const d of deletes) {
    const spec: PartitionSpec = specById(m, d.data_file.spec_id ?? m['default-spec-id'])
    if (d.data_file.content === 2 && spec.fields.length === 0) {
      global.push(d)
      continue
    }
    const key = partitionKey(d.data_file)
    let list = byPartition.get(key)
    if (!list) byPartition.set(key, (list = []))
    list.push(d)
  }
  const decoder = new TextDecoder()
  return {
    forDataFile(e: ManifestEntry): ManifestEntry[] {
      const candidates = [...(byPartition.get(partitionKey(e.data_file)) ?? []), ...global]
      return candidates.filter(d => {
        if (d.data_file.content === 1) {
          if (d.sequence_number < e.sequence_number) return false
          const lo = d.data_file.lower_bounds?.get(FILE_PATH_ID)
          const hi = d.data_file.upper_bounds?.get(FILE_PATH_ID)
          if (lo && hi) {
            const path = e.data_file.file_path
            if (path < decoder.decode(lo) || path > decoder.decode(hi) + '\uffff') return false
          }
          return true
        }
        return d.sequence_number > e.sequence_number
      })
    },
  }
}

function partitionKey(f: DataFile): string {
  return `${f.spec_id ?? 0}|${JSON.stringify(f.partition, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}`
}

/** Maps with at most `limit` calls in flight, keeping the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
