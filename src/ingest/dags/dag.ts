/**
 * How pipelines are written: a DAG is a list of tasks with dependencies; a task is `{ id, run(ctx) }` returning a
 * JSON value that downstream tasks read with `ctx.pull(taskId)`. Task kinds (SQL, replication, file and HTTP
 * loads) are functions that return such a task.
 */
import { AkkoError, type Logger } from '../../core/index.js'
import type { ExecuteOptions, QueryResult, Session } from '../../engine/index.js'
import type { IcebergCatalog, Metastore, ObjectStore, TableContext } from '../../storage/index.js'
import type { DataInterval, Json, JsonObject, RunType } from './types.js'

/** What a SQL task needs of the query engine (the platform's `QueryEngine` satisfies it). */
export interface SqlExecutor {
  execute(sql: string, session: Session, opts?: ExecuteOptions): Promise<QueryResult>
}

/**
 * The platform services the orchestrator was created with, handed to every task as `ctx.services`. The
 * integrator fills the well-known ones; other entries are for task kinds that need more (narrow them before use).
 */
export interface DagServices {
  readonly engine?: SqlExecutor
  readonly catalog?: IcebergCatalog
  readonly tables?: TableContext
  readonly metastore?: Metastore
  readonly store?: ObjectStore
  readonly log?: Logger
  readonly [name: string]: unknown
}

/** Writes lines to the attempt's log (kept in the metastore, shown by `akko dags logs`). */
export interface TaskLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void
  info(message: string, fields?: Readonly<Record<string, unknown>>): void
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void
  error(message: string, fields?: Readonly<Record<string, unknown>>): void
}

/** Everything a task's `run` receives. */
export interface TaskContext {
  readonly dagId: string
  readonly runId: number
  readonly runType: RunType
  readonly taskId: string
  readonly taskInstanceId: number
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly maxAttempts: number
  /** The run's logical date (the data interval's start for scheduled and backfill runs). */
  readonly logicalDate: Date
  /** The period of data this run is about; use it (not the wall clock) so reruns are idempotent. */
  readonly dataInterval: DataInterval
  /** The DAG's parameters: defaults with this run's overrides. */
  readonly params: JsonObject
  /** The run configuration given when it was triggered (`{}` for scheduled runs). */
  readonly conf: JsonObject
  readonly log: TaskLogger
  /** Aborted when the task times out, the orchestrator stops, or the task's lease is lost. */
  readonly signal: AbortSignal
  readonly services: DagServices
  /**
   * The value returned by an upstream task (direct or transitive) of this run; undefined when that task was
   * skipped or returned nothing. INVALID_ARGUMENT when `taskId` is not upstream of this task.
   */
  pull<T extends Json = Json>(taskId: string): T | undefined
  /** Marks the task skipped: `return ctx.skip('no new rows')` or `throw ctx.skip(…)`. Downstream tasks are skipped too. */
  skip(reason?: string): TaskSkip
}

/** Which upstream outcomes let a task run. */
export type TriggerRule = 'all_success' | 'all_done' | 'none_failed' | 'one_success' | 'one_failed'

/** Retry and timeout settings a task may set and a DAG may default. */
export interface TaskPolicy {
  /** Attempts after the first one (default 0). */
  readonly retries?: number
  /** Wait before the first retry; doubled at each further retry (default 30 s). */
  readonly retryDelayMs?: number
  /** Upper bound of the doubled wait (default 1 h). */
  readonly maxRetryDelayMs?: number
  /** Each attempt is aborted and failed after this long (no limit by default). */
  readonly timeoutMs?: number
}

/** A task: an id, a function and its settings. */
export interface TaskDefinition extends TaskPolicy {
  readonly id: string
  /** Returns a JSON value (stored, readable by downstream tasks), or `ctx.skip()`. */
  run(ctx: TaskContext): Promise<Json | void | TaskSkip> | Json | void | TaskSkip
  readonly dependsOn?: readonly string[]
  /** Default `all_success`. */
  readonly triggerRule?: TriggerRule
  readonly description?: string
}

