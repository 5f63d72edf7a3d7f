import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  dateFormat, dateFromDays, dateToDays, decimalFromBytes, decimalToBytes, valueCoerce, valueCompare, valueFromBytes, valueFromJson,
  valueToBytes, valueToJson, valueTruncateLower, valueTruncateUpper,
} from './values.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('calendar helpers', () => {
  test('days since epoch round-trip through calendar dates, before 1970 and after 9999', () => {
    assert.equal(dateToDays(2017, 11, 16), 17486)
    assert.equal(dateFormat(17486), '2017-11-16')
    assert.equal(dateFormat(-1), '1969-12-31')
    assert.equal(dateFormat(-719528), '0000-01-01')
    for (const d of [-800000, -1, 0, 59, 60, 11016, 2932896, 3000000]) {
      const { year, month, day } = dateFromDays(d)
      assert.equal(dateToDays(year, month, day), d)
    }
  })
})

describe('valueToBytes / valueFromBytes (spec Appendix D)', () => {
  const cases: Array<[string, unknown, string]> = [
    ['boolean', true, '01'],
    ['int', 1, '01000000'],
    ['int', -2, 'feffffff'],
    ['long', 1n, '0100000000000000'],
    ['date', 17486, '4e440000'],
    ['time', 81068000000n, '008307e012000000'],
    ['timestamptz', 1510871468000000n, '00c3262d215e0500'],
    ['float', 1.5, '0000c03f'],
    ['double', -2.5, '00000000000004c0'],
    ['decimal(4, 2)', 1420n, '058c'],
    ['decimal(10, 2)', -1n, 'ff'],
    ['decimal(10, 2)', 128n, '0080'],
    ['decimal(10, 2)', -129n, 'ff7f'],
    ['decimal(10, 2)', 0n, '00'],
    ['string', 'iceberg é', '6963656265726720c3a9'],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
    ['fixed[3]', Uint8Array.of(1, 2, 3), '010203'],
    ['binary', Uint8Array.of(255, 0), 'ff00'],
  ]
  for (const [type, value, bytes] of cases) {
    test(`${type} ${String(value)} ⇄ ${bytes}`, () => {
      assert.equal(hex(valueToBytes(type, value)), bytes)
      assert.deepEqual(valueFromBytes(type, Buffer.from(bytes, 'hex')), value instanceof Uint8Array ? new Uint8Array(value) : value)
    })
  }

  test('reads int-sized bounds for long columns and float-sized bounds for double columns (promoted types)', () => {
    assert.equal(valueFromBytes('long', Uint8Array.of(0xfe, 0xff, 0xff, 0xff)), -2n)
    assert.equal(valueFromBytes('double', valueToBytes('float', 1.5)), 1.5)
  })

  test('wrong lengths are CORRUPT_FILE; coercion happens before encoding', () => {
    assert.throws(() => valueFromBytes('int', Uint8Array.of(1, 2)), { code: 'CORRUPT_FILE' })
    assert.throws(() => valueFromBytes('uuid', new Uint8Array(15)), { code: 'CORRUPT_FILE' })
    assert.equal(hex(valueToBytes('long', 1)), '0100000000000000')
    assert.throws(() => valueToBytes('int', null), { code: 'INVALID_ARGUMENT' })
  })

  test('decimal bytes are minimal two\'s complement for large values', () => {
    const big = -(10n ** 37n) + 1n
    assert.equal(decimalFromBytes(decimalToBytes(big)), big)
    assert.equal(decimalToBytes(10n ** 37n).length, 16)
  })
})

describe('valueCompare', () => {
  test('strings compare by code point (UTF-8 byte order), not UTF-16 units', () => {
    assert.ok(valueCompare('string', '\uffff', '🐇') < 0, 'U+FFFF sorts before U+1F407')
    assert.ok('\uffff' > '🐇', 'whereas JS string order says the opposite')
    assert.ok(valueCompare('string', 'a', 'ab') < 0)
    assert.equal(valueCompare('string', 'x', 'x'), 0)
  })

  test('binary compares unsigned, floats order -0 before 0 and NaN last, nulls first', () => {
    assert.ok(valueCompare('binary', Uint8Array.of(0x7f), Uint8Array.of(0x80)) < 0)
    assert.ok(valueCompare('double', -0, 0) < 0)
    assert.ok(valueCompare('double', Number.NaN, Number.POSITIVE_INFINITY) > 0)
    assert.equal(valueCompare('double', Number.NaN, Number.NaN), 0)
    assert.ok(valueCompare('long', null, -5n) < 0)
    assert.ok(valueCompare('long', 2n ** 62n, 2n ** 62n + 1n) < 0)
    assert.ok(valueCompare('long', 3, 2n) > 0, 'a number and a bigint are normalized first')
  })
})

