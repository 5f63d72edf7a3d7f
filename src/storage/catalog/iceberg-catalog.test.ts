import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { collect, isCommitConflict, silentLogger } from '../../core/index.js'
import { PgliteMetastore } from '../metastore/index.js'
import type { Metastore, PointerSwap } from '../metastore/metastore.js'
import { LocalObjectStore } from '../object-store/index.js'
import { tmpHome } from '../../../test/support/paths.js'
import { IcebergCatalog } from './iceberg-catalog.js'

const SCHEMA = { type: 'struct', fields: [{ id: 1, name: 'id', type: 'long', required: true }] }
const ident = (name: string) => ({ namespace: ['eng'], name })

describe('IcebergCatalog (engine-side API)', () => {
  let home: string
  let metastore: Metastore
  let store: LocalObjectStore
  let catalog: IcebergCatalog
  before(async () => {
    home = tmpHome('akko-catalog-')
    metastore = await PgliteMetastore.open(join(home, 'metastore'))
    store = new LocalObjectStore(join(home, 'warehouse'), { scratchDir: join(home, 'tmp') })
    catalog = new IcebergCatalog({ metastore, store, log: silentLogger })
    await catalog.createNamespace(['eng'])
  })
  after(async () => {
    await metastore.close()
    await rm(home, { recursive: true, force: true })
  })

  test('a commit that loses the pointer swap is COMMIT_CONFLICT, deletes its file, and leaves the winner current', async () => {
    const created = await catalog.createTable(ident('lost'), { name: 'lost', schema: SCHEMA })
    assert.ok(created.metadataLocation)
    // A metastore whose first swap lets a competing writer commit just before it: the race is lost for sure.
    let raced = false
    const racing = new Proxy(metastore, {
      get(target, key) {
        if (key === 'swapPointers') {
          return async (swaps: readonly PointerSwap[]) => {
            if (!raced) {
              raced = true
              await catalog.commitTable(ident('lost'), [], [{ action: 'set-properties', updates: { winner: 'other' } }])
            }
            return target.swapPointers(swaps)
          }
        }
        const v = Reflect.get(target, key, target)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
    const loser = new IcebergCatalog({ metastore: racing, store, log: silentLogger })
    await assert.rejects(loser.commitTable(ident('lost'), [], [{ action: 'set-properties', updates: { winner: 'me' } }]), isCommitConflict)
    const now = await catalog.loadTable(ident('lost'))
    assert.equal(now.metadata.properties.winner, 'other')
    const files = await collect(store.list(`${now.metadata.location}/metadata/`))
    assert.deepEqual(files.map(f => f.location).sort(), [created.metadataLocation, now.metadataLocation].sort())
  })

  test('commitWithRetry rebuilds from a fresh load until concurrent writers all land', async () => {
    await catalog.createTable(ident('busy'), { name: 'busy', schema: SCHEMA })
    const writers = ['a', 'b', 'c', 'd'].map(k =>
      catalog.commitWithRetry(
        ident('busy'),
        async current => ({
          requirements: [{ type: 'assert-table-uuid', uuid: current.metadata['table-uuid'] }],
          updates: [{ action: 'set-properties', updates: { [k]: String(current.metadata['metadata-log'].length) } }],
        }),
        { retries: 10, baseDelayMs: 1 },
      ),
    )
    await Promise.all(writers)
    const final = await catalog.loadTable(ident('busy'))
    assert.deepEqual(Object.keys(final.metadata.properties).sort(), ['a', 'b', 'c', 'd'])
    assert.equal(final.metadata['metadata-log'].length, 4, 'four commits, each on top of the previous one')
  })

  test('commitWithRetry gives up after the given retries with COMMIT_CONFLICT', async () => {
    await catalog.createTable(ident('stubborn'), { name: 'stubborn', schema: SCHEMA })
    let attempts = 0
    await assert.rejects(
      catalog.commitWithRetry(ident('stubborn'), async () => {
        attempts++
        return { requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 42 }], updates: [] }
      }, { retries: 2, baseDelayMs: 1 }),
      isCommitConflict,
    )
    assert.equal(attempts, 3)
  })

  test('re-creating a dropped table uses a fresh location, so old files never collide', async () => {
    const first = await catalog.createTable(ident('again'), { name: 'again', schema: SCHEMA })
    await catalog.dropTable(ident('again'))
    const second = await catalog.createTable(ident('again'), { name: 'again', schema: SCHEMA })
    assert.notEqual(first.metadata.location, second.metadata.location)
    assert.ok(await store.head(first.metadataLocation!), 'the old table files are untouched')
  })
})
