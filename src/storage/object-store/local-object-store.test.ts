import { readdirSync } from 'node:fs'
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { collect, loadConfig } from '../../core/index.js'
import { objectStoreContract } from '../../../test/contracts/object-store.contract.js'
import { tmpHome } from '../../../test/support/paths.js'
import { LocalObjectStore } from './local-object-store.js'
import { openObjectStore } from './index.js'

objectStoreContract('local', async () => {
  const dir = tmpHome('akko-local-store-')
  return {
    store: new LocalObjectStore(dir, { scratchDir: join(dir, '.scratch') }),
    root: `file://${dir}/warehouse`,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
})

describe('LocalObjectStore', () => {
  test('a successful put leaves no temporary file beside the object', async () => {
    const dir = tmpHome()
    const store = new LocalObjectStore(dir)
    await store.put(`${dir}/t/a.json`, new Uint8Array([1]))
    await store.put(`${dir}/t/a.json`, new Uint8Array([2]))
    await store.put(`${dir}/t/b.json`, new Uint8Array([3]), { ifNoneMatch: true })
    await assert.rejects(store.put(`${dir}/t/b.json`, new Uint8Array([4]), { ifNoneMatch: true }), { code: 'COMMIT_CONFLICT' })
    assert.deepEqual((await readdir(join(dir, 't'))).sort(), ['a.json', 'b.json'])
    await rm(dir, { recursive: true })
  })

  test('a put that fails while writing leaves neither the object nor a temporary file', async () => {
    const dir = tmpHome()
    const store = new LocalObjectStore(dir)
    // The target name is taken by a folder: the body is written, then the final rename fails.
    await mkdir(join(dir, 't', 'taken.json'), { recursive: true })
    await assert.rejects(store.put(`${dir}/t/taken.json`, new Uint8Array(1024)), { code: 'STORAGE_ERROR' })
    assert.deepEqual(await readdir(join(dir, 't')), ['taken.json'])
    assert.ok((await stat(join(dir, 't', 'taken.json'))).isDirectory())
    // Aborted while the 8 MiB body is being written in chunks.
    const ac = new AbortController()
    const pending = store.put(`${dir}/t/big.bin`, new Uint8Array(8 * 1024 * 1024), { signal: ac.signal })
    setImmediate(() => ac.abort())
    await pending.then(
      () => assert.ok(readdirSync(join(dir, 't')).includes('big.bin'), 'a put that completed before the abort is whole'),
      (e: { code?: string }) => assert.equal(e.code, 'CANCELLED'),
    )
    const left = await readdir(join(dir, 't'))
    assert.ok(!left.some((n) => n.startsWith('.akko-tmp-')), `no temporary file left: ${left.join(', ')}`)
    if (left.includes('big.bin')) assert.equal((await stat(join(dir, 't', 'big.bin'))).size, 8 * 1024 * 1024)
    await rm(dir, { recursive: true })
  })

  test('a writer killed mid-write leaves a temporary file that list ignores', async () => {
    const dir = tmpHome()
    const store = new LocalObjectStore(dir)
    await store.put(`${dir}/t/ok.bin`, new Uint8Array([1]))
    await writeFile(join(dir, 't', '.akko-tmp-0123456789abcdef'), 'half')
    const listed = await collect(store.list(`file://${dir}/t`))
    assert.deepEqual(listed.map((o) => o.location), [`file://${dir}/t/ok.bin`])
    await rm(dir, { recursive: true })
  })

  test('accepts plain paths, file:/ and file:/// locations for the same file', async () => {
    const dir = tmpHome()
    const store = new LocalObjectStore(`file://${dir}`)
    assert.equal(store.root, `file://${dir}`)
    await store.put(`${dir}/x/y.txt`, new TextEncoder().encode('hi'))
    for (const loc of [`${dir}/x/y.txt`, `file:${dir}/x/y.txt`, `file://${dir}/x/y.txt`, `file://localhost${dir}/x/./y.txt`]) {
      assert.equal(new TextDecoder().decode(await store.get(loc)), 'hi', loc)
    }
    assert.equal(await store.localPath(`file://${dir}/x/y.txt`), `${dir}/x/y.txt`)
    await assert.rejects(store.get('s3://bucket/x'), { code: 'INVALID_ARGUMENT' })
    await rm(dir, { recursive: true })
  })

  test('openObjectStore picks the local store for a folder warehouse and S3 for s3://', async () => {
    const home = tmpHome()
    const local = openObjectStore(loadConfig({ AKKO_HOME: home }, home))
    assert.equal(local.kind, 'local')
    assert.equal(local.root, `file://${home}/warehouse`)
    assert.equal(local.scratchDir(), join(home, 'tmp'))
    const s3 = openObjectStore(loadConfig({ AKKO_HOME: home, AKKO_WAREHOUSE: 's3a://lake/wh/' }, home))
    assert.equal(s3.kind, 's3')
    assert.equal(s3.root, 's3://lake/wh')
    await s3.close()
    await rm(home, { recursive: true })
  })
})
