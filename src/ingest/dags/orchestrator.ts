/**
 * The orchestrator: loads DAGs, creates their runs (schedule, catch-up, manual triggers, backfills), moves task
 * instances through their states and runs them in this process, with all state in the metastore. Several
 * orchestrators may share a PostgreSQL metastore: every transition is a conditional update and every attempt
 * holds a lease, so no run exceeds its limits and no task runs twice at once. One that dies is noticed when its
 * leases expire; its attempts are retried (if attempts remain) or failed, never lost.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { AkkoError, silentLogger, type Logger } from '../../core/index.js'
import type { Migration, SqlClient } from '../../storage/index.js'
import { AttemptExecutor } from './attempt-executor.js'
import { dagDownstream, defineDag, isJsonObject, retryBackoffMs, taskPolicy, type DagDefinition, type DagServices } from './dag.js'
import { DagLoader } from './dag-loader.js'
import { DagStore, type StoredTaskInstance } from './dag-store.js'
import { DAGS_MIGRATIONS } from './migrations.js'
import { dagTopological, paramsResolve, scheduleDue, scheduleNext } from './run-plan.js'
import { scheduleCreate, zonedDate, type Schedule } from './schedule.js'
import { triggerRuleDecide } from './trigger-rules.js'
import {
  TASK_TERMINAL_STATES,
  type DagInfo, type DagLoadError, type DagRun, type DataInterval, type JsonObject, type RunType, type TaskAttempt, type TaskInstance, type TaskLog,
} from './types.js'

export interface OrchestratorOptions {
  /** Where state lives (the platform's metastore: PGlite or PostgreSQL). */
  readonly metastore: { readonly sql: SqlClient; migrate(migrations: readonly Migration[]): Promise<string[]> }
  /** Handed to every task as `ctx.services`. */
  readonly services?: DagServices
  /** Folders scanned for DAG files (see dag-loader.ts). */
  readonly dagsDirs?: readonly string[]
  /** DAGs defined in code. */
  readonly dags?: readonly DagDefinition[]
  readonly log?: Logger
  /** The clock for schedules, leases and backoffs (tests pass a fake one). */
  readonly now?: () => Date
  /** Identifies this process in leases (default `host:pid:random`). */
  readonly ownerId?: string
  /** How often the scheduler loop looks at the state (default 1 s); it also wakes when something changes here. */
  readonly pollMs?: number
  /** How often leases are renewed and logs flushed (default 10 s, or a third of `leaseMs` if less); at most half of `leaseMs`. */
  readonly heartbeatMs?: number
  /** How long a lease lasts without renewal (default 60 s): the delay before a dead process's tasks are recovered. */
  readonly leaseMs?: number
  /** Task attempts this process runs at once, over all DAGs (default 16). */
  readonly maxActiveTasks?: number
  /** How often the DAG folders are scanned again (default 30 s). */
  readonly dagsRefreshMs?: number
}

export interface TriggerOptions {
  /** The run configuration (a JSON object); its keys that name a DAG parameter override that parameter. */
  readonly conf?: JsonObject
  /** Parameter overrides, applied after `conf`; names must be declared by the DAG. */
  readonly params?: JsonObject
  /** Default: now. A Date or an ISO string (read in the DAG's time zone when it has no offset). */
  readonly logicalDate?: Date | string
  /** Who asked (recorded on the run). */
  readonly triggeredBy?: string
}

export interface BackfillResult {
  /** The runs created, oldest first. */
  readonly created: readonly DagRun[]
  /** Logical dates in the range that already had a run (left as they are). */
  readonly existing: number
}

export interface StartOptions {
  /** Create scheduled runs (default true); false only executes runs that exist. */
  readonly schedule?: boolean
  /** Only look after these DAGs (default all). */
  readonly dagIds?: readonly string[]
}

interface LoadedDag {
  readonly dag: DagDefinition
  readonly file: string | null
  readonly schedule: Schedule | undefined
}

const DEFAULT_MAX_ACTIVE_RUNS = 16
const RUN_TERMINAL = new Set(['success', 'failed'])

