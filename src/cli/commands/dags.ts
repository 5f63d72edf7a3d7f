/**
 * `akko dags …`: list DAGs, trigger and backfill runs, follow them, read task logs, pause, clear. With `--server`
 * it talks to a running server's `/api`; otherwise it opens the platform on AKKO_HOME in-process (the embedded
 * metastore admits one process: stop `akko serve` first, or use `--server`). In-process, `trigger --wait` runs the
 * DAG's queued runs here until the triggered one has finished.
 */
import { AkkoError, loadConfig } from '../../core/index.js'
import type { DagRun, JsonObject, Orchestrator } from '../../ingest/index.js'
import { DagsApiClient, type DagsOperations } from '../../serve/index.js'
import type { Platform } from '../../platform.js'
import { EXIT_ERROR, EXIT_OK, usageError, type CliIo, type Command, type CommandArgs, type ExitCode, type OptionSpec } from '../command.js'
import { FORMAT_OPTION, outputJson, outputRows } from '../output.js'
import { progressBar } from '../progress.js'
import { envWithHome, HOME_OPTION, withPlatform, localAdminToken } from './shared.js'

const CONNECTION: Record<string, OptionSpec> = {
  server: { type: 'string', valueName: '<url>', description: 'Talk to this running server (e.g. http://127.0.0.1:8080) instead of opening AKKO_HOME in-process' },
  token: { type: 'string', valueName: '<token>', description: 'Bearer token for --server (default: the admin token in AKKO_HOME, for a server on this machine)' },
  home: HOME_OPTION,
}

type Values = CommandArgs['values']

/** Runs `fn` against the server given by --server, or an orchestrator on the platform opened in-process. */
async function withDags<T>(io: CliIo, values: Values, fn: (ops: DagsOperations, local?: Orchestrator) => Promise<T>): Promise<T> {
  const server = text(values.server)
  if (server) {
    const cfg = loadConfig(envWithHome(io.env, values.home), io.cwd)
    return fn(new DagsApiClient(server, text(values.token) ?? (await localAdminToken(server, cfg))))
  }
  return withPlatform(io, values.home, p => fn(p.orchestrator, p.orchestrator))
}

const list: Command = {
  name: 'list',
  summary: 'List the DAGs with their schedule, pause state, next and last run; files that failed to load go to stderr',
  options: { ...CONNECTION, format: FORMAT_OPTION },
  async run({ values }, io) {
    return withDags<ExitCode>(io, values, async ops => {
      const dags = await ops.dags()
      for (const e of await ops.loadErrors()) io.stderr.write(`warning: ${e.file}: ${e.message}\n`)
      if (values.format === 'json') outputJson(io, dags)
      else {
        outputRows(io, dags.map(d => ({
          dag: d.id, schedule: d.schedule ?? '', paused: d.paused ? 'yes' : 'no', tasks: d.tasks.length,
          next_run: d.nextRunAt ? iso(d.nextRunAt) : '', last_run: d.lastRun ? `${d.lastRun.id} ${d.lastRun.state}` : '',
        })), ['dag', 'schedule', 'paused', 'tasks', 'next_run', 'last_run'], 'table')
      }
      return EXIT_OK
    })
  },
}

const trigger: Command = {
  name: 'trigger',
  summary: 'Create a manual run; with --wait, follow it to the end (exit 1 if it fails)',
  args: '<dag>',
  positionals: { min: 1, max: 1 },
  options: {
    conf: { type: 'string', valueName: '<json>', description: 'Run configuration, a JSON object (its keys naming DAG parameters override them)' },
    'logical-date': { type: 'string', valueName: '<ISO date>', description: 'The run\'s logical date (default: now)' },
    wait: { type: 'boolean', description: 'Wait for the run to finish, showing progress on a terminal' },
    ...CONNECTION,
    format: FORMAT_OPTION,
  },
  async run({ values, positionals }, io) {
    const conf = jsonObject(values.conf, '--conf')
    return withDags<ExitCode>(io, values, async (ops, local) => {
      const run = await ops.trigger(positionals[0]!, { conf, logicalDate: text(values['logical-date']), triggeredBy: local ? cliUser(io) : undefined })
      if (!values.wait) {
        printRuns(io, [run], values.format)
        if (local) io.stderr.write(`run ${run.id} is queued; it runs when the scheduler does (akko serve), or use --wait to run it here\n`)
        return EXIT_OK
      }
      return follow(io, ops, local, run, values.format)
    })
  },
}

