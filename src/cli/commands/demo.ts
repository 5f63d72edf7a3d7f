/**
 * `akko demo banking-fraud`: AKKO's demo from a fresh AKKO_HOME in one command. Starts the platform in demo
 * mode (the demo realm with its public passwords), runs the DAG `akko_banking_fraud_demo` (seed PostgreSQL,
 * replicate into `iceberg.banking.*`) with progress, then keeps serving — or exits with `--no-serve`.
 * Running it again on the same home reuses the seeded data and merges nothing twice.
 */
import { jsonLogger, loadConfig } from '../../core/index.js'
import { BANKING_FRAUD_DAG_ID, bankingFraudDag, type TaskInstance } from '../../ingest/index.js'
import { createPlatform, startServer, type Platform, type StartedServer } from '../../platform.js'
import { EXIT_ERROR, EXIT_OK, usageError, type CliIo, type Command } from '../command.js'
import { progressBar, type ProgressBar } from '../progress.js'
import { serverBanner } from './serve.js'
import { envWithHome, HOME_OPTION } from './shared.js'

const ROWS_MAX = 10_000_000

const bankingFraud: Command = {
  name: 'banking-fraud',
  summary: 'Seed synthetic banking data into PostgreSQL and replicate it into iceberg.banking.*, then serve (demo realm)',
  options: {
    rows: { type: 'string', valueName: '<n>', description: 'Transactions to generate, 10k to 10M (default 100000; accepts 100k, 1m)' },
    seed: { type: 'string', valueName: '<n>', description: 'Generator seed: the same seed gives the same data (default 42)' },
    'no-serve': { type: 'boolean', description: 'Exit when the flow is done instead of serving' },
    port: { type: 'string', short: 'p', valueName: '<port>', description: 'Port to serve on (default: $AKKO_PORT or 8080)' },
    home: HOME_OPTION,
  },
  async run({ values }, io) {
    const rows = countParse(values.rows, 100_000)
    if (rows < 1000 || rows > ROWS_MAX) throw usageError(`--rows must be between 1000 and ${ROWS_MAX}, got ${rows}`)
    const seed = values.seed === undefined ? 42 : countParse(values.seed, 42)
    const serveAfter = values['no-serve'] !== true
    const env: NodeJS.ProcessEnv = { ...envWithHome(io.env, values.home), AKKO_DEMO: 'true' }
    if (typeof values.port === 'string') env.AKKO_PORT = values.port
    // Without serving, the server only seeds the demo realm: take any free port on loopback.
    if (!serveAfter) Object.assign(env, { AKKO_PORT: '0', AKKO_HOST: '127.0.0.1' })
    const cfg = loadConfig(env, io.cwd)
    const platform = await createPlatform(cfg, jsonLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, io.stderr))
    let server: StartedServer | undefined
    try {
      server = await startServer(platform, cfg, { env, demo: true })
      io.stdout.write(`AKKO banking fraud demo in ${cfg.home}: ${rows} transactions (seed ${seed})\n`)
      const ok = await flowRun(platform, io, rows, seed)
      if (!ok) return EXIT_ERROR
      if (!serveAfter) {
        io.stdout.write('Done. Query it with: npx akko serve --demo, then npx akko sql -e "SELECT region, count(*) FROM iceberg.banking.transactions GROUP BY region"\n')
        return EXIT_OK
      }
      io.stdout.write(['', ...serverBanner(server), ''].join('\n'))
      io.stdout.write(`Try: AKKO_PASSWORD=carol123 npx akko sql --server ${server.url} --user carol --password -e "SELECT region, count(*) FROM iceberg.banking.transactions GROUP BY region"\n`)
      platform.orchestrator.start()
      const signal = await io.waitForShutdown()
      io.stderr.write(`Received ${signal}, shutting down…\n`)
      return EXIT_OK
    } finally {
      await platform.orchestrator.stop()
      await server?.close()
      await platform.close()
    }
  },
}

