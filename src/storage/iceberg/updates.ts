/**
 * The table-change model of the Iceberg REST catalog (ICE-API components `TableUpdate`, `TableRequirement`,
 * `CommitTableRequest`): typed updates and requirements, and strict parsers for their wire JSON.
 * Checking requirements lives in requirements.ts, applying updates in updates-apply.ts; both are re-exported
 * here so callers import one module.
 */
import { AkkoError } from '../../core/index.js'
import type {
  IcebergType, PartitionStatisticsFile, Snapshot, SortOrder, StatisticsFile, StructField, StructType,
} from './spec.js'

export { updatesApply, updatesEmptyBase, type UpdatesApplyOptions } from './updates-apply.js'
export { requirementsCheck } from './requirements.js'

/** A schema as sent by a client: `schema-id` is optional because the server assigns it. */
export interface UnboundSchema extends StructType {
  readonly 'schema-id'?: number
  readonly 'identifier-field-ids'?: readonly number[]
}

/** A partition field as sent by a client: `field-id` is optional because the server may assign it. */
export interface UnboundPartitionField {
  readonly 'source-id': number
  readonly 'field-id'?: number
  readonly name: string
  readonly transform: string
}

/** A partition spec as sent by a client (ICE-API `PartitionSpec`, `spec-id` optional). */
export interface UnboundPartitionSpec {
  readonly 'spec-id'?: number
  readonly fields: readonly UnboundPartitionField[]
}

/** One change to table metadata, discriminated on `action` (ICE-API `TableUpdate`). Ids use the in-memory types. */
export type TableUpdate =
  | { readonly action: 'assign-uuid'; readonly uuid: string }
  | { readonly action: 'upgrade-format-version'; readonly 'format-version': number }
  | { readonly action: 'add-schema'; readonly schema: UnboundSchema; readonly 'last-column-id'?: number }
  | { readonly action: 'set-current-schema'; readonly 'schema-id': number }
  | { readonly action: 'add-spec'; readonly spec: UnboundPartitionSpec }
  | { readonly action: 'set-default-spec'; readonly 'spec-id': number }
  | { readonly action: 'add-sort-order'; readonly 'sort-order': SortOrder }
  | { readonly action: 'set-default-sort-order'; readonly 'sort-order-id': number }
  | { readonly action: 'add-snapshot'; readonly snapshot: Snapshot }
  | {
      readonly action: 'set-snapshot-ref'
      readonly 'ref-name': string
      readonly type: 'branch' | 'tag'
      readonly 'snapshot-id': bigint
      readonly 'max-ref-age-ms'?: number
      readonly 'max-snapshot-age-ms'?: number
      readonly 'min-snapshots-to-keep'?: number
    }
  | { readonly action: 'remove-snapshots'; readonly 'snapshot-ids': readonly bigint[] }
  | { readonly action: 'remove-snapshot-ref'; readonly 'ref-name': string }
  | { readonly action: 'set-location'; readonly location: string }
  | { readonly action: 'set-properties'; readonly updates: Readonly<Record<string, string>> }
  | { readonly action: 'remove-properties'; readonly removals: readonly string[] }
  | { readonly action: 'set-statistics'; readonly 'snapshot-id'?: bigint; readonly statistics: StatisticsFile }
  | { readonly action: 'remove-statistics'; readonly 'snapshot-id': bigint }
  | { readonly action: 'set-partition-statistics'; readonly 'partition-statistics': PartitionStatisticsFile }
  | { readonly action: 'remove-partition-statistics'; readonly 'snapshot-id': bigint }
  | { readonly action: 'remove-partition-specs'; readonly 'spec-ids': readonly number[] }
  | { readonly action: 'remove-schemas'; readonly 'schema-ids': readonly number[] }

