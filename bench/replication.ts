/**
 * PostgreSQL → Iceberg replication.
 * - Batch throughput: `replicateBatch` (full copy) of N rows from the PostgreSQL server into an Iceberg table,
 *   against PostgreSQL alone streaming the same SELECT with `COPY (SELECT …) TO STDOUT (FORMAT csv)` into a sink
 *   that discards it (pg-copy-streams), in the same process: the ratio is how close the whole path (PostgreSQL,
 *   CSV chunks, DuckDB, Parquet, commit) comes to PostgreSQL's own output rate.
 * - CDC lag: a pipeline streams a table while a workload commits about 1,000 single-statement transactions a
 *   second (70% inserts, 20% updates, 10% deletes) for a while; each transaction's lag is the time from its source
 *   commit (pgoutput's commit timestamp) to the Iceberg commit that made it visible. p50 and p99 are in the
 *   details (`lagP50Ms`, `lagP99Ms`, `lagMaxMs`, the rate achieved); the timed figure of that case is the whole run
 *   (snapshot, workload, catching up), and its baseline one such transaction's round trip at the source.
 * Skipped with a note when no PostgreSQL server answers.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { AkkoError, redactUrl } from '../src/core/index.js'
import { cdcDrop, cdcPipeline, replicateBatch } from '../src/ingest/postgres/index.js'
import { copySelectSql } from '../src/ingest/postgres/copy-source.js'
import { pgClientQuery, pgTableDescribe } from '../src/ingest/postgres/pg-source.js'
import type { TableIdent } from '../src/storage/index.js'
import { pgAdminUrl, pgFreshDatabase } from '../test/support/postgres.js'
import { openTestTables, type TestTables } from '../test/support/table-context.js'
import { rowsLabel, type BenchCase, type BenchOptions, type LoadedScenario, type Scenario } from './scenario.js'

export const replication: Scenario = {
  name: 'replication',
  description: 'PostgreSQL → Iceberg: batch copy rows/s vs COPY TO STDOUT of the same rows; CDC lag at ~1,000 tx/s',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    let db: { url: string; drop: () => Promise<void> }
    try {
      db = await pgFreshDatabase('akko_bench_repl')
    } catch (e) {
      return { cases: [], skipped: [`replication skipped: no PostgreSQL server at ${redactUrl(pgAdminUrl())} (${(e as Error).message})`], close: async () => {} }
    }
    const t = await openTestTables()
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    const rows = opts.quick ? 50_000 : opts.rows
    process.stdout.write(`  loading ${rowsLabel(rows)} rows into PostgreSQL…\n`)
    await admin.query(`CREATE TABLE tx (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL, currency char(3) NOT NULL,
      region text NOT NULL, merchant text, created_at timestamptz NOT NULL, is_fraud boolean NOT NULL)`)
    await admin.query(`INSERT INTO tx SELECT i, (i::bigint * 7919) % 100000, ((i::bigint * 104729) % 1000000) / 100.0, 'EUR',
      (ARRAY['EU','US','APAC','LATAM'])[1 + i % 4], 'merchant ' || (i % 5000), timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', i % 97 = 0
      FROM generate_series(1, ${rows}) i`)
    await admin.query('VACUUM ANALYZE tx')
    await admin.query('CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2) NOT NULL, note text)')
    await admin.query(`INSERT INTO events SELECT i, i % 1000, i, 'seed' FROM generate_series(1, 10000) i`)
    const repeat = opts.quick ? { warmup: 1, iterations: 3 } : rows > 2_000_000 ? { warmup: 0, iterations: 3 } : { warmup: 1, iterations: 5 }
    return {
      cases: [await batchCase(t, db.url, rows, repeat), cdcLagCase(t, db.url, opts.quick ? 5 : 20)],
      close: async () => {
        await cdcDrop({ source: { url: db.url }, name: 'bench' }).catch(() => undefined)
        await admin.end()
        await t.close()
        await db.drop()
      },
    }
  },
}

async function batchCase(t: TestTables, url: string, rows: number, repeat: { warmup: number; iterations: number }): Promise<BenchCase> {
  const target: TableIdent = { namespace: ['bench'], name: 'tx' }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const src = await pgTableDescribe(pgClientQuery(client), 'tx')
  const select = copySelectSql({ table: src, columns: src.columns })
  await client.end()
  return {
    label: `replicate ${rowsLabel(rows)} rows`,
    measure: 'throughput',
    rows,
    ...repeat,
    baseline: {
      label: 'PostgreSQL COPY TO STDOUT',
      run: async () => {
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        try {
          await c.query("SET TimeZone = 'UTC'")
          let bytes = 0
          await pipeline(c.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv)`)), new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb() } }))
          if (bytes === 0) throw new AkkoError('INTERNAL', 'COPY returned nothing')
        } finally {
          await c.end()
        }
      },
    },
    async prepare() {
      if (await t.catalog.tableExists(target)) await t.catalog.dropTable(target, { purge: true })
    },
    async run() {
      const r = await replicateBatch({ tables: t, source: { url }, table: 'tx', target, mode: 'full' })
      if (r.rowsRead !== rows) throw new AkkoError('INTERNAL', `replicated ${r.rowsRead} rows, expected ${rows} (this is a bug)`)
      return { rowsRead: r.rowsRead }
    },
  }
}

const lsnValue = (l: string): bigint => {
  const [a, b] = l.split('/')
  return (BigInt(`0x${a}`) << 32n) | BigInt(`0x${b}`)
}

function cdcLagCase(t: TestTables, url: string, seconds: number): BenchCase {
  const target: TableIdent = { namespace: ['bench'], name: 'events' }
  const rate = 1000
  return {
    label: `CDC ${rate} tx/s, ${seconds} s run`,
    measure: 'latency',
    warmup: 0,
    iterations: 1,
    baseline: {
      label: 'one workload transaction at the source',
      run: async () => {
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        await c.query(`UPDATE events SET amount = amount + 1 WHERE id = 1`)
        await c.end()
      },
    },
    async run() {
      const lags: number[] = []
      const p = cdcPipeline({
        tables: t, source: { url }, name: 'bench', streams: [{ table: 'events', target }],
        onApplied: e => { for (const c of e.commitTimesMs) lags.push(e.appliedAtMs - c) },
      })
      await p.start()
      const total = rate * seconds
      let sent = 0
      let nextId = 10_001 + Math.floor(Math.random() * 1e9)
      const start = Date.now()
      const conns = await Promise.all(Array.from({ length: 4 }, async () => {
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        return c
      }))
      await Promise.all(conns.map(async c => {
        for (;;) {
          const i = sent++
          if (i >= total) break
          const due = start + (i * 1000) / rate
          if (due > Date.now()) await new Promise(r => setTimeout(r, due - Date.now()))
          const op = Math.random()
          const id = 1 + Math.floor(Math.random() * 10_000)
          if (op < 0.7) await c.query('INSERT INTO events VALUES ($1, $2, $3, $4)', [nextId++, i % 1000, i, randomBytes(8).toString('hex')])
          else if (op < 0.9) await c.query('UPDATE events SET amount = amount + 1, note = $2 WHERE id = $1', [id, `u${i}`])
          else await c.query('DELETE FROM events WHERE id = $1', [id])
        }
        await c.end()
      }))
      const achieved = total / ((Date.now() - start) / 1000)
      // Caught up: the server has confirmed every WAL position written so far (transactions that changed no row
      // are not sent at all, so counting transactions would not do).
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      const end = String((await admin.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l)
      await admin.end()
      const deadline = Date.now() + 120_000
      while (Date.now() < deadline) {
        const st = p.status()
        if (st.state === 'failed') throw new AkkoError('INTERNAL', `CDC pipeline failed: ${st.error}`)
        if (st.confirmedLsn && lsnValue(st.confirmedLsn) >= lsnValue(end) && st.pendingTransactions === 0) break
        await new Promise(r => setTimeout(r, 50))
      }
      const s = p.status()
      await p.stop()
      await cdcDrop({ source: { url }, name: 'bench' })
      if (await t.catalog.tableExists(target)) await t.catalog.dropTable(target, { purge: true })
      lags.sort((a, b) => a - b)
      const q = (f: number) => lags[Math.min(lags.length - 1, Math.floor(f * lags.length))] ?? NaN
      return { txPerSec: Math.round(achieved), transactions: s.transactionsApplied, commits: s.commits, lagP50Ms: Math.round(q(0.5)), lagP99Ms: Math.round(q(0.99)), lagMaxMs: Math.round(lags.at(-1) ?? NaN) }
    },
  }
}
