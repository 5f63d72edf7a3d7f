/**
 * Table metadata JSON (spec "Table Metadata", "Table Metadata Fields"): parse and validate v1, v2 and v3
 * documents into one v2-shaped `TableMetadata`, serialize it back losslessly, create metadata for a new table,
 * lookups live in metadata-lookup.ts (re-exported here). Pure: no I/O.
 *
 * Normalization on read (v1 → v2 shape): `schema` → `schemas` + `current-schema-id`, `partition-spec` →
 * `partition-specs` + `default-spec-id`, missing sequence numbers → 0, `current-snapshot-id` -1 → null, and an
 * implicit `main` branch from `current-snapshot-id` when `refs` does not name one. Unknown top-level keys (for
 * example v3's `next-row-id`) are kept and written back, so rewriting a newer table does not drop them.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { AkkoError } from '../../core/index.js'
import { jsonParseLossless, jsonStringifyLossless } from './json.js'
import { schemaAssignFreshIds, schemaValidate } from './schema.js'
import type {
  MetadataLogEntry, PartitionField, PartitionSpec, Schema, Snapshot, SnapshotLogEntry, SnapshotRef, SortField, SortOrder,
  StructType, TableMetadata,
} from './spec.js'
import { schemaIndex } from './types.js'
import { transformParse, transformResultType } from './transforms.js'
import { metadataCurrentSchema, metadataSpecById } from './metadata-lookup.js'

/** Partition field ids start here (spec); an unpartitioned table has `last-partition-id` 999. */
export const PARTITION_FIELD_ID_START = 1000

type Obj = Record<string, unknown>

const KNOWN_KEYS = new Set([
  'format-version', 'table-uuid', 'location', 'last-sequence-number', 'last-updated-ms', 'last-column-id', 'schema', 'schemas',
  'current-schema-id', 'partition-spec', 'partition-specs', 'default-spec-id', 'last-partition-id', 'properties',
  'current-snapshot-id', 'snapshots', 'snapshot-log', 'metadata-log', 'sort-orders', 'default-sort-order-id', 'refs',
  'statistics', 'partition-statistics',
])

const invalid = (field: string, problem: string): never => {
  throw new AkkoError('INVALID_METADATA', `Invalid table metadata: '${field}' ${problem}`, { field })
}

// ---------------------------------------------------------------- field readers

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)

function obj(v: unknown, field: string): Obj {
  return isObj(v) ? v : invalid(field, `must be a JSON object, got ${describe(v)}`)
}

function arr(v: unknown, field: string): unknown[] {
  return Array.isArray(v) ? v : invalid(field, `must be a JSON array, got ${describe(v)}`)
}

function int(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  return invalid(field, v === undefined ? 'is required' : `must be an integer, got ${describe(v)}`)
}

function long(v: unknown, field: string): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  return invalid(field, v === undefined ? 'is required' : `must be a 64-bit integer, got ${describe(v)}`)
}

function str(v: unknown, field: string): string {
  return typeof v === 'string' ? v : invalid(field, v === undefined ? 'is required' : `must be a string, got ${describe(v)}`)
}

const describe = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'bigint' ? `${v}` : JSON.stringify(v)?.slice(0, 60) ?? String(v))

// ---------------------------------------------------------------- parsing

/**
 * Parses and validates table metadata (text, or an already parsed JSON value). Every problem is an
 * INVALID_METADATA error naming the field; a v1 snapshot that lists `manifests` inline instead of a
 * `manifest-list` is NOT_SUPPORTED. The result is deeply frozen.
 */
