import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { test } from 'node:test'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { tmpHome } from '../../../test/support/paths.js'
import { CsvChunker, csvValue } from './csv-chunks.js'

test('CSV is cut into chunks at row ends only, quoted newlines included, and each chunk is consumed in order', async () => {
  const dir = tmpHome('akko-chunks-')
  try {
    const rows: string[] = []
    for (let i = 0; i < 3000; i++) rows.push([i, i % 7 === 0 ? 'multi\nline, "quoted"' : `v${i}`, i % 11 === 0 ? '' : null, '"'].map(csvValue).join(',') + '\n')
    const text = rows.join('')
    const seen: string[] = []
    const sink = new CsvChunker({ dir, chunkBytes: 1000, maxPending: 1, consume: async path => {
      await new Promise(r => setTimeout(r, 1))
      seen.push(readFileSync(path, 'utf8'))
    } })
    // Feed in odd-sized pieces so cuts fall inside values and quotes.
    const pieces: Buffer[] = []
    for (let at = 0, k = 0; at < text.length; k++) {
      const n = 37 + (k * 101) % 900
      pieces.push(Buffer.from(text.slice(at, at + n)))
      at += n
    }
    await pipeline(Readable.from(pieces), sink)
    assert.ok(seen.length > 50, `many chunks (${seen.length})`)
    assert.equal(seen.join(''), text)
    for (const chunk of seen) {
      assert.ok(chunk.endsWith('\n'))
      assert.equal((chunk.match(/"/g) ?? []).length % 2, 0, 'a chunk never ends inside a quoted value')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('chunks are spread over lanes, each lane one chunk at a time', async () => {
  const dir = tmpHome('akko-chunks-')
  try {
    const busy = [false, false]
    let overlap = false
    let chunks = 0
    const sink = new CsvChunker({ dir, chunkBytes: 100, concurrency: 2, consume: async (_path, lane) => {
      assert.equal(busy[lane], false, 'a lane runs one chunk at a time')
      busy[lane] = true
      if (busy[1 - lane]) overlap = true
      await new Promise(r => setTimeout(r, 5))
      busy[lane] = false
      chunks++
    } })
    await pipeline(Readable.from(Array.from({ length: 50 }, (_, i) => Buffer.from(`${i},${'x'.repeat(60)}\n`))), sink)
    assert.equal(chunks, sink.chunks)
    assert.ok(chunks > 10)
    assert.ok(overlap, 'both lanes worked at the same time')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a failing consumer fails the stream', async () => {
  const dir = tmpHome('akko-chunks-')
  try {
    const sink = new CsvChunker({ dir, chunkBytes: 10, consume: async () => { throw new Error('disk full') } })
    await assert.rejects(pipeline(Readable.from([Buffer.from('a,b\n'.repeat(100))]), sink), /disk full/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('csvValue writes NULL bare and quotes empty strings and specials', () => {
  assert.equal(csvValue(null), '')
  assert.equal(csvValue(''), '""')
  assert.equal(csvValue('a"b'), '"a""b"')
  assert.equal(csvValue('plain'), 'plain')
})
