/**
 * What the access rules cost: the ten queries of the engine-queries scenario (same texts, on the same prepared
 * `iceberg.bench.transactions`), run in-process as carol (an analyst of the demo rules: row filter
 * `region = 'EU'`, column masks) and as alice (admin: no filter, no mask), both through one engine enforcing the
 * demo rules (RulesPolicy, schema `banking` read as `bench`; the bench table has no PAN or name column, so carol's
 * masks are on `account_id` and `currency`, which the queries do not read, as the demo's PAN mask is for them).
 *
 * Two comparisons per query: carol against alice on the same rows (alice's query reads `transactions` through
 * `(SELECT * FROM transactions WHERE region = 'EU')`: the governance cost proper, goal under 1.1x), and carol
 * against alice running the same text (carol reads a fifth of the rows: for reading only). The summary also gives
 * p50/p99 of one table's rule evaluation (policy lookup, SELECT check, columns with masks, row filter), in µs.
 * @module
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../src/core/index.js'
import { createQueryEngine, icebergConnector, sandboxDefaults, type AkkoQueryEngine, type Session } from '../src/engine/index.js'
import { demoRulesPath, rulesParse, rulesPolicyProvider, type PolicyIdentity, type RulesPolicyProvider } from '../src/govern/index.js'
import { BENCH_SESSION, enginePlatformOpen, rowsDrain } from './engine-fixture.js'
import { rowsLabel, type BenchCase, type BenchOptions, type LoadedScenario, type Scenario } from './scenario.js'

/** The Trino texts of bench/engine-queries.ts, in its order (run in catalog iceberg, schema bench). */
const QUERIES: readonly { readonly name: string; readonly sql: string }[] = [
  { name: 'fraud rate by region, 7d', sql: `SELECT region, count_if(is_fraud) * 1.0 / count(*) AS fraud_rate, count(*) AS n FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '7' DAY GROUP BY region HAVING count(*) > 100 ORDER BY fraud_rate DESC` },
  { name: 'top 20 merchants by amount', sql: 'SELECT merchant, sum(amount) AS total, count(*) AS n FROM transactions GROUP BY merchant ORDER BY total DESC, merchant LIMIT 20' },
  { name: 'daily totals (date_trunc)', sql: "SELECT date_trunc('day', ts) AS day, sum(amount) AS total, count(*) AS n, count_if(is_fraud) AS frauds FROM transactions GROUP BY 1 ORDER BY 1" },
  { name: 'running sum per customer (window)', sql: `SELECT customer_id, ts, amount, running_total FROM (
        SELECT customer_id, ts, amount, sum(amount) OVER (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
        FROM transactions) t
      ORDER BY running_total DESC, customer_id, ts LIMIT 20` },
  { name: 'one region (partition pruning)', sql: "SELECT category, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM transactions WHERE region = 'EU' GROUP BY category ORDER BY category" },
  { name: 'distinct customers by region', sql: 'SELECT region, count(DISTINCT customer_id) AS customers FROM transactions GROUP BY region ORDER BY region' },
  { name: 'amount percentiles by category', sql: `SELECT category, approx_percentile(CAST(amount AS double), 0.5) AS p50, approx_percentile(CAST(amount AS double), 0.99) AS p99
      FROM transactions GROUP BY category ORDER BY category` },
  { name: 'join merchants dimension', sql: `SELECT m.segment, m.risk_tier, count(*) AS n, sum(t.amount) AS total, count_if(t.is_fraud) AS frauds
      FROM transactions t JOIN merchants m ON t.merchant = m.merchant GROUP BY m.segment, m.risk_tier ORDER BY m.segment, m.risk_tier` },
  { name: 'high-value fraud by hour', sql: 'SELECT hour(ts) AS h, count(*) AS n, sum(amount) AS total FROM transactions WHERE is_fraud AND amount > 10000 GROUP BY 1 ORDER BY 1' },
  { name: 'top spenders, last day', sql: `SELECT customer_id, count(*) AS n, sum(amount) AS total, count(DISTINCT merchant) AS merchants FROM transactions
      WHERE ts >= current_timestamp - INTERVAL '1' DAY GROUP BY customer_id ORDER BY total DESC, customer_id LIMIT 10` },
]

const ALICE: PolicyIdentity = { user: 'alice', groups: [], roles: ['akko-admin', 'akko-user'] }
const CAROL: PolicyIdentity = { user: 'carol', groups: [], roles: ['akko-analyst', 'akko-user'] }

/** The demo rules with schema `banking` read as `bench`, and carol's masks on columns the bench table has. */
function benchRules(): RulesPolicyProvider {
  const doc = JSON.parse(readFileSync(demoRulesPath(), 'utf8')) as { tables: Array<Record<string, unknown>> }
  for (const r of doc.tables) {
    if (typeof r.schema !== 'string' || !r.schema.includes('banking')) continue
    r.schema = r.schema.replace('banking', 'bench')
    if (Array.isArray(r.columns)) r.columns.push({ name: 'account_id', mask: 'CAST(NULL AS bigint)' }, { name: 'currency', mask: "'***'" })
  }
  return rulesPolicyProvider(rulesParse(doc, 'demo rules (bench)'))
}

/** `transactions` as alice would have to write carol's rows by hand. */
const euOnly = (sql: string): string =>
  sql.replace(/\bFROM transactions(\s+(?!(?:WHERE|GROUP|ORDER|JOIN|LIMIT|HAVING)\b)([a-z_]+))?/gi, (_m, _a, alias: string | undefined) =>
    `FROM (SELECT * FROM transactions WHERE region = 'EU') ${alias ?? 'transactions'}`)

const session = (id: PolicyIdentity): Session => ({ ...BENCH_SESSION, user: id.user, groups: id.groups, roles: id.roles })

