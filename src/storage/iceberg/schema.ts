/**
 * Schema evolution as pure functions (spec "Schema Evolution"): each returns a new `Schema` whose
 * `schema-id` is the input's plus one; the caller that commits it (add-schema) may renumber it to stay unique
 * within the table. Columns are addressed by field id, never by name, because names change and ids do not.
 * Every violation throws INVALID_SCHEMA naming the column; the input schema is never modified.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { IcebergType, Schema, StructField, StructType } from './spec.js'
import {
  schemaHighestFieldId, schemaIndex, typeChildren, typeIsPrimitive, typeParseDecimal, typeToString, typeValidate,
  type SchemaIndex,
} from './types.js'

/** A new column for `schemaAddColumn`. Ids inside `type` are ignored and freshly assigned. */
export interface NewColumn {
  /** Id of the struct to add into (a list or map column means its element / value struct); top level if absent. */
  readonly parentId?: number
  readonly name: string
  readonly type: IcebergType
  readonly required?: boolean
  readonly doc?: string
}

/** Where `schemaMoveColumn` puts a column, relative to its siblings. */
export type ColumnPosition = { readonly first: true } | { readonly after: number } | { readonly before: number }

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new AkkoError('INVALID_SCHEMA', message, details)
}

/** Dotted name of a field for messages. */
const nameOf = (index: SchemaIndex, id: number): string => index.byId.get(id)?.path.join('.') ?? `#${id}`

/**
 * Gives every field of `struct` (nested ones too) a fresh id starting at `nextId`, in the order the Iceberg
 * Java library uses (all fields of a struct first, then their children), as the REST spec requires for
 * create-table. Identifier field ids are mapped to the new ids (the first field carrying a duplicated request id wins). Returns the highest id used as `lastColumnId`
 * and the old → new id map (for partition and sort fields that refer to the old ids).
 */
export function schemaAssignFreshIds(
  struct: StructType | Schema, nextId: number,
): { schema: Schema; lastColumnId: number; idMap: Map<number, number> } {
  let next = nextId
  const idMap = new Map<number, number>()
  const fresh = (old: number): number => {
    const id = next++
    if (!idMap.has(old)) idMap.set(old, id)
    return id
  }
  const assign = (t: IcebergType): IcebergType => {
    if (typeof t === 'string') return t
    if (t.type === 'struct') {
      const ids = t.fields.map((f) => fresh(f.id))
      return { type: 'struct', fields: t.fields.map((f, i) => ({ ...f, id: ids[i]!, type: assign(f.type) })) }
    }
    if (t.type === 'list') {
      const elementId = fresh(t['element-id'])
      return { type: 'list', 'element-id': elementId, element: assign(t.element), 'element-required': t['element-required'] }
    }
    const keyId = fresh(t['key-id'])
    const valueId = fresh(t['value-id'])
    return { type: 'map', 'key-id': keyId, key: assign(t.key), 'value-id': valueId, value: assign(t.value), 'value-required': t['value-required'] }
  }
  if (struct === null || typeof struct !== 'object' || !Array.isArray(struct.fields)) fail('A schema must be a struct with a fields array')
  const fields = (assign({ type: 'struct', fields: struct.fields }) as StructType).fields
  const schema: Schema = { type: 'struct', 'schema-id': schemaIdOf(struct), fields }
  const oldIds = 'identifier-field-ids' in struct ? struct['identifier-field-ids'] : undefined
  const result = oldIds?.length ? { ...schema, 'identifier-field-ids': oldIds.map((id) => idMap.get(id) ?? fail(`Identifier field id ${id} does not name a column of the schema`, { fieldId: id })) } : schema
  schemaValidate(result)
  return { schema: result, lastColumnId: next - 1, idMap }
}

const schemaIdOf = (s: StructType | Schema): number => ('schema-id' in s && typeof s['schema-id'] === 'number' ? s['schema-id'] : 0)

/**
 * Adds a column (optional unless `required`; a required column cannot be added because existing rows have no
 * value for it). The column and every nested field get fresh ids above `lastColumnId`.
 */
