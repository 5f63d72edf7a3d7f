import { test } from 'node:test'
import assert from 'node:assert/strict'
import { typeSignatureParse } from './type-signature.js'

test('simple, parametric and suffixed types', () => {
  assert.deepEqual(typeSignatureParse('bigint'), { rawType: 'bigint', arguments: [] })
  assert.deepEqual(typeSignatureParse('varchar'), { rawType: 'varchar', arguments: [{ kind: 'LONG', value: 2147483647 }] })
  assert.deepEqual(typeSignatureParse('decimal(12,2)'), { rawType: 'decimal', arguments: [{ kind: 'LONG', value: 12 }, { kind: 'LONG', value: 2 }] })
  assert.deepEqual(typeSignatureParse('timestamp(6) with time zone'), { rawType: 'timestamp with time zone', arguments: [{ kind: 'LONG', value: 6 }] })
  assert.deepEqual(typeSignatureParse('interval day to second'), { rawType: 'interval day to second', arguments: [] })
})

test('nested arrays, maps and rows with named and quoted fields', () => {
  assert.deepEqual(typeSignatureParse('map(varchar(3), array(bigint))'), {
    rawType: 'map',
    arguments: [
      { kind: 'TYPE', value: { rawType: 'varchar', arguments: [{ kind: 'LONG', value: 3 }] } },
      { kind: 'TYPE', value: { rawType: 'array', arguments: [{ kind: 'TYPE', value: { rawType: 'bigint', arguments: [] } }] } },
    ],
  })
  assert.deepEqual(typeSignatureParse('row(a bigint, "b c" timestamp(3) with time zone, double)'), {
    rawType: 'row',
    arguments: [
      { kind: 'NAMED_TYPE', value: { fieldName: { name: 'a' }, typeSignature: { rawType: 'bigint', arguments: [] } } },
      { kind: 'NAMED_TYPE', value: { fieldName: { name: 'b c' }, typeSignature: { rawType: 'timestamp with time zone', arguments: [{ kind: 'LONG', value: 3 }] } } },
      { kind: 'NAMED_TYPE', value: { typeSignature: { rawType: 'double', arguments: [] } } },
    ],
  })
})

test('malformed text still gives a signature with the text as raw type', () => {
  assert.deepEqual(typeSignatureParse('array(bigint'), { rawType: 'array(bigint', arguments: [] })
})