export function metadataParse(input: string | unknown): TableMetadata {
  // A parsed value is copied first: the result is frozen and must not freeze the caller's objects.
  let raw = typeof input === 'string' ? input : structuredClone(input)
  if (typeof input === 'string') {
    try {
      raw = jsonParseLossless(input)
    } catch (e) {
      const details = e instanceof AkkoError ? e.details : {}
      throw new AkkoError('INVALID_METADATA', `Invalid table metadata: not valid JSON (${e instanceof Error ? e.message : String(e)})`, details)
    }
  }
  const o = obj(raw, '(document)')
  const version = int(o['format-version'], 'format-version')
  if (version < 1) invalid('format-version', `must be 1, 2 or 3, got ${version}`)
  if (version > 3) throw new AkkoError('NOT_SUPPORTED', `Table metadata format-version ${version} is newer than this platform supports (1-3)`, { field: 'format-version' })
  const v1 = version === 1

  const { schemas, currentSchemaId } = parseSchemas(o, v1)
  const { specs, defaultSpecId } = parseSpecs(o, v1)
  const sortOrders = o['sort-orders'] === undefined && v1 ? [{ 'order-id': 0, fields: [] }] : arr(o['sort-orders'], 'sort-orders').map((s, i) => parseSortOrder(s, `sort-orders[${i}]`))
  const lastSeq = o['last-sequence-number'] === undefined && v1 ? 0 : int(o['last-sequence-number'], 'last-sequence-number')
  const snapshots = arr(o.snapshots ?? [], 'snapshots').map((s, i) => parseSnapshot(s, `snapshots[${i}]`, v1))
  const rawCurrent = o['current-snapshot-id'] ?? null
  const current = rawCurrent === null ? null : long(rawCurrent, 'current-snapshot-id')
  const extras = Object.fromEntries(Object.entries(o).filter(([k]) => !KNOWN_KEYS.has(k)))

  const m: TableMetadata = {
    'format-version': version as 1 | 2 | 3,
    'table-uuid': v1 && o['table-uuid'] === undefined ? randomUUID() : str(o['table-uuid'], 'table-uuid'),
    location: str(o.location, 'location'),
    'last-sequence-number': lastSeq,
    'last-updated-ms': int(o['last-updated-ms'], 'last-updated-ms'),
    'last-column-id': int(o['last-column-id'], 'last-column-id'),
    schemas,
    'current-schema-id': currentSchemaId,
    'partition-specs': specs,
    'default-spec-id': defaultSpecId,
    'last-partition-id': o['last-partition-id'] === undefined && v1 ? highestPartitionId(specs) : int(o['last-partition-id'], 'last-partition-id'),
    properties: parseProperties(o.properties),
    'current-snapshot-id': current === -1n ? null : current,
    snapshots,
    'snapshot-log': arr(o['snapshot-log'] ?? [], 'snapshot-log').map((e, i) => parseSnapshotLog(e, `snapshot-log[${i}]`)),
    'metadata-log': arr(o['metadata-log'] ?? [], 'metadata-log').map((e, i) => parseMetadataLog(e, `metadata-log[${i}]`)),
    'sort-orders': sortOrders,
    'default-sort-order-id': o['default-sort-order-id'] === undefined && v1 ? 0 : int(o['default-sort-order-id'], 'default-sort-order-id'),
    refs: parseRefs(o.refs ?? {}),
    ...(o.statistics !== undefined ? { statistics: parseStats(o.statistics, 'statistics') as unknown as TableMetadata['statistics'] } : {}),
    ...(o['partition-statistics'] !== undefined ? { 'partition-statistics': parseStats(o['partition-statistics'], 'partition-statistics') as unknown as TableMetadata['partition-statistics'] } : {}),
    ...extras,
  }
  return deepFreeze(validate(m))
}

function parseSchemas(o: Obj, v1: boolean): { schemas: Schema[]; currentSchemaId: number } {
  if (o.schemas === undefined && v1) {
    const s = parseSchema(o.schema, 'schema', 0)
    return { schemas: [s], currentSchemaId: s['schema-id'] }
  }
  const schemas = arr(o.schemas, 'schemas').map((s, i) => parseSchema(s, `schemas[${i}]`, undefined))
  return { schemas, currentSchemaId: int(o['current-schema-id'], 'current-schema-id') }
}

function parseSchema(v: unknown, field: string, defaultId: number | undefined): Schema {
  const s = obj(v, field)
  const id = s['schema-id'] === undefined && defaultId !== undefined ? defaultId : int(s['schema-id'], `${field}.schema-id`)
  const schema = { ...s, 'schema-id': id } as unknown as Schema
  try {
    schemaValidate(schema)
  } catch (e) {
    if (e instanceof AkkoError) invalid(field, `is not a valid schema: ${e.message}`)
    throw e
  }
  return schema
}