export function schemaAddColumn(schema: Schema, column: NewColumn, lastColumnId: number): { schema: Schema; lastColumnId: number } {
  if (typeof column.name !== 'string' || column.name === '') fail('A new column needs a non-empty name')
  if (column.required) fail(`Cannot add required column '${column.name}': existing rows have no value for it; add it as optional`)
  typeValidate(column.type, `column '${column.name}'`)
  const index = schemaIndex(schema)
  const start = Math.max(lastColumnId, schemaHighestFieldId(schema)) + 1
  // Wrap the new column in a one-field struct so the id order matches a create-table of the same shape.
  const wrapped = schemaAssignFreshIds({ type: 'struct', fields: [{ id: 0, name: column.name, required: false, type: column.type }] }, start)
  const field: StructField = { ...wrapped.schema.fields[0]!, ...(column.doc !== undefined ? { doc: column.doc } : {}) }
  const owner = structOwner(schema, index, column.parentId)
  const fields = withStructFields(schema, owner, (siblings) => {
    if (siblings.some((f) => f.name === column.name)) {
      const where = column.parentId === undefined ? '' : ` in '${nameOf(index, column.parentId)}'`
      fail(`Cannot add column '${column.name}'${where}: a column with that name already exists`)
    }
    return [...siblings, field]
  })
  return { schema: finish(schema, fields), lastColumnId: wrapped.lastColumnId }
}

/** Renames a column; names must stay unique among its siblings. List elements and map keys/values have fixed names. */
export function schemaRenameColumn(schema: Schema, id: number, newName: string): Schema {
  const index = schemaIndex(schema)
  const parentOwner = structFieldOwner(index, id, 'rename')
  if (typeof newName !== 'string' || newName === '') fail(`Cannot rename column '${nameOf(index, id)}' to an empty name`)
  const fields = withStructFields(schema, parentOwner, (siblings) => {
    if (siblings.some((f) => f.name === newName && f.id !== id)) fail(`Cannot rename column '${nameOf(index, id)}' to '${newName}': that name is already used`)
    return siblings.map((f) => (f.id === id ? { ...f, name: newName } : f))
  })
  return finish(schema, fields)
}

/** Drops a column (and everything nested in it). Identifier fields cannot be dropped. */
export function schemaDropColumn(schema: Schema, id: number): Schema {
  const index = schemaIndex(schema)
  const parentOwner = structFieldOwner(index, id, 'drop')
  const identifiers = schema['identifier-field-ids'] ?? []
  for (const ident of identifiers) {
    if (ident === id || isAncestor(index, id, ident)) fail(`Cannot drop column '${nameOf(index, id)}': it is (or contains) an identifier field`)
  }
  const fields = withStructFields(schema, parentOwner, (siblings) => siblings.filter((f) => f.id !== id))
  return finish(schema, fields)
}

/** Moves a column first, or before / after a sibling in the same struct. */
export function schemaMoveColumn(schema: Schema, id: number, position: ColumnPosition): Schema {
  const index = schemaIndex(schema)
  const parentOwner = structFieldOwner(index, id, 'move')
  const fields = withStructFields(schema, parentOwner, (siblings) => {
    const moving = siblings.find((f) => f.id === id)!
    const rest = siblings.filter((f) => f.id !== id)
    if ('first' in position) return [moving, ...rest]
    const refId = 'after' in position ? position.after : position.before
    if (refId === id) fail(`Cannot move column '${nameOf(index, id)}' relative to itself`)
    const at = rest.findIndex((f) => f.id === refId)
    if (at < 0) fail(`Cannot move column '${nameOf(index, id)}': field id ${refId} is not a sibling in the same struct`)
    const insertAt = 'after' in position ? at + 1 : at
    return [...rest.slice(0, insertAt), moving, ...rest.slice(insertAt)]
  })
  return finish(schema, fields)
}

/**
 * Widens a primitive column's type. Only the spec's safe promotions are allowed: int → long, float → double,
 * decimal(P,S) → decimal(P',S) with P' > P. The same type returns the schema unchanged.
 */
export function schemaUpdateColumnType(schema: Schema, id: number, newType: IcebergType): Schema {
  const index = schemaIndex(schema)
  const entry = index.byId.get(id) ?? fail(`No column with field id ${id}`, { fieldId: id })
  const name = entry.path.join('.')
  const from = entry.field.type
  if (!typeIsPrimitive(from)) fail(`Cannot change the type of '${name}': it is a ${typeToString(from)}; only primitive columns can be widened`)
  typeValidate(newType, `column '${name}'`)
  if (!typeIsPrimitive(newType)) fail(`Cannot change '${name}' from ${from} to a nested type`)
  if (typeEquivalent(from, newType)) return schema
  if (!typePromotionAllowed(from, newType)) {
    fail(`Cannot change column '${name}' from ${from} to ${newType}: only int→long, float→double and widening a decimal's precision are allowed`)
  }
  return finish(schema, replaceField(schema, id, (f) => ({ ...f, type: newType })) as readonly StructField[])
}

