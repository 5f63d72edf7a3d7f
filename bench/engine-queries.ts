/**
 * Ten analytical queries of the banking-fraud demo over the `transactions` Iceberg table (10M rows, 200k with
 * --quick, identity-partitioned by region) and a 20,000-row `merchants` dimension, timed through the full path:
 * Trino protocol over HTTP (POST then GETs until done) → planning → binder (the governance hook) → DuckDB.
 * Each query is compared in the same run with (a) a plain DuckDB reading the same Parquet files with equivalent
 * SQL and (b) PostgreSQL 15 holding the same rows (loaded with COPY from a CSV DuckDB writes; skipped with a
 * note when 127.0.0.1:5432 is unreachable). After the cases, a summary prints per-query and total
 * akko/duckdb and postgres/akko ratios of the medians.
 * @module
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { loadConfig } from '../src/core/index.js'
import { startServer } from '../src/platform.js'
import { TrinoClient } from '../src/serve/trino/index.js'
import { pgFreshDatabase } from '../test/support/postgres.js'
import { enginePlatformOpen, rawDuckOpen, rowsDrain, sharedTmpDir, type PreparedTables } from './engine-fixture.js'
import { rowsLabel, type BenchCase, type BenchOptions, type LoadedScenario, type Scenario } from './scenario.js'

/** One query in the three dialects. */
interface BenchQuery {
  readonly name: string
  /** Trino SQL, run by the engine in catalog `iceberg`, schema `bench`. */
  readonly trino: string
  /** DuckDB SQL over the views of the same Parquet files. */
  readonly duckdb: string
  readonly postgres: string
}