/** Creates the orchestrator's tables if needed, loads the DAGs and returns it (not started). */
export async function orchestratorCreate(o: OrchestratorOptions): Promise<Orchestrator> {
  await o.metastore.migrate(DAGS_MIGRATIONS)
  const orchestrator = new Orchestrator(o)
  await orchestrator.reload()
  return orchestrator
}

export class Orchestrator {
  /** This process's id in leases and attempt records. */
  readonly ownerId: string
  readonly #store: DagStore
  readonly #log: Logger
  readonly #now: () => Date
  readonly #loader: DagLoader | undefined
  readonly #codeDags = new Map<string, DagDefinition>()
  readonly #executor: AttemptExecutor
  readonly #o: Required<Pick<OrchestratorOptions, 'pollMs' | 'leaseMs' | 'maxActiveTasks' | 'dagsRefreshMs'>>
  #dags = new Map<string, LoadedDag>()
  #loadErrors: readonly DagLoadError[] = []
  #lastReload = 0
  #tickChain: Promise<void> = Promise.resolve()
  #pendingTick: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  #running = false
  #scheduling = true
  #dagFilter: ReadonlySet<string> | undefined

  /** Prefer {@link orchestratorCreate}, which also migrates and loads. */
  constructor(o: OrchestratorOptions) {
    this.ownerId = o.ownerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
    this.#store = new DagStore(o.metastore.sql)
    this.#log = o.log ?? silentLogger
    this.#now = o.now ?? (() => new Date())
    this.#loader = o.dagsDirs?.length ? new DagLoader(o.dagsDirs) : undefined
    for (const d of o.dags ?? []) this.#codeDags.set(d.id, defineDag(d))
    this.#o = { pollMs: o.pollMs ?? 1000, leaseMs: o.leaseMs ?? 60_000, maxActiveTasks: o.maxActiveTasks ?? 16, dagsRefreshMs: o.dagsRefreshMs ?? 30_000 }
    const heartbeatMs = o.heartbeatMs ?? Math.min(10_000, Math.floor(this.#o.leaseMs / 3))
    // A lease must be renewed several times before it expires, or a live attempt would be recovered elsewhere.
    if (!(heartbeatMs > 0 && heartbeatMs * 2 <= this.#o.leaseMs)) throw new AkkoError('INVALID_ARGUMENT', `heartbeatMs (${heartbeatMs}) must be positive and at most half of leaseMs (${this.#o.leaseMs})`)
    this.#executor = new AttemptExecutor({
      store: this.#store, owner: this.ownerId, services: Object.freeze({ ...o.services }), log: this.#log, now: this.#now,
      leaseMs: this.#o.leaseMs, heartbeatMs, onChange: () => this.#wake(),
    })
  }

  // ---- DAGs ----------------------------------------------------------------------------------------------------

  /** Adds (or replaces) a DAG defined in code. */
  async register(dag: DagDefinition): Promise<void> {
    this.#codeDags.set(dag.id, defineDag(dag))
    await this.reload()
  }

  /** Scans the DAG folders again and records new DAGs in the metastore. */
  async reload(): Promise<void> {
    this.#lastReload = Date.now()
    const next = new Map<string, LoadedDag>()
    const errors: DagLoadError[] = []
    for (const dag of this.#codeDags.values()) this.#addLoaded(next, errors, dag, null)
    if (this.#loader) {
      const r = await this.#loader.load()
      errors.push(...r.errors)
      for (const { dag, file } of r.dags) {
        if (next.has(dag.id)) errors.push({ file, message: `DAG id ${dag.id} is already defined in code; the file's is ignored` })
        else this.#addLoaded(next, errors, dag, file)
      }
    }
    const known = new Set(this.#loadErrors.map(e => `${e.file}\n${e.message}`))
    for (const e of errors) if (!known.has(`${e.file}\n${e.message}`)) this.#log.emit({ code: 'I100', level: 'warn', msg: 'DAG file problem', file: e.file, error: e.message })
    this.#dags = next
    this.#loadErrors = Object.freeze(errors)
    const now = this.#now()
    for (const d of next.values()) await this.#store.dagUpsert(d.dag.id, d.file, d.dag.paused ?? false, now)
  }

  #addLoaded(into: Map<string, LoadedDag>, errors: DagLoadError[], dag: DagDefinition, file: string | null): void {
    try {
      const schedule = dag.schedule ? scheduleCreate({ schedule: dag.schedule, timezone: dag.timezone, startDate: dag.startDate, endDate: dag.endDate }) : undefined
      into.set(dag.id, { dag, file, schedule })
    } catch (e) {
      errors.push({ file: file ?? `(code) ${dag.id}`, message: (e as Error).message })
    }
  }

  /** Files that could not be loaded at the last scan, with why. */
  loadErrors(): readonly DagLoadError[] {
    return this.#loadErrors
  }

  /** The loaded DAGs with their pause state and next scheduled run. */
  async dags(): Promise<DagInfo[]> {
    const paused = await this.#store.dagsPaused()
    const out: DagInfo[] = []
    for (const d of [...this.#dags.values()].sort((a, b) => (a.dag.id < b.dag.id ? -1 : 1))) out.push(await this.#info(d, paused.get(d.dag.id) ?? false))
    return out
  }

  async dag(dagId: string): Promise<DagInfo> {
    const d = this.#dagOrThrow(dagId)
    return this.#info(d, (await this.#store.dagsPaused()).get(dagId) ?? false)
  }

  async #info(d: LoadedDag, paused: boolean): Promise<DagInfo> {
    const next = d.schedule ? scheduleNext(d.schedule, d.dag.catchup ?? false, await this.#store.lastScheduledEnd(d.dag.id), this.#now()) : undefined
    const last = (await this.#store.runsList(d.dag.id, 1))[0]
    return {
      id: d.dag.id,
      description: d.dag.description ?? null,
      file: d.file,
      schedule: d.dag.schedule ?? null,
      timezone: d.schedule?.timezone ?? d.dag.timezone ?? 'UTC',
      startDate: d.schedule?.startDate ?? null,
      endDate: d.schedule?.endDate ?? null,
      catchup: d.dag.catchup ?? false,
      paused,
      maxActiveRuns: d.dag.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS,
      tags: d.dag.tags ?? [],
      params: d.dag.params ?? {},
      tasks: d.dag.tasks.map(t => ({ id: t.id, dependsOn: t.dependsOn ?? [] })),
      nextRunAt: next?.end ?? null,
      nextDataInterval: next ?? null,
      lastRun: last ? { id: last.id, state: last.state, logicalDate: last.logicalDate } : null,
    }
  }

  async pause(dagId: string): Promise<DagInfo> {
    return this.#setPaused(dagId, true)
  }

  async unpause(dagId: string): Promise<DagInfo> {
    const info = await this.#setPaused(dagId, false)
    this.#wake()
    return info
  }

  async #setPaused(dagId: string, paused: boolean): Promise<DagInfo> {
    const d = this.#dagOrThrow(dagId)
    await this.#store.dagSetPaused(dagId, paused)
    return this.#info(d, paused)
  }

  #dagOrThrow(dagId: string): LoadedDag {
    const d = this.#dags.get(dagId)
    if (!d) throw new AkkoError('NOT_FOUND', `No DAG ${JSON.stringify(dagId)} is loaded; \`akko dags list\` shows the DAGs and the files that failed to load`, { dagId })
    return d
  }

  // ---- runs ----------------------------------------------------------------------------------------------------

  /** Creates a manual run (queued; it starts when the DAG has a free run slot and is not paused). */
  async trigger(dagId: string, opts: TriggerOptions = {}): Promise<DagRun> {
    const d = this.#dagOrThrow(dagId)
    const conf = opts.conf ?? {}
    if (!isJsonObject(conf)) throw new AkkoError('INVALID_ARGUMENT', 'The run configuration must be a JSON object', { dagId })
    const params = paramsResolve(d.dag, conf, opts.params ?? {})
    const tz = d.schedule?.timezone ?? d.dag.timezone ?? 'UTC'
    const explicit = opts.logicalDate !== undefined
    let logicalDate = explicit ? zonedDate(opts.logicalDate!, tz, 'logicalDate') : this.#now()
    for (let i = 0; i < 5; i++) {
      const interval = d.schedule?.manualInterval(logicalDate) ?? { start: logicalDate, end: logicalDate }
      const run = await this.#runCreate(d, 'manual', logicalDate, interval, conf, params, opts.triggeredBy ?? null)
      if (run) {
        this.#wake()
        return run
      }
      if (explicit) throw new AkkoError('DAG_RUN_ALREADY_EXISTS', `DAG ${dagId} already has a run at ${logicalDate.toISOString()}; clear its tasks to run it again`, { dagId, logicalDate: logicalDate.toISOString() })
      logicalDate = new Date(logicalDate.getTime() + 1)
    }
    throw new AkkoError('DAG_RUN_ALREADY_EXISTS', `DAG ${dagId} already has runs at every moment tried; trigger again`, { dagId })
  }

  /**
   * Creates a backfill run for every schedule interval whose start lies in `[from, to]` (read in the DAG's time
   * zone) and has no run yet; existing runs are left alone, so running the same backfill twice creates nothing.
   */
  async backfill(dagId: string, from: Date | string, to: Date | string, opts: Omit<TriggerOptions, 'logicalDate'> = {}): Promise<BackfillResult> {
    const d = this.#dagOrThrow(dagId)
    if (!d.schedule) throw new AkkoError('INVALID_ARGUMENT', `DAG ${dagId} has no schedule, so it has no intervals to backfill; trigger it with a logical date instead`, { dagId })
    const conf = opts.conf ?? {}
    if (!isJsonObject(conf)) throw new AkkoError('INVALID_ARGUMENT', 'The run configuration must be a JSON object', { dagId })
    const params = paramsResolve(d.dag, conf, opts.params ?? {})
    const tz = d.schedule.timezone
    const start = zonedDate(from, tz, 'from')
    const end = zonedDate(to, tz, 'to')
    if (end < start) throw new AkkoError('INVALID_ARGUMENT', `The backfill range ends (${end.toISOString()}) before it starts (${start.toISOString()})`, { dagId })
    // The DAG's own start and end dates bound its schedule, not what a backfill may cover.
    const unbounded = scheduleCreate({ schedule: d.schedule.expression, timezone: tz })
    const intervals = unbounded.intervalsStartingBetween(start, end)
    if (intervals.length >= 10_000) throw new AkkoError('INVALID_ARGUMENT', `The backfill range holds 10000 intervals or more; split it`, { dagId })
    const created: DagRun[] = []
    for (const i of intervals) {
      const run = await this.#runCreate(d, 'backfill', i.start, i, conf, params, opts.triggeredBy ?? null)
      if (run) created.push(run)
    }
    this.#wake()
    return { created, existing: intervals.length - created.length }
  }

  async #runCreate(d: LoadedDag, runType: RunType, logicalDate: Date, interval: DataInterval, conf: JsonObject, params: JsonObject, triggeredBy: string | null): Promise<DagRun | undefined> {
    const run = await this.#store.runCreate({
      dagId: d.dag.id, runType, logicalDate, interval, conf, params, triggeredBy, now: this.#now(),
      tasks: d.dag.tasks.map(t => {
        const p = taskPolicy(d.dag, t)
        return { taskId: t.id, maxTries: p.retries + 1, retryDelayMs: p.retryDelayMs, maxRetryDelayMs: p.maxRetryDelayMs }
      }),
    })
    if (run) this.#log.emit({ code: 'I101', level: 'info', msg: 'run created', dagId: d.dag.id, runId: run.id, runType, logicalDate: logicalDate.toISOString() })
    return run
  }

  /** A DAG's runs, latest logical date first. */
  async runs(dagId: string, opts: { limit?: number } = {}): Promise<DagRun[]> {
    if (!this.#dags.has(dagId) && !(await this.#store.dagsPaused()).has(dagId)) this.#dagOrThrow(dagId)
    return this.#store.runsList(dagId, Math.max(1, Math.min(opts.limit ?? 25, 1000)))
  }

  async run(runId: number): Promise<DagRun> {
    const run = await this.#store.runGet(runId)
    if (!run) throw new AkkoError('NOT_FOUND', `No DAG run ${runId}`, { runId })
    return run
  }

  /** The task instances of a run, in the DAG's task order. */
  async tasks(runId: number): Promise<TaskInstance[]> {
    await this.run(runId)
    return (await this.#store.tasksOfRuns([runId])).map(taskPublic)
  }

  async taskInstance(taskInstanceId: number): Promise<TaskInstance> {
    const ti = await this.#store.taskGet(taskInstanceId)
    if (!ti) throw new AkkoError('NOT_FOUND', `No task instance ${taskInstanceId}`, { taskInstanceId })
    return taskPublic(ti)
  }

  async attempts(taskInstanceId: number): Promise<TaskAttempt[]> {
    await this.taskInstance(taskInstanceId)
    return this.#store.attempts(taskInstanceId)
  }

  /** An attempt's log (default: the latest attempt). */
  async logs(taskInstanceId: number, attempt?: number): Promise<TaskLog> {
    const ti = await this.taskInstance(taskInstanceId)
    const n = attempt ?? ti.tryNumber
    if (!Number.isInteger(n) || n < 0 || n > ti.tryNumber) throw new AkkoError('INVALID_ARGUMENT', `Task instance ${taskInstanceId} has ${ti.tryNumber} attempt(s); ask for 1..${ti.tryNumber}`, { taskInstanceId })
    return { taskInstanceId, attempt: n, lines: n === 0 ? [] : await this.#store.logs(taskInstanceId, n) }
  }

  /**
   * Clears a task instance (and with `downstream`, every task after it in the run) so it runs again, with a fresh
   * set of attempts. INVALID_REQUEST while one of them is running.
   */
  async clear(taskInstanceId: number, opts: { downstream?: boolean } = {}): Promise<TaskInstance[]> {
    const ti = await this.taskInstance(taskInstanceId)
    const d = this.#dags.get(ti.dagId)
    const ids = [ti.taskId, ...(opts.downstream && d ? dagDownstream(d.dag, [ti.taskId]) : [])]
    const tasks = ids.map(taskId => {
      const def = d?.dag.tasks.find(t => t.id === taskId)
      return { taskId, tries: d && def ? taskPolicy(d.dag, def).retries + 1 : 1 }
    })
    const cleared = await this.#store.clear(ti.runId, tasks)
    if (!cleared) throw new AkkoError('INVALID_REQUEST', `A task instance to clear is running; wait for it to finish, then clear again`, { taskInstanceId })
    this.#wake()
    return cleared.map(taskPublic)
  }

  /** Resolves with the run once it has finished (polling the metastore, so it sees other processes' work too). */
  async waitForRun(runId: number, opts: { signal?: AbortSignal; pollMs?: number; onPoll?: (run: DagRun) => void | Promise<void> } = {}): Promise<DagRun> {
    for (;;) {
      const run = await this.run(runId)
      await opts.onPoll?.(run)
      if (RUN_TERMINAL.has(run.state)) return run
      if (opts.signal?.aborted) throw new AkkoError('CANCELLED', `Stopped waiting for run ${runId}`)
      await new Promise(r => setTimeout(r, opts.pollMs ?? Math.min(this.#o.pollMs, 250)))
    }
  }

  // ---- the scheduler loop --------------------------------------------------------------------------------------

  /** Starts the scheduler loop: a pass every `pollMs`, and whenever a run is created or an attempt ends. */
  start(opts: StartOptions = {}): void {
    if (this.#running) return
    this.#running = true
    this.#scheduling = opts.schedule ?? true
    this.#dagFilter = opts.dagIds ? new Set(opts.dagIds) : undefined
    const loop = async (): Promise<void> => {
      await this.tick().catch(() => undefined)
      if (this.#running) {
        this.#timer = setTimeout(() => void loop(), this.#o.pollMs)
        this.#timer.unref()
      }
    }
    this.#timer = setTimeout(() => void loop(), 0)
  }

  /**
   * Stops the loop, waits up to `graceMs` (default 10 s) for running attempts, aborts the rest and records them
   * as failed attempts (retried per their policy at the next start).
   */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.#running = false
    clearTimeout(this.#timer)
    await this.#tickChain
    await this.#executor.stop(opts.graceMs ?? 10_000)
  }

  /** Resolves when no attempt runs in this process and no pass is under way (for tests and tools). */
  async idle(): Promise<void> {
    await this.#tickChain
    await this.#executor.idle()
    await this.#tickChain
  }

  #wake(): void {
    if (this.#running) void this.tick().catch(() => undefined)
  }

  /**
   * One scheduler pass: recover expired attempts, create due scheduled runs, start queued runs, advance running
   * ones (skip, fail upstream, start attempts, finish runs). Passes never overlap; a call during a pass queues one.
   */
  tick(): Promise<void> {
    if (this.#pendingTick) return this.#pendingTick
    const p = this.#tickChain.then(async () => {
      this.#pendingTick = undefined
      try {
        await this.#pass()
      } catch (e) {
        this.#log.emit({ code: 'I104', level: 'error', msg: 'scheduler pass failed', error: (e as Error).message })
        throw e
      }
    })
    this.#pendingTick = p
    this.#tickChain = p.catch(() => undefined)
    return p
  }

  async #pass(): Promise<void> {
    if (this.#loader && Date.now() - this.#lastReload >= this.#o.dagsRefreshMs) await this.reload()
    await this.#recover()
    const paused = await this.#store.dagsPaused()
    if (this.#scheduling) {
      for (const d of this.#dags.values()) if (d.schedule && !paused.get(d.dag.id) && this.#watched(d.dag.id)) await this.#scheduleDue(d)
    }
    for (const dagId of await this.#store.dagsWithQueuedRuns()) {
      const d = this.#dags.get(dagId)
      if (!d || paused.get(dagId) || !this.#watched(dagId)) continue
      await this.#store.runsStart(dagId, d.dag.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS, this.#now())
    }
    await this.#advance(paused)
  }

  #watched(dagId: string): boolean {
    return !this.#dagFilter || this.#dagFilter.has(dagId)
  }

  /** Running attempts whose lease expired belong to a dead (or cut-off) process: fail the attempt, retry or fail. */
  async #recover(): Promise<void> {
    const now = this.#now()
    for (const ti of await this.#store.tasksExpired(now)) {
      if (ti.owner === this.ownerId && this.#executor.isActive(ti.id)) continue // fenced by the heartbeat instead
      const retry = ti.tryNumber < ti.maxTries
      const delay = retryBackoffMs(ti.tryNumber, ti.retryDelayMs, ti.maxRetryDelayMs)
      const error = `attempt ${ti.tryNumber} was lost: ${ti.owner} stopped renewing its lease (expired ${ti.leaseExpiresAt?.toISOString()}); ${retry ? `next attempt in ${delay} ms` : 'no attempt left'}`
      if (await this.#store.taskRecover(ti, retry ? 'up_for_retry' : 'failed', error, retry ? new Date(now.getTime() + delay) : null, now)) {
        this.#log.emit({ code: 'I103', level: 'warn', msg: 'task recovered from a stopped orchestrator', dagId: ti.dagId, taskId: ti.taskId, taskInstanceId: ti.id, attempt: ti.tryNumber, owner: ti.owner, retry })
      }
    }
  }

  /** Creates the scheduled runs that are due: every missed interval with catch-up, else only the latest. */
  async #scheduleDue(d: LoadedDag): Promise<void> {
    const last = await this.#store.lastScheduledEnd(d.dag.id)
    for (const i of scheduleDue(d.schedule!, d.dag.catchup ?? false, last, this.#now())) {
      await this.#runCreate(d, 'scheduled', i.start, i, {}, paramsResolve(d.dag, {}, {}), null)
    }
  }

  /** Moves every running run along: resolves queued instances, starts what may start, finishes finished runs. */
  async #advance(paused: ReadonlyMap<string, boolean>): Promise<void> {
    const runs = (await this.#store.runsInState('running')).filter(r => this.#dags.has(r.dagId) && this.#watched(r.dagId))
    const all = await this.#store.tasksOfRuns(runs.map(r => r.id))
    for (const run of runs) {
      const d = this.#dags.get(run.dagId)!
      const tis = new Map(all.filter(t => t.runId === run.id).map(t => [t.taskId, t]))
      await this.#advanceRun(d, run, tis, paused.get(run.dagId) ?? false)
    }
  }

  async #advanceRun(d: LoadedDag, run: DagRun, tis: Map<string, StoredTaskInstance>, paused: boolean): Promise<void> {
    const now = this.#now()
    const state = (taskId: string) => tis.get(taskId)?.state ?? 'success' // a task added after the run was created
    for (const t of dagTopological(d.dag)) {
      const ti = tis.get(t.id)
      if (!ti || ti.state !== 'queued') continue
      const decision = triggerRuleDecide(t.triggerRule ?? 'all_success', (t.dependsOn ?? []).map(state))
      if (decision === 'skip' || decision === 'upstream_failed') {
        const to = decision === 'skip' ? 'skipped' : 'upstream_failed'
        if (await this.#store.taskResolve(ti.id, to, now)) tis.set(t.id, { ...ti, state: to })
      }
    }
    for (const ti of tis.values()) {
      if (ti.state === 'queued' && !d.dag.tasks.some(t => t.id === ti.taskId)) {
        const error = `task ${ti.taskId} is no longer defined in DAG ${d.dag.id}`
        if (await this.#store.taskResolve(ti.id, 'failed', now, error)) tis.set(ti.taskId, { ...ti, state: 'failed', error })
      }
    }
    if (!paused) {
      for (const t of dagTopological(d.dag)) {
        const ti = tis.get(t.id)
        if (!ti) continue
        const ready = ti.state === 'queued' ? triggerRuleDecide(t.triggerRule ?? 'all_success', (t.dependsOn ?? []).map(state)) === 'run'
          : ti.state === 'up_for_retry' && (!ti.nextTryAt || ti.nextTryAt <= now)
        if (!ready || !this.#slotFree(d)) continue
        await this.#attemptStart(d, run, ti)
      }
    }
    const states = [...tis.values()].map(t => t.state)
    if (states.every(s => TASK_TERMINAL_STATES.has(s))) {
      const outcome = states.some(s => s === 'failed' || s === 'upstream_failed') ? 'failed' : 'success'
      if (await this.#store.runFinish(run.id, outcome, now)) this.#log.emit({ code: 'I106', level: outcome === 'success' ? 'info' : 'warn', msg: 'run finished', dagId: run.dagId, runId: run.id, state: outcome })
    }
  }

  #slotFree(d: LoadedDag): boolean {
    if (this.#executor.size >= this.#o.maxActiveTasks) return false
    return d.dag.maxActiveTasks === undefined || this.#executor.countForDag(d.dag.id) < d.dag.maxActiveTasks
  }

  async #attemptStart(d: LoadedDag, run: DagRun, ti: StoredTaskInstance): Promise<void> {
    const task = d.dag.tasks.find(t => t.id === ti.taskId)!
    const startDate = this.#now()
    const leaseUntil = new Date(startDate.getTime() + this.#o.leaseMs)
    const attempt = await this.#store.taskClaim(ti.id, ti.state as 'queued' | 'up_for_retry', this.ownerId, startDate, leaseUntil)
    if (attempt === undefined) return
    this.#executor.launch({ dag: d.dag, task, run, ti: { ...ti, state: 'running', tryNumber: attempt }, attempt, startDate, leaseUntil, timeoutMs: taskPolicy(d.dag, task).timeoutMs })
  }
}

function taskPublic(t: StoredTaskInstance): TaskInstance {
  return {
    id: t.id, runId: t.runId, dagId: t.dagId, taskId: t.taskId, state: t.state, tryNumber: t.tryNumber, maxTries: t.maxTries,
    nextTryAt: t.nextTryAt, startDate: t.startDate, endDate: t.endDate, durationMs: t.durationMs, error: t.error, owner: t.owner,
  }
}