/** Same primitive type, ignoring spacing inside decimal(P, S). */
function typeEquivalent(a: string, b: string): boolean {
  const x = typeParseDecimal(a), y = typeParseDecimal(b)
  return a === b || (!!x && !!y && x.precision === y.precision && x.scale === y.scale)
}

/** True when the spec allows promoting `from` to `to` (int→long, float→double, decimal precision widening). */
export function typePromotionAllowed(from: string, to: string): boolean {
  if (typeEquivalent(from, to)) return true
  if (from === 'int') return to === 'long'
  if (from === 'float') return to === 'double'
  const a = typeParseDecimal(from)
  const b = typeParseDecimal(to)
  return !!a && !!b && a.scale === b.scale && b.precision > a.precision
}

/** Makes a column optional (for list elements and map values: nullable elements / values). Identifier fields must stay required. */
export function schemaMakeOptional(schema: Schema, id: number): Schema {
  const index = schemaIndex(schema)
  const entry = index.byId.get(id) ?? fail(`No column with field id ${id}`, { fieldId: id })
  if (!entry.field.required) return schema
  if (entry.field.name === 'key' && parentIsMap(index, entry.parentId, id)) fail(`Map keys are always required ('${nameOf(index, id)}')`)
  if ((schema['identifier-field-ids'] ?? []).includes(id)) fail(`Cannot make identifier field '${nameOf(index, id)}' optional`)
  return finish(schema, replaceField(schema, id, (f) => ({ ...f, required: false })) as readonly StructField[])
}

/**
 * Checks a schema: well-formed types, field ids unique across the whole schema, names unique within each
 * struct (case-sensitive), identifier fields that exist, are required, primitive, not float/double and not
 * nested in a list, a map or an optional struct.
 */
export function schemaValidate(schema: Schema | StructType): void {
  if (schema === null || typeof schema !== 'object' || schema.type !== 'struct') fail('A schema must be an object with type "struct"')
  typeValidate(schema, 'schema')
  const seen = new Map<number, string>()
  const walk = (t: IcebergType, path: string[]): void => {
    if (typeof t === 'string') return
    const names = new Set<string>()
    for (const child of typeChildren(t)) {
      const full = [...path, child.name].join('.')
      if (t.type === 'struct') {
        if (names.has(child.name)) fail(`Duplicate column name '${full}'`, { column: full })
        names.add(child.name)
      }
      const other = seen.get(child.id)
      if (other !== undefined) fail(`Field id ${child.id} is used by both '${other}' and '${full}'`, { fieldId: child.id })
      seen.set(child.id, full)
      walk(child.type, [...path, child.name])
    }
  }
  walk(schema, [])
  const identifiers = 'identifier-field-ids' in schema ? schema['identifier-field-ids'] : undefined
  if (identifiers !== undefined && !Array.isArray(identifiers)) fail("'identifier-field-ids' must be an array of field ids")
  if (identifiers?.length) identifiersValidate(schema, identifiers)
}

function identifiersValidate(schema: StructType, ids: readonly number[]): void {
  const index = schemaIndex(schema)
  for (const id of ids) {
    const entry = index.byId.get(id) ?? fail(`Identifier field id ${id} does not name a column`, { fieldId: id })
    const name = entry.path.join('.')
    const t = entry.field.type
    if (!typeIsPrimitive(t)) fail(`Identifier field '${name}' must be a primitive column, not ${typeToString(t)}`)
    if (t === 'float' || t === 'double') fail(`Identifier field '${name}' cannot be ${t}: floating-point equality is unreliable`)
    if (!entry.field.required) fail(`Identifier field '${name}' must be required`)
    for (let p = entry.parentId; p !== undefined; p = index.byId.get(p)?.parentId) {
      const parent = index.byId.get(p)!
      if (typeof parent.field.type !== 'object' || parent.field.type.type !== 'struct') fail(`Identifier field '${name}' cannot be inside a list or map`)
      if (!parent.field.required) fail(`Identifier field '${name}' cannot be inside optional struct '${parent.path.join('.')}'`)
    }
  }
}