const QUERIES: readonly BenchQuery[] = [
  {
    name: 'fraud rate by region, 7d',
    trino: `SELECT region, count_if(is_fraud) * 1.0 / count(*) AS fraud_rate, count(*) AS n FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '7' DAY GROUP BY region HAVING count(*) > 100 ORDER BY fraud_rate DESC`,
    duckdb: `SELECT region, count_if(is_fraud) * 1.0 / count(*) AS fraud_rate, count(*) AS n FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '7' DAY GROUP BY region HAVING count(*) > 100 ORDER BY fraud_rate DESC`,
    postgres: `SELECT region, count(*) FILTER (WHERE is_fraud) * 1.0 / count(*) AS fraud_rate, count(*) AS n FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '7 days' GROUP BY region HAVING count(*) > 100 ORDER BY fraud_rate DESC`,
  },
  {
    name: 'top 20 merchants by amount',
    trino: 'SELECT merchant, sum(amount) AS total, count(*) AS n FROM transactions GROUP BY merchant ORDER BY total DESC, merchant LIMIT 20',
    duckdb: 'SELECT merchant, sum(amount) AS total, count(*) AS n FROM transactions GROUP BY merchant ORDER BY total DESC, merchant LIMIT 20',
    postgres: 'SELECT merchant, sum(amount) AS total, count(*) AS n FROM transactions GROUP BY merchant ORDER BY total DESC, merchant LIMIT 20',
  },
  {
    name: 'daily totals (date_trunc)',
    trino: "SELECT date_trunc('day', ts) AS day, sum(amount) AS total, count(*) AS n, count_if(is_fraud) AS frauds FROM transactions GROUP BY 1 ORDER BY 1",
    duckdb: "SELECT date_trunc('day', ts) AS day, sum(amount) AS total, count(*) AS n, count_if(is_fraud) AS frauds FROM transactions GROUP BY 1 ORDER BY 1",
    postgres: "SELECT date_trunc('day', ts) AS day, sum(amount) AS total, count(*) AS n, count(*) FILTER (WHERE is_fraud) AS frauds FROM transactions GROUP BY 1 ORDER BY 1",
  },
  {
    name: 'running sum per customer (window)',
    trino: `SELECT customer_id, ts, amount, running_total FROM (
        SELECT customer_id, ts, amount, sum(amount) OVER (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
        FROM transactions) t
      ORDER BY running_total DESC, customer_id, ts LIMIT 20`,
    duckdb: `SELECT customer_id, ts, amount, running_total FROM (
        SELECT customer_id, ts, amount, sum(amount) OVER (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
        FROM transactions) t
      ORDER BY running_total DESC, customer_id, ts LIMIT 20`,
    postgres: `SELECT customer_id, ts, amount, running_total FROM (
        SELECT customer_id, ts, amount, sum(amount) OVER (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
        FROM transactions) t
      ORDER BY running_total DESC, customer_id, ts LIMIT 20`,
  },
  {
    name: "one region (partition pruning)",
    trino: "SELECT category, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM transactions WHERE region = 'EU' GROUP BY category ORDER BY category",
    duckdb: "SELECT category, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM transactions WHERE region = 'EU' GROUP BY category ORDER BY category",
    postgres: "SELECT category, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM transactions WHERE region = 'EU' GROUP BY category ORDER BY category",
  },
  {
    name: 'distinct customers by region',
    trino: 'SELECT region, count(DISTINCT customer_id) AS customers FROM transactions GROUP BY region ORDER BY region',
    duckdb: 'SELECT region, count(DISTINCT customer_id) AS customers FROM transactions GROUP BY region ORDER BY region',
    postgres: 'SELECT region, count(DISTINCT customer_id) AS customers FROM transactions GROUP BY region ORDER BY region',
  },
  {
    // Trino's approx_percentile runs as DuckDB's approx_quantile; PostgreSQL has only the exact percentile_cont.
    name: 'amount percentiles by category',
    trino: `SELECT category, approx_percentile(CAST(amount AS double), 0.5) AS p50, approx_percentile(CAST(amount AS double), 0.99) AS p99
      FROM transactions GROUP BY category ORDER BY category`,
    duckdb: `SELECT category, approx_quantile(CAST(amount AS double), 0.5) AS p50, approx_quantile(CAST(amount AS double), 0.99) AS p99
      FROM transactions GROUP BY category ORDER BY category`,
    postgres: `SELECT category, percentile_cont(0.5) WITHIN GROUP (ORDER BY amount::float8) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY amount::float8) AS p99
      FROM transactions GROUP BY category ORDER BY category`,
  },
  {
    name: 'join merchants dimension',
    trino: `SELECT m.segment, m.risk_tier, count(*) AS n, sum(t.amount) AS total, count_if(t.is_fraud) AS frauds
      FROM transactions t JOIN merchants m ON t.merchant = m.merchant GROUP BY m.segment, m.risk_tier ORDER BY m.segment, m.risk_tier`,
    duckdb: `SELECT m.segment, m.risk_tier, count(*) AS n, sum(t.amount) AS total, count_if(t.is_fraud) AS frauds
      FROM transactions t JOIN merchants m ON t.merchant = m.merchant GROUP BY m.segment, m.risk_tier ORDER BY m.segment, m.risk_tier`,
    postgres: `SELECT m.segment, m.risk_tier, count(*) AS n, sum(t.amount) AS total, count(*) FILTER (WHERE t.is_fraud) AS frauds
      FROM transactions t JOIN merchants m ON t.merchant = m.merchant GROUP BY m.segment, m.risk_tier ORDER BY m.segment, m.risk_tier`,
  },
  {
    name: 'high-value fraud by hour',
    trino: 'SELECT hour(ts) AS h, count(*) AS n, sum(amount) AS total FROM transactions WHERE is_fraud AND amount > 10000 GROUP BY 1 ORDER BY 1',
    duckdb: 'SELECT hour(ts) AS h, count(*) AS n, sum(amount) AS total FROM transactions WHERE is_fraud AND amount > 10000 GROUP BY 1 ORDER BY 1',
    postgres: 'SELECT extract(hour FROM ts) AS h, count(*) AS n, sum(amount) AS total FROM transactions WHERE is_fraud AND amount > 10000 GROUP BY 1 ORDER BY 1',
  },
  {
    name: 'top spenders, last day',
    trino: `SELECT customer_id, count(*) AS n, sum(amount) AS total, count(DISTINCT merchant) AS merchants FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '1' DAY GROUP BY customer_id ORDER BY total DESC, customer_id LIMIT 10`,
    duckdb: `SELECT customer_id, count(*) AS n, sum(amount) AS total, count(DISTINCT merchant) AS merchants FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '1' DAY GROUP BY customer_id ORDER BY total DESC, customer_id LIMIT 10`,
    postgres: `SELECT customer_id, count(*) AS n, sum(amount) AS total, count(DISTINCT merchant) AS merchants FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '1 day' GROUP BY customer_id ORDER BY total DESC, customer_id LIMIT 10`,
  },
]

