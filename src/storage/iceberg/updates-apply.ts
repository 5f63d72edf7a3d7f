/**
 * How a commit changes table metadata: update application, following the Iceberg REST
 * catalog semantics (ICE-API `CommitTableRequest`) and the reference implementation's metadata builder.
 * Pure functions: the base metadata is never mutated, a failing update leaves nothing half-applied.
 */
import { AkkoError } from '../../core/index.js'
import { schemaValidate } from './schema.js'
import { transformResultType } from './transforms.js'
import { schemaHighestFieldId, schemaIndex } from './types.js'
import type {
  MetadataLogEntry, PartitionField, PartitionSpec, Schema, Snapshot, SnapshotLogEntry, SnapshotRef, SortOrder, TableMetadata,
} from './spec.js'
import { refSnapshotId } from './requirements.js'
import type { TableUpdate, UnboundPartitionSpec, UnboundSchema } from './updates.js'

/** Options of `updatesApply`. */
export interface UpdatesApplyOptions {
  /** Commit time, written to `last-updated-ms`. */
  readonly nowMs: number
  /** Location of the base metadata file; when given it is appended to `metadata-log`. */
  readonly metadataLocation?: string
}

const MAIN = 'main'
const LAST_ADDED = -1
const PARTITION_ID_START = 1000
const PREVIOUS_VERSIONS_MAX = 'write.metadata.previous-versions-max'
const PREVIOUS_VERSIONS_DEFAULT = 100

// ---------------------------------------------------------------- updates

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Working copy: top-level collections are copied, nested values are replaced, never edited in place. */
interface Draft extends Mutable<TableMetadata> {
  schemas: Schema[]
  'partition-specs': PartitionSpec[]
  'sort-orders': SortOrder[]
  snapshots: Snapshot[]
  'snapshot-log': SnapshotLogEntry[]
  'metadata-log': MetadataLogEntry[]
  refs: Record<string, SnapshotRef>
  properties: Record<string, string>
}

/** What happened earlier in the same commit, needed by later updates and by the final pass. */
interface CommitState {
  lastAddedSchemaId?: number
  lastAddedSpecId?: number
  lastAddedOrderId?: number
  addedSnapshots: Map<bigint, Snapshot>
  removedSnapshots: boolean
  baseLogLength: number
}

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new AkkoError('INVALID_REQUEST', message, details)
}

/**
 * An empty starting point for a create commit (a staged create followed by `assert-create`): no uuid, schema,
 * spec or sort order yet. `updatesApply` fills them from the updates and fails if any is still missing.
 */
export function updatesEmptyBase(): TableMetadata {
  return {
    'format-version': 2, 'table-uuid': '', location: '', 'last-sequence-number': 0, 'last-updated-ms': 0,
    'last-column-id': 0, schemas: [], 'current-schema-id': LAST_ADDED, 'partition-specs': [], 'default-spec-id': LAST_ADDED,
    'last-partition-id': PARTITION_ID_START - 1, properties: {}, 'current-snapshot-id': null, snapshots: [],
    'snapshot-log': [], 'metadata-log': [], 'sort-orders': [], 'default-sort-order-id': LAST_ADDED, refs: {},
  }
}

/**
 * Applies updates in order and returns new metadata (ICE-API `TableUpdate` semantics); `base` is never mutated.
 * Maintains `last-updated-ms`, `last-column-id`, `last-partition-id`, `last-sequence-number`, `snapshot-log`,
 * `metadata-log` (bounded by `write.metadata.previous-versions-max`) and `current-snapshot-id` = `refs.main`.
 * Malformed updates fail with INVALID_REQUEST (or INVALID_SCHEMA); a snapshot built on stale state with COMMIT_CONFLICT.
 */
