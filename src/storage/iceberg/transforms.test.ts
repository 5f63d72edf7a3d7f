import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  bucketHash, transformApply, transformCanApply, transformParse, transformPreservesOrder, transformResultType, transformToHumanString,
} from './transforms.js'

describe('bucketHash (spec Appendix B reference values)', () => {
  const cases: Array<[string, unknown, number]> = [
    ['int', 34, 2017239379],
    ['long', 34n, 2017239379],
    ['decimal(4, 2)', '14.20', -500754589],
    ['date', '2017-11-16', -653330422],
    ['time', '22:31:08', -662762989],
    ['timestamp', '2017-11-16T22:31:08', -2047944441],
    ['timestamptz', '2017-11-16T14:31:08-08:00', -2047944441],
    ['timestamp_ns', '2017-11-16T22:31:08.000000001', -2047944441],
    ['string', 'iceberg', 1210000089],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
    ['fixed[4]', Uint8Array.of(0, 1, 2, 3), -188683207],
    ['binary', Uint8Array.of(0, 1, 2, 3), -188683207],
  ]
  for (const [type, value, expected] of cases) {
    test(`${type} ${value instanceof Uint8Array ? '00 01 02 03' : String(value)} → ${expected}`, () => {
      assert.equal(bucketHash(type, value), expected)
    })
  }

  test("bucket[4] of ids 1, 2, 3, 4 is 0, 0, 3, 2 as Iceberg's Spark writer stored them", () => {
    assert.deepEqual([1, 2, 3, 4].map((i) => transformApply('bucket[4]', 'int', i)), [0, 0, 3, 2])
    assert.deepEqual([1n, 2n, 3n, 4n].map((i) => transformApply('bucket[4]', 'long', i)), [0, 0, 3, 2])
  })
})

describe('transformParse and type rules', () => {
  test('parses every transform and rejects unknown ones with INVALID_SCHEMA', () => {
    assert.deepEqual(transformParse('bucket[16]'), { kind: 'bucket', param: 16 })
    assert.deepEqual(transformParse('truncate[4]'), { kind: 'truncate', param: 4 })
    assert.deepEqual(transformParse('day'), { kind: 'day' })
    for (const bad of ['bucket', 'bucket[0]', 'truncate[x]', 'days', 'zorder', '']) assert.throws(() => transformParse(bad), { code: 'INVALID_SCHEMA' }, bad)
  })

  test('result types: bucket/year/month/hour int, day date, identity/truncate keep the source', () => {
    assert.equal(transformResultType('bucket[8]', 'string'), 'int')
    assert.equal(transformResultType('year', 'timestamptz'), 'int')
    assert.equal(transformResultType('day', 'timestamp'), 'date')
    assert.equal(transformResultType('truncate[2]', 'decimal(9, 2)'), 'decimal(9, 2)')
    assert.equal(transformResultType('identity', 'uuid'), 'uuid')
    assert.throws(() => transformResultType('hour', 'date'), /hour cannot be applied to a date column/)
    assert.throws(() => transformResultType('truncate[3]', 'double'), { code: 'INVALID_SCHEMA' })
  })

  test('which transforms apply and which preserve order', () => {
    assert.equal(transformCanApply('bucket[2]', 'double'), false)
    assert.equal(transformCanApply('bucket[2]', 'uuid'), true)
    assert.equal(transformCanApply('month', 'date'), true)
    assert.equal(transformCanApply('identity', { type: 'struct', fields: [] }), false)
    assert.equal(transformCanApply('void', { type: 'struct', fields: [] }), true)
    assert.equal(transformPreservesOrder('day'), true)
    assert.equal(transformPreservesOrder('truncate[3]'), true)
    assert.equal(transformPreservesOrder('bucket[3]'), false)
    assert.equal(transformPreservesOrder('void'), false)
  })
})

describe('transformApply', () => {
  test('temporal transforms count from 1970 and floor pre-epoch values', () => {
    const ts = 1705313100000000n // 2024-01-15T10:05:00Z
    assert.equal(transformApply('year', 'timestamptz', ts), 54)
    assert.equal(transformApply('month', 'timestamptz', ts), 648)
    assert.equal(transformApply('day', 'timestamptz', ts), 19737)
    assert.equal(transformApply('hour', 'timestamptz', ts), 473698)
    assert.equal(transformApply('day', 'timestamp_ns', ts * 1000n), 19737)
    assert.equal(transformApply('month', 'date', '1969-12-31'), -1)
    assert.equal(transformApply('year', 'date', '1969-01-01'), -1)
    assert.equal(transformApply('day', 'timestamp', -1n), -1)
    assert.equal(transformApply('hour', 'timestamp', -1n), -1)
  })

  test('truncate floors numbers and cuts strings by code point and binary by byte', () => {
    assert.equal(transformApply('truncate[10]', 'int', 1), 0)
    assert.equal(transformApply('truncate[10]', 'int', -1), -10)
    assert.equal(transformApply('truncate[10]', 'long', -1n), -10n)
    assert.equal(transformApply('truncate[50]', 'decimal(9, 2)', 1065n), 1050n)
    assert.equal(transformApply('truncate[3]', 'string', 'iceberg'), 'ice')
    assert.equal(transformApply('truncate[2]', 'string', '🐇🐇🐇'), '🐇🐇')
    assert.deepEqual(transformApply('truncate[2]', 'binary', Uint8Array.of(1, 2, 3)), Uint8Array.of(1, 2))
  })

  test('null gives null, void always null, identity normalizes the value', () => {
    assert.equal(transformApply('bucket[4]', 'int', null), null)
    assert.equal(transformApply('void', 'int', 5), null)
    assert.equal(transformApply('identity', 'long', 5), 5n)
    assert.throws(() => transformApply('bucket[4]', 'boolean', true), { code: 'INVALID_SCHEMA' })
  })
})

describe('transformToHumanString', () => {
  test('writes partition path values like Iceberg Java', () => {
    assert.equal(transformToHumanString('year', 'timestamp', 54), '2024')
    assert.equal(transformToHumanString('month', 'timestamp', 648), '2024-01')
    assert.equal(transformToHumanString('month', 'date', -1), '1969-12')
    assert.equal(transformToHumanString('day', 'timestamp', 19737), '2024-01-15')
    assert.equal(transformToHumanString('hour', 'timestamp', 473698), '2024-01-15-10')
    assert.equal(transformToHumanString('bucket[4]', 'int', 3), '3')
    assert.equal(transformToHumanString('identity', 'date', 19737), '2024-01-15')
    assert.equal(transformToHumanString('identity', 'decimal(10, 2)', 1050n), '10.50')
    assert.equal(transformToHumanString('identity', 'timestamptz', 1705313100000000n), '2024-01-15T10:05:00Z')
    assert.equal(transformToHumanString('identity', 'binary', Uint8Array.of(0, 1, 2)), 'AAEC')
    assert.equal(transformToHumanString('identity', 'string', 'a/b'), 'a/b')
    assert.equal(transformToHumanString('day', 'date', null), 'null')
  })
})