const PG_DDL = `
  CREATE TABLE transactions (transaction_id bigint NOT NULL, ts timestamptz NOT NULL, customer_id bigint NOT NULL,
    account_id bigint NOT NULL, merchant text, category text, amount numeric(12,2) NOT NULL, currency text NOT NULL,
    region text NOT NULL, is_fraud boolean NOT NULL);
  CREATE TABLE merchants (merchant text PRIMARY KEY, segment text NOT NULL, risk_tier integer NOT NULL, country text NOT NULL);`

type System = 'akko' | 'duckdb' | 'postgres'

/** Timings this scenario records itself, for the summary across systems (the runner keeps one baseline per case). */
class Samples {
  private readonly ms = new Map<string, number[]>()
  readonly rowCounts = new Map<string, number>()

  async time(query: string, system: System, fn: () => Promise<number>): Promise<number> {
    const t0 = performance.now()
    const rows = await fn()
    const key = `${query}\u0000${system}`
    const list = this.ms.get(key) ?? []
    list.push(performance.now() - t0)
    this.ms.set(key, list)
    this.rowCounts.set(key, rows)
    return rows
  }

  median(query: string, system: System): number | undefined {
    const xs = [...(this.ms.get(`${query}\u0000${system}`) ?? [])].sort((a, b) => a - b)
    if (xs.length === 0) return undefined
    const mid = Math.floor(xs.length / 2)
    return xs.length % 2 ? xs[mid] : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2
  }

  rows(query: string, system: System): number | undefined {
    return this.rowCounts.get(`${query}\u0000${system}`)
  }
}

export const engineQueries: Scenario = {
  name: 'engine-queries',
  description: '10 fraud-demo queries through the Trino protocol vs plain DuckDB on the same Parquet files and PostgreSQL 15',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const rows = opts.rowsGiven ? opts.rows : opts.quick ? 200_000 : 10_000_000
    const progress = (msg: string) => process.stdout.write(`  ${msg}\n`)
    const { platform, tables } = await enginePlatformOpen(rows, progress)
    const cleanups: Array<() => Promise<void>> = [() => platform.close()]
    const close = async () => {
      for (const c of cleanups.splice(0).reverse()) await c()
    }
    try {
      progress(`transactions: ${rowsLabel(rows)} rows in ${tables.txFiles.length} data files, generated at ${tables.builtAt}`)
      const cfg = loadConfig({ AKKO_HOME: tables.home, AKKO_PORT: '0', AKKO_HOST: '127.0.0.1' }, tables.home)
      const server = await startServer(platform, cfg, { auth: 'none' })
      cleanups.push(() => server.close())
      const client = new TrinoClient({ server: server.url, user: 'bench', catalog: 'iceberg', schema: 'bench', source: 'akko-bench' })
      const duck = await rawDuckOpen(tables)
      cleanups.push(async () => duck.close())
      const skipped: string[] = []
      const pgConn = await postgresLoad(tables, duck.conn, progress, cleanups).catch((e: unknown) => {
        skipped.push(`postgres: skipped (${(e as Error).message})`)
        return undefined
      })

      const samples = new Samples()
      const repeat = opts.quick ? { warmup: 1, iterations: 3 } : { warmup: 1, iterations: 5 }
      const pgRepeat = opts.quick ? { warmup: 1, iterations: 3 } : { warmup: 1, iterations: 3 }
      const cases: BenchCase[] = []
      QUERIES.forEach((q, i) => {
        const label = `q${i + 1} ${q.name}`
        const akko = async () => {
          const n = await samples.time(q.name, 'akko', async () => rowsDrain((await client.query(q.trino)).rows))
          return { resultRows: n }
        }
        cases.push({
          label: `${label} vs duckdb`, measure: 'latency', ...repeat, run: akko,
          baseline: { label: 'duckdb read_parquet', run: async () => void (await samples.time(q.name, 'duckdb', async () => (await duck.conn.runAndReadAll(q.duckdb)).getRows().length)) },
        })
        if (pgConn) {
          cases.push({
            label: `${label} vs postgres`, measure: 'latency', ...pgRepeat, run: akko,
            baseline: { label: 'postgresql 15', run: async () => void (await samples.time(q.name, 'postgres', async () => (await pgConn.query(q.postgres)).rowCount ?? 0)) },
          })
        }
      })
      // Runs first on close, before the connections go.
      cleanups.push(async () => void process.stdout.write(summary(samples, rows, pgConn !== undefined)))
      return { cases, skipped, close }
    } catch (e) {
      await close()
      throw e
    }
  },
}