const backfill: Command = {
  name: 'backfill',
  summary: 'Create a run for every schedule interval starting between --from and --to that has none yet',
  args: '<dag>',
  positionals: { min: 1, max: 1 },
  options: {
    from: { type: 'string', valueName: '<ISO date>', description: 'First logical date (inclusive), read in the DAG\'s time zone' },
    to: { type: 'string', valueName: '<ISO date>', description: 'Last logical date (inclusive)' },
    conf: { type: 'string', valueName: '<json>', description: 'Run configuration for every run, a JSON object' },
    ...CONNECTION,
    format: FORMAT_OPTION,
  },
  async run({ values, positionals }, io) {
    const from = text(values.from)
    const to = text(values.to)
    if (!from || !to) throw usageError('backfill needs --from and --to')
    const conf = jsonObject(values.conf, '--conf')
    return withDags<ExitCode>(io, values, async (ops, local) => {
      const r = await ops.backfill(positionals[0]!, from, to, { conf, triggeredBy: local ? cliUser(io) : undefined })
      printRuns(io, r.created, values.format)
      io.stderr.write(`${r.created.length} run${r.created.length === 1 ? '' : 's'} created, ${r.existing} already existed${local ? '; they run when the scheduler does (akko serve)' : ''}\n`)
      return EXIT_OK
    })
  },
}

const runs: Command = {
  name: 'runs',
  summary: 'List a DAG\'s runs, latest first',
  args: '<dag>',
  positionals: { min: 1, max: 1 },
  options: { limit: { type: 'string', valueName: '<n>', description: 'At most this many (default 25)' }, ...CONNECTION, format: FORMAT_OPTION },
  async run({ values, positionals }, io) {
    const limit = values.limit === undefined ? undefined : Number(values.limit)
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw usageError(`--limit must be a positive integer, got "${values.limit}"`)
    return withDags<ExitCode>(io, values, async ops => {
      printRuns(io, await ops.runs(positionals[0]!, { limit }), values.format)
      return EXIT_OK
    })
  },
}

const tasks: Command = {
  name: 'tasks',
  summary: 'List the task instances of a run with their state, attempts and times',
  args: '<run>',
  positionals: { min: 1, max: 1 },
  options: { ...CONNECTION, format: FORMAT_OPTION },
  async run({ values, positionals }, io) {
    const runId = idArg(positionals[0]!, 'run')
    return withDags<ExitCode>(io, values, async ops => {
      await printTasks(io, ops, runId, values.format)
      return EXIT_OK
    })
  },
}

const logs: Command = {
  name: 'logs',
  summary: 'Print the log of a task instance\'s attempt (default: the latest)',
  args: '<task>',
  positionals: { min: 1, max: 1 },
  options: { attempt: { type: 'string', valueName: '<n>', description: 'Which attempt (1 is the first)' }, ...CONNECTION, format: FORMAT_OPTION },
  async run({ values, positionals }, io) {
    const id = idArg(positionals[0]!, 'task instance')
    const attempt = values.attempt === undefined ? undefined : idArg(String(values.attempt), 'attempt')
    return withDags<ExitCode>(io, values, async ops => {
      const log = await ops.logs(id, attempt)
      if (values.format === 'json') outputJson(io, log)
      else {
        io.stderr.write(`task instance ${id}, attempt ${log.attempt}\n`)
        io.stdout.write(log.lines.map(l => `${iso(l.ts)} ${l.level.toUpperCase().padEnd(5)} ${l.message}\n`).join(''))
      }
      return EXIT_OK
    })
  },
}

const pauseCmd = (paused: boolean): Command => ({
  name: paused ? 'pause' : 'unpause',
  summary: paused ? 'Pause a DAG: no new runs or tasks start (running tasks finish)' : 'Unpause a DAG: scheduling resumes (missed intervals are caught up if catchup is on)',
  args: '<dag>',
  positionals: { min: 1, max: 1 },
  options: { ...CONNECTION },
  async run({ values, positionals }, io) {
    return withDags<ExitCode>(io, values, async ops => {
      const d = paused ? await ops.pause(positionals[0]!) : await ops.unpause(positionals[0]!)
      io.stdout.write(`DAG ${d.id} is ${d.paused ? 'paused' : 'active'}\n`)
      return EXIT_OK
    })
  },
})

const clear: Command = {
  name: 'clear',
  summary: 'Clear a task instance (and with --downstream, what follows it) so it runs again',
  args: '<task>',
  positionals: { min: 1, max: 1 },
  options: { downstream: { type: 'boolean', description: 'Also clear every task downstream of it in the run' }, ...CONNECTION, format: FORMAT_OPTION },
  async run({ values, positionals }, io) {
    const id = idArg(positionals[0]!, 'task instance')
    return withDags<ExitCode>(io, values, async ops => {
      const cleared = await ops.clear(id, { downstream: values.downstream === true })
      if (values.format === 'json') outputJson(io, cleared)
      else io.stdout.write(`cleared ${cleared.map(t => `${t.taskId} (${t.id})`).join(', ')}\n`)
      return EXIT_OK
    })
  },
}

