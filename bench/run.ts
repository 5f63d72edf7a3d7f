/**
 * Runs the benchmarks: `npm run bench -- [--scenario <name>] [--rows 200k|1m|2m|10m] [--quick]`.
 * Each case times our path and its baseline in this process, alternating them run by run, prints medians and
 * the ratio, and all samples go to `bench/results/<timestamp>.json` for comparing runs. No result ever fails
 * the run: the numbers are for people to read, not thresholds.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { toAkkoError } from '../src/core/index.js'
import { appendThroughput } from './append-throughput.js'
import { commitLatency } from './commit-latency.js'
import { enginePaging } from './engine-paging.js'
import { engineQueries } from './engine-queries.js'
import { engineRoundtrip } from './engine-roundtrip.js'
import { governanceCost } from './governance-cost.js'
import { scanPlanning } from './scan-planning.js'
import { generatorThroughput } from './generator.js'
import { replication } from './replication.js'
import { tokenVerify } from './token-verify.js'
import type { BenchCase, BenchOptions, Scenario } from './scenario.js'
import { samplesSummarize, type SampleSummary } from './stats.js'

const SCENARIOS: readonly Scenario[] = [appendThroughput, scanPlanning, commitLatency, engineQueries, engineRoundtrip, enginePaging, generatorThroughput, replication, governanceCost, tokenVerify]
const ROWS: Readonly<Record<string, number>> = { '200k': 200_000, '1m': 1_000_000, '2m': 2_000_000, '10m': 10_000_000 }
const QUICK_ROWS = 50_000

const USAGE = `usage: npm run bench -- [--scenario <name>] [--rows 200k|1m|2m|10m] [--quick]
  --scenario  one of: ${SCENARIOS.map(s => s.name).join(', ')} (default: all)
  --rows      200k, 1m, 2m or 10m: rows for the append scenario (default 1m) and the engine scenarios
              (default 10m; --quick: 200k for engine-queries, 2m for engine-paging)
  --quick     small sizes and few repetitions, for a smoke run`

interface CaseResult {
  readonly scenario: string
  readonly label: string
  readonly measure: BenchCase['measure']
  readonly rows?: number
  readonly warmup: number
  readonly iterations: number
  readonly baseline: SampleSummary & { readonly label: string }
  readonly akko: SampleSummary
  /** Baseline median time / akko median time: akko's throughput as a fraction of the baseline's. */
  readonly ratio: number
  readonly details: Readonly<Record<string, number | string>>
}

