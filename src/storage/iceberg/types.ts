/**
 * Iceberg types (spec "Schemas and Data Types", "Appendix C: JSON serialization"): recognising primitive type
 * strings, validating nested types, and indexing a schema by field id and by dotted name.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { IcebergType, ListType, MapType, PrimitiveType, StructField, StructType } from './spec.js'

/** Primitive type names without parameters. `unknown` and `variant` are format-v3 types, accepted on read. */
const SIMPLE_PRIMITIVES = new Set([
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary', 'unknown', 'variant',
])

const DECIMAL_RE = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/
const FIXED_RE = /^fixed\[\s*(\d+)\s*\]$/

/** Largest decimal precision the spec allows (a 16-byte unscaled value). */
export const DECIMAL_MAX_PRECISION = 38

/** True for primitive types (type strings); false for struct, list and map objects. */
export function typeIsPrimitive(t: IcebergType): t is PrimitiveType {
  return typeof t === 'string'
}

/** `decimal(P,S)` (spaces allowed, as Java writes `decimal(10, 2)`) → `{precision, scale}`; anything else → undefined. */
export function typeParseDecimal(t: IcebergType): { precision: number; scale: number } | undefined {
  if (typeof t !== 'string') return undefined
  const m = DECIMAL_RE.exec(t)
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined
}

/** `fixed[L]` → L; anything else → undefined. */
export function typeParseFixed(t: IcebergType): number | undefined {
  if (typeof t !== 'string') return undefined
  const m = FIXED_RE.exec(t)
  return m ? Number(m[1]) : undefined
}

/**
 * The base name of a primitive type: 'decimal' for `decimal(P,S)`, 'fixed' for `fixed[L]`, else the type itself.
 * Handy for switch statements over types.
 */
export function typeBaseName(t: PrimitiveType): string {
  if (t.startsWith('decimal')) return 'decimal'
  if (t.startsWith('fixed')) return 'fixed'
  return t
}

/** Writes a decimal type the way the Iceberg Java library does: `decimal(P, S)`. */
export const typeDecimal = (precision: number, scale: number): PrimitiveType => `decimal(${precision}, ${scale})`

/** Short description of a type for error messages ('struct', 'list<int>', 'long'). */
export function typeToString(t: IcebergType): string {
  if (typeof t === 'string') return t
  if (t.type === 'list') return `list<${typeToString(t.element)}>`
  if (t.type === 'map') return `map<${typeToString(t.key)}, ${typeToString(t.value)}>`
  return `struct<${t.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ')}>`
}

/**
 * Checks that a type is well formed: known primitive names, decimal precision 1–38 with scale ≤ precision,
 * fixed length ≥ 1, integer field ids, non-empty names and boolean `required` flags in nested types.
 * Throws INVALID_SCHEMA naming the offending column (`where` prefixes the message, e.g. a column path).
 */
export function typeValidate(t: unknown, where = 'type'): asserts t is IcebergType {
  if (typeof t === 'string') return primitiveValidate(t, where)
  if (t === null || typeof t !== 'object') throw schemaError(`${where}: expected a type string or object, got ${JSON.stringify(t)}`)
  const o = t as Record<string, unknown>
  if (o.type === 'struct') {
    if (!Array.isArray(o.fields)) throw schemaError(`${where}: a struct needs a 'fields' array`)
    for (const f of o.fields as unknown[]) fieldValidate(f, where)
    return
  }
  if (o.type === 'list') {
    idValidate(o['element-id'], `${where}: list 'element-id'`)
    if (typeof o['element-required'] !== 'boolean') throw schemaError(`${where}: list needs a boolean 'element-required'`)
    return typeValidate(o.element, `${where}.element`)
  }
  if (o.type === 'map') {
    idValidate(o['key-id'], `${where}: map 'key-id'`)
    idValidate(o['value-id'], `${where}: map 'value-id'`)
    if (typeof o['value-required'] !== 'boolean') throw schemaError(`${where}: map needs a boolean 'value-required'`)
    typeValidate(o.key, `${where}.key`)
    return typeValidate(o.value, `${where}.value`)
  }
  throw schemaError(`${where}: unknown nested type ${JSON.stringify(o.type)} (expected struct, list or map)`)
}

function primitiveValidate(t: string, where: string): void {
  if (SIMPLE_PRIMITIVES.has(t)) return
  if (t.startsWith('decimal')) {
    const d = typeParseDecimal(t)
    if (!d) throw schemaError(`${where}: malformed decimal type '${t}' (expected decimal(P,S))`)
    if (d.precision < 1 || d.precision > DECIMAL_MAX_PRECISION) {
      throw schemaError(`${where}: decimal precision ${d.precision} is out of range 1-${DECIMAL_MAX_PRECISION} in '${t}'`)
    }
    if (d.scale > d.precision) throw schemaError(`${where}: decimal scale ${d.scale} exceeds precision ${d.precision} in '${t}'`)
    return
  }
  if (t.startsWith('fixed')) {
    const len = typeParseFixed(t)
    if (len === undefined || len < 1) throw schemaError(`${where}: malformed fixed type '${t}' (expected fixed[L] with L >= 1)`)
    return
  }
  throw schemaError(`${where}: unknown type '${t}'`)
}