export function updatesApply(base: TableMetadata, updates: readonly TableUpdate[], opts: UpdatesApplyOptions): TableMetadata {
  const d: Draft = {
    ...base,
    schemas: [...base.schemas], 'partition-specs': [...base['partition-specs']], 'sort-orders': [...base['sort-orders']],
    snapshots: [...base.snapshots], 'snapshot-log': [...base['snapshot-log']], 'metadata-log': [...base['metadata-log']],
    refs: { ...base.refs }, properties: { ...base.properties },
  }
  // v1 metadata may carry only current-snapshot-id; the implicit main branch points at it (spec "Snapshot References").
  const implicitMain = refSnapshotId(base, MAIN)
  if (!d.refs[MAIN] && implicitMain !== null) d.refs[MAIN] = { 'snapshot-id': implicitMain, type: 'branch' }
  if (base.statistics) d.statistics = [...base.statistics]
  if (base['partition-statistics']) d['partition-statistics'] = [...base['partition-statistics']]
  const st: CommitState = { addedSnapshots: new Map(), removedSnapshots: false, baseLogLength: base['snapshot-log'].length }
  updates.forEach((u, i) => {
    try {
      applyOne(d, u, st)
    } catch (e) {
      if (e instanceof AkkoError) throw new AkkoError(e.code, `${e.message} (updates[${i}], '${u.action}')`, { ...e.details, update: i, action: u.action })
      throw e
    }
  })
  return finish(base, d, st, opts)
}

function applyOne(d: Draft, u: TableUpdate, st: CommitState): void {
  switch (u.action) {
    case 'assign-uuid':
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(u.uuid)) invalid(`'${u.uuid}' is not a UUID`)
      if (d['table-uuid'] !== '' && d['table-uuid'].toLowerCase() !== u.uuid.toLowerCase()) {
        invalid(`Cannot reassign the table uuid from ${d['table-uuid']} to ${u.uuid}`)
      }
      d['table-uuid'] = u.uuid
      return
    case 'upgrade-format-version': {
      const v = u['format-version']
      if (v < d['format-version']) invalid(`Cannot downgrade format version from ${d['format-version']} to ${v}`)
      if (v > 2) throw new AkkoError('NOT_SUPPORTED', `Format version ${v} is not supported by this catalog (highest: 2)`)
      if (v < 1) invalid(`Unknown format version ${v}`)
      d['format-version'] = v as 1 | 2
      return
    }
    case 'add-schema': return addSchema(d, u.schema, u['last-column-id'], st)
    case 'set-current-schema': {
      const id = u['schema-id'] === LAST_ADDED ? lastAdded(st.lastAddedSchemaId, 'schema') : u['schema-id']
      if (!d.schemas.some((s) => s['schema-id'] === id)) invalid(`Cannot set the current schema to unknown schema id ${id}`)
      d['current-schema-id'] = id
      return
    }
    case 'add-spec': return addSpec(d, u.spec, st)
    case 'set-default-spec': {
      const id = u['spec-id'] === LAST_ADDED ? lastAdded(st.lastAddedSpecId, 'partition spec') : u['spec-id']
      if (!d['partition-specs'].some((s) => s['spec-id'] === id)) invalid(`Cannot set the default partition spec to unknown spec id ${id}`)
      d['default-spec-id'] = id
      return
    }
    case 'add-sort-order': return addSortOrder(d, u['sort-order'], st)
    case 'set-default-sort-order': {
      const id = u['sort-order-id'] === LAST_ADDED ? lastAdded(st.lastAddedOrderId, 'sort order') : u['sort-order-id']
      if (!d['sort-orders'].some((s) => s['order-id'] === id)) invalid(`Cannot set the default sort order to unknown order id ${id}`)
      d['default-sort-order-id'] = id
      return
    }
    case 'add-snapshot': return addSnapshot(d, u.snapshot, st)
    case 'set-snapshot-ref': {
      if (u['ref-name'] === '') invalid('A ref name must not be empty')
      const snap = d.snapshots.find((s) => s['snapshot-id'] === u['snapshot-id'])
      if (!snap) invalid(`Cannot set ref '${u['ref-name']}' to unknown snapshot ${u['snapshot-id']}`)
      if (u['ref-name'] === MAIN && u.type !== 'branch') invalid(`Ref 'main' must be a branch, not a ${u.type}`)
      const { action: _a, 'ref-name': name, ...ref } = u
      const previous = d.refs[name]?.['snapshot-id']
      d.refs[name] = ref
      if (name === MAIN && previous !== snap['snapshot-id']) {
        // A snapshot added in this commit is logged at its own timestamp, as the reference implementation does.
        d['snapshot-log'].push({ 'snapshot-id': snap['snapshot-id'], 'timestamp-ms': st.addedSnapshots.has(snap['snapshot-id']) ? snap['timestamp-ms'] : -1 })
      }
      return
    }
    case 'remove-snapshots': return removeSnapshots(d, new Set(u['snapshot-ids']), st)
    case 'remove-snapshot-ref':
      delete d.refs[u['ref-name']]
      return
    case 'set-location': {
      const loc = u.location.replace(/\/+$/, '')
      if (loc === '') invalid('The table location must not be empty')
      d.location = loc
      return
    }
    case 'set-properties':
      Object.assign(d.properties, u.updates)
      return
    case 'remove-properties':
      for (const k of u.removals) delete d.properties[k]
      return
    case 'set-statistics': {
      const id = u.statistics['snapshot-id']
      if (u['snapshot-id'] !== undefined && u['snapshot-id'] !== id) {
        invalid(`set-statistics: snapshot-id ${u['snapshot-id']} does not match the statistics file's snapshot-id ${id}`)
      }
      d.statistics = [...(d.statistics ?? []).filter((s) => s['snapshot-id'] !== id), u.statistics]
      return
    }
    case 'remove-statistics':
      d.statistics = (d.statistics ?? []).filter((s) => s['snapshot-id'] !== u['snapshot-id'])
      return
    case 'set-partition-statistics': {
      const id = u['partition-statistics']['snapshot-id']
      d['partition-statistics'] = [...(d['partition-statistics'] ?? []).filter((s) => s['snapshot-id'] !== id), u['partition-statistics']]
      return
    }
    case 'remove-partition-statistics':
      d['partition-statistics'] = (d['partition-statistics'] ?? []).filter((s) => s['snapshot-id'] !== u['snapshot-id'])
      return
    case 'remove-partition-specs':
      if (u['spec-ids'].includes(d['default-spec-id'])) invalid(`Cannot remove the default partition spec ${d['default-spec-id']}`)
      d['partition-specs'] = d['partition-specs'].filter((s) => !u['spec-ids'].includes(s['spec-id']))
      return
    case 'remove-schemas':
      if (u['schema-ids'].includes(d['current-schema-id'])) invalid(`Cannot remove the current schema ${d['current-schema-id']}`)
      d.schemas = d.schemas.filter((s) => !u['schema-ids'].includes(s['schema-id']))
      return
  }
}