function parseSpecs(o: Obj, v1: boolean): { specs: PartitionSpec[]; defaultSpecId: number } {
  if (o['partition-specs'] === undefined && v1) {
    const fields = arr(o['partition-spec'], 'partition-spec').map((f, i) => parsePartitionField(f, `partition-spec[${i}]`, PARTITION_FIELD_ID_START + i))
    return { specs: [{ 'spec-id': 0, fields }], defaultSpecId: 0 }
  }
  const specs = arr(o['partition-specs'], 'partition-specs').map((s, i) => {
    const so = obj(s, `partition-specs[${i}]`)
    const fields = arr(so.fields, `partition-specs[${i}].fields`)
      .map((f, j) => parsePartitionField(f, `partition-specs[${i}].fields[${j}]`, v1 ? PARTITION_FIELD_ID_START + j : undefined))
    return { ...so, 'spec-id': int(so['spec-id'], `partition-specs[${i}].spec-id`), fields } as PartitionSpec
  })
  return { specs, defaultSpecId: int(o['default-spec-id'], 'default-spec-id') }
}

function parsePartitionField(v: unknown, field: string, defaultId: number | undefined): PartitionField {
  const f = obj(v, field)
  return {
    ...f,
    'source-id': int(f['source-id'], `${field}.source-id`),
    'field-id': f['field-id'] === undefined && defaultId !== undefined ? defaultId : int(f['field-id'], `${field}.field-id`),
    name: str(f.name, `${field}.name`),
    transform: str(f.transform, `${field}.transform`),
  }
}

const highestPartitionId = (specs: readonly PartitionSpec[]): number =>
  Math.max(PARTITION_FIELD_ID_START - 1, ...specs.flatMap((s) => s.fields.map((f) => f['field-id'])))

function parseSortOrder(v: unknown, field: string): SortOrder {
  const s = obj(v, field)
  const fields = arr(s.fields, `${field}.fields`).map((x, i): SortField => {
    const f = obj(x, `${field}.fields[${i}]`)
    const direction = str(f.direction, `${field}.fields[${i}].direction`)
    if (direction !== 'asc' && direction !== 'desc') invalid(`${field}.fields[${i}].direction`, `must be 'asc' or 'desc', got ${describe(direction)}`)
    const nullOrder = str(f['null-order'], `${field}.fields[${i}].null-order`)
    if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last') invalid(`${field}.fields[${i}].null-order`, `must be 'nulls-first' or 'nulls-last'`)
    return {
      ...f, 'source-id': int(f['source-id'], `${field}.fields[${i}].source-id`), transform: str(f.transform, `${field}.fields[${i}].transform`),
      direction: direction as SortField['direction'], 'null-order': nullOrder as SortField['null-order'],
    }
  })
  return { 'order-id': int(s['order-id'], `${field}.order-id`), fields }
}

function parseSnapshot(v: unknown, field: string, v1: boolean): Snapshot {
  const s = obj(v, field)
  const id = long(s['snapshot-id'], `${field}.snapshot-id`)
  if (s['manifest-list'] === undefined && Array.isArray(s.manifests)) {
    throw new AkkoError('NOT_SUPPORTED',
      `Snapshot ${id} lists its manifests inline (an early format-v1 layout) instead of a manifest list; rewrite the table with a current Iceberg version to read it`,
      { field: `${field}.manifests`, snapshotId: String(id) })
  }
  const summary = s.summary === undefined && v1 ? { operation: 'append' } : obj(s.summary, `${field}.summary`)
  str(summary.operation, `${field}.summary.operation`)
  for (const [k, val] of Object.entries(summary)) str(val, `${field}.summary.${k}`)
  const out: Snapshot = {
    'snapshot-id': id,
    ...(s['parent-snapshot-id'] !== undefined && s['parent-snapshot-id'] !== null ? { 'parent-snapshot-id': long(s['parent-snapshot-id'], `${field}.parent-snapshot-id`) } : {}),
    'sequence-number': s['sequence-number'] === undefined && v1 ? 0 : int(s['sequence-number'], `${field}.sequence-number`),
    'timestamp-ms': int(s['timestamp-ms'], `${field}.timestamp-ms`),
    'manifest-list': str(s['manifest-list'], `${field}.manifest-list`),
    summary: summary as Snapshot['summary'],
    ...(s['schema-id'] !== undefined && s['schema-id'] !== null ? { 'schema-id': int(s['schema-id'], `${field}.schema-id`) } : {}),
  }
  // Keep v3 keys such as first-row-id / added-rows as written.
  const extra = Object.entries(s).filter(([k]) => !(k in out) && k !== 'parent-snapshot-id')
  return extra.length ? { ...out, ...Object.fromEntries(extra) } : out
}