/** A pipeline. Schedules are cron expressions or presets (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`). */
export interface DagDefinition {
  readonly id: string
  readonly tasks: readonly TaskDefinition[]
  readonly description?: string
  /** Cron expression or preset; absent or null: runs only when triggered. */
  readonly schedule?: string | null
  /** IANA time zone the schedule and date-only start/end dates are read in (default UTC). */
  readonly timezone?: string
  /** First data interval starts at or after this (a Date, or an ISO string read in `timezone` when it has no offset). */
  readonly startDate?: Date | string
  readonly endDate?: Date | string
  /** Create a run for every interval missed since the start date or the last run (default false: only the latest). */
  readonly catchup?: boolean
  /** Parameter defaults; a run's configuration overrides those it names. */
  readonly params?: JsonObject
  /** Runs of this DAG executing at once (default 16). */
  readonly maxActiveRuns?: number
  /** Task instances of this DAG executing at once in one orchestrator (default: no limit of its own). */
  readonly maxActiveTasks?: number
  /** Settings every task inherits unless it sets its own. */
  readonly defaults?: TaskPolicy
  /** Whether the DAG starts paused the first time the orchestrator sees it (default false). */
  readonly paused?: boolean
  /** The user SQL tasks run as, unless a task says otherwise (default `akko`). */
  readonly owner?: string
  readonly tags?: readonly string[]
}

/** A task's request to be marked skipped; return it or throw it. */
export class TaskSkip extends Error {
  override readonly name = 'TaskSkip'
  constructor(readonly reason = 'skipped by the task') {
    super(reason)
  }
}

/** True for a skip request, even one from another copy of this module (DAG files loaded separately). */
export function isTaskSkip(v: unknown): v is TaskSkip {
  return v instanceof TaskSkip || (v instanceof Error && v.name === 'TaskSkip')
}

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/
const TRIGGER_RULES: readonly TriggerRule[] = ['all_success', 'all_done', 'none_failed', 'one_success', 'one_failed']

/** Checks a DAG and returns it frozen; INVALID_ARGUMENT lists every problem found. Use it to define DAGs in code. */
export function defineDag(def: DagDefinition): DagDefinition {
  const problems = dagProblems(def)
  if (problems.length) {
    const id = typeof (def as { id?: unknown })?.id === 'string' ? def.id : '?'
    throw new AkkoError('INVALID_ARGUMENT', `DAG ${id} is not valid:\n- ${problems.join('\n- ')}`, { dagId: id, problems })
  }
  return Object.freeze({ ...def, tasks: Object.freeze(def.tasks.map(t => Object.freeze({ ...t }))) })
}

/** A task running a TypeScript function; the identity function, here for symmetry with other task kinds and for types. */
export function task(def: TaskDefinition): TaskDefinition {
  return def
}

/** What is wrong with a DAG definition (empty when nothing). */
export function dagProblems(def: DagDefinition): string[] {
  const p: string[] = []
  if (typeof def !== 'object' || def === null) return ['a DAG must be an object with an id and tasks']
  if (typeof def.id !== 'string' || !ID.test(def.id)) p.push(`id must be letters, digits, _ . - (at most 200), got ${JSON.stringify(def.id)}`)
  if (!Array.isArray(def.tasks) || def.tasks.length === 0) return [...p, 'tasks must be a non-empty array']
  const ids = new Set<string>()
  for (const t of def.tasks) {
    if (typeof t?.id !== 'string' || !ID.test(t.id)) p.push(`task id must be letters, digits, _ . - (at most 200), got ${JSON.stringify(t?.id)}`)
    else if (ids.has(t.id)) p.push(`task ${t.id} is defined twice`)
    else ids.add(t.id)
    if (typeof t?.run !== 'function') p.push(`task ${t?.id}: run must be a function`)
    if (t?.triggerRule !== undefined && !TRIGGER_RULES.includes(t.triggerRule)) p.push(`task ${t.id}: triggerRule must be one of ${TRIGGER_RULES.join(', ')}`)
    policyProblems(t ?? {}, `task ${t?.id}`, p)
  }
  for (const t of def.tasks) {
    for (const d of t?.dependsOn ?? []) if (!ids.has(d)) p.push(`task ${t.id} depends on ${JSON.stringify(d)}, which is not a task of this DAG`)
  }
  const cycle = dagCycle(def.tasks)
  if (cycle) p.push(`tasks form a cycle: ${cycle.join(' -> ')}`)
  if (def.defaults) policyProblems(def.defaults, 'defaults', p)
  for (const k of ['maxActiveRuns', 'maxActiveTasks'] as const) {
    const v = def[k]
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) p.push(`${k} must be a positive integer`)
  }
  if (def.params !== undefined && !isJsonObject(def.params)) p.push('params must be a JSON object')
  return p
}

