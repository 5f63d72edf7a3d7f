/**
 * Avro schemas of Iceberg manifests and manifest lists (spec "Manifests", "Manifest Lists",
 * "Appendix A: Format-specific Requirements / Avro"), plus helpers to find fields in a WRITER's
 * schema by field id, whatever the writer named its records.
 */
import { AkkoError } from '../../core/index.js'
import type { AvroField, AvroSchema, AvroSchemaObject } from './avro-codec.js'
import type { PrimitiveType } from './spec.js'
import { typeParseDecimal, typeParseFixed } from './types.js'

// ---------------------------------------------------------------- reading a writer's schema

/** The non-null branch of an optional union (`["null", T]`), or the type itself. */
export function avroUnwrapOptional(t: AvroSchema): AvroSchema {
  if (!Array.isArray(t)) return t
  const branches = (t as readonly AvroSchema[]).filter((b) => b !== 'null')
  return branches.length === 1 ? branches[0]! : t
}

/** Named types (records, fixed, enums) a schema defines, so references by name can be followed. */
export function avroNamedTypes(schema: AvroSchema, out = new Map<string, AvroSchemaObject>()): Map<string, AvroSchemaObject> {
  if (Array.isArray(schema)) {
    for (const b of schema as readonly AvroSchema[]) avroNamedTypes(b, out)
    return out
  }
  if (typeof schema !== 'object' || schema === null) return out
  const obj = schema as AvroSchemaObject
  if (typeof obj.name === 'string' && !out.has(obj.name)) out.set(obj.name, obj)
  if (typeof obj.type === 'object') avroNamedTypes(obj.type, out)
  for (const f of obj.fields ?? []) avroNamedTypes(f.type, out)
  if (obj.items !== undefined) avroNamedTypes(obj.items, out)
  if (obj.values !== undefined) avroNamedTypes(obj.values, out)
  return out
}

/** Resolves a type to its definition: unwraps optionals and follows a reference by name. */
export function avroResolve(t: AvroSchema, named: ReadonlyMap<string, AvroSchemaObject>): AvroSchema {
  const u = avroUnwrapOptional(t)
  if (typeof u === 'string') return named.get(u) ?? u
  if (typeof u === 'object' && !Array.isArray(u) && typeof (u as AvroSchemaObject).type === 'string') {
    const inner = (u as AvroSchemaObject).type as string
    // `{"type": "r102"}` style wrappers around a named reference.
    if (named.has(inner) && (u as AvroSchemaObject).fields === undefined) return named.get(inner)!
  }
  return u
}

/** Fields of a record type (after resolving); empty for anything else. */
export function avroRecordFields(t: AvroSchema, named: ReadonlyMap<string, AvroSchemaObject>): readonly AvroField[] {
  const r = avroResolve(t, named)
  return typeof r === 'object' && !Array.isArray(r) ? ((r as AvroSchemaObject).fields ?? []) : []
}

/**
 * The field of a record carrying `id`; writers without field ids are matched by `name`
 * (Java resolves by id, which is what makes renamed fields such as v1's `added_data_files_count` work).
 */
export function avroFieldById(fields: readonly AvroField[], id: number, ...names: string[]): AvroField | undefined {
  return fields.find((f) => f['field-id'] === id) ?? fields.find((f) => f['field-id'] === undefined && names.includes(f.name))
}

// ---------------------------------------------------------------- writing

const optional = (type: AvroSchema): AvroSchema => ['null', type]

/**
 * Avro field names must match [A-Za-z_][A-Za-z0-9_]*; other characters become `_x<HEX>` as Java's
 * AvroSchemaUtil does, so a partition field named "Breed Name" is written as "Breed_x20Name".
 * Readers match partition fields by field id, never by this name.
 */
export function avroSafeName(name: string): string {
  let out = ''
  for (const ch of name) {
    const valid = /[A-Za-z_]/.test(ch) || (out !== '' && /[0-9]/.test(ch))
    if (valid) out += ch
    else if (out === '' && /[0-9]/.test(ch)) out += `_${ch}`
    else out += `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`
  }
  return out === '' ? '_' : out
}

/** Bytes a decimal of `precision` digits needs as two's complement (Java `TypeUtil.decimalRequiredBytes`). */
export function decimalRequiredBytes(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n
  let bytes = 1
  while ((1n << BigInt(8 * bytes - 1)) <= max) bytes++
  return bytes
}

/**
 * The Avro type of an Iceberg primitive (spec Appendix A). Named types (fixed) are defined once per
 * schema: `defined` tracks names already emitted so a second use becomes a reference.
 */