/** A precondition on the current metadata, discriminated on `type` (ICE-API `TableRequirement`). */
export type TableRequirement =
  | { readonly type: 'assert-create' }
  | { readonly type: 'assert-table-uuid'; readonly uuid: string }
  /** `snapshot-id: null` means the ref must not exist. */
  | { readonly type: 'assert-ref-snapshot-id'; readonly ref: string; readonly 'snapshot-id': bigint | null }
  | { readonly type: 'assert-last-assigned-field-id'; readonly 'last-assigned-field-id': number }
  | { readonly type: 'assert-current-schema-id'; readonly 'current-schema-id': number }
  | { readonly type: 'assert-last-assigned-partition-id'; readonly 'last-assigned-partition-id': number }
  | { readonly type: 'assert-default-spec-id'; readonly 'default-spec-id': number }
  | { readonly type: 'assert-default-sort-order-id'; readonly 'default-sort-order-id': number }

// ---------------------------------------------------------------- wire readers

type Obj = Readonly<Record<string, unknown>>

function bad(where: string, what: string): never {
  throw new AkkoError('INVALID_REQUEST', `Invalid commit request: ${where} ${what}`, { where })
}

function obj(v: unknown, where: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(where, 'must be a JSON object')
  return v as Obj
}

function arr(v: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(v)) bad(where, 'must be a JSON array')
  return v
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key]
  if (typeof v !== 'string') bad(`${where}.${key}`, v === undefined ? 'is required' : 'must be a string')
  return v
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key]
  if (typeof v !== 'boolean') bad(`${where}.${key}`, v === undefined ? 'is required' : 'must be true or false')
  return v
}

/** A JSON integer that fits a JS number (ints, counts, timestamps in ms). */
function int(o: Obj, key: string, where: string): number {
  const v = o[key]
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  bad(`${where}.${key}`, v === undefined ? 'is required' : 'must be an integer')
}

function optInt(o: Obj, key: string, where: string): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : int(o, key, where)
}

/** A 64-bit id: the lossless JSON parser gives a number when it is safe, a bigint otherwise. */
function long(o: Obj, key: string, where: string): bigint {
  const v = o[key]
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  bad(`${where}.${key}`, v === undefined ? 'is required' : 'must be a 64-bit integer')
}

function optLong(o: Obj, key: string, where: string): bigint | undefined {
  return o[key] === undefined || o[key] === null ? undefined : long(o, key, where)
}

function intList(o: Obj, key: string, where: string): number[] {
  return arr(o[key], `${where}.${key}`).map((v, i) => int({ v }, 'v', `${where}.${key}[${i}]`))
}

function stringMap(v: unknown, where: string): Record<string, string> {
  const o = obj(v, where)
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') bad(`${where}.${k}`, 'must be a string')
    out[k] = val
  }
  return out
}

// ---------------------------------------------------------------- schema, spec, order, snapshot

const PRIMITIVE = /^(boolean|int|long|float|double|date|time|timestamp|timestamptz|timestamp_ns|timestamptz_ns|string|uuid|binary|unknown|variant|geometry(\(.*\))?|geography(\(.*\))?|decimal\(\s*\d+\s*,\s*\d+\s*\)|fixed\[\s*\d+\s*\])$/

function parseType(v: unknown, where: string): IcebergType {
  if (typeof v === 'string') {
    if (!PRIMITIVE.test(v)) bad(where, `has unknown type '${v}'`)
    return v
  }
  const o = obj(v, where)
  switch (o.type) {
    case 'struct': return parseStruct(o, where)
    case 'list':
      return { type: 'list', 'element-id': int(o, 'element-id', where), element: parseType(o.element, `${where}.element`),
        'element-required': bool(o, 'element-required', where) }
    case 'map':
      return { type: 'map', 'key-id': int(o, 'key-id', where), key: parseType(o.key, `${where}.key`),
        'value-id': int(o, 'value-id', where), value: parseType(o.value, `${where}.value`),
        'value-required': bool(o, 'value-required', where) }
    default: return bad(`${where}.type`, `must be a primitive type name, 'struct', 'list' or 'map'`)
  }
}

function parseStruct(o: Obj, where: string): StructType {
  const fields = arr(o.fields, `${where}.fields`).map((f, i): StructField => {
    const w = `${where}.fields[${i}]`
    const fo = obj(f, w)
    const field: StructField = { id: int(fo, 'id', w), name: str(fo, 'name', w), required: bool(fo, 'required', w), type: parseType(fo.type, `${w}.type`) }
    const extra: Record<string, unknown> = {}
    if (fo.doc !== undefined && fo.doc !== null) extra.doc = str(fo, 'doc', w)
    if (fo['initial-default'] !== undefined) extra['initial-default'] = fo['initial-default']
    if (fo['write-default'] !== undefined) extra['write-default'] = fo['write-default']
    return { ...field, ...extra }
  })
  return { type: 'struct', fields }
}

