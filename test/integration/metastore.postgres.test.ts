import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { AkkoError, loadConfig } from '../../src/core/index.js'
import { PostgresMetastore } from '../../src/storage/metastore/postgres-metastore.js'
import { STORAGE_MIGRATIONS } from '../../src/storage/metastore/migrations.js'
import { openMetastore } from '../../src/storage/metastore/open-metastore.js'
import { metastoreContract } from '../contracts/metastore.contract.js'
import { pgFreshDatabase } from '../support/postgres.js'
import { tmpHome } from '../support/paths.js'

metastoreContract('postgres', async () => {
  const db = await pgFreshDatabase('akko_ms')
  // More connections than concurrent writers, so the race test really races on the server.
  const ms = await PostgresMetastore.connect(db.url, { max: 12 })
  return {
    ms,
    reopen: () => PostgresMetastore.connect(db.url),
    cleanup: async () => {
      await ms.close()
      await db.drop()
    },
  }
})

test('two processes connecting to a fresh database at once apply each migration once', async () => {
  const db = await pgFreshDatabase('akko_ms_race')
  try {
    const opened = await Promise.all([PostgresMetastore.connect(db.url), PostgresMetastore.connect(db.url), PostgresMetastore.connect(db.url)])
    try {
      const { rows } = await opened[0].sql.query<{ id: string; n: string }>('SELECT id, count(*)::text AS n FROM akko_schema_migrations GROUP BY id ORDER BY id')
      assert.deepEqual(rows, STORAGE_MIGRATIONS.map((m) => ({ id: m.id, n: '1' })))
      await opened[1].createNamespace(['shared'])
      assert.equal(await opened[2].namespaceExists(['shared']), true, 'all connections see one catalog')
    } finally {
      await Promise.all(opened.map((m) => m.close()))
    }
  } finally {
    await db.drop()
  }
})

test('openMetastore with a metastoreUrl connects to PostgreSQL', async () => {
  const db = await pgFreshDatabase('akko_ms_cfg')
  const home = tmpHome('akko-ms-pg-')
  try {
    const ms = await openMetastore(loadConfig({ AKKO_HOME: home, AKKO_METASTORE_URL: db.url }, home))
    try {
      assert.equal(ms.kind, 'postgres')
      await ms.createNamespace(['cfg'])
      assert.deepEqual((await ms.listNamespaces()).map((n) => n.namespace), [['cfg']])
    } finally {
      await ms.close()
    }
  } finally {
    await db.drop()
    rmSync(home, { recursive: true, force: true })
  }
})

test('an unreachable server fails with METASTORE_ERROR and never shows the password', async () => {
  const home = tmpHome('akko-ms-bad-')
  try {
    const cfg = loadConfig({ AKKO_HOME: home, AKKO_METASTORE_URL: 'postgres://akko:s3cr3t-pw@127.0.0.1:1/akko' }, home)
    const err = await openMetastore(cfg).catch((e: unknown) => e)
    assert.ok(err instanceof AkkoError)
    assert.equal(err.code, 'METASTORE_ERROR')
    assert.match(err.message, /127\.0\.0\.1:1/)
    assert.doesNotMatch(err.message + JSON.stringify(err.details), /s3cr3t-pw/)
    assert.match(err.message, /\*\*\*/)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
})
