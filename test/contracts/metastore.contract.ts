import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { isCommitConflict } from '../../src/core/index.js'
import type { Metastore, TableIdent } from '../../src/storage/metastore/metastore.js'
import { STORAGE_MIGRATIONS } from '../../src/storage/metastore/migrations.js'

/** What a backend's test file hands to the contract: a fresh, empty metastore. */
export interface OpenedMetastore {
  readonly ms: Metastore
  /** Opens a second metastore on the same storage (call after `ms.close()` for PGlite). */
  reopen?(): Promise<Metastore>
  /** Closes what is still open and removes the storage. */
  cleanup(): Promise<void>
}

const id = (namespace: string[], name: string): TableIdent => ({ namespace, name })
const tick = () => new Promise<void>((r) => setImmediate(r))

/**
 * The behaviour every metastore backend must show, run against PGlite and PostgreSQL alike.
 * Each `open()` must return a fresh, empty, migrated metastore.
 */
export function metastoreContract(name: string, open: () => Promise<OpenedMetastore>): void {
  describe(`Metastore contract: ${name}`, () => {
    let opened: OpenedMetastore
    let ms: Metastore
    before(async () => {
      opened = await open()
      ms = opened.ms
    })
    after(async () => opened?.cleanup())

    test('creates, loads, lists and checks namespaces with properties', async () => {
      const created = await ms.createNamespace(['sales'], { owner: 'ana' })
      assert.deepEqual(created, { namespace: ['sales'], properties: { owner: 'ana' } })
      assert.deepEqual(await ms.loadNamespace(['sales']), { namespace: ['sales'], properties: { owner: 'ana' } })
      assert.equal(await ms.namespaceExists(['sales']), true)
      assert.equal(await ms.namespaceExists(['Sales']), false, 'names are case-sensitive')
      await ms.createNamespace(['Sales'])
      assert.deepEqual((await ms.loadNamespace(['Sales'])).properties, {})
      const top = (await ms.listNamespaces()).map((n) => n.namespace.join('.'))
      assert.ok(top.includes('sales') && top.includes('Sales'))
      assert.deepEqual(top, [...top].sort(), 'top level is listed in a stable (byte) order')
      assert.deepEqual(await ms.listNamespaces([]), await ms.listNamespaces())
    })

    test('nested namespaces need their parent and list only direct children', async () => {
      await assert.rejects(ms.createNamespace(['nest', 'child']), { code: 'NAMESPACE_NOT_FOUND' })
      assert.equal(await ms.namespaceExists(['nest', 'child']), false)
      await ms.createNamespace(['nest'])
      await ms.createNamespace(['nest', 'b'])
      await ms.createNamespace(['nest', 'a'], { k: 'v' })
      await ms.createNamespace(['nest', 'a', 'deep'])
      const kids = await ms.listNamespaces(['nest'])
      assert.deepEqual(kids.map((n) => n.namespace), [['nest', 'a'], ['nest', 'b']])
      assert.deepEqual(kids[0]!.properties, { k: 'v' })
      assert.deepEqual((await ms.listNamespaces(['nest', 'a'])).map((n) => n.namespace), [['nest', 'a', 'deep']])
      assert.deepEqual(await ms.listNamespaces(['nest', 'b']), [])
      assert.ok(!(await ms.listNamespaces()).some((n) => n.namespace.length > 1), 'top level lists no nested namespace')
      await assert.rejects(ms.listNamespaces(['nowhere']), { code: 'NAMESPACE_NOT_FOUND' })
    })

    test('duplicate namespaces fail and keep the original properties', async () => {
      await ms.createNamespace(['dup'], { a: '1' })
      await assert.rejects(ms.createNamespace(['dup'], { a: '2' }), { code: 'NAMESPACE_ALREADY_EXISTS' })
      assert.deepEqual((await ms.loadNamespace(['dup'])).properties, { a: '1' })
      await assert.rejects(ms.loadNamespace(['missing']), { code: 'NAMESPACE_NOT_FOUND' })
    })

    test('drops only empty namespaces', async () => {
      await ms.createNamespace(['dropme'])
      await ms.createNamespace(['dropme', 'kid'])
      await assert.rejects(ms.dropNamespace(['dropme']), { code: 'NAMESPACE_NOT_EMPTY' })
      await ms.dropNamespace(['dropme', 'kid'])
      await ms.createTable(id(['dropme'], 't'), 'mem://t/v1.json')
      await assert.rejects(ms.dropNamespace(['dropme']), { code: 'NAMESPACE_NOT_EMPTY' })
      await ms.dropTable(id(['dropme'], 't'))
      await ms.createTable(id(['dropme'], 'v'), 'mem://v/v1.json', 'view')
      await assert.rejects(ms.dropNamespace(['dropme']), { code: 'NAMESPACE_NOT_EMPTY' })
      assert.equal(await ms.namespaceExists(['dropme']), true)
      await ms.dropTable(id(['dropme'], 'v'), 'view')
      await ms.dropNamespace(['dropme'])
      assert.equal(await ms.namespaceExists(['dropme']), false)
      await assert.rejects(ms.dropNamespace(['dropme']), { code: 'NAMESPACE_NOT_FOUND' })
    })

    test('updates namespace properties like the REST UpdateNamespacePropertiesResponse', async () => {
      await ms.createNamespace(['props'], { keep: '1', old: 'x', gone: 'y' })
      const res = await ms.updateNamespaceProperties(['props'], ['gone', 'never'], { old: 'z', added: 'n' })
      assert.deepEqual([...res.updated].sort(), ['added', 'old'])
      assert.deepEqual(res.removed, ['gone'])
      assert.deepEqual(res.missing, ['never'])
      assert.deepEqual((await ms.loadNamespace(['props'])).properties, { keep: '1', old: 'z', added: 'n' })
      await assert.rejects(ms.updateNamespaceProperties(['props'], ['keep'], { keep: '2' }), { code: 'INVALID_REQUEST' })
      assert.deepEqual((await ms.loadNamespace(['props'])).properties, { keep: '1', old: 'z', added: 'n' }, 'a rejected update changes nothing')
      await assert.rejects(ms.updateNamespaceProperties(['nope'], [], { a: 'b' }), { code: 'NAMESPACE_NOT_FOUND' })
    })

    test('rejects invalid identifiers with INVALID_ARGUMENT and stores nothing', async () => {
      await assert.rejects(ms.createNamespace([]), { code: 'INVALID_ARGUMENT' })
      await assert.rejects(ms.createNamespace(['']), { code: 'INVALID_ARGUMENT' })
      await assert.rejects(ms.createNamespace(['a\u001fb']), { code: 'INVALID_ARGUMENT' })
      await ms.createNamespace(['ids'])
      await assert.rejects(ms.createNamespace(['ids', '']), { code: 'INVALID_ARGUMENT' })
      await assert.rejects(ms.createTable(id(['ids'], ''), 'mem://x'), { code: 'INVALID_ARGUMENT' })
      await assert.rejects(ms.createTable(id(['ids', 'x\u001f'], 't'), 'mem://x'), { code: 'INVALID_ARGUMENT' })
      await assert.rejects(ms.loadTable(id([], 't')), { code: 'INVALID_ARGUMENT' })
      assert.deepEqual(await ms.listNamespaces(['ids']), [])
      assert.deepEqual(await ms.listTables(['ids']), [])
      assert.ok(!(await ms.listNamespaces()).some((n) => n.namespace.some((l) => l.includes('\u001f') || l === '')))
    })

    test('creates, loads, lists and drops tables and views in one shared name space', async () => {
      await ms.createNamespace(['cat'])
      const t = await ms.createTable(id(['cat'], 'orders'), 'mem://orders/v1.json')
      assert.deepEqual(t, { ident: { namespace: ['cat'], name: 'orders' }, metadataLocation: 'mem://orders/v1.json', version: 1, kind: 'table' })
      await ms.createTable(id(['cat'], 'Orders'), 'mem://Orders/v1.json')
      const v = await ms.createTable(id(['cat'], 'recent'), 'mem://recent/v1.json', 'view')
      assert.equal(v.kind, 'view')
      assert.deepEqual(await ms.loadTable(id(['cat'], 'orders')), t)
      assert.equal(await ms.tableExists(id(['cat'], 'orders')), true)
      assert.equal(await ms.tableExists(id(['cat'], 'recent')), false, 'a view is not a table')
      assert.equal(await ms.tableExists(id(['cat'], 'recent'), 'view'), true)
      await assert.rejects(ms.loadTable(id(['cat'], 'recent')), { code: 'TABLE_NOT_FOUND' })
      await assert.rejects(ms.loadTable(id(['cat'], 'orders'), 'view'), { code: 'VIEW_NOT_FOUND' })
      assert.deepEqual((await ms.listTables(['cat'])).map((x) => x.name), ['Orders', 'orders'])
      assert.deepEqual(await ms.listTables(['cat'], 'view'), [{ namespace: ['cat'], name: 'recent' }])
      await assert.rejects(ms.listTables(['absent']), { code: 'NAMESPACE_NOT_FOUND' })

      await assert.rejects(ms.createTable(id(['cat'], 'orders'), 'mem://other.json'), { code: 'TABLE_ALREADY_EXISTS' })
      await assert.rejects(ms.createTable(id(['cat'], 'recent'), 'mem://other.json'), { code: 'TABLE_ALREADY_EXISTS' })
      await assert.rejects(ms.createTable(id(['cat'], 'orders'), 'mem://other.json', 'view'), { code: 'TABLE_ALREADY_EXISTS' })
      assert.equal((await ms.loadTable(id(['cat'], 'orders'))).metadataLocation, 'mem://orders/v1.json')
      await assert.rejects(ms.createTable(id(['absent'], 't'), 'mem://t.json'), { code: 'NAMESPACE_NOT_FOUND' })

      await assert.rejects(ms.dropTable(id(['cat'], 'recent')), { code: 'TABLE_NOT_FOUND' })
      const dropped = await ms.dropTable(id(['cat'], 'recent'), 'view')
      assert.equal(dropped.metadataLocation, 'mem://recent/v1.json')
      assert.equal(await ms.tableExists(id(['cat'], 'recent'), 'view'), false)
      await assert.rejects(ms.dropTable(id(['cat'], 'recent'), 'view'), { code: 'VIEW_NOT_FOUND' })
    })

    test('renames tables across namespaces with REST error semantics', async () => {
      await ms.createNamespace(['ren'])
      await ms.createNamespace(['ren2'])
      await ms.createTable(id(['ren'], 'a'), 'mem://a/v1.json')
      await ms.createTable(id(['ren'], 'b'), 'mem://b/v1.json')
      await ms.swapPointers([{ ident: id(['ren'], 'a'), expected: 'mem://a/v1.json', next: 'mem://a/v2.json' }])
      await ms.renameTable(id(['ren'], 'a'), id(['ren2'], 'moved'))
      assert.equal(await ms.tableExists(id(['ren'], 'a')), false)
      const moved = await ms.loadTable(id(['ren2'], 'moved'))
      assert.equal(moved.metadataLocation, 'mem://a/v2.json')
      assert.equal(moved.version, 2, 'a rename keeps the pointer and its version')
      await assert.rejects(ms.renameTable(id(['ren2'], 'moved'), id(['ren'], 'b')), { code: 'TABLE_ALREADY_EXISTS' })
      await assert.rejects(ms.renameTable(id(['ren2'], 'moved'), id(['ren3'], 'x')), { code: 'NAMESPACE_NOT_FOUND' })
      await assert.rejects(ms.renameTable(id(['ren'], 'ghost'), id(['ren'], 'c')), { code: 'TABLE_NOT_FOUND' })
      assert.equal(await ms.tableExists(id(['ren2'], 'moved')), true, 'failed renames change nothing')
      assert.equal(await ms.tableExists(id(['ren'], 'b')), true)
      await ms.createTable(id(['ren'], 'v'), 'mem://v/v1.json', 'view')
      await assert.rejects(ms.renameTable(id(['ren'], 'v'), id(['ren'], 'w')), { code: 'TABLE_NOT_FOUND' })
      await ms.renameTable(id(['ren'], 'v'), id(['ren'], 'w'), 'view')
      assert.equal(await ms.tableExists(id(['ren'], 'w'), 'view'), true)
    })

    test('swaps a pointer by compare-and-set and rejects a stale one', async () => {
      await ms.createNamespace(['swap'])
      const t = id(['swap'], 't')
      await ms.createTable(t, 'v1.json')
      await ms.swapPointers([{ ident: t, expected: 'v1.json', next: 'v2.json' }])
      const err = await ms.swapPointers([{ ident: t, expected: 'v1.json', next: 'v3.json' }]).catch((e: unknown) => e)
      assert.ok(isCommitConflict(err))
      assert.deepEqual(err.details, { table: 'swap.t', expected: 'v1.json', actual: 'v2.json' })
      const cur = await ms.loadTable(t)
      assert.equal(cur.metadataLocation, 'v2.json')
      assert.equal(cur.version, 2)
      await assert.rejects(ms.swapPointers([{ ident: id(['swap'], 'ghost'), expected: 'v1.json', next: 'v2.json' }]), { code: 'COMMIT_CONFLICT' })
      await assert.rejects(ms.swapPointers([{ ident: t, expected: 'v2.json', next: 'v3.json' }, { ident: t, expected: 'v3.json', next: 'v4.json' }]), { code: 'INVALID_ARGUMENT' })
      assert.equal((await ms.loadTable(t)).metadataLocation, 'v2.json')
    })

    test('a swap expecting null creates the table, once', async () => {
      await ms.createNamespace(['staged'])
      const t = id(['staged'], 'new')
      await ms.swapPointers([{ ident: t, expected: null, next: 'n1.json' }])
      assert.deepEqual(await ms.loadTable(t), { ident: t, metadataLocation: 'n1.json', version: 1, kind: 'table' })
      await assert.rejects(ms.swapPointers([{ ident: t, expected: null, next: 'n2.json' }]), { code: 'COMMIT_CONFLICT' })
      assert.equal((await ms.loadTable(t)).metadataLocation, 'n1.json')
      await assert.rejects(ms.swapPointers([{ ident: id(['nostage'], 'x'), expected: null, next: 'n1.json' }]), { code: 'NAMESPACE_NOT_FOUND' })
    })

    test('a failed multi-table swap leaves every table unchanged', async () => {
      await ms.createNamespace(['multi'])
      const a = id(['multi'], 'a')
      const b = id(['multi'], 'b')
      const c = id(['multi'], 'c')
      await ms.createTable(a, 'a1')
      await ms.createTable(b, 'b1')
      await assert.rejects(
        ms.swapPointers([
          { ident: a, expected: 'a1', next: 'a2' },
          { ident: c, expected: null, next: 'c1' },
          { ident: b, expected: 'stale', next: 'b2' },
        ]),
        { code: 'COMMIT_CONFLICT' },
      )
      assert.deepEqual([(await ms.loadTable(a)).metadataLocation, (await ms.loadTable(a)).version], ['a1', 1])
      assert.deepEqual([(await ms.loadTable(b)).metadataLocation, (await ms.loadTable(b)).version], ['b1', 1])
      assert.equal(await ms.tableExists(c), false)
      await ms.swapPointers([
        { ident: b, expected: 'b1', next: 'b2' },
        { ident: a, expected: 'a1', next: 'a2' },
      ])
      assert.equal((await ms.loadTable(a)).metadataLocation, 'a2')
      assert.equal((await ms.loadTable(b)).version, 2)
    })

    test('8 concurrent writers x 25 read-then-swap loops lose no update', async () => {
      await ms.createNamespace(['race'])
      const t = id(['race'], 'counter')
      await ms.createTable(t, 'chain:')
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; i < 25; i++) {
          for (;;) {
            const cur = await ms.loadTable(t)
            try {
              await ms.swapPointers([{ ident: t, expected: cur.metadataLocation, next: `${cur.metadataLocation}w${w}.${i};` }])
              break
            } catch (e) {
              if (!isCommitConflict(e)) throw e
            }
          }
        }
      }
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)))
      const final = await ms.loadTable(t)
      assert.equal(final.version, 1 + 200)
      const tokens = final.metadataLocation.slice('chain:'.length).split(';').filter(Boolean)
      assert.equal(tokens.length, 200)
      assert.equal(new Set(tokens).size, 200)
      for (let w = 0; w < 8; w++) for (let i = 0; i < 25; i++) assert.ok(tokens.includes(`w${w}.${i}`), `token w${w}.${i} lost`)
    })

    test('concurrent transactions never see or undo each other', async () => {
      await ms.sql.query('CREATE TABLE contract_tx (v text)')
      let inserted!: () => void
      let release!: () => void
      const insertedP = new Promise<void>((r) => (inserted = r))
      const releaseP = new Promise<void>((r) => (release = r))
      const failing = ms.sql.transaction(async (tx) => {
        await tx.query('INSERT INTO contract_tx VALUES ($1)', ['rolled-back'])
        inserted()
        await releaseP
        throw new Error('boom')
      })
      await insertedP
      // Started while the failing transaction is open; on a single connection they must wait, not join it.
      const others = [
        ms.sql.query('INSERT INTO contract_tx VALUES ($1)', ['plain']),
        ms.sql.transaction(async (tx2) => {
          await tx2.query('INSERT INTO contract_tx VALUES ($1)', ['committed'])
          for (let i = 0; i < 5; i++) await tick()
        }),
      ]
      for (let i = 0; i < 5; i++) await tick()
      release()
      await assert.rejects(failing, /boom/)
      await Promise.all(others)
      const { rows } = await ms.sql.query<{ v: string }>('SELECT v FROM contract_tx ORDER BY v')
      assert.deepEqual(rows.map((r) => r.v), ['committed', 'plain'])
    })

    test('a nested transaction is a savepoint: its failure keeps the outer work', async () => {
      await ms.sql.query('CREATE TABLE contract_nested (v text)')
      await ms.sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO contract_nested VALUES ('outer')`)
        await assert.rejects(
          tx.transaction(async (inner) => {
            await inner.query(`INSERT INTO contract_nested VALUES ('inner')`)
            throw new Error('inner fails')
          }),
          /inner fails/,
        )
      })
      const { rows } = await ms.sql.query<{ v: string }>('SELECT v FROM contract_nested')
      assert.deepEqual(rows, [{ v: 'outer' }])
    })

    test('migrations apply once, in order, and survive a reopen with the data', async () => {
      const own = await open()
      try {
        const extra = [
          { id: 'contract/002-index', seq: 902, sql: 'CREATE INDEX contract_extra_v ON contract_extra (v)' },
          { id: 'contract/001-table', seq: 901, sql: 'CREATE TABLE contract_extra (v text)' },
        ]
        assert.deepEqual(await own.ms.migrate([...STORAGE_MIGRATIONS, ...extra]), ['contract/001-table', 'contract/002-index'])
        assert.deepEqual(await own.ms.migrate([...STORAGE_MIGRATIONS, ...extra]), [])
        await own.ms.createNamespace(['kept'], { p: '1' })
        await own.ms.createTable(id(['kept'], 't'), 'k1.json')
        assert.ok(own.reopen, 'the backend must support reopening its storage')
        await own.ms.close()
        const again = await own.reopen()
        try {
          assert.deepEqual(await again.migrate([...STORAGE_MIGRATIONS, ...extra]), [])
          const { rows } = await again.sql.query<{ id: string }>('SELECT id FROM akko_schema_migrations ORDER BY seq, id')
          assert.deepEqual(rows.map((r) => r.id), [...STORAGE_MIGRATIONS.map((m) => m.id), 'contract/001-table', 'contract/002-index'])
          assert.deepEqual((await again.loadNamespace(['kept'])).properties, { p: '1' })
          assert.equal((await again.loadTable(id(['kept'], 't'))).metadataLocation, 'k1.json')
        } finally {
          await again.close()
        }
      } finally {
        await own.cleanup()
      }
    })

    test('a failing migration applies nothing and can be fixed', async () => {
      const bad = [
        { id: 'contract/010-ok', seq: 910, sql: 'CREATE TABLE contract_ok (v text)' },
        { id: 'contract/011-bad', seq: 911, sql: 'CREATE TABLE contract_ok (v text)' },
      ]
      await assert.rejects(ms.migrate(bad), (e: { code?: string; details?: { migration?: string } }) => e.code === 'METASTORE_ERROR' && e.details?.migration === 'contract/011-bad')
      const { rows } = await ms.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM akko_schema_migrations WHERE id LIKE 'contract/01%'`)
      assert.equal(rows[0]!.n, '0')
      assert.deepEqual(await ms.migrate([bad[0]!]), ['contract/010-ok'])
    })
  })
}
