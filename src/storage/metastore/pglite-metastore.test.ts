import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../core/index.js'
import { metastoreContract } from '../../../test/contracts/metastore.contract.js'
import { tmpHome } from '../../../test/support/paths.js'
import { PgliteMetastore } from './pglite-metastore.js'
import { openMetastore } from './open-metastore.js'

metastoreContract('pglite', async () => {
  const dir = join(tmpHome('akko-ms-'), 'metastore')
  const ms = await PgliteMetastore.open(dir)
  return {
    ms,
    reopen: () => PgliteMetastore.open(dir),
    cleanup: async () => {
      await ms.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

test('openMetastore without metastoreUrl opens embedded PGlite under home/metastore', async () => {
  const home = tmpHome('akko-ms-home-')
  const ms = await openMetastore(loadConfig({ AKKO_HOME: home }, home))
  try {
    assert.equal(ms.kind, 'pglite')
    assert.ok(existsSync(join(home, 'metastore')))
    await ms.createNamespace(['x'])
    assert.equal(await ms.namespaceExists(['x']), true)
  } finally {
    await ms.close()
    rmSync(home, { recursive: true, force: true })
  }
})

test('a closed PGlite metastore refuses queries with METASTORE_ERROR', async () => {
  const home = tmpHome('akko-ms-closed-')
  const ms = await PgliteMetastore.open(home)
  await ms.close()
  await assert.rejects(ms.listNamespaces(), { code: 'METASTORE_ERROR' })
  rmSync(home, { recursive: true, force: true })
})

test('PGlite: using the outer client inside a transaction fails instead of hanging', async () => {
  const home = tmpHome('akko-ms-reentrant-')
  const ms = await PgliteMetastore.open(home)
  try {
    await ms.createNamespace(['r'])
    await assert.rejects(
      ms.sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO akko_namespaces (namespace) VALUES ('{r2}')`)
        await ms.loadNamespace(['r'])
      }),
      { code: 'INTERNAL' },
    )
    assert.equal(await ms.namespaceExists(['r2']), false, 'the transaction was rolled back')
  } finally {
    await ms.close()
    rmSync(home, { recursive: true, force: true })
  }
})
