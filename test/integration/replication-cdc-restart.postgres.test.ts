import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { silentLogger } from '../../src/core/index.js'
import { cdcDrop, type CdcStatus } from '../../src/ingest/postgres/index.js'
import { DuckRuntime, IcebergCatalog, LocalObjectStore, PostgresMetastore, tableLoad, tableScanSql, type TableContext } from '../../src/storage/index.js'
import { repoRoot, tmpHome } from '../support/paths.js'
import { pgFreshDatabase } from '../support/postgres.js'

/** A pipeline process: its latest status line, and a way to wait for a condition on it. */
class Worker {
  readonly child: ChildProcess
  last?: CdcStatus
  failed?: string
  #exited = false
  readonly exited: Promise<number | null>
  constructor(cfg: object) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/helpers/replication-cdc-worker.ts', JSON.stringify(cfg)], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'inherit'] })
    let buf = ''
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.startsWith('STATUS ')) this.last = JSON.parse(line.slice(7)) as CdcStatus
        if (line.startsWith('FAILED ')) this.failed = line.slice(7)
      }
    })
    this.exited = new Promise(resolve => this.child.on('exit', code => {
      this.#exited = true
      resolve(code)
    }))
  }
  async until(what: string, ok: (s: CdcStatus) => boolean, timeoutMs = 45_000): Promise<CdcStatus> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.failed) throw new Error(`pipeline process failed: ${this.failed}`)
      if (this.last && ok(this.last)) return this.last
      if (this.#exited) throw new Error(`pipeline process exited while waiting for ${what}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.last)}`)
      await new Promise(r => setTimeout(r, 50))
    }
  }
  async kill(): Promise<void> {
    if (!this.#exited) this.child.kill('SIGKILL')
    await this.exited
  }
}

const lsn = (l: string) => {
  const [a, b] = l.split('/')
  return (BigInt(`0x${a}`) << 32n) | BigInt(`0x${b}`)
}

/** `n` transactions over `conns` connections: inserts, updates, deletes, some of them several to a transaction. */
async function workload(url: string, n: number, conns: number, nextId: { v: number }, seed: number): Promise<void> {
  let rnd = seed
  const random = () => ((rnd = (rnd * 1103515245 + 12345) % 2147483648) / 2147483648)
  let left = n
  const one = async (c: pg.Client, op: number) => {
    const id = 1 + Math.floor(random() * nextId.v)
    if (op < 0.5) await c.query('UPDATE accounts SET balance = balance + $2, version = version + 1, owner = $3 WHERE id = $1', [id, (random() * 100).toFixed(2), `o${Math.floor(random() * 1e6)}`])
    else if (op < 0.8) await c.query('INSERT INTO accounts (id, owner, balance, version) VALUES ($1, $2, $3, 0)', [nextId.v++, random() < 0.1 ? null : `new ${nextId.v}`, (random() * 1000).toFixed(2)])
    else await c.query('DELETE FROM accounts WHERE id = $1', [id])
  }
  await Promise.all(Array.from({ length: conns }, async () => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      while (left-- > 0) {
        if (random() < 0.25) {
          await c.query('BEGIN')
          for (let k = 0; k < 3; k++) await one(c, random())
          await c.query('COMMIT')
        } else await one(c, random())
      }
    } finally {
      await c.end()
    }
  }))
}

const SOURCE_DIGEST = `SELECT count(*)::text AS n, coalesce(sum(balance), 0)::text AS total,
  md5(coalesce(string_agg(id || '|' || coalesce(owner, '~') || '|' || balance::text || '|' || version, ',' ORDER BY id), '')) AS digest FROM accounts`

let src: { url: string; drop: () => Promise<void> }
let meta: { url: string; drop: () => Promise<void> }
let home: string
const name = `r_${randomBytes(3).toString('hex')}`
const workers: Worker[] = []
before(async () => {
  src = await pgFreshDatabase('akko_cdc_src')
  meta = await pgFreshDatabase('akko_cdc_meta')
  home = tmpHome('akko-cdc-')
})
after(async () => {
  for (const w of workers) await w.kill()
  await cdcDrop({ source: { url: src.url }, name }).catch(() => undefined)
  await src.drop()
  await meta.drop()
  rmSync(home, { recursive: true, force: true })
})