function parseSchema(v: unknown, where: string): UnboundSchema {
  const o = obj(v, where)
  if (o.type !== 'struct') bad(`${where}.type`, `must be 'struct'`)
  const schema: { -readonly [K in keyof UnboundSchema]: UnboundSchema[K] } = parseStruct(o, where)
  const id = optInt(o, 'schema-id', where)
  if (id !== undefined) schema['schema-id'] = id
  if (o['identifier-field-ids'] !== undefined && o['identifier-field-ids'] !== null) {
    schema['identifier-field-ids'] = intList(o, 'identifier-field-ids', where)
  }
  return schema
}

function parseSpec(v: unknown, where: string): UnboundPartitionSpec {
  const o = obj(v, where)
  const fields = arr(o.fields, `${where}.fields`).map((f, i): UnboundPartitionField => {
    const w = `${where}.fields[${i}]`
    const fo = obj(f, w)
    const fieldId = optInt(fo, 'field-id', w)
    const base = { 'source-id': int(fo, 'source-id', w), name: str(fo, 'name', w), transform: str(fo, 'transform', w) }
    return fieldId === undefined ? base : { ...base, 'field-id': fieldId }
  })
  const specId = optInt(o, 'spec-id', where)
  return specId === undefined ? { fields } : { 'spec-id': specId, fields }
}

function parseSortOrder(v: unknown, where: string): SortOrder {
  const o = obj(v, where)
  const fields = arr(o.fields, `${where}.fields`).map((f, i) => {
    const w = `${where}.fields[${i}]`
    const fo = obj(f, w)
    const direction = str(fo, 'direction', w)
    if (direction !== 'asc' && direction !== 'desc') bad(`${w}.direction`, `must be 'asc' or 'desc'`)
    const nullOrder = str(fo, 'null-order', w)
    if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last') bad(`${w}.null-order`, `must be 'nulls-first' or 'nulls-last'`)
    return { 'source-id': int(fo, 'source-id', w), transform: str(fo, 'transform', w), direction, 'null-order': nullOrder } as const
  })
  return { 'order-id': int(o, 'order-id', where), fields }
}

function parseSnapshot(v: unknown, where: string): Snapshot {
  const o = obj(v, where)
  const summary = stringMap(o.summary, `${where}.summary`)
  if (typeof summary.operation !== 'string') bad(`${where}.summary.operation`, 'is required')
  const seq = o['sequence-number'] === undefined ? 0 : Number(long(o, 'sequence-number', where))
  const snap: { -readonly [K in keyof Snapshot]: Snapshot[K] } = {
    'snapshot-id': long(o, 'snapshot-id', where),
    'sequence-number': seq,
    'timestamp-ms': int(o, 'timestamp-ms', where),
    'manifest-list': str(o, 'manifest-list', where),
    summary: summary as Snapshot['summary'],
  }
  const parent = optLong(o, 'parent-snapshot-id', where)
  if (parent !== undefined) snap['parent-snapshot-id'] = parent
  const schemaId = optInt(o, 'schema-id', where)
  if (schemaId !== undefined) snap['schema-id'] = schemaId
  return snap
}

function parseStatistics(v: unknown, where: string): StatisticsFile {
  const o = obj(v, where)
  const blobs = arr(o['blob-metadata'], `${where}.blob-metadata`).map((b, i) => {
    const w = `${where}.blob-metadata[${i}]`
    const bo = obj(b, w)
    const blob: Record<string, unknown> = {
      type: str(bo, 'type', w), 'snapshot-id': long(bo, 'snapshot-id', w),
      'sequence-number': Number(long(bo, 'sequence-number', w)), fields: intList(bo, 'fields', w),
    }
    if (bo.properties !== undefined && bo.properties !== null) blob.properties = stringMap(bo.properties, `${w}.properties`)
    return blob
  })
  return {
    'snapshot-id': long(o, 'snapshot-id', where), 'statistics-path': str(o, 'statistics-path', where),
    'file-size-in-bytes': int(o, 'file-size-in-bytes', where), 'file-footer-size-in-bytes': int(o, 'file-footer-size-in-bytes', where),
    'blob-metadata': blobs,
  }
}