/**
 * A fresh PostgreSQL database with both tables, loaded by server-side COPY from CSV files DuckDB writes into a
 * world-readable temporary folder (the server runs on this machine), then VACUUM ANALYZE. No index beyond the
 * merchants primary key: the table is a plain heap, as an application database would hold a payments feed.
 */
async function postgresLoad(t: PreparedTables, duck: { run(sql: string): Promise<unknown> }, progress: (msg: string) => void,
  cleanups: Array<() => Promise<void>>): Promise<pg.Client> {
  const db = await pgFreshDatabase('akko_bench')
  cleanups.push(db.drop)
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  cleanups.push(() => client.end())
  const dir = sharedTmpDir()
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  progress(`loading ${rowsLabel(t.rows)} rows into PostgreSQL…`)
  const t0 = performance.now()
  const txCsv = join(dir, 'transactions.csv')
  const mCsv = join(dir, 'merchants.csv')
  await duck.run(`COPY (SELECT transaction_id, ts, customer_id, account_id, merchant, category, amount, currency, region, is_fraud FROM transactions) TO '${txCsv}' (FORMAT csv, HEADER false)`)
  await duck.run(`COPY (SELECT merchant, segment, risk_tier, country FROM merchants) TO '${mCsv}' (FORMAT csv, HEADER false)`)
  await client.query(PG_DDL)
  await client.query(`COPY transactions FROM '${txCsv}' WITH (FORMAT csv)`)
  await client.query(`COPY merchants FROM '${mCsv}' WITH (FORMAT csv)`)
  await client.query('VACUUM ANALYZE transactions')
  await client.query('VACUUM ANALYZE merchants')
  await rm(dir, { recursive: true, force: true })
  progress(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return client
}

function summary(s: Samples, rows: number, withPg: boolean): string {
  const fmt = (ms: number | undefined) => (ms === undefined ? '-' : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`)
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`)
  const lines = [`\n  summary over ${rowsLabel(rows)} rows, medians (akko/duckdb goal <= 1.2x, postgres/akko goal >= 10x; goals, not thresholds):`,
    `  ${'query'.padEnd(40)} ${'akko'.padStart(9)} ${'duckdb'.padStart(9)} ${'postgres'.padStart(9)} ${'akko/duckdb'.padStart(12)} ${'pg/akko'.padStart(9)}  rows`]
  const total: Record<System, number> = { akko: 0, duckdb: 0, postgres: 0 }
  QUERIES.forEach((q, i) => {
    const [a, d, p] = (['akko', 'duckdb', 'postgres'] as const).map(sys => s.median(q.name, sys))
    total.akko += a ?? 0
    total.duckdb += d ?? 0
    total.postgres += p ?? 0
    const counts = (['akko', 'duckdb', 'postgres'] as const).map(sys => s.rows(q.name, sys))
    const agree = counts.filter(c => c !== undefined).every(c => c === counts[0])
    lines.push(`  ${`q${i + 1} ${q.name}`.padEnd(40)} ${fmt(a).padStart(9)} ${fmt(d).padStart(9)} ${fmt(p).padStart(9)} ${ratio(a, d).padStart(12)} ${ratio(p, a).padStart(9)}  ${counts.map(c => c ?? '-').join('/')}${agree ? '' : ' MISMATCH'}`)
  })
  lines.push(`  ${'total (sum of medians)'.padEnd(40)} ${fmt(total.akko).padStart(9)} ${fmt(total.duckdb).padStart(9)} ${fmt(withPg ? total.postgres : undefined).padStart(9)} ` +
    `${ratio(total.akko, total.duckdb).padStart(12)} ${ratio(withPg ? total.postgres : undefined, total.akko).padStart(9)}`)
  return `${lines.join('\n')}\n`
}