/** p50 and p99 in µs of one table's rule evaluation as the binder asks it for each query. */
function ruleEvaluation(provider: RulesPolicyProvider, columns: readonly { name: string; type: string }[], n: number): { p50: number; p99: number } {
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const p = provider.policyFor(CAROL)
    p.checkTable('iceberg', 'bench', 'transactions', 'SELECT')
    p.columns('iceberg', 'bench', 'transactions', columns)
    p.rowFilter('iceberg', 'bench', 'transactions')
    samples.push((performance.now() - t0) * 1000)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] as number
  return { p50: at(0.5), p99: at(0.99) }
}

export const governanceCost: Scenario = {
  name: 'governance-cost',
  description: 'engine-queries as carol (row filter, masks; demo rules) vs alice (admin) on the same rows and on the same text, in-process',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const rows = opts.rowsGiven ? opts.rows : opts.quick ? 200_000 : 10_000_000
    const progress = (msg: string) => process.stdout.write(`  ${msg}\n`)
    const { platform, tables } = await enginePlatformOpen(rows, progress)
    let engine: AkkoQueryEngine | undefined
    const close = async () => {
      await engine?.close()
      await platform.close()
    }
    try {
      progress(`transactions: ${rowsLabel(rows)} rows in ${tables.txFiles.length} data files`)
      const provider = benchRules()
      const sandbox = sandboxDefaults(platform.cfg.home)
      engine = await createQueryEngine({
        connectors: [icebergConnector({ catalog: platform.catalog, tables: platform.tables })],
        iceberg: { catalog: platform.catalog, tables: platform.tables },
        sandbox: { ...sandbox, allowedDirectories: [...new Set([...sandbox.allowedDirectories, platform.cfg.warehouse])] },
        log: silentLogger,
        policy: provider,
      })
      const e = engine
      const run = async (sql: string, who: PolicyIdentity) => rowsDrain((await e.execute(sql, session(who))).rows)
      const columns = (await e.execute('DESCRIBE transactions', session(ALICE)).then(async r => {
        const out: { name: string; type: string }[] = []
        for await (const b of r.rows) for (const row of b) out.push({ name: String(row[0]), type: String(row[1]) })
        return out
      }))
      const evaluation = ruleEvaluation(provider, columns, opts.quick ? 20_000 : 200_000)
      // The rows carol sees must be those alice's hand-filtered query sees: the comparison is of equal work.
      for (const q of QUERIES) {
        const [a, c] = [await run(euOnly(q.sql), ALICE), await run(q.sql, CAROL)]
        if (a !== c) throw new Error(`${q.name}: carol got ${c} rows, alice on EU rows ${a}`)
      }
      const repeat = opts.quick ? { warmup: 1, iterations: 15 } : { warmup: 1, iterations: 21 }
      const medians = new Map<string, { carol: number[]; aliceSame: number[]; aliceText: number[] }>()
      const timed = async (list: number[], f: () => Promise<number>) => {
        const t0 = performance.now()
        await f()
        list.push(performance.now() - t0)
      }
      const cases: BenchCase[] = []
      QUERIES.forEach((q, i) => {
        const m = { carol: [] as number[], aliceSame: [] as number[], aliceText: [] as number[] }
        medians.set(q.name, m)
        const label = `q${i + 1} ${q.name}`
        cases.push({
          label: `${label}: carol vs alice, same rows`, measure: 'latency', ...repeat,
          run: () => timed(m.carol, () => run(q.sql, CAROL)),
          baseline: { label: 'alice, EU rows by hand', run: () => timed(m.aliceSame, () => run(euOnly(q.sql), ALICE)) },
        })
        cases.push({
          label: `${label}: carol vs alice, same text`, measure: 'latency', warmup: 0, iterations: repeat.iterations,
          run: async () => void (await run(q.sql, CAROL)),
          baseline: { label: 'alice, all rows', run: () => timed(m.aliceText, () => run(q.sql, ALICE)) },
        })
      })
      cases.push({
        label: 'planning only (WHERE false)', measure: 'latency', warmup: 5, iterations: opts.quick ? 50 : 200,
        run: async () => void (await run('SELECT * FROM transactions WHERE false', CAROL)),
        baseline: { label: 'alice', run: async () => void (await run('SELECT * FROM transactions WHERE false', ALICE)) },
      })
      const summary = () => {
        const med = (xs: number[]) => {
          const s = [...xs].sort((a, b) => a - b)
          return s.length === 0 ? Number.NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2
        }
        let carol = 0
        let same = 0
        let text = 0
        const lines = [`\n  governance cost (${rowsLabel(rows)} rows): carol time / alice time, medians`]
        for (const q of QUERIES) {
          const m = medians.get(q.name)!
          // The first samples of the same-rows case are its warm-up runs.
          const [c, s, t] = [med(m.carol.slice(repeat.warmup)), med(m.aliceSame.slice(repeat.warmup)), med(m.aliceText)]
          carol += c
          same += s
          text += t
          lines.push(`    ${q.name.padEnd(36)} same rows ${(c / s).toFixed(2)}x   same text ${(c / t).toFixed(2)}x   (carol ${c.toFixed(1)} ms)`)
        }
        lines.push(`    ${'total'.padEnd(36)} same rows ${(carol / same).toFixed(2)}x   same text ${(carol / text).toFixed(2)}x`)
        lines.push(`    rule evaluation for one bound table: p50 ${evaluation.p50.toFixed(1)} µs, p99 ${evaluation.p99.toFixed(1)} µs`)
        process.stdout.write(`${lines.join('\n')}\n`)
      }
      return {
        cases,
        async close() {
          summary()
          await close()
        },
      }
    } catch (err) {
      await close()
      throw err
    }
  },
}