function parsePartitionStatistics(v: unknown, where: string): PartitionStatisticsFile {
  const o = obj(v, where)
  return { 'snapshot-id': long(o, 'snapshot-id', where), 'statistics-path': str(o, 'statistics-path', where),
    'file-size-in-bytes': int(o, 'file-size-in-bytes', where) }
}

// ---------------------------------------------------------------- updates and requirements

type UpdateParser = (o: Obj, w: string) => TableUpdate

const UPDATE_PARSERS: Readonly<Record<string, UpdateParser>> = {
  'assign-uuid': (o, w) => ({ action: 'assign-uuid', uuid: str(o, 'uuid', w) }),
  'upgrade-format-version': (o, w) => ({ action: 'upgrade-format-version', 'format-version': int(o, 'format-version', w) }),
  'add-schema': (o, w) => {
    const lastColumnId = optInt(o, 'last-column-id', w)
    const schema = parseSchema(o.schema, `${w}.schema`)
    return lastColumnId === undefined ? { action: 'add-schema', schema } : { action: 'add-schema', schema, 'last-column-id': lastColumnId }
  },
  'set-current-schema': (o, w) => ({ action: 'set-current-schema', 'schema-id': int(o, 'schema-id', w) }),
  'add-spec': (o, w) => ({ action: 'add-spec', spec: parseSpec(o.spec, `${w}.spec`) }),
  'set-default-spec': (o, w) => ({ action: 'set-default-spec', 'spec-id': int(o, 'spec-id', w) }),
  'add-sort-order': (o, w) => ({ action: 'add-sort-order', 'sort-order': parseSortOrder(o['sort-order'], `${w}.sort-order`) }),
  'set-default-sort-order': (o, w) => ({ action: 'set-default-sort-order', 'sort-order-id': int(o, 'sort-order-id', w) }),
  'add-snapshot': (o, w) => ({ action: 'add-snapshot', snapshot: parseSnapshot(o.snapshot, `${w}.snapshot`) }),
  'set-snapshot-ref': (o, w) => {
    const type = str(o, 'type', w)
    if (type !== 'branch' && type !== 'tag') bad(`${w}.type`, `must be 'branch' or 'tag'`)
    const u: { -readonly [K in string]: unknown } = { action: 'set-snapshot-ref', 'ref-name': str(o, 'ref-name', w), type, 'snapshot-id': long(o, 'snapshot-id', w) }
    for (const k of ['max-ref-age-ms', 'max-snapshot-age-ms', 'min-snapshots-to-keep']) {
      const n = optInt(o, k, w)
      if (n !== undefined) u[k] = n
    }
    return u as TableUpdate
  },
  'remove-snapshots': (o, w) => ({
    action: 'remove-snapshots',
    'snapshot-ids': arr(o['snapshot-ids'], `${w}.snapshot-ids`).map((v, i) => long({ v }, 'v', `${w}.snapshot-ids[${i}]`)),
  }),
  'remove-snapshot-ref': (o, w) => ({ action: 'remove-snapshot-ref', 'ref-name': str(o, 'ref-name', w) }),
  'set-location': (o, w) => ({ action: 'set-location', location: str(o, 'location', w) }),
  'set-properties': (o, w) => ({ action: 'set-properties', updates: stringMap(o.updates, `${w}.updates`) }),
  'remove-properties': (o, w) => ({
    action: 'remove-properties',
    removals: arr(o.removals, `${w}.removals`).map((v, i) => str({ v }, 'v', `${w}.removals[${i}]`)),
  }),
  'set-statistics': (o, w) => {
    const statistics = parseStatistics(o.statistics, `${w}.statistics`)
    const id = optLong(o, 'snapshot-id', w)
    return id === undefined ? { action: 'set-statistics', statistics } : { action: 'set-statistics', 'snapshot-id': id, statistics }
  },
  'remove-statistics': (o, w) => ({ action: 'remove-statistics', 'snapshot-id': long(o, 'snapshot-id', w) }),
  'set-partition-statistics': (o, w) => ({
    action: 'set-partition-statistics',
    'partition-statistics': parsePartitionStatistics(o['partition-statistics'], `${w}.partition-statistics`),
  }),
  'remove-partition-statistics': (o, w) => ({ action: 'remove-partition-statistics', 'snapshot-id': long(o, 'snapshot-id', w) }),
  'remove-partition-specs': (o, w) => ({ action: 'remove-partition-specs', 'spec-ids': intList(o, 'spec-ids', w) }),
  'remove-schemas': (o, w) => ({ action: 'remove-schemas', 'schema-ids': intList(o, 'schema-ids', w) }),
}

