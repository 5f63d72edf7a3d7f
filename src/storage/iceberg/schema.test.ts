import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Schema, StructType } from './spec.js'
import {
  schemaAddColumn, schemaAssignFreshIds, schemaDropColumn, schemaMakeOptional, schemaMoveColumn, schemaRenameColumn,
  schemaUpdateColumnType, schemaValidate,
} from './schema.js'
import { schemaIndex } from './types.js'

const base: Schema = {
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'qty', required: false, type: 'int' },
    { id: 3, name: 'price', required: false, type: 'decimal(10, 2)' },
    { id: 4, name: 'addr', required: false, type: { type: 'struct', fields: [{ id: 6, name: 'city', required: false, type: 'string' }] } },
    { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, 'element-required': true, element: 'string' } },
  ],
}
const names = (s: Schema): string[] => s.fields.map((f) => f.name)
const schemaError = (re: RegExp) => (e: unknown): boolean => (e as { code: string }).code === 'INVALID_SCHEMA' && re.test((e as Error).message)

describe('schemaAssignFreshIds', () => {
  test('assigns ids breadth-first per struct like Iceberg Java and remaps identifier fields by name', () => {
    const request = {
      type: 'struct' as const, 'schema-id': 7, 'identifier-field-ids': [0],
      fields: [
        { id: 0, name: 'id', required: true, type: 'long' },
        { id: 0, name: 'loc', required: false, type: { type: 'struct' as const, fields: [{ id: 0, name: 'lat', required: false, type: 'double' }] } },
        { id: 0, name: 'm', required: false, type: { type: 'map' as const, 'key-id': 0, key: 'string', 'value-id': 0, value: 'int', 'value-required': false } },
        { id: 0, name: 'last', required: false, type: 'string' },
      ],
    }
    const { schema, lastColumnId } = schemaAssignFreshIds(request, 1)
    assert.deepEqual(schema.fields.map((f) => f.id), [1, 2, 3, 4])
    assert.equal((schema.fields[1]!.type as StructType).fields[0]!.id, 5)
    assert.deepEqual([(schema.fields[2]!.type as { 'key-id': number })['key-id'], (schema.fields[2]!.type as { 'value-id': number })['value-id']], [6, 7])
    assert.equal(lastColumnId, 7)
    assert.deepEqual(schema['identifier-field-ids'], [1])
    assert.equal(schema['schema-id'], 7)
  })

  test('rejects duplicate names in the request', () => {
    assert.throws(() => schemaAssignFreshIds({ type: 'struct', fields: [
      { id: 1, name: 'a', required: false, type: 'int' }, { id: 2, name: 'a', required: false, type: 'int' }] }, 1), schemaError(/Duplicate column name 'a'/))
  })
})

describe('schemaAddColumn', () => {
  test('adds an optional column at the end with the next id and a new schema id', () => {
    const { schema, lastColumnId } = schemaAddColumn(base, { name: 'note', type: 'string', doc: 'free text' }, 7)
    assert.deepEqual(names(schema), ['id', 'qty', 'price', 'addr', 'tags', 'note'])
    assert.deepEqual(schema.fields[5], { id: 8, name: 'note', required: false, type: 'string', doc: 'free text' })
    assert.equal(lastColumnId, 8)
    assert.equal(schema['schema-id'], 1)
    assert.equal(base.fields.length, 5, 'the input schema is unchanged')
  })

  test('assigns fresh ids to nested types and adds into a nested struct by parent id', () => {
    const { schema, lastColumnId } = schemaAddColumn(base, { name: 'kv', type: { type: 'map', 'key-id': 1, key: 'string', 'value-id': 1, value: 'long', 'value-required': true } }, 7)
    assert.equal(schema.fields[5]!.id, 8)
    assert.deepEqual([(schema.fields[5]!.type as { 'key-id': number })['key-id'], (schema.fields[5]!.type as { 'value-id': number })['value-id']], [9, 10])
    assert.equal(lastColumnId, 10)
    const nested = schemaAddColumn(base, { parentId: 4, name: 'zip', type: 'string' }, 7).schema
    assert.equal(schemaIndex(nested).byName.get('addr.zip'), 8)
  })

  test('rejects duplicates, required columns, bad types and non-struct parents', () => {
    assert.throws(() => schemaAddColumn(base, { name: 'qty', type: 'int' }, 7), schemaError(/'qty'.*already exists/))
    assert.throws(() => schemaAddColumn(base, { name: 'r', type: 'int', required: true }, 7), schemaError(/required column 'r'/))
    assert.throws(() => schemaAddColumn(base, { name: 'x', type: 'varchar' }, 7), schemaError(/unknown type 'varchar'/))
    assert.throws(() => schemaAddColumn(base, { parentId: 2, name: 'x', type: 'int' }, 7), schemaError(/'qty': it is int, not a struct/))
  })
})