test('CDC stays exactly once while its process is killed and restarted under a concurrent workload', async t => {
  const admin = new pg.Client({ connectionString: src.url })
  await admin.connect()
  try {
    await admin.query('CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(14,2) NOT NULL, version int NOT NULL)')
    await admin.query(`INSERT INTO accounts SELECT i, 'owner ' || i, i, 0 FROM generate_series(1, 2000) i`)
    const nextId = { v: 2001 }
    const cfg = { sourceUrl: src.url, metastoreUrl: meta.url, home, name, table: 'accounts', namespace: 'cdc', target: 'accounts' }
    const spawnWorker = (extra: object = {}) => {
      const w = new Worker({ ...cfg, ...extra })
      workers.push(w)
      return w
    }

    // The first process dies right after its third Iceberg commit, before acknowledging it.
    const a = spawnWorker({ crashAfterBatches: 3 })
    await a.until('the initial snapshot', s => s.state === 'streaming')
    assert.equal(a.last!.snapshotRows, 2000)

    await workload(src.url, 1500, 4, nextId, 1)
    // Should the phase have fit in fewer batches, a trickle of updates brings the third.
    for (let i = 0; i < 400 && a.child.exitCode === null && a.child.signalCode === null; i++) {
      await admin.query('UPDATE accounts SET version = version + 1 WHERE id = $1', [1 + (i % 2000)])
      await new Promise(r => setTimeout(r, 50))
    }
    assert.equal(await a.exited, null, 'the first process killed itself after its third commit')
    const b = spawnWorker()
    const phase2 = workload(src.url, 1500, 4, nextId, 2)
    await b.until('the second process applying', s => s.state === 'streaming' && s.transactionsApplied > 0)
    const bLast = b.last!
    await b.kill()
    const c = spawnWorker()
    await phase2
    await workload(src.url, 1000, 4, nextId, 3)

    const target = lsn(String((await admin.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l))
    const done = await c.until('catching up', s => s.state === 'streaming' && s.confirmedLsn !== undefined && lsn(s.confirmedLsn) >= target && s.pendingTransactions === 0)
    assert.equal(done.snapshotRows, 0, 'restarts resume the slot: no second snapshot')
    // For the log: how much the killed processes had applied, and what the restarts received again and skipped.
    t.diagnostic(`killed after ${a.last!.transactionsApplied} and ${bLast.transactionsApplied} transactions (${bLast.transactionsSkipped} skipped); last: ${done.transactionsApplied} applied, ${done.transactionsSkipped} skipped, ${done.commits} commits`)
    c.child.kill('SIGTERM')
    assert.equal(await c.exited, 0)

    const expected = (await admin.query(SOURCE_DIGEST)).rows[0] as { n: string; total: string; digest: string }
    assert.ok(Number(expected.n) > 2000)
    const metastore = await PostgresMetastore.connect(meta.url)
    const store = new LocalObjectStore(join(home, 'warehouse'), { scratchDir: join(home, 'tmp', 'reader') })
    const duck = await DuckRuntime.create({ home: join(home, 'reader') })
    try {
      const ctx: TableContext = { catalog: new IcebergCatalog({ metastore, store, log: silentLogger }), store, duck, log: silentLogger }
      const state = await tableLoad(ctx, { namespace: ['cdc'], name: 'accounts' })
      const { sql } = await tableScanSql(ctx, state)
      const got = await duck.withConnection(async conn => (await conn.runAndReadAll(`SELECT count(*)::VARCHAR AS n, coalesce(sum(balance), 0)::VARCHAR AS total,
          md5(coalesce(string_agg(id || '|' || coalesce(owner, '~') || '|' || balance::VARCHAR || '|' || version, ',' ORDER BY id), '')) AS digest,
          (count(*) - count(DISTINCT id))::INTEGER AS dups FROM (${sql})`)).getRowObjectsJson()[0]!)
      assert.equal(got.dups, 0, 'no key appears twice')
      assert.deepEqual({ n: got.n, total: got.total, digest: got.digest }, expected, 'the Iceberg table equals the source row for row')
      // The stored position never goes backwards along the table's history.
      const positions = state.metadata.snapshots.map(s => s.summary['akko.cdc.lsn']).filter((x): x is string => !!x).map(lsn)
      assert.ok(positions.length > 3)
      assert.ok(positions.every((p, i) => i === 0 || p >= positions[i - 1]!))
    } finally {
      duck.close()
      await metastore.close()
    }
  } finally {
    await admin.end()
  }
})