// ---------------------------------------------------------------- tree rewriting helpers

/** Sentinel owner id for the top-level struct. */
const ROOT = -1

/** Resolves the owner id of the struct a new column goes into (a list/map parent means its element/value). */
function structOwner(schema: Schema, index: SchemaIndex, parentId: number | undefined): number {
  if (parentId === undefined) return ROOT
  const entry = index.byId.get(parentId) ?? fail(`Cannot add a column: no parent column with field id ${parentId}`, { fieldId: parentId })
  const t = entry.field.type
  if (typeof t === 'object' && t.type === 'struct') return parentId
  if (typeof t === 'object' && t.type === 'list' && typeof t.element === 'object' && t.element.type === 'struct') return t['element-id']
  if (typeof t === 'object' && t.type === 'map' && typeof t.value === 'object' && t.value.type === 'struct') return t['value-id']
  return fail(`Cannot add a column to '${nameOf(index, parentId)}': it is ${typeToString(t)}, not a struct`)
}

/** Owner id of the struct holding field `id`; list elements and map keys/values cannot be renamed, dropped or moved. */
function structFieldOwner(index: SchemaIndex, id: number, action: string): number {
  const entry = index.byId.get(id) ?? fail(`Cannot ${action} column: no column with field id ${id}`, { fieldId: id })
  if (entry.parentId === undefined) return ROOT
  const parent = index.byId.get(entry.parentId)!.field.type
  if (typeof parent === 'object' && parent.type !== 'struct') fail(`Cannot ${action} '${entry.path.join('.')}': it is part of a list or map`)
  return entry.parentId
}

function parentIsMap(index: SchemaIndex, parentId: number | undefined, id: number): boolean {
  if (parentId === undefined) return false
  const t = index.byId.get(parentId)?.field.type
  return typeof t === 'object' && t.type === 'map' && t['key-id'] === id
}

function isAncestor(index: SchemaIndex, ancestor: number, id: number): boolean {
  for (let p = index.byId.get(id)?.parentId; p !== undefined; p = index.byId.get(p)?.parentId) if (p === ancestor) return true
  return false
}

/** Rebuilds the top-level fields, applying `fn` to the fields of the struct owned by `owner`. */
function withStructFields(schema: Schema, owner: number, fn: (fields: readonly StructField[]) => StructField[]): readonly StructField[] {
  if (owner === ROOT) return fn(schema.fields)
  return (rewrite({ type: 'struct', fields: schema.fields }, ROOT, owner, fn) as StructType).fields
}

function rewrite(t: IcebergType, ownerId: number, target: number, fn: (fields: readonly StructField[]) => StructField[]): IcebergType {
  if (typeof t === 'string') return t
  if (t.type === 'struct') {
    const fields = t.fields.map((f) => ({ ...f, type: rewrite(f.type, f.id, target, fn) }))
    return { ...t, fields: ownerId === target ? fn(fields) : fields }
  }
  if (t.type === 'list') return { ...t, element: rewrite(t.element, t['element-id'], target, fn) }
  return { ...t, key: rewrite(t.key, t['key-id'], target, fn), value: rewrite(t.value, t['value-id'], target, fn) }
}

/** Rebuilds the tree replacing the field with this id (synthetic element/key/value fields map back to their list/map). */
function replaceField(t: StructType | Schema, id: number, fn: (f: StructField) => StructField): readonly StructField[] {
  const go = (type: IcebergType): IcebergType => {
    if (typeof type === 'string') return type
    if (type.type === 'struct') return { ...type, fields: type.fields.map((f) => (f.id === id ? fn(f) : { ...f, type: go(f.type) })) }
    const [first, second] = typeChildren(type)
    if (type.type === 'list') {
      const el = first!.id === id ? fn(first!) : { ...first!, type: go(first!.type) }
      return { ...type, element: el.type, 'element-required': el.required }
    }
    const key = first!.id === id ? fn(first!) : { ...first!, type: go(first!.type) }
    const value = second!.id === id ? fn(second!) : { ...second!, type: go(second!.type) }
    return { ...type, key: key.type, value: value.type, 'value-required': value.required }
  }
  return (go({ type: 'struct', fields: t.fields }) as StructType).fields
}

function finish(schema: Schema, fields: readonly StructField[]): Schema {
  const next: Schema = { ...schema, 'schema-id': schema['schema-id'] + 1, fields }
  schemaValidate(next)
  return next
}