/** Actions the spec defines that this platform does not implement (they need format v3 encryption support). */
const UNSUPPORTED_ACTIONS = new Set(['add-encryption-key', 'remove-encryption-key'])

/**
 * Parses and validates the `updates` array of a CommitTableRequest (ICE-API `TableUpdate`).
 * Unknown actions and mistyped fields fail with INVALID_REQUEST naming the offending place; 64-bit ids become bigint.
 */
export function updatesParse(json: unknown): TableUpdate[] {
  return arr(json, 'updates').map((u, i) => {
    const w = `updates[${i}]`
    const o = obj(u, w)
    const action = o.action
    if (typeof action !== 'string') bad(`${w}.action`, 'is required and must be a string')
    if (UNSUPPORTED_ACTIONS.has(action)) {
      throw new AkkoError('NOT_SUPPORTED', `Table update '${action}' is not supported by this catalog`, { action })
    }
    const parse = Object.hasOwn(UPDATE_PARSERS, action) ? UPDATE_PARSERS[action] : undefined
    if (!parse) throw new AkkoError('INVALID_REQUEST', `Unknown table update action '${action}' in ${w}`, { action })
    return parse(o, w)
  })
}

type RequirementParser = (o: Obj, w: string) => TableRequirement

const REQUIREMENT_PARSERS: Readonly<Record<string, RequirementParser>> = {
  'assert-create': () => ({ type: 'assert-create' }),
  'assert-table-uuid': (o, w) => ({ type: 'assert-table-uuid', uuid: str(o, 'uuid', w) }),
  'assert-ref-snapshot-id': (o, w) => {
    if (!('snapshot-id' in o)) bad(`${w}.snapshot-id`, 'is required (use null to assert that the ref does not exist)')
    return { type: 'assert-ref-snapshot-id', ref: str(o, 'ref', w), 'snapshot-id': o['snapshot-id'] === null ? null : long(o, 'snapshot-id', w) }
  },
  'assert-last-assigned-field-id': (o, w) => ({ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': int(o, 'last-assigned-field-id', w) }),
  'assert-current-schema-id': (o, w) => ({ type: 'assert-current-schema-id', 'current-schema-id': int(o, 'current-schema-id', w) }),
  'assert-last-assigned-partition-id': (o, w) => ({
    type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': int(o, 'last-assigned-partition-id', w),
  }),
  'assert-default-spec-id': (o, w) => ({ type: 'assert-default-spec-id', 'default-spec-id': int(o, 'default-spec-id', w) }),
  'assert-default-sort-order-id': (o, w) => ({ type: 'assert-default-sort-order-id', 'default-sort-order-id': int(o, 'default-sort-order-id', w) }),
}

/**
 * Parses and validates the `requirements` array of a CommitTableRequest (ICE-API `TableRequirement`).
 * Unknown types and mistyped fields fail with INVALID_REQUEST.
 */
export function requirementsParse(json: unknown): TableRequirement[] {
  return arr(json, 'requirements').map((r, i) => {
    const w = `requirements[${i}]`
    const o = obj(r, w)
    const type = o.type
    if (typeof type !== 'string') bad(`${w}.type`, 'is required and must be a string')
    const parse = Object.hasOwn(REQUIREMENT_PARSERS, type) ? REQUIREMENT_PARSERS[type] : undefined
    if (!parse) throw new AkkoError('INVALID_REQUEST', `Unknown table requirement type '${type}' in ${w}`, { type })
    return parse(o, w)
  })
}