describe('rename, drop, move', () => {
  test('renames by id and keeps names unique', () => {
    const s = schemaRenameColumn(base, 6, 'town')
    assert.equal(schemaIndex(s).byName.get('addr.town'), 6)
    assert.throws(() => schemaRenameColumn(base, 2, 'price'), schemaError(/'qty' to 'price'/))
    assert.throws(() => schemaRenameColumn(base, 7, 'x'), schemaError(/list or map/))
    assert.throws(() => schemaRenameColumn(base, 99, 'x'), schemaError(/field id 99/))
  })

  test('drops a column but never an identifier field', () => {
    const s = schemaDropColumn(base, 4)
    assert.deepEqual(names(s), ['id', 'qty', 'price', 'tags'])
    assert.equal(schemaIndex(s).byId.has(6), false)
    assert.throws(() => schemaDropColumn(base, 1), schemaError(/'id'.*identifier/))
  })

  test('moves first, before and after a sibling', () => {
    assert.deepEqual(names(schemaMoveColumn(base, 3, { first: true })), ['price', 'id', 'qty', 'addr', 'tags'])
    assert.deepEqual(names(schemaMoveColumn(base, 1, { after: 3 })), ['qty', 'price', 'id', 'addr', 'tags'])
    assert.deepEqual(names(schemaMoveColumn(base, 5, { before: 2 })), ['id', 'tags', 'qty', 'price', 'addr'])
    assert.throws(() => schemaMoveColumn(base, 1, { after: 6 }), schemaError(/not a sibling/))
  })
})

describe('type updates and optionality', () => {
  test('allows only int→long, float→double and wider decimals', () => {
    assert.equal(schemaUpdateColumnType(base, 2, 'long').fields[1]!.type, 'long')
    assert.equal(schemaUpdateColumnType(base, 3, 'decimal(12, 2)').fields[2]!.type, 'decimal(12, 2)')
    assert.equal(schemaUpdateColumnType(base, 3, 'decimal(10,2)'), base, 'the same type is a no-op')
    assert.throws(() => schemaUpdateColumnType(base, 3, 'decimal(12, 3)'), schemaError(/'price' from decimal\(10, 2\) to decimal\(12, 3\)/))
    assert.throws(() => schemaUpdateColumnType(base, 1, 'int'), schemaError(/'id' from long to int/))
    assert.throws(() => schemaUpdateColumnType(base, 2, 'string'), schemaError(/'qty' from int to string/))
    assert.throws(() => schemaUpdateColumnType(base, 4, 'string'), schemaError(/'addr'.*only primitive/))
    const withDate = schemaAddColumn(base, { name: 'd', type: 'date' }, 7).schema
    assert.throws(() => schemaUpdateColumnType(withDate, 8, 'timestamp'), schemaError(/'d' from date to timestamp/))
  })

  test('makes columns and list elements optional, never identifier fields', () => {
    assert.equal(schemaMakeOptional(base, 2), base)
    const s = schemaMakeOptional(base, 7)
    assert.equal((s.fields[4]!.type as { 'element-required': boolean })['element-required'], false)
    assert.throws(() => schemaMakeOptional(base, 1), schemaError(/identifier field 'id'/))
  })
})

describe('schemaValidate', () => {
  test('rejects duplicate ids, duplicate names and bad identifier fields', () => {
    const f = base.fields
    assert.throws(() => schemaValidate({ ...base, fields: [...f, { id: 3, name: 'dup', required: false, type: 'int' }] }), schemaError(/Field id 3 is used by both 'price' and 'dup'/))
    assert.throws(() => schemaValidate({ ...base, fields: [...f, { id: 20, name: 'qty', required: false, type: 'int' }] }), schemaError(/Duplicate column name 'qty'/))
    assert.doesNotThrow(() => schemaValidate({ ...base, fields: [...f, { id: 20, name: 'QTY', required: false, type: 'int' }] }), 'names are case-sensitive')
    assert.throws(() => schemaValidate({ ...base, 'identifier-field-ids': [2] }), schemaError(/'qty' must be required/))
    assert.throws(() => schemaValidate({ ...base, 'identifier-field-ids': [4] }), schemaError(/'addr' must be a primitive/))
    assert.throws(() => schemaValidate({ ...base, 'identifier-field-ids': [7] }), schemaError(/'tags.element' cannot be inside a list or map/))
    assert.throws(() => schemaValidate({ ...base, 'identifier-field-ids': [42] }), schemaError(/42 does not name a column/))
    const dbl: Schema = { ...base, 'identifier-field-ids': [9], fields: [...f, { id: 9, name: 'score', required: true, type: 'double' }] }
    assert.throws(() => schemaValidate(dbl), schemaError(/'score' cannot be double/))
  })
})