function lastAdded(id: number | undefined, what: string): number {
  if (id === undefined) invalid(`Cannot use -1 (last added ${what}): no ${what} was added in this commit`)
  return id
}

const nextId = (ids: number[]): number => (ids.length === 0 ? 0 : Math.max(...ids) + 1)

/** Order-sensitive structural equality of plain JSON-like values (bigint-aware). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  if (ka.length !== kb.length) return false
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

function currentSchema(d: Draft): Schema {
  const s = d.schemas.find((x) => x['schema-id'] === d['current-schema-id'])
  if (!s) invalid('The table has no current schema yet: add a schema and set it current first')
  return s
}

function addSchema(d: Draft, schema: UnboundSchema, lastColumnId: number | undefined, st: CommitState): void {
  const { 'schema-id': _ignored, ...body } = schema
  const candidate: Schema = { ...body, 'schema-id': 0 }
  schemaValidate(candidate)
  const highest = schemaHighestFieldId(candidate)
  if (lastColumnId !== undefined && lastColumnId < d['last-column-id']) {
    invalid(`Invalid last-column-id ${lastColumnId}: lower than the table's last-column-id ${d['last-column-id']}`)
  }
  if (lastColumnId !== undefined && lastColumnId < highest) {
    invalid(`Invalid last-column-id ${lastColumnId}: lower than the highest field id ${highest} in the schema`)
  }
  const ids = (s: { 'identifier-field-ids'?: readonly number[] }): readonly number[] => s['identifier-field-ids'] ?? []
  const same = d.schemas.find((s) => sameValue(s.fields, candidate.fields) && sameValue(ids(s), ids(candidate)))
  if (same) {
    st.lastAddedSchemaId = same['schema-id']
    return
  }
  const id = nextId(d.schemas.map((s) => s['schema-id']))
  d.schemas.push({ ...candidate, 'schema-id': id })
  d['last-column-id'] = Math.max(d['last-column-id'], highest, lastColumnId ?? 0)
  st.lastAddedSchemaId = id
}

/** Checks that a transform applies to the source column; returns the column's type name for messages. */
function checkSource(schema: Schema, sourceId: number, transform: string, where: string): void {
  const f = schemaIndex(schema).byId.get(sourceId)
  if (!f) invalid(`${where}: source column id ${sourceId} does not exist in the current schema ${schema['schema-id']}`)
  if (typeof f.field.type !== 'string') invalid(`${where}: source column '${f.path.join('.')}' is not a primitive type`)
  try {
    transformResultType(transform, f.field.type)
  } catch (e) {
    invalid(`${where}: transform '${transform}' cannot be applied to column '${f.path.join('.')}' of type ${f.field.type}` +
      (e instanceof Error ? ` (${e.message})` : ''))
  }
}