function policyProblems(t: TaskPolicy, where: string, p: string[]): void {
  if (t.retries !== undefined && (!Number.isInteger(t.retries) || t.retries < 0)) p.push(`${where}: retries must be a non-negative integer`)
  for (const k of ['retryDelayMs', 'maxRetryDelayMs'] as const) {
    const v = t[k]
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) p.push(`${where}: ${k} must be a non-negative number`)
  }
  if (t.timeoutMs !== undefined && !(Number.isFinite(t.timeoutMs) && t.timeoutMs > 0)) p.push(`${where}: timeoutMs must be a positive number`)
}

/** A dependency cycle as a list of task ids, or undefined. */
function dagCycle(tasks: readonly TaskDefinition[]): string[] | undefined {
  const deps = new Map<string, readonly string[]>()
  for (const t of tasks) if (!deps.has(t.id)) deps.set(t.id, t.dependsOn ?? [])
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id]
    state.set(id, 'visiting')
    path.push(id)
    for (const d of deps.get(id) ?? []) {
      const c = visit(d)
      if (c) return c
    }
    path.pop()
    state.set(id, 'done')
    return undefined
  }
  for (const t of tasks) {
    const c = visit(t.id)
    if (c) return c
  }
  return undefined
}

/** Every task upstream of `taskId` (direct and transitive). */
export function dagUpstream(def: DagDefinition, taskId: string): Set<string> {
  const deps = new Map(def.tasks.map(t => [t.id, t.dependsOn ?? []]))
  const out = new Set<string>()
  const stack = [...(deps.get(taskId) ?? [])]
  while (stack.length) {
    const id = stack.pop()!
    if (out.has(id)) continue
    out.add(id)
    stack.push(...(deps.get(id) ?? []))
  }
  return out
}

/** Every task downstream of the given ones (direct and transitive), not including them. */
export function dagDownstream(def: DagDefinition, taskIds: Iterable<string>): Set<string> {
  const children = new Map<string, string[]>()
  for (const t of def.tasks) for (const d of t.dependsOn ?? []) children.set(d, [...(children.get(d) ?? []), t.id])
  const start = new Set(taskIds)
  const out = new Set<string>()
  const stack = [...start].flatMap(id => children.get(id) ?? [])
  while (stack.length) {
    const id = stack.pop()!
    if (out.has(id) || start.has(id)) continue
    out.add(id)
    stack.push(...(children.get(id) ?? []))
  }
  return out
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
}

/** The settings of one task with the DAG's defaults and the platform's defaults applied. */
export interface ResolvedPolicy {
  readonly retries: number
  readonly retryDelayMs: number
  readonly maxRetryDelayMs: number
  readonly timeoutMs: number | undefined
}

export const DEFAULT_RETRY_DELAY_MS = 30_000
export const DEFAULT_MAX_RETRY_DELAY_MS = 3_600_000

export function taskPolicy(dag: DagDefinition, t: TaskDefinition): ResolvedPolicy {
  const d = dag.defaults ?? {}
  return {
    retries: t.retries ?? d.retries ?? 0,
    retryDelayMs: t.retryDelayMs ?? d.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    maxRetryDelayMs: t.maxRetryDelayMs ?? d.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
    timeoutMs: t.timeoutMs ?? d.timeoutMs,
  }
}

/** The wait after failed attempt `attempt` (1-based): the delay doubled at each retry, capped. */
export function retryBackoffMs(attempt: number, retryDelayMs: number, maxRetryDelayMs: number): number {
  return Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.max(0, attempt - 1))
}
