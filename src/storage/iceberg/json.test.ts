import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { jsonParseLossless, jsonStringifyLossless } from './json.js'
import { sharedDir } from '../../../test/support/paths.js'

describe('jsonParseLossless', () => {
  test('keeps 64-bit snapshot ids exact as bigint and small numbers as number', () => {
    const v = jsonParseLossless('{"snapshot-id": 7505300640432048841, "neg": -9223372036854775808, "n": 42, "max": 9007199254740991, "f": 1.5e3, "big-f": 12345678901234567890.5}') as Record<string, unknown>
    assert.equal(v['snapshot-id'], 7505300640432048841n)
    assert.equal(v.neg, -9223372036854775808n)
    assert.equal(v.n, 42)
    assert.equal(v.max, 9007199254740991)
    assert.equal(v.f, 1500)
    assert.equal(typeof v['big-f'], 'number')
  })

  test('parses strings with escapes, unicode and nested structures like JSON.parse', () => {
    const text = '{"a":[1,2,{"b":"x\\"y\\\\z\\u00e9\\n"}],"c":true,"d":false,"e":null,"f":"日本 🐇","g":{}, "h":[], "i":-0.25}'
    assert.deepEqual(jsonParseLossless(text), JSON.parse(text))
  })

  test('strings that contain an escaped NUL next to big ids still parse exactly', () => {
    const v = jsonParseLossless('{"s": "\\u0000B123", "id": 7505300640432048841, "t": "a\\u0000"}') as Record<string, unknown>
    assert.deepEqual(v, { s: '\u0000B123', id: 7505300640432048841n, t: 'a\u0000' })
  })

  test('a big integer used as an object key is rejected, not turned into a string key', () => {
    assert.throws(() => jsonParseLossless('{12345678901234567890: 1}'), { code: 'INVALID_REQUEST' })
  })

  test('a "__proto__" key becomes a plain key, not a prototype', () => {
    const v = jsonParseLossless('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(v), Object.prototype)
    assert.deepEqual(Object.keys(v), ['__proto__'])
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('malformed JSON fails with INVALID_REQUEST giving the position', () => {
    for (const [text, position] of [['{"a": 1', 7], ['{"a" 1}', 5], ['[1, 2,]', 6], ['{"a": tru}', 6], ['01', 1], ['"abc', 0], ['{"a":1} x', 8], ['', 0]] as const) {
      assert.throws(() => jsonParseLossless(text), (e: unknown) => {
        const err = e as { code: string; details: { position: number }; message: string }
        assert.equal(err.code, 'INVALID_REQUEST', text)
        assert.equal(err.details.position, position, `${text}: ${err.message}`)
        assert.match(err.message, /position \d+ \(line 1, column \d+\)/)
        return true
      })
    }
  })

  test('reports the line of an error in a multi-line document', () => {
    assert.throws(() => jsonParseLossless('{\n  "a": 1,\n  "b": }'), /line 3, column 8/)
  })

  test('parses a 1 MB document to the same value as JSON.parse', () => {
    const rows = Array.from({ length: 12000 }, (_, i) => ({ id: i, name: `row ${i} "q"`, v: i / 7, tags: ['a', 'b'], ok: i % 2 === 0 }))
    const text = JSON.stringify({ rows })
    assert.ok(text.length > 1_000_000)
    assert.deepEqual(jsonParseLossless(text), JSON.parse(text))
  })

  test('every fixture metadata file parses; ids too large for a double are bigint', () => {
    const root = join(sharedDir(), 'fixtures', 'iceberg')
    let files = 0
    for (const table of readdirSync(root).filter((d) => !d.includes('.'))) {
      for (const f of readdirSync(join(root, table, 'metadata')).filter((n) => n.endsWith('.metadata.json'))) {
        const text = readFileSync(join(root, table, 'metadata', f), 'utf8')
        const v = jsonParseLossless(text) as { snapshots: { 'snapshot-id': unknown }[] }
        for (const s of v.snapshots) assert.equal(typeof s['snapshot-id'], 'bigint')
        files++
      }
    }
    assert.equal(files, 13)
  })
})

describe('jsonStringifyLossless', () => {
  test('writes bigint as bare numbers that parse back exactly', () => {
    const v = { 'snapshot-id': 7505300640432048841n, list: [1n, -2n], s: 'x' }
    const text = jsonStringifyLossless(v)
    assert.equal(text, '{"snapshot-id":7505300640432048841,"list":[1,-2],"s":"x"}')
    assert.deepEqual(jsonParseLossless(text), { 'snapshot-id': 7505300640432048841n, list: [1, -2], s: 'x' })
  })

  test('matches JSON.stringify for plain values, with and without indent', () => {
    const v = { a: [1, 'two', null, { b: true, u: undefined }], e: {}, l: [], d: new Date(0), n: Number.NaN, q: 'é"\n' }
    assert.equal(jsonStringifyLossless(v), JSON.stringify(v))
    assert.equal(jsonStringifyLossless(v, 2), JSON.stringify(v, null, 2))
  })

  test('rejects circular values with INVALID_ARGUMENT', () => {
    const a: Record<string, unknown> = {}
    a.self = a
    assert.throws(() => jsonStringifyLossless(a), { code: 'INVALID_ARGUMENT' })
  })
})