function addSpec(d: Draft, spec: UnboundPartitionSpec, st: CommitState): void {
  const schema = currentSchema(d)
  const names = new Set<string>()
  let last = d['last-partition-id']
  const fields: PartitionField[] = spec.fields.map((f) => {
    const where = `partition field '${f.name}'`
    if (f.name === '') invalid('A partition field name must not be empty')
    if (names.has(f.name)) invalid(`Duplicate partition field name '${f.name}'`)
    names.add(f.name)
    checkSource(schema, f['source-id'], f.transform, where)
    // Reuse the id an earlier spec gave the same source and transform, so partition data stays comparable across specs.
    const earlier = d['partition-specs'].flatMap((s) => s.fields).find((p) => p['source-id'] === f['source-id'] && p.transform === f.transform)
    const id = f['field-id'] ?? earlier?.['field-id'] ?? ++last
    if (id < PARTITION_ID_START) invalid(`${where}: field-id ${id} is below ${PARTITION_ID_START}`)
    return { 'source-id': f['source-id'], 'field-id': id, name: f.name, transform: f.transform }
  })
  const fieldIds = fields.map((f) => f['field-id'])
  if (new Set(fieldIds).size !== fieldIds.length) invalid('Duplicate partition field ids in the spec')
  const same = d['partition-specs'].find((s) => sameValue(s.fields, fields))
  if (same) {
    st.lastAddedSpecId = same['spec-id']
    return
  }
  const id = nextId(d['partition-specs'].map((s) => s['spec-id']))
  d['partition-specs'].push({ 'spec-id': id, fields })
  d['last-partition-id'] = Math.max(d['last-partition-id'], ...fieldIds)
  st.lastAddedSpecId = id
}

function addSortOrder(d: Draft, order: SortOrder, st: CommitState): void {
  if (order.fields.length > 0) {
    const schema = currentSchema(d)
    order.fields.forEach((f, i) => checkSource(schema, f['source-id'], f.transform, `sort field ${i}`))
  }
  const same = d['sort-orders'].find((o) => sameValue(o.fields, order.fields))
  if (same) {
    st.lastAddedOrderId = same['order-id']
    return
  }
  // Order id 0 is reserved for "unsorted" (spec "Sorting").
  const id = order.fields.length === 0 ? 0 : Math.max(1, nextId(d['sort-orders'].map((o) => o['order-id'])))
  d['sort-orders'].push({ 'order-id': id, fields: order.fields })
  st.lastAddedOrderId = id
}

