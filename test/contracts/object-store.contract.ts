import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { collect } from '../../src/core/index.js'
import { locationJoin, locationNormalize, type ObjectStore } from '../../src/storage/object-store/index.js'
import { tmpHome } from '../support/paths.js'

/** What a contract run needs: a store, a fresh root location no other test writes under, and cleanup. */
export interface ObjectStoreFixture {
  readonly store: ObjectStore
  readonly root: string
  cleanup(): Promise<void>
}

/**
 * The behaviour every ObjectStore must share, run against the local disk and S3 alike.
 * Listing semantics tested here: `list(prefix)` treats `prefix` as a folder (trailing slash
 * optional), is recursive, yields canonical full locations, and never includes siblings that
 * merely share the string prefix (`a/b` does not list `a/bc/…` or `a/b.txt`).
 */
export function objectStoreContract(name: string, open: () => Promise<ObjectStoreFixture>): void {
  const withStore = async (fn: (store: ObjectStore, at: (key: string) => string) => Promise<void>): Promise<void> => {
    const fx = await open()
    try {
      await fn(fx.store, (key) => locationJoin(fx.root, key))
    } finally {
      await fx.store.close()
      await fx.cleanup()
    }
  }

  describe(`ObjectStore contract: ${name}`, () => {
    test('put then get returns the same binary bytes', () =>
      withStore(async (store, at) => {
        const body = new Uint8Array(256).map((_, i) => i)
        await store.put(at('bin/all-bytes.bin'), body)
        assert.deepEqual(await store.get(at('bin/all-bytes.bin')), body)
      }))

    test('ranged get reads [start, end) and start-only reads to the end', () =>
      withStore(async (store, at) => {
        const loc = at('range.bin')
        await store.put(loc, new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]))
        assert.deepEqual(await store.get(loc, { start: 7 }), new Uint8Array([17, 18, 19]))
        assert.deepEqual(await store.get(loc, { start: 2, end: 5 }), new Uint8Array([12, 13, 14]))
        assert.deepEqual(await store.get(loc, { start: 8, end: 100 }), new Uint8Array([18, 19]), 'end past the size is clamped')
        assert.deepEqual(await store.get(loc, { start: 10 }), new Uint8Array(), 'start at the size is empty')
        assert.deepEqual(await store.get(loc, { start: 4, end: 4 }), new Uint8Array())
        await assert.rejects(store.get(loc, { start: 11 }), { code: 'INVALID_ARGUMENT' })
        await assert.rejects(store.get(loc, { start: 5, end: 3 }), { code: 'INVALID_ARGUMENT' })
        await assert.rejects(store.get(loc, { start: -1 }), { code: 'INVALID_ARGUMENT' })
      }))

    test('head reports size and canonical location, and undefined for a missing object', () =>
      withStore(async (store, at) => {
        await store.put(at('h/x.json'), new TextEncoder().encode('{"a":1}'))
        const info = await store.head(at('h/x.json'))
        assert.equal(info?.size, 7)
        assert.equal(info?.location, locationNormalize(at('h/x.json')))
        assert.ok(info.lastModified instanceof Date && !Number.isNaN(info.lastModified.getTime()))
        assert.equal(await store.head(at('h/missing.json')), undefined)
      }))

    test('a missing object is FILE_NOT_FOUND naming its location', () =>
      withStore(async (store, at) => {
        const loc = at('nope/missing.parquet')
        await assert.rejects(store.get(loc), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'FILE_NOT_FOUND')
          assert.ok(e.message.includes(locationNormalize(loc)), e.message)
          return true
        })
        await assert.rejects(store.get(loc, { start: 0, end: 4 }), { code: 'FILE_NOT_FOUND' })
        await assert.rejects(store.localPath(loc), { code: 'FILE_NOT_FOUND' })
      }))

    test('a plain put overwrites; an ifNoneMatch create of an existing object is COMMIT_CONFLICT and keeps the first', () =>
      withStore(async (store, at) => {
        const loc = at('metadata/v1.metadata.json')
        await store.put(loc, bytes('first'), { ifNoneMatch: true })
        await assert.rejects(store.put(loc, bytes('second'), { ifNoneMatch: true }), { code: 'COMMIT_CONFLICT' })
        assert.equal(text(await store.get(loc)), 'first')
        await store.put(loc, bytes('third'))
        assert.equal(text(await store.get(loc)), 'third')
      }))

    test('racing ifNoneMatch creates of one name: exactly one wins and its bytes stay', () =>
      withStore(async (store, at) => {
        const loc = at('metadata/v2.metadata.json')
        const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => store.put(loc, bytes(`writer-${i}`), { ifNoneMatch: true })))
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
        assert.equal(winners.length, 1, `exactly one create must win, got ${winners.length}`)
        for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'COMMIT_CONFLICT')
        assert.equal(text(await store.get(loc)), `writer-${winners[0]}`)
      }))

    test('list is recursive under a folder prefix and excludes siblings sharing the string prefix', () =>
      withStore(async (store, at) => {
        const keys = ['a/b/x.parquet', 'a/b/c/y.parquet', 'a/b/c/d/z.avro', 'a/bc/no.parquet', 'a/b.txt', 'top.json']
        await Promise.all(keys.map((k, i) => store.put(at(k), new Uint8Array(i + 1))))
        const want = ['a/b/c/d/z.avro', 'a/b/c/y.parquet', 'a/b/x.parquet'].map((k) => locationNormalize(at(k))).sort()
        for (const prefix of [at('a/b'), `${at('a/b')}/`]) {
          const got = await collect(store.list(prefix))
          assert.deepEqual(got.map((o) => o.location).sort(), want, `list(${prefix})`)
        }
        const sizes = new Map((await collect(store.list(at('a')))).map((o) => [o.location, o.size]))
        assert.equal(sizes.size, 5)
        assert.equal(sizes.get(locationNormalize(at('a/b/c/d/z.avro'))), 3)
        assert.equal(sizes.get(locationNormalize(at('a/b.txt'))), 5)
        assert.deepEqual(await collect(store.list(at('missing/folder'))), [])
        const [first] = await collect(store.list(at('a/b/c/d')))
        assert.deepEqual(await store.get(first!.location), new Uint8Array(3), 'listed locations can be read back')
      }))

    test('delete removes the object; deleting a missing object is not an error', () =>
      withStore(async (store, at) => {
        const loc = at('del/x.bin')
        await store.put(loc, bytes('x'))
        await store.delete(loc)
        assert.equal(await store.head(loc), undefined)
        await assert.rejects(store.get(loc), { code: 'FILE_NOT_FOUND' })
        assert.deepEqual(await collect(store.list(at('del'))), [])
        await store.delete(loc)
        await store.delete(at('never/existed.bin'))
      }))

    test('putFile uploads a multi-megabyte file and leaves the local file in place', () =>
      withStore(async (store, at) => {
        const dir = tmpHome('akko-putfile-')
        const file = join(dir, 'part-00000.parquet')
        const body = randomBytes(6 * 1024 * 1024 + 123)
        await writeFile(file, body)
        await store.putFile(at('data/part-00000.parquet'), file)
        assert.equal((await store.head(at('data/part-00000.parquet')))?.size, body.length)
        assert.ok(Buffer.from(await store.get(at('data/part-00000.parquet'))).equals(body))
        assert.equal((await stat(file)).size, body.length, 'the source file is kept')
        await assert.rejects(store.putFile(at('data/other.parquet'), join(dir, 'missing.parquet')), { code: 'FILE_NOT_FOUND' })
        assert.equal(await store.head(at('data/other.parquet')), undefined)
      }))

    test('localPath returns a readable file with the same bytes, stable across calls', () =>
      withStore(async (store, at) => {
        const body = randomBytes(300_000)
        await store.put(at('lp/file.parquet'), body)
        const path = await store.localPath(at('lp/file.parquet'))
        assert.ok((await readFile(path)).equals(body))
        const before = await stat(path)
        const again = await store.localPath(at('lp/file.parquet'))
        assert.equal(again, path)
        const after = await stat(again)
        assert.equal(after.ino, before.ino, 'the second call reuses the same file')
        assert.equal(after.mtimeMs, before.mtimeMs)
      }))

    test('concurrent puts of different keys all land', () =>
      withStore(async (store, at) => {
        const n = 24
        await Promise.all(Array.from({ length: n }, (_, i) => store.put(at(`many/f-${i}.bin`), bytes(`body ${i}`))))
        const listed = await collect(store.list(at('many')))
        assert.equal(listed.length, n)
        for (let i = 0; i < n; i++) assert.equal(text(await store.get(at(`many/f-${i}.bin`))), `body ${i}`)
      }))

    test('keys with spaces, unicode and URL-like characters round-trip unescaped', () =>
      withStore(async (store, at) => {
        const keys = ['odd names/Breed Name=Holland Lop/part 1.parquet', 'unicode/café-ñandú-日本/ü.avro', 'pct/a%20b+c&d=e.json']
        for (const k of keys) await store.put(at(k), bytes(k))
        for (const k of keys) assert.equal(text(await store.get(at(k))), k)
        const listed = (await collect(store.list(at('')))).map((o) => o.location).sort()
        assert.deepEqual(listed, keys.map((k) => locationNormalize(at(k))).sort())
      }))

    test('bad input is rejected before anything changes', () =>
      withStore(async (store, at) => {
        await assert.rejects(store.put('relative/path.bin', bytes('x')), { code: 'INVALID_ARGUMENT' })
        await assert.rejects(store.get('ftp://host/x'), { code: 'INVALID_ARGUMENT' })
        const ac = new AbortController()
        ac.abort()
        await assert.rejects(store.put(at('cancelled.bin'), bytes('x'), { signal: ac.signal }), { code: 'CANCELLED' })
        assert.equal(await store.head(at('cancelled.bin')), undefined)
      }))

    test('handles its own scheme, and scratchDir is a writable local folder', () =>
      withStore(async (store, at) => {
        assert.equal(store.handles(at('x')), true)
        assert.equal(store.handles(store.kind === 's3' ? '/tmp/x' : 's3://bucket/x'), false)
        const scratch = store.scratchDir()
        await writeFile(join(scratch, 'probe.txt'), 'ok')
        assert.equal(await readFile(join(scratch, 'probe.txt'), 'utf8'), 'ok')
      }))
  })
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