/** `akko dags`. */
export const dags: Command = {
  name: 'dags',
  summary: 'Pipelines: list DAGs, trigger and backfill runs, follow them, read task logs, pause, clear',
  subcommands: new Map([list, trigger, runs, tasks, logs, backfill, pauseCmd(true), pauseCmd(false), clear].map(c => [c.name, c])),
}

/**
 * Follows a run to its end: in-process, this process runs the DAG; against a server, it polls. A progress bar
 * counts finished tasks on a terminal. Ctrl-C stops waiting (in-process it also stops the run's tasks).
 */
async function follow(io: CliIo, ops: DagsOperations, local: Orchestrator | undefined, run: DagRun, format: Values[string]): Promise<ExitCode> {
  const total = (await ops.tasks(run.id)).length
  const bar = progressBar(total, `${run.dagId} run ${run.id}`, io.stderr)
  const stop = new AbortController()
  void io.waitForShutdown().then(() => stop.abort())
  if ((await ops.dag(run.dagId)).paused) io.stderr.write(`DAG ${run.dagId} is paused: run ${run.id} starts once it is unpaused (akko dags unpause ${run.dagId})\n`)
  local?.start({ schedule: false, dagIds: [run.dagId] })
  let done: DagRun = run
  try {
    for (;;) {
      done = await ops.run(run.id)
      const finished = (await ops.tasks(run.id)).filter(t => ['success', 'failed', 'skipped', 'upstream_failed'].includes(t.state)).length
      bar.update(finished)
      if (done.state === 'success' || done.state === 'failed') break
      if (stop.signal.aborted) throw new AkkoError('CANCELLED', `Stopped waiting for run ${run.id}; it is ${done.state}`)
      await new Promise(r => setTimeout(r, 200))
    }
  } finally {
    bar.finish()
    await local?.stop({ graceMs: 0 })
  }
  await printTasks(io, ops, run.id, format)
  if (done.state === 'failed') {
    io.stderr.write(`run ${run.id} of ${run.dagId} failed; see \`akko dags logs <task>\`\n`)
    return EXIT_ERROR
  }
  io.stderr.write(`run ${run.id} of ${run.dagId} succeeded\n`)
  return EXIT_OK
}

function printRuns(io: CliIo, list: readonly DagRun[], format: Values[string]): void {
  if (format === 'json') return outputJson(io, list)
  outputRows(io, list.map(r => ({
    run: r.id, dag: r.dagId, type: r.runType, logical_date: iso(r.logicalDate), interval: `${iso(r.dataInterval.start)} .. ${iso(r.dataInterval.end)}`,
    state: r.state, triggered_by: r.triggeredBy ?? '', started: r.startDate ? iso(r.startDate) : '', ended: r.endDate ? iso(r.endDate) : '',
  })), ['run', 'dag', 'type', 'logical_date', 'interval', 'state', 'triggered_by', 'started', 'ended'], 'table')
}

async function printTasks(io: CliIo, ops: DagsOperations, runId: number, format: Values[string]): Promise<void> {
  const list = await ops.tasks(runId)
  if (format === 'json') return outputJson(io, list)
  outputRows(io, list.map(t => ({
    task_instance: t.id, task: t.taskId, state: t.state, attempts: `${t.tryNumber}/${t.maxTries}`,
    started: t.startDate ? iso(t.startDate) : '', duration_ms: t.durationMs ?? '', error: t.error ?? '',
  })), ['task_instance', 'task', 'state', 'attempts', 'started', 'duration_ms', 'error'], 'table')
}

const iso = (d: Date): string => new Date(d).toISOString()

function text(v: Values[string]): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function idArg(v: string, what: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw usageError(`The ${what} must be a positive integer (as listed by akko dags runs/tasks), got "${v}"`)
  return Number(v)
}

function jsonObject(v: Values[string], flag: string): JsonObject | undefined {
  const s = text(v)
  if (s === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(s)
  } catch (e) {
    throw usageError(`${flag} must be a JSON object such as '{"region":"eu"}': ${(e as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw usageError(`${flag} must be a JSON object such as '{"region":"eu"}'`)
  return parsed as JsonObject
}

/** Who triggers from the in-process CLI: the operating-system user. */
const cliUser = (io: CliIo): string => `cli:${io.env.USER ?? 'unknown'}`

