/**
 * The orchestrator's records as callers see them: DAG runs, task instances, attempts and log lines. Dates are
 * `Date` objects here; the HTTP API writes them as ISO-8601 strings.
 */

/** A JSON value: what task parameters, run configurations and task return values may hold. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

/** A JSON object (parameters, run configuration). */
export type JsonObject = { readonly [key: string]: Json }

/** How a run came to be. */
export type RunType = 'scheduled' | 'manual' | 'backfill'

/** A DAG run's state: waiting for a slot, running, or finished. */
export type RunState = 'queued' | 'running' | 'success' | 'failed'

/**
 * A task instance's state. `queued`: waiting for its upstream tasks or a free slot; `up_for_retry`: an attempt
 * failed and another is due after the backoff; `upstream_failed` and `skipped` are set without running it.
 */
export type TaskState = 'queued' | 'running' | 'success' | 'failed' | 'up_for_retry' | 'skipped' | 'upstream_failed'

/** The states a task instance does not leave unless cleared. */
export const TASK_TERMINAL_STATES: ReadonlySet<TaskState> = new Set(['success', 'failed', 'skipped', 'upstream_failed'])

/** The period of data a run is about: `[start, end)`. A scheduled run starts once `end` has passed. */
export interface DataInterval {
  readonly start: Date
  readonly end: Date
}

/** One run of a DAG for one logical date. */
export interface DagRun {
  readonly id: number
  readonly dagId: string
  readonly runType: RunType
  /** Identifies the run among the DAG's runs; for scheduled and backfill runs it is the data interval's start. */
  readonly logicalDate: Date
  readonly dataInterval: DataInterval
  readonly state: RunState
  readonly conf: JsonObject
  /** The DAG's parameter defaults with this run's overrides applied. */
  readonly params: JsonObject
  /** Who triggered it (the HTTP caller's subject, `cli`, …); null for the scheduler. */
  readonly triggeredBy: string | null
  readonly queuedAt: Date
  readonly startDate: Date | null
  readonly endDate: Date | null
}

/** One task of one run. */
export interface TaskInstance {
  readonly id: number
  readonly runId: number
  readonly dagId: string
  readonly taskId: string
  readonly state: TaskState
  /** Attempts started so far (1 during the first attempt). */
  readonly tryNumber: number
  /** Attempts allowed: retries + 1 (raised when the instance is cleared). */
  readonly maxTries: number
  /** When an `up_for_retry` instance may start its next attempt. */
  readonly nextTryAt: Date | null
  readonly startDate: Date | null
  readonly endDate: Date | null
  readonly durationMs: number | null
  /** The last attempt's error message, if it failed. */
  readonly error: string | null
  /** The orchestrator process holding the instance's lease while an attempt runs. */
  readonly owner: string | null
}

/** The outcome of one attempt. */
export type AttemptState = 'running' | 'success' | 'failed' | 'skipped'

/** One attempt of a task instance. */
export interface TaskAttempt {
  readonly taskInstanceId: number
  readonly attempt: number
  readonly state: AttemptState
  readonly owner: string
  readonly startDate: Date
  readonly endDate: Date | null
  readonly durationMs: number | null
  readonly error: string | null
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** One line of an attempt's log. */
export interface LogLine {
  readonly seq: number
  readonly ts: Date
  readonly level: LogLevel
  readonly message: string
}

/** An attempt's log. */
export interface TaskLog {
  readonly taskInstanceId: number
  /** The attempt shown; 0 when the instance has not run yet. */
  readonly attempt: number
  readonly lines: readonly LogLine[]
}

/** A DAG as listed: its definition's settings, its pause state and when it next runs. */
export interface DagInfo {
  readonly id: string
  readonly description: string | null
  /** The file it was loaded from; null for DAGs registered in code. */
  readonly file: string | null
  readonly schedule: string | null
  readonly timezone: string
  readonly startDate: Date | null
  readonly endDate: Date | null
  readonly catchup: boolean
  readonly paused: boolean
  readonly maxActiveRuns: number
  readonly tags: readonly string[]
  readonly params: JsonObject
  readonly tasks: ReadonlyArray<{ readonly id: string; readonly dependsOn: readonly string[] }>
  /** When the scheduler creates the next scheduled run (the end of its data interval); null without a schedule. */
  readonly nextRunAt: Date | null
  /** The data interval of that next scheduled run. */
  readonly nextDataInterval: DataInterval | null
  readonly lastRun: { readonly id: number; readonly state: RunState; readonly logicalDate: Date } | null
}

/** A DAG file that could not be loaded, with why. */
export interface DagLoadError {
  readonly file: string
  readonly message: string
}
