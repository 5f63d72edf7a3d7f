import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { StructType } from './spec.js'
import { schemaFindField, schemaHighestFieldId, schemaIndex, typeIsPrimitive, typeParseDecimal, typeParseFixed, typeValidate } from './types.js'

const nested: StructType = {
  type: 'struct',
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'address', required: false, type: { type: 'struct', fields: [
      { id: 5, name: 'city', required: false, type: 'string' },
      { id: 6, name: 'zip', required: false, type: 'int' },
    ] } },
    { id: 3, name: 'points', required: false, type: { type: 'list', 'element-id': 7, 'element-required': true, element: {
      type: 'struct', fields: [{ id: 9, name: 'x', required: true, type: 'double' }],
    } } },
    { id: 4, name: 'props', required: false, type: { type: 'map', 'key-id': 10, key: 'string', 'value-id': 11, 'value-required': false, value: 'decimal(9, 2)' } },
  ],
}

describe('type strings', () => {
  test('decimal and fixed parameters are parsed with or without spaces', () => {
    assert.deepEqual(typeParseDecimal('decimal(10, 2)'), { precision: 10, scale: 2 })
    assert.deepEqual(typeParseDecimal('decimal(38,0)'), { precision: 38, scale: 0 })
    assert.equal(typeParseDecimal('double'), undefined)
    assert.equal(typeParseFixed('fixed[16]'), 16)
    assert.equal(typeParseFixed('binary'), undefined)
    assert.equal(typeIsPrimitive('timestamptz'), true)
    assert.equal(typeIsPrimitive(nested), false)
  })

  test('typeValidate accepts every spec type and nested types', () => {
    for (const t of ['boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary', 'fixed[3]', 'decimal(38, 10)']) {
      assert.doesNotThrow(() => typeValidate(t), t)
    }
    assert.doesNotThrow(() => typeValidate(nested))
  })

  test('typeValidate rejects unknown types and bad parameters with INVALID_SCHEMA naming the column', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['varchar', /unknown type 'varchar'/],
      ['decimal(39, 2)', /precision 39 is out of range/],
      ['decimal(5, 6)', /scale 6 exceeds precision 5/],
      ['decimal(5)', /malformed decimal/],
      ['fixed[0]', /malformed fixed/],
      [{ type: 'struct', fields: [{ id: 1, name: 'price', required: false, type: 'decimal(40,2)' }] }, /column 'price'.*precision 40/],
      [{ type: 'struct', fields: [{ id: 1, name: 'a', required: 'yes', type: 'int' }] }, /column 'a': 'required'/],
      [{ type: 'list', 'element-id': 1, element: 'int' }, /element-required/],
      [{ type: 'map', 'key-id': 1, key: 'int', 'value-id': 'x', value: 'int', 'value-required': true }, /value-id/],
      [{ type: 'variantx' }, /unknown nested type/],
    ]
    for (const [t, re] of bad) assert.throws(() => typeValidate(t), (e: unknown) => (e as { code: string }).code === 'INVALID_SCHEMA' && re.test((e as Error).message), JSON.stringify(t))
  })
})

describe('schemaIndex', () => {
  test('indexes every field id with its path and parent, including list elements and map keys/values', () => {
    const idx = schemaIndex(nested)
    assert.deepEqual(idx.byId.get(5)!.path, ['address', 'city'])
    assert.equal(idx.byId.get(5)!.parentId, 2)
    assert.equal(idx.byId.get(1)!.parentId, undefined)
    assert.deepEqual(idx.byId.get(9)!.path, ['points', 'element', 'x'])
    assert.equal(idx.byId.get(9)!.parentId, 7)
    assert.equal(idx.byId.get(7)!.field.name, 'element')
    assert.equal(idx.byId.get(7)!.field.required, true)
    assert.equal(idx.byId.get(10)!.field.type, 'string')
    assert.equal(idx.byId.get(11)!.field.required, false)
    assert.equal(idx.byName.get('address.city'), 5)
    assert.equal(idx.byName.get('points.element.x'), 9)
    assert.equal(idx.byName.get('props.value'), 11)
    assert.equal(idx.byId.size, 10)
  })

  test('schemaFindField and schemaHighestFieldId look inside nested types', () => {
    assert.equal(schemaFindField(nested, 6)!.name, 'zip')
    assert.equal(schemaFindField(nested, 11)!.type, 'decimal(9, 2)')
    assert.equal(schemaFindField(nested, 99), undefined)
    assert.equal(schemaHighestFieldId(nested), 11)
    assert.equal(schemaHighestFieldId({ type: 'struct', fields: [] }), 0)
  })
})