async function main(argv: readonly string[]): Promise<number> {
  let args
  try {
    args = parseArgs({ args: [...argv], options: { scenario: { type: 'string' }, rows: { type: 'string' }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } }).values
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const rowsKey = args.rows?.toLowerCase()
  if (rowsKey !== undefined && ROWS[rowsKey] === undefined) {
    process.stderr.write(`--rows must be one of ${Object.keys(ROWS).join(', ')}, got '${args.rows}'\n${USAGE}\n`)
    return 2
  }
  const selected = args.scenario === undefined ? SCENARIOS : SCENARIOS.filter(s => s.name === args.scenario)
  if (selected.length === 0) {
    process.stderr.write(`Unknown scenario '${args.scenario}'\n${USAGE}\n`)
    return 2
  }
  const quick = args.quick ?? false
  const opts: BenchOptions = { quick, rowsGiven: rowsKey !== undefined, rows: rowsKey ? (ROWS[rowsKey] as number) : quick ? QUICK_ROWS : ROWS['1m'] as number }

  const startedAt = new Date()
  const results: CaseResult[] = []
  const skipped: string[] = []
  const failures: { scenario: string; error: string }[] = []
  process.stdout.write(`AKKO benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${cpus().length} cores\n`)
  for (const scenario of selected) {
    process.stdout.write(`\n# ${scenario.name}: ${scenario.description}\n`)
    try {
      const loaded = await scenario.load(opts)
      try {
        for (const note of loaded.skipped ?? []) {
          skipped.push(note)
          process.stdout.write(`  ${note}\n`)
        }
        for (const c of loaded.cases) {
          const r = await caseRun(scenario.name, c)
          results.push(r)
          process.stdout.write(resultLine(r))
        }
      } finally {
        await loaded.close()
      }
    } catch (e) {
      const err = toAkkoError(e)
      const message = err.code === 'INTERNAL' && err.cause instanceof Error ? err.cause.message : err.message
      failures.push({ scenario: scenario.name, error: `${err.code}: ${message}` })
      process.stdout.write(`  FAILED ${err.code}: ${message}\n`)
    }
  }

  const file = resultsWrite(startedAt, { startedAt: startedAt.toISOString(), options: opts, scenario: args.scenario ?? 'all', machine: machine(), results, skipped, failures })
  process.stdout.write(`\nResults written to ${file}\n`)
  return failures.length ? 1 : 0
}

/** Warm-up, then `iterations` timed runs of each path, alternating which goes first. */
async function caseRun(scenario: string, c: BenchCase): Promise<CaseResult> {
  const timeBaseline = async () => {
    await c.prepare?.()
    const t0 = performance.now()
    await c.baseline.run()
    return performance.now() - t0
  }
  let details: Readonly<Record<string, number | string>> = {}
  const timeAkko = async () => {
    await c.prepare?.()
    const t0 = performance.now()
    const d = await c.run()
    const ms = performance.now() - t0
    if (d) details = d
    return ms
  }
  for (let i = 0; i < c.warmup; i++) {
    await timeBaseline()
    await timeAkko()
  }
  const base: number[] = []
  const ours: number[] = []
  for (let i = 0; i < c.iterations; i++) {
    if (i % 2 === 0) {
      base.push(await timeBaseline())
      ours.push(await timeAkko())
    } else {
      ours.push(await timeAkko())
      base.push(await timeBaseline())
    }
  }
  const baseline = samplesSummarize(base)
  const akko = samplesSummarize(ours)
  return {
    scenario, label: c.label, measure: c.measure, rows: c.rows, warmup: c.warmup, iterations: c.iterations,
    baseline: { label: c.baseline.label, ...baseline }, akko, ratio: baseline.medianMs / akko.medianMs, details,
  }
}

function resultLine(r: CaseResult): string {
  const ratio = `ratio ${r.ratio.toFixed(2)}x of baseline throughput`
  let line: string
  if (r.measure === 'throughput' && r.rows) {
    const rate = (ms: number) => `${formatCount((r.rows as number) / (ms / 1000))} rows/s`
    line = `${r.label.padEnd(28)} baseline ${formatMs(r.baseline.medianMs)}  akko ${formatMs(r.akko.medianMs)}  ${ratio}` +
      `\n${''.padEnd(28)} (${r.baseline.label} ${rate(r.baseline.medianMs)}, akko ${rate(r.akko.medianMs)}; median of ${r.iterations})`
  } else {
    line = `${r.label.padEnd(28)} baseline p50 ${formatMs(r.baseline.medianMs)} p99 ${formatMs(r.baseline.p99Ms)}  akko p50 ${formatMs(r.akko.medianMs)} p99 ${formatMs(r.akko.p99Ms)}  ${ratio}` +
      `\n${''.padEnd(28)} (baseline: ${r.baseline.label}; ${r.iterations} runs each)`
  }
  const facts = Object.entries(r.details).map(([k, v]) => `${k} ${typeof v === 'number' && k.endsWith('Fraction') ? `${(v * 100).toFixed(1)}%` : v}`)
  return `${line}\n${facts.length ? `${''.padEnd(28)} ${facts.join(', ')}\n` : ''}`
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0)
}

function machine() {
  const cpu = cpus()
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cores: cpu.length, cpu: cpu[0]?.model ?? 'unknown', memoryBytes: totalmem() }
}

/** bench/results/<timestamp>.json (the folder is git-ignored). */
function resultsWrite(startedAt: Date, body: unknown): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`)
  writeFileSync(file, `${JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`)
  return file
}

process.exitCode = await main(process.argv.slice(2))