describe('JSON single values', () => {
  const cases: Array<[string, unknown, unknown]> = [
    ['boolean', true, true],
    ['int', 34, 34],
    ['long', 7505300640432048841n, 7505300640432048841n],
    ['long', 5n, 5],
    ['double', 1.25, 1.25],
    ['decimal(4, 2)', 1420n, '14.20'],
    ['decimal(9, 2)', -5n, '-0.05'],
    ['date', 17486, '2017-11-16'],
    ['time', 81068123456n, '22:31:08.123456'],
    ['timestamp', 1510871468123456n, '2017-11-16T22:31:08.123456'],
    ['timestamptz', 1510871468123456n, '2017-11-16T22:31:08.123456+00:00'],
    ['timestamp_ns', 1510871468123456789n, '2017-11-16T22:31:08.123456789'],
    ['timestamp', -1n, '1969-12-31T23:59:59.999999'],
    ['string', 'iceberg', 'iceberg'],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'],
    ['binary', Uint8Array.of(0, 1, 0xff), '0001ff'],
  ]
  for (const [type, value, json] of cases) {
    test(`${type}: ${String(value)} ⇄ ${String(json)}`, () => {
      assert.deepEqual(valueToJson(type, value), json)
      assert.deepEqual(valueFromJson(type, json), value)
    })
  }

  test('timestamptz JSON with another offset is converted to UTC', () => {
    assert.equal(valueFromJson('timestamptz', '2017-11-16T14:31:08-08:00'), 1510871468000000n)
  })

  test('nested values: structs keyed by field id, maps as keys/values arrays', () => {
    const t = { type: 'struct' as const, fields: [{ id: 1, name: 'a', required: false, type: 'int' }, { id: 2, name: 'm', required: false,
      type: { type: 'map' as const, 'key-id': 3, key: 'string', 'value-id': 4, value: 'long', 'value-required': false } }] }
    const v = { a: 1, m: new Map([['x', 2n]]) }
    assert.deepEqual(valueToJson(t, v), { 1: 1, 2: { keys: ['x'], values: [2] } })
    assert.deepEqual(valueFromJson(t, { 1: 1, 2: { keys: ['x'], values: [2] } }), v)
  })

  test('malformed JSON values fail with INVALID_ARGUMENT', () => {
    for (const [type, json] of [['int', '5'], ['decimal(4, 2)', 14.2], ['date', '2017-02-30'], ['time', '25:00:00'], ['uuid', 'nope'], ['binary', 'zz'], ['decimal(4, 2)', '1.234'], ['timestamp', '2017-11-16T22:31:08+02:00']] as const) {
      assert.throws(() => valueFromJson(type, json), { code: 'INVALID_ARGUMENT' }, `${type} ${json}`)
    }
  })
})

describe('valueCoerce', () => {
  test('accepts convenient JS values', () => {
    assert.equal(valueCoerce('long', 5), 5n)
    assert.equal(valueCoerce('long', '9223372036854775807'), 9223372036854775807n)
    assert.equal(valueCoerce('int', '42'), 42)
    assert.equal(valueCoerce('decimal(10, 2)', 14.2), 1420n)
    assert.equal(valueCoerce('decimal(10, 2)', '1e2'), 10000n)
    assert.equal(valueCoerce('date', new Date('2017-11-16T22:00:00Z')), 17486)
    assert.equal(valueCoerce('timestamptz', new Date('2017-11-16T22:31:08Z')), 1510871468000000n)
    assert.equal(valueCoerce('timestamp_ns', new Date(1)), 1000000n)
    assert.equal(valueCoerce('uuid', 'F79C3E09-677C-4BBD-A479-3F349CB785E7'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7')
    assert.equal(valueCoerce('float', 0.1), Math.fround(0.1))
    assert.equal(valueCoerce('string', undefined), null)
  })

  test('rejects impossible values with INVALID_ARGUMENT', () => {
    const bad: Array<[string, unknown]> = [['int', 2 ** 31], ['int', 1.5], ['long', 2n ** 63n], ['long', 1.5], ['decimal(3, 1)', '100.0'],
      ['decimal(5, 1)', '1.25'], ['date', 'yesterday'], ['fixed[2]', Uint8Array.of(1)], ['boolean', 1], ['string', 5], ['time', 86400000000n]]
    for (const [type, v] of bad) assert.throws(() => valueCoerce(type, v), { code: 'INVALID_ARGUMENT' }, `${type} ${String(v)}`)
  })
})

describe('bound truncation', () => {
  test('lower bounds keep the first 16 code points / bytes', () => {
    assert.equal(valueTruncateLower('string', 'abcdefghijklmnopqrstuvwxyz', 16), 'abcdefghijklmnop')
    assert.equal(valueTruncateLower('string', '🐇'.repeat(20), 16), '🐇'.repeat(16))
    assert.deepEqual(valueTruncateLower('binary', new Uint8Array(20).fill(7), 16), new Uint8Array(16).fill(7))
    assert.equal(valueTruncateLower('long', 5n, 16), 5n)
  })

  test('upper bounds are truncated then incremented so they stay upper bounds', () => {
    const s = 'abcdefghijklmnopqrstuvwxyz'
    const upper = valueTruncateUpper('string', s, 16) as string
    assert.equal(upper, 'abcdefghijklmnoq')
    assert.ok(valueCompare('string', upper, s) > 0)
    assert.equal(valueTruncateUpper('string', 'short', 16), 'short')
    assert.equal(valueTruncateUpper('string', 'ab\u{10FFFF}\u{10FFFF}z', 4), 'ac')
    assert.equal(valueTruncateUpper('string', 'a\ud7ffb', 2), 'a\ue000')
    assert.equal(valueTruncateUpper('string', '\u{10FFFF}\u{10FFFF}', 1), null)
    assert.deepEqual(valueTruncateUpper('binary', Uint8Array.of(1, 0xff, 3), 2), Uint8Array.of(2))
    assert.equal(valueTruncateUpper('binary', Uint8Array.of(0xff, 0xff, 1), 2), null)
  })
})