function fieldValidate(f: unknown, where: string): void {
  if (f === null || typeof f !== 'object') throw schemaError(`${where}: struct field must be an object`)
  const o = f as Record<string, unknown>
  if (typeof o.name !== 'string' || o.name === '') throw schemaError(`${where}: struct field with id ${String(o.id)} needs a non-empty 'name'`)
  const path = where === 'type' || where === 'schema' ? o.name : `${where}.${o.name}`
  idValidate(o.id, `column '${path}': 'id'`)
  if (typeof o.required !== 'boolean') throw schemaError(`column '${path}': 'required' must be true or false`)
  if (o.doc !== undefined && typeof o.doc !== 'string') throw schemaError(`column '${path}': 'doc' must be a string`)
  typeValidate(o.type, `column '${path}'`)
}

function idValidate(id: unknown, where: string): void {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw schemaError(`${where} must be a non-negative integer, got ${JSON.stringify(id)}`)
}

const schemaError = (message: string): AkkoError => new AkkoError('INVALID_SCHEMA', message)

// ---------------------------------------------------------------- schema index

/** One indexed field: a struct field, or a synthetic field standing for a list element or map key/value. */
export interface IndexedField {
  /** For list elements the synthetic name is 'element'; for maps 'key' and 'value' (as in the spec's name mapping). */
  readonly field: StructField
  /** Names from the schema root down to this field, e.g. ['locations', 'element', 'lat']. */
  readonly path: readonly string[]
  /** Id of the enclosing field (struct field, list element or map value); absent at top level. */
  readonly parentId?: number
}

/** Lookup tables over every field id of a schema, nested ones included. */
export interface SchemaIndex {
  readonly byId: ReadonlyMap<number, IndexedField>
  /** Dotted full names ('address.city', 'tags.element', 'props.key') → field id. */
  readonly byName: ReadonlyMap<string, number>
}

/**
 * Indexes a schema by field id and by dotted full name. List elements and map keys/values appear as synthetic
 * fields named 'element', 'key' and 'value'. Duplicate ids are not detected here (see `schemaValidate`).
 */
export function schemaIndex(schema: StructType): SchemaIndex {
  const byId = new Map<number, IndexedField>()
  const byName = new Map<string, number>()
  const add = (field: StructField, path: string[], parentId: number | undefined): void => {
    byId.set(field.id, parentId === undefined ? { field, path } : { field, path, parentId })
    byName.set(path.join('.'), field.id)
    visitChildren(field.type, path, field.id)
  }
  const visitChildren = (t: IcebergType, path: string[], parentId: number | undefined): void => {
    if (typeof t === 'string') return
    for (const child of typeChildren(t)) add(child, [...path, child.name], parentId)
  }
  visitChildren(schema, [], undefined)
  return { byId, byName }
}

/**
 * The direct children of a nested type as fields: struct fields, or the synthetic element / key / value fields
 * of a list or map (keys are always required).
 */
export function typeChildren(t: StructType | ListType | MapType): StructField[] {
  if (t.type === 'struct') return [...t.fields]
  if (t.type === 'list') return [{ id: t['element-id'], name: 'element', required: t['element-required'], type: t.element }]
  return [
    { id: t['key-id'], name: 'key', required: true, type: t.key },
    { id: t['value-id'], name: 'value', required: t['value-required'], type: t.value },
  ]
}

/** The field with this id anywhere in the schema (synthetic for list elements and map keys/values), or undefined. */
export function schemaFindField(schema: StructType, id: number): StructField | undefined {
  let found: StructField | undefined
  typeVisitFields(schema, (f) => {
    if (f.id === id) found = f
    return found === undefined
  })
  return found
}

/** The highest field id used anywhere in the schema (0 for an empty schema). */
export function schemaHighestFieldId(schema: StructType): number {
  let max = 0
  typeVisitFields(schema, (f) => {
    if (f.id > max) max = f.id
    return true
  })
  return max
}

/** Visits every field (depth first, parents before children); stops early when `visit` returns false. */
export function typeVisitFields(t: IcebergType, visit: (f: StructField) => boolean): boolean {
  if (typeof t === 'string') return true
  for (const child of typeChildren(t)) {
    if (!visit(child)) return false
    if (!typeVisitFields(child.type, visit)) return false
  }
  return true
}
