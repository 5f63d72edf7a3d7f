import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyCents, copyChunks, copyInstant, copyNullable, copyText } from './copy-text.js'

test('COPY text escapes backslash, tab, newline and carriage return, and writes NULL as \\N', () => {
  assert.equal(copyText('plain café'), 'plain café')
  assert.equal(copyText('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re')
  assert.equal(copyNullable(null), '\\N')
  assert.equal(copyNullable('x'), 'x')
})

test('cents become decimals with two places', () => {
  assert.equal(copyCents(12345), '123.45')
  assert.equal(copyCents(5), '0.05')
  assert.equal(copyCents(100), '1.00')
  assert.equal(copyCents(-5), '-0.05')
})

test('chunks hold every line once, in order, as UTF-8, whatever the chunk size', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => `row ${i} é€`)
  for (const size of [16, 1000, 1 << 20]) {
    const chunks = [...copyChunks(rows, r => r, size)]
    assert.equal(chunks.reduce((n, c) => n + c.rows, 0), 1000)
    const text = Buffer.concat(chunks.map(c => c.bytes)).toString('utf8')
    assert.equal(text, rows.map(r => `${r}\n`).join(''))
  }
})

test('instants print as toISOString does, across days, years and before 1970', () => {
  for (const ms of [0, 1, 999, 86_399_999, 86_400_000, 1_746_460_125_405, 1_746_460_125_405, 951_782_400_000, -1, -86_400_001, 253_402_300_799_999]) {
    assert.equal(copyInstant(ms), new Date(ms).toISOString(), String(ms))
  }
})