function addSnapshot(d: Draft, snap: Snapshot, st: CommitState): void {
  const id = snap['snapshot-id']
  if (d.snapshots.some((s) => s['snapshot-id'] === id)) invalid(`Snapshot ${id} already exists`)
  const parent = snap['parent-snapshot-id']
  if (parent !== undefined && !d.snapshots.some((s) => s['snapshot-id'] === parent)) {
    throw new AkkoError('COMMIT_CONFLICT', `Snapshot ${id} has parent ${parent}, which is not a snapshot of this table (it may have been expired); reload the table and retry`,
      { snapshotId: String(id), parentSnapshotId: String(parent) })
  }
  const seq = snap['sequence-number']
  // v2 sequence numbers must grow; the first snapshot of a table (no parent, no snapshots) is exempt, as in the reference implementation.
  const exempt = parent === undefined && d.snapshots.length === 0
  if (d['format-version'] >= 2 && !exempt && seq <= d['last-sequence-number']) {
    throw new AkkoError('COMMIT_CONFLICT', `Snapshot ${id} has sequence number ${seq}, not above the table's last sequence number ${d['last-sequence-number']}; reload the table and retry`,
      { snapshotId: String(id), sequenceNumber: seq, lastSequenceNumber: d['last-sequence-number'] })
  }
  if (snap['schema-id'] !== undefined && !d.schemas.some((s) => s['schema-id'] === snap['schema-id'])) {
    invalid(`Snapshot ${id} refers to unknown schema id ${snap['schema-id']}`)
  }
  d.snapshots.push(snap)
  d['last-sequence-number'] = Math.max(d['last-sequence-number'], seq)
  st.addedSnapshots.set(id, snap)
}

/**
 * Removes snapshots and, like the reference implementation, every ref left pointing at a removed snapshot
 * (including `main`, which leaves the table without a current snapshot) and their statistics files.
 */
function removeSnapshots(d: Draft, ids: ReadonlySet<bigint>, st: CommitState): void {
  const before = d.snapshots.length
  d.snapshots = d.snapshots.filter((s) => !ids.has(s['snapshot-id']))
  if (d.snapshots.length === before) return
  st.removedSnapshots = true
  for (const [name, ref] of Object.entries(d.refs)) if (ids.has(ref['snapshot-id'])) delete d.refs[name]
  if (d.statistics) d.statistics = d.statistics.filter((s) => !ids.has(s['snapshot-id']))
  if (d['partition-statistics']) d['partition-statistics'] = d['partition-statistics'].filter((s) => !ids.has(s['snapshot-id']))
}

/** The final pass: derived fields, logs, and checks that the result is a complete table. */
function finish(base: TableMetadata, d: Draft, st: CommitState, opts: UpdatesApplyOptions): TableMetadata {
  const main = d.refs[MAIN]?.['snapshot-id'] ?? null
  d['current-snapshot-id'] = main
  d['snapshot-log'] = snapshotLog(d['snapshot-log'], d, st, main, opts.nowMs)
  d['last-updated-ms'] = opts.nowMs
  if (opts.metadataLocation) {
    d['metadata-log'].push({ 'metadata-file': opts.metadataLocation, 'timestamp-ms': base['last-updated-ms'] })
  }
  const max = Math.max(1, Number.parseInt(d.properties[PREVIOUS_VERSIONS_MAX] ?? '', 10) || PREVIOUS_VERSIONS_DEFAULT)
  if (d['metadata-log'].length > max) d['metadata-log'] = d['metadata-log'].slice(-max)
  if (d['table-uuid'] === '') d['table-uuid'] = crypto.randomUUID()
  if (d.location === '') invalid('The table has no location: add a set-location update')
  currentSchema(d)
  if (!d['partition-specs'].some((s) => s['spec-id'] === d['default-spec-id'])) invalid('The table has no default partition spec: add and set one')
  if (!d['sort-orders'].some((o) => o['order-id'] === d['default-sort-order-id'])) invalid('The table has no default sort order: add and set one')
  return Object.freeze(d)
}

/**
 * Snapshot-log upkeep: entries appended in this commit get their time (-1 placeholders become `nowMs`); snapshots that
 * were made current only in passing within this commit are dropped; after snapshot removal, history before a removed
 * entry is cut so the log never skips a snapshot that was current.
 */
function snapshotLog(log: SnapshotLogEntry[], d: Draft, st: CommitState, main: bigint | null, nowMs: number): SnapshotLogEntry[] {
  const live = new Set(d.snapshots.map((s) => s['snapshot-id']))
  let out: SnapshotLogEntry[] = []
  log.forEach((e, i) => {
    const isNew = i >= st.baseLogLength
    if (!live.has(e['snapshot-id'])) {
      if (st.removedSnapshots) out = []
      return
    }
    if (isNew && st.addedSnapshots.has(e['snapshot-id']) && e['snapshot-id'] !== main) return
    out.push(isNew && e['timestamp-ms'] === -1 ? { ...e, 'timestamp-ms': nowMs } : e)
  })
  return out
}