function parseRefs(v: unknown): Record<string, SnapshotRef> {
  const refs = obj(v, 'refs')
  return Object.fromEntries(Object.entries(refs).map(([name, r]): [string, SnapshotRef] => {
    const ro = obj(r, `refs.${name}`)
    const type = str(ro.type, `refs.${name}.type`)
    if (type !== 'branch' && type !== 'tag') invalid(`refs.${name}.type`, `must be 'branch' or 'tag', got ${describe(type)}`)
    const ref: { -readonly [K in keyof SnapshotRef]: SnapshotRef[K] } = { 'snapshot-id': long(ro['snapshot-id'], `refs.${name}.snapshot-id`), type: type as SnapshotRef['type'] }
    for (const k of ['min-snapshots-to-keep', 'max-snapshot-age-ms', 'max-ref-age-ms'] as const) {
      if (ro[k] !== undefined && ro[k] !== null) ref[k] = int(ro[k], `refs.${name}.${k}`)
    }
    return [name, ref]
  }))
}

function parseProperties(v: unknown): Record<string, string> {
  const p = obj(v ?? {}, 'properties')
  for (const [k, val] of Object.entries(p)) str(val, `properties.${k}`)
  return p as Record<string, string>
}

const parseSnapshotLog = (v: unknown, field: string): SnapshotLogEntry => {
  const e = obj(v, field)
  return { 'snapshot-id': long(e['snapshot-id'], `${field}.snapshot-id`), 'timestamp-ms': int(e['timestamp-ms'], `${field}.timestamp-ms`) }
}

const parseMetadataLog = (v: unknown, field: string): MetadataLogEntry => {
  const e = obj(v, field)
  return { 'metadata-file': str(e['metadata-file'], `${field}.metadata-file`), 'timestamp-ms': int(e['timestamp-ms'], `${field}.timestamp-ms`) }
}

const parseStats = (v: unknown, field: string): Obj[] =>
  arr(v, field).map((x, i) => {
    const e = obj(x, `${field}[${i}]`)
    return { ...e, 'snapshot-id': long(e['snapshot-id'], `${field}[${i}].snapshot-id`) }
  })

/** Cross-field checks: the current schema / spec / sort order exist, ids are unique, refs point at snapshots. */
function validate(m: TableMetadata): TableMetadata {
  unique(m.schemas.map((s) => s['schema-id']), 'schemas', 'schema-id')
  unique(m['partition-specs'].map((s) => s['spec-id']), 'partition-specs', 'spec-id')
  unique(m['sort-orders'].map((s) => s['order-id']), 'sort-orders', 'order-id')
  unique(m.snapshots.map((s) => s['snapshot-id']), 'snapshots', 'snapshot-id')
  if (!m.schemas.some((s) => s['schema-id'] === m['current-schema-id'])) invalid('current-schema-id', `is ${m['current-schema-id']} but no schema has that id`)
  if (!m['partition-specs'].some((s) => s['spec-id'] === m['default-spec-id'])) invalid('default-spec-id', `is ${m['default-spec-id']} but no partition spec has that id`)
  if (!m['sort-orders'].some((s) => s['order-id'] === m['default-sort-order-id'])) invalid('default-sort-order-id', `is ${m['default-sort-order-id']} but no sort order has that id`)
  const ids = new Set(m.snapshots.map((s) => s['snapshot-id']))
  if (m['format-version'] >= 2) {
    for (const s of m.snapshots) {
      if (s['sequence-number'] > m['last-sequence-number']) invalid('last-sequence-number', `is ${m['last-sequence-number']} but snapshot ${s['snapshot-id']} has sequence-number ${s['sequence-number']}`)
    }
  }
  let current = m['current-snapshot-id'] ?? null
  const refs = { ...m.refs }
  const main = refs.main
  if (current === null && main) current = main['snapshot-id']
  if (current !== null && !ids.has(current)) invalid('current-snapshot-id', `is ${current} but no snapshot has that id`)
  if (main && current !== null && main['snapshot-id'] !== current) invalid('refs.main', `points at snapshot ${main['snapshot-id']} but current-snapshot-id is ${current}`)
  if (!main && current !== null) refs.main = { 'snapshot-id': current, type: 'branch' }
  for (const [name, r] of Object.entries(refs)) {
    if (!ids.has(r['snapshot-id'])) invalid(`refs.${name}`, `points at snapshot ${r['snapshot-id']}, which is not in 'snapshots'`)
  }
  if (refs.main && refs.main.type !== 'branch') invalid('refs.main', "must be a branch")
  return { ...m, 'current-snapshot-id': current, refs }
}