/** Runs the DAG once in this process with a progress bar on the seed; prints each task's outcome. */
async function flowRun(platform: Platform, io: CliIo, rows: number, seed: number): Promise<boolean> {
  let bar: ProgressBar | undefined
  let lastLine = 0
  const values = new Map<string, Readonly<Record<string, unknown>>>()
  await platform.orchestrator.register(bankingFraudDag({
    defaultRows: rows,
    onTaskValue: (id, v) => values.set(id, v),
    onSeedProgress: p => {
      bar ??= progressBar(p.totalRows, 'seed', io.stderr)
      bar.update(p.rows)
      // Without a terminal, a line every 10% keeps logs readable.
      const step = Math.floor((p.rows / p.totalRows) * 10)
      if (!io.stderr.isTTY && step > lastLine) {
        lastLine = step
        io.stderr.write(`seed: ${p.rows}/${p.totalRows} rows (${step * 10}%)\n`)
      }
    },
  }))
  const run = await platform.orchestrator.trigger(BANKING_FRAUD_DAG_ID, { conf: { rows, seed }, triggeredBy: 'akko demo' })
  platform.orchestrator.start({ schedule: false, dagIds: [BANKING_FRAUD_DAG_ID] })
  const reported = new Set<string>()
  const report = (tasks: readonly TaskInstance[]): void => {
    for (const t of tasks) {
      if (reported.has(t.taskId) || !['success', 'failed', 'upstream_failed', 'skipped'].includes(t.state)) continue
      if (t.taskId === 'seed') bar?.finish()
      reported.add(t.taskId)
      io.stdout.write(`  ${t.taskId}: ${t.state}${t.durationMs !== null ? ` in ${(t.durationMs / 1000).toFixed(1)} s` : ''}${summary(t.taskId, values.get(t.taskId))}\n`)
    }
  }
  const done = await platform.orchestrator.waitForRun(run.id, { pollMs: 250, onPoll: async () => report(await platform.orchestrator.tasks(run.id)) })
  report(await platform.orchestrator.tasks(run.id))
  await platform.orchestrator.stop()
  if (done.state !== 'success') {
    io.stderr.write(`The flow ended ${done.state}: see the task logs with  npx akko dags tasks ${run.id}  and  npx akko dags logs <task id>\n`)
    return false
  }
  return true
}

function summary(taskId: string, v: Readonly<Record<string, unknown>> | undefined): string {
  if (!v) return ''
  if (taskId === 'seed') return v.skipped ? ' (already seeded: nothing written)' : ` (${(v.rows as Record<string, number>)?.raw_transactions ?? '?'} transactions, ${v.fraudRows} fraudulent)`
  if (taskId === 'replicate_transactions') return ` (${v.merged} rows merged into iceberg.banking.transactions)`
  return ''
}

/** `100000`, `100k`, `1m`, `1_000_000`. */
function countParse(v: string | boolean | undefined, fallback: number): number {
  if (typeof v !== 'string') return fallback
  const m = /^(\d+(?:\.\d+)?)\s*([km]?)$/i.exec(v.replace(/_/g, '').trim())
  if (!m) throw usageError(`Expected a number such as 100000, 100k or 1m, got "${v}"`)
  const n = Math.round(Number(m[1]) * ({ '': 1, k: 1_000, m: 1_000_000 }[m[2]!.toLowerCase() as '' | 'k' | 'm']))
  if (!Number.isSafeInteger(n) || n <= 0) throw usageError(`Expected a positive number, got "${v}"`)
  return n
}

/** `akko demo …`: the demos, each in demo mode (the demo realm with its public passwords). */
export const demo: Command = {
  name: 'demo',
  summary: 'Run a demo flow end to end in demo mode (demo realm: alice/alice123 … eve/eve123)',
  subcommands: new Map([[bankingFraud.name, bankingFraud]]),
}
