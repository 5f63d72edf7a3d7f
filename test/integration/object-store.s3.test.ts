import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { collect, Secret } from '../../src/core/index.js'
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../src/storage/object-store/index.js'
import { objectStoreContract } from '../contracts/object-store.contract.js'
import { sharedDir, tmpHome } from '../support/paths.js'
import { startS3Server, type S3TestServer } from '../support/s3-server.js'

let server: S3TestServer
const WAREHOUSE = 'akko-warehouse'
const FIXTURES = 'hyperparam-iceberg'

before(async () => {
  server = await startS3Server({ buckets: [WAREHOUSE] })
})
after(async () => {
  await server?.stop()
})

function openStore(root: string, overrides: Partial<S3ObjectStoreOptions> = {}): { store: S3ObjectStore; home: string } {
  const home = tmpHome('akko-s3-store-')
  const store = new S3ObjectStore({
    root,
    s3: { endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: new Secret(server.secretAccessKey), pathStyle: true },
    cacheDir: join(home, 'cache', 's3'),
    scratchDir: join(home, 'tmp'),
    ...overrides,
  })
  return { store, home }
}

objectStoreContract('s3 (s3rver, path-style)', async () => {
  // A prefix without a trailing slash: keys must still be joined as `<prefix>/<key>`.
  const root = `s3://${WAREHOUSE}/run-${randomBytes(4).toString('hex')}`
  const { store, home } = openStore(root)
  return { store, root, cleanup: () => rm(home, { recursive: true, force: true }) }
})