function unique<T>(values: readonly T[], field: string, key: string): void {
  const seen = new Set<T>()
  for (const v of values) {
    if (seen.has(v)) invalid(field, `has two entries with ${key} ${String(v)}`)
    seen.add(v)
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const child of Object.values(v)) deepFreeze(child)
  }
  return v
}

// ---------------------------------------------------------------- serializing

/**
 * Writes metadata JSON with every 64-bit id exact. Keys are the v2 ones in the order the Iceberg Java library
 * writes them; a v1 table also gets `schema` and `partition-spec` for v1-only readers. With no current snapshot,
 * v1/v2 documents carry `"current-snapshot-id": -1`: Java (old versions require the key), Spark and PyIceberg
 * all read -1 as "none"; v3 omits the key as its spec asks.
 */
export function metadataSerialize(m: TableMetadata, indent?: number): string {
  const v = m['format-version']
  const current = metadataCurrentSchema(m)
  const spec = metadataSpecById(m, m['default-spec-id'])
  const known: Obj = {
    'format-version': v,
    'table-uuid': m['table-uuid'],
    location: m.location,
    ...(v >= 2 ? { 'last-sequence-number': m['last-sequence-number'] } : {}),
    'last-updated-ms': m['last-updated-ms'],
    'last-column-id': m['last-column-id'],
    ...(v === 1 ? { schema: current } : {}),
    'current-schema-id': m['current-schema-id'],
    schemas: m.schemas,
    ...(v === 1 ? { 'partition-spec': spec?.fields ?? [] } : {}),
    'default-spec-id': m['default-spec-id'],
    'partition-specs': m['partition-specs'],
    'last-partition-id': m['last-partition-id'],
    'default-sort-order-id': m['default-sort-order-id'],
    'sort-orders': m['sort-orders'],
    properties: m.properties,
    ...(m['current-snapshot-id'] != null ? { 'current-snapshot-id': m['current-snapshot-id'] } : v < 3 ? { 'current-snapshot-id': -1 } : {}),
    refs: m.refs,
    snapshots: m.snapshots.map((s) => snapshotJson(s, v)),
    ...(m.statistics !== undefined ? { statistics: m.statistics } : {}),
    ...(m['partition-statistics'] !== undefined ? { 'partition-statistics': m['partition-statistics'] } : {}),
    'snapshot-log': m['snapshot-log'],
    'metadata-log': m['metadata-log'],
  }
  const extras = Object.entries(m).filter(([k]) => !KNOWN_KEYS.has(k))
  return jsonStringifyLossless({ ...known, ...Object.fromEntries(extras) }, indent)
}

function snapshotJson(s: Snapshot, version: number): Obj {
  const { 'sequence-number': seq, 'snapshot-id': id, 'parent-snapshot-id': parent, 'timestamp-ms': ts, summary, 'manifest-list': list, ...rest } = s
  return {
    ...(version >= 2 ? { 'sequence-number': seq } : {}),
    'snapshot-id': id,
    ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
    'timestamp-ms': ts,
    summary,
    'manifest-list': list,
    ...rest,
  }
}

// ---------------------------------------------------------------- creating

/** A partition field in a create-table request: ids may be absent (they are reassigned anyway). */
export interface PartitionFieldInput {
  readonly 'source-id': number
  readonly transform: string
  readonly name?: string
  readonly 'field-id'?: number
}

/** A sort field in a create-table request. */
export interface SortFieldInput {
  readonly 'source-id': number
  readonly transform?: string
  readonly direction?: 'asc' | 'desc'
  readonly 'null-order'?: 'nulls-first' | 'nulls-last'
}