export function avroTypeForPrimitive(t: PrimitiveType, defined: Set<string>): AvroSchema {
  const named = (name: string, def: AvroSchemaObject): AvroSchema => {
    if (defined.has(name)) return name
    defined.add(name)
    return { ...def, name } as AvroSchemaObject
  }
  const dec = typeParseDecimal(t)
  if (dec) {
    const size = decimalRequiredBytes(dec.precision)
    return named(`decimal_${dec.precision}_${dec.scale}`, { type: 'fixed', size, logicalType: 'decimal', precision: dec.precision, scale: dec.scale })
  }
  const fixed = typeParseFixed(t)
  if (fixed !== undefined) return named(`fixed_${fixed}`, { type: 'fixed', size: fixed })
  switch (t) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return t
    case 'binary':
      return 'bytes'
    case 'date':
      return { type: 'int', logicalType: 'date' }
    case 'time':
      return { type: 'long', logicalType: 'time-micros' }
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false }
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true }
    case 'timestamp_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': false }
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': true }
    case 'uuid':
      return named('uuid_fixed', { type: 'fixed', size: 16, logicalType: 'uuid' })
    default:
      throw new AkkoError('NOT_SUPPORTED', `Partition values of type '${t}' cannot be written to a manifest`, { type: t })
  }
}

/** A map with int keys: an array of key/value records named `k<keyId>_v<valueId>` (Appendix A). */
function intMap(fieldId: number, name: string, keyId: number, valueId: number, value: AvroSchema): AvroField {
  const items = {
    type: 'record',
    name: `k${keyId}_v${valueId}`,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: value, 'field-id': valueId },
    ],
  }
  return { name, type: optional({ type: 'array', items, logicalType: 'map' }), default: null, 'field-id': fieldId }
}

function list(fieldId: number, name: string, elementId: number, element: AvroSchema): AvroField {
  return { name, type: optional({ type: 'array', items: element, 'element-id': elementId }), default: null, 'field-id': fieldId }
}

/** One partition field as the manifest's `r102` struct carries it. */
export interface AvroPartitionField {
  readonly fieldId: number
  readonly name: string
  readonly type: PrimitiveType
}

/** The v2 `manifest_entry` schema for a partition type (spec "Manifests"; names as Java writes them). */
export function avroManifestEntrySchema(partition: readonly AvroPartitionField[]): AvroSchemaObject {
  const defined = new Set<string>()
  const partitionFields: AvroField[] = partition.map((p) => ({
    name: avroSafeName(p.name),
    type: optional(avroTypeForPrimitive(p.type, defined)),
    default: null,
    'field-id': p.fieldId,
  }))
  const dataFile = {
    type: 'record',
    name: 'r2',
    fields: [
      { name: 'content', type: 'int', 'field-id': 134 },
      { name: 'file_path', type: 'string', 'field-id': 100 },
      { name: 'file_format', type: 'string', 'field-id': 101 },
      { name: 'partition', type: { type: 'record', name: 'r102', fields: partitionFields }, 'field-id': 102 },
      { name: 'record_count', type: 'long', 'field-id': 103 },
      { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
      intMap(108, 'column_sizes', 117, 118, 'long'),
      intMap(109, 'value_counts', 119, 120, 'long'),
      intMap(110, 'null_value_counts', 121, 122, 'long'),
      intMap(137, 'nan_value_counts', 138, 139, 'long'),
      intMap(125, 'lower_bounds', 126, 127, 'bytes'),
      intMap(128, 'upper_bounds', 129, 130, 'bytes'),
      { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 131 },
      list(132, 'split_offsets', 133, 'long'),
      list(135, 'equality_ids', 136, 'int'),
      { name: 'sort_order_id', type: optional('int'), default: null, 'field-id': 140 },
      { name: 'referenced_data_file', type: optional('string'), default: null, 'field-id': 143 },
    ],
  }
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: optional('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: optional('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: optional('long'), default: null, 'field-id': 4 },
      { name: 'data_file', type: dataFile, 'field-id': 2 },
    ],
  }
}

/** The v2 `manifest_file` schema of manifest lists (spec "Manifest Lists"; field names as the spec gives them). */
export const AVRO_MANIFEST_FILE_SCHEMA: AvroSchemaObject = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: optional({
        type: 'array',
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: optional('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: optional('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: optional('bytes'), default: null, 'field-id': 511 },
          ],
        },
        'element-id': 508,
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 519 },
  ],
}