describe('S3ObjectStore against a loopback S3 server', () => {
  test('reads Iceberg fixtures from another bucket by their s3a:// locations', async () => {
    const uploaded = await server.uploadDir(FIXTURES, 'spark/bunnies', join(sharedDir(), 'fixtures', 'iceberg', 'spark_bunnies'))
    assert.ok(uploaded > 5)
    const { store, home } = openStore(`s3://${WAREHOUSE}/wh`)
    try {
      const metadata = JSON.parse(new TextDecoder().decode(await store.get(`s3a://${FIXTURES}/spark/bunnies/metadata/v5.metadata.json`))) as { location: string }
      assert.equal(metadata.location, 's3a://hyperparam-iceberg/spark/bunnies')
      const listed = await collect(store.list(`s3a://${FIXTURES}/spark/bunnies/metadata`))
      assert.ok(listed.some((o) => o.location === `s3://${FIXTURES}/spark/bunnies/metadata/v5.metadata.json`))
      assert.ok(listed.every((o) => o.location.startsWith(`s3://${FIXTURES}/spark/bunnies/metadata/`)))
      const local = await readFile(join(sharedDir(), 'fixtures', 'iceberg', 'spark_bunnies', 'metadata', 'v5.metadata.json'))
      assert.ok(local.equals(await readFile(await store.localPath(`s3n://${FIXTURES}/spark/bunnies/metadata/v5.metadata.json`))))
    } finally {
      await store.close()
      await rm(home, { recursive: true, force: true })
    }
  })

  test('localPath downloads once: later and concurrent calls send no more GETs', async () => {
    const { store, home } = openStore(`s3://${WAREHOUSE}/cache-test`)
    try {
      const loc = `s3://${WAREHOUSE}/cache-test/data/file one.parquet`
      const body = randomBytes(2 * 1024 * 1024)
      await store.put(loc, body)
      const gets = async (): Promise<number> => (await server.requestCounts()).GET ?? 0
      const before = await gets()
      const paths = await Promise.all([store.localPath(loc), store.localPath(loc), store.localPath(`s3a://${WAREHOUSE}/cache-test/data/file one.parquet`)])
      assert.equal(new Set(paths).size, 1, 'all three calls return the same cached file')
      assert.equal(await gets(), before + 1, 'concurrent calls share one download')
      assert.ok(paths[0]!.endsWith('.parquet'), 'the cached file keeps its extension for DuckDB')
      assert.ok((await readFile(paths[0]!)).equals(body))
      assert.equal(await store.localPath(loc), paths[0])
      assert.equal(await gets(), before + 1, 'a later call is served from the cache')
    } finally {
      await store.close()
      await rm(home, { recursive: true, force: true })
    }
  })

  test('list pages through ListObjectsV2 continuation tokens', async () => {
    // Flat keys only: s3rver walks its folders out of key order, so its later pages can skip
    // nested keys (a server bug; AWS, MinIO and SeaweedFS page in key order).
    const { store, home } = openStore(`s3://${WAREHOUSE}/paging`, { listPageSize: 3 })
    try {
      const keys = Array.from({ length: 10 }, (_, i) => `s3://${WAREHOUSE}/paging/t/f-${String(i).padStart(2, '0')}.avro`)
      await Promise.all(keys.map((k) => store.put(k, new Uint8Array([1]))))
      const listsBefore = (await server.requestCounts()).GET ?? 0
      const listed = await collect(store.list(`s3://${WAREHOUSE}/paging/t`))
      assert.deepEqual(listed.map((o) => o.location), keys)
      assert.equal(((await server.requestCounts()).GET ?? 0) - listsBefore, 4, '10 keys in pages of 3 take 4 requests')
    } finally {
      await store.close()
      await rm(home, { recursive: true, force: true })
    }
  })

  test('the key `a/b` itself is not listed under the folder prefix `a/b`', async () => {
    const { store, home } = openStore(`s3://${WAREHOUSE}/exact`)
    try {
      await store.put(`s3://${WAREHOUSE}/exact/a/b`, new Uint8Array([1]))
      await store.put(`s3://${WAREHOUSE}/exact/a/b/c`, new Uint8Array([2]))
      const listed = await collect(store.list(`s3://${WAREHOUSE}/exact/a/b`))
      assert.deepEqual(listed.map((o) => o.location), [`s3://${WAREHOUSE}/exact/a/b/c`])
    } finally {
      await store.close()
      await rm(home, { recursive: true, force: true })
    }
  })

  test('a missing bucket is FILE_NOT_FOUND naming the bucket', async () => {
    const { store, home } = openStore(`s3://${WAREHOUSE}/x`)
    try {
      await assert.rejects(store.get('s3://no-such-bucket/k.json'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'FILE_NOT_FOUND')
        assert.match(e.message, /no-such-bucket/)
        return true
      })
    } finally {
      await store.close()
      await rm(home, { recursive: true, force: true })
    }
  })

  test('credentials never appear in error messages or details', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY'
    const accessKeyId = 'AKIAIOSFODNN7EXAMPLE'
    const cases = [
      // Rejected by the server (unknown access key): an HTTP 403.
      { endpoint: server.endpoint, code: 'STORAGE_ERROR', pattern: /InvalidAccessKeyId.*Check the S3 access key/ },
      // No server at all: a network error, retried by the SDK, then reported.
      { endpoint: 'http://127.0.0.1:9', code: 'STORAGE_ERROR', pattern: /reachable/ },
    ]
    for (const c of cases) {
      const { store, home } = openStore(`s3://${WAREHOUSE}/creds`, {
        s3: { endpoint: c.endpoint, region: 'us-east-1', accessKeyId, secretAccessKey: new Secret(secret), pathStyle: true },
      })
      try {
        for (const op of [() => store.get(`s3://${WAREHOUSE}/creds/x`), () => store.put(`s3://${WAREHOUSE}/creds/x`, new Uint8Array(1)), () => collect(store.list(`s3://${WAREHOUSE}/creds`))]) {
          await assert.rejects(op(), (e: Error & { code?: string; details?: unknown }) => {
            assert.equal(e.code, c.code, e.message)
            assert.match(e.message, c.pattern)
            const shown = `${e.message} ${JSON.stringify(e.details)} ${String(e)}`
            assert.ok(!shown.includes(secret), `secret leaked: ${shown}`)
            assert.ok(!shown.includes(accessKeyId), `access key leaked: ${shown}`)
            return true
          })
        }
      } finally {
        await store.close()
        await rm(home, { recursive: true, force: true })
      }
    }
  })
})