/** Options for `metadataNew`; `schema`, `spec` and `sortOrder` refer to each other by the request's field ids. */
export interface NewTableOptions {
  readonly location: string
  readonly schema: StructType
  readonly spec?: { readonly 'spec-id'?: number; readonly fields: readonly PartitionFieldInput[] }
  readonly sortOrder?: { readonly 'order-id'?: number; readonly fields: readonly SortFieldInput[] }
  readonly properties?: Readonly<Record<string, string>>
  readonly formatVersion?: 1 | 2 | 3
  readonly tableUuid?: string
  /** Creation time; defaults to now. */
  readonly nowMs?: number
}

/**
 * Metadata for a new, empty table. The schema gets fresh field ids from 1 (request ids are ignored, as the REST
 * spec says), partition fields fresh ids from 1000 (default names such as `id_bucket`, `ts_day`), and a
 * non-empty sort order the id 1. Format v2 unless asked. Bad specs or sort orders fail with INVALID_SCHEMA.
 */
export function metadataNew(opts: NewTableOptions): TableMetadata {
  if (typeof opts.location !== 'string' || opts.location === '') throw new AkkoError('INVALID_ARGUMENT', 'A new table needs a location')
  const { schema, lastColumnId, idMap } = schemaAssignFreshIds({ ...opts.schema, 'schema-id': 0 } as Schema, 1)
  const index = schemaIndex(schema)
  const column = (requestId: number, what: string): { id: number; name: string; type: Schema['fields'][number]['type'] } => {
    const id = idMap.get(requestId)
    const entry = id === undefined ? undefined : index.byId.get(id)
    if (!entry) throw new AkkoError('INVALID_SCHEMA', `${what} refers to source-id ${requestId}, which is not a column of the schema`)
    return { id: entry.field.id, name: entry.path.join('.'), type: entry.field.type }
  }
  const names = new Set<string>()
  const fields = (opts.spec?.fields ?? []).map((f, i): PartitionField => {
    const src = column(f['source-id'], `Partition field ${i}`)
    const p = transformParse(f.transform)
    transformResultType(p, src.type)
    const name = f.name ?? defaultPartitionName(src.name, p.kind)
    if (names.has(name)) throw new AkkoError('INVALID_SCHEMA', `Partition field name '${name}' is used twice`)
    if (index.byName.has(name) && !(p.kind === 'identity' && src.name === name)) {
      throw new AkkoError('INVALID_SCHEMA', `Partition field name '${name}' conflicts with a column; only an identity partition may reuse its column's name`)
    }
    names.add(name)
    return { 'source-id': src.id, 'field-id': PARTITION_FIELD_ID_START + i, name, transform: f.transform }
  })
  const sortFields = (opts.sortOrder?.fields ?? []).map((f, i): SortField => {
    const src = column(f['source-id'], `Sort field ${i}`)
    const transform = f.transform ?? 'identity'
    transformResultType(transform, src.type)
    const direction = f.direction ?? 'asc'
    return { 'source-id': src.id, transform, direction, 'null-order': f['null-order'] ?? (direction === 'asc' ? 'nulls-first' : 'nulls-last') }
  })
  const orderId = sortFields.length ? 1 : 0
  return metadataParse({
    'format-version': opts.formatVersion ?? 2,
    'table-uuid': opts.tableUuid ?? randomUUID(),
    location: opts.location.replace(/\/+$/, ''),
    'last-sequence-number': 0,
    'last-updated-ms': opts.nowMs ?? Date.now(),
    'last-column-id': lastColumnId,
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields }],
    'default-spec-id': 0,
    'last-partition-id': PARTITION_FIELD_ID_START - 1 + fields.length,
    properties: { ...(opts.properties ?? {}) },
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': orderId, fields: sortFields }],
    'default-sort-order-id': orderId,
    refs: {},
  })
}

/** Default partition field names, as the Iceberg Java library derives them. */
function defaultPartitionName(source: string, kind: string): string {
  switch (kind) {
    case 'identity': return source
    case 'bucket': return `${source}_bucket`
    case 'truncate': return `${source}_trunc`
    case 'void': return `${source}_null`
    default: return `${source}_${kind}`
  }
}

export * from './metadata-lookup.js'
