/**
 * Runs one attempt of a task: builds its context, enforces the timeout through the AbortSignal, captures its log
 * lines, and turns what it returned or threw into an outcome. Persisting the outcome is the orchestrator's job.
 */
import { AkkoError, isAkkoError } from '../../core/index.js'
import { isTaskSkip, TaskSkip, type TaskContext, type TaskDefinition, type TaskLogger } from './dag.js'
import type { NewLogLine } from './dag-store.js'
import type { Json, LogLevel } from './types.js'

/** A task's return value may not exceed this once serialized (values travel through the metastore). */
export const TASK_VALUE_MAX_BYTES = 1_000_000
/** Lines beyond this per attempt are dropped (one line says so). */
export const TASK_LOG_MAX_LINES = 10_000
/** Longer lines are cut. */
export const TASK_LOG_MAX_LINE_CHARS = 8_000

export type AttemptOutcome =
  | { readonly kind: 'success'; readonly value: Json | undefined }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** `interrupted`: timed out or aborted; the task's function may still be running. */
  | { readonly kind: 'failed'; readonly error: string; readonly interrupted: boolean }

/** Collects an attempt's log lines until the orchestrator flushes them to the metastore. */
export class AttemptLog {
  #pending: NewLogLine[] = []
  #count = 0

  constructor(private readonly now: () => Date) {}

  write(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.#count++
    if (this.#count > TASK_LOG_MAX_LINES) {
      if (this.#count === TASK_LOG_MAX_LINES + 1) this.#pending.push({ ts: this.now(), level: 'warn', message: `log truncated: more than ${TASK_LOG_MAX_LINES} lines` })
      return
    }
    let text = String(message)
    if (fields && Object.keys(fields).length) text += ' ' + safeJson(fields)
    if (text.length > TASK_LOG_MAX_LINE_CHARS) text = text.slice(0, TASK_LOG_MAX_LINE_CHARS) + '… (line truncated)'
    this.#pending.push({ ts: this.now(), level, message: text })
  }

  /** The lines written since the last call. */
  take(): NewLogLine[] {
    const out = this.#pending
    this.#pending = []
    return out
  }

  logger(): TaskLogger {
    return {
      debug: (m, f) => this.write('debug', m, f),
      info: (m, f) => this.write('info', m, f),
      warn: (m, f) => this.write('warn', m, f),
      error: (m, f) => this.write('error', m, f),
    }
  }
}

export interface AttemptRun {
  readonly task: TaskDefinition
  readonly ctx: Omit<TaskContext, 'signal' | 'log' | 'skip'>
  readonly log: AttemptLog
  readonly timeoutMs: number | undefined
  /** Aborted by the orchestrator (stop, lost lease). */
  readonly abort: AbortController
}

/**
 * Runs the attempt. Resolves with the outcome as soon as the task settles or its timeout passes; `settled`
 * resolves when the task's function has really returned (later than the outcome when it ignored its signal).
 */
export function attemptRun(a: AttemptRun): { outcome: Promise<AttemptOutcome>; settled: Promise<void> } {
  const signal = a.abort.signal
  const ctx: TaskContext = { ...a.ctx, signal, log: a.log.logger(), skip: reason => new TaskSkip(reason) }
  const fn = (async () => a.task.run(ctx))()
  const settled = fn.then(() => undefined, () => undefined)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>(resolve => {
    if (a.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), a.timeoutMs)
  })
  const aborted = new Promise<'aborted'>(resolve => {
    if (signal.aborted) resolve('aborted')
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true })
  })
  const outcome = Promise.race([fn.then(v => ({ v }), (e: unknown) => ({ e })), timedOut, aborted]).then((r): AttemptOutcome => {
    clearTimeout(timer)
    if (r === 'timeout') {
      const error = `timed out after ${a.timeoutMs} ms`
      a.abort.abort(new AkkoError('EXCEEDED_TIME_LIMIT', `Task ${a.task.id} ${error}`))
      return { kind: 'failed', error, interrupted: true }
    }
    if (r === 'aborted') return { kind: 'failed', error: `aborted: ${reasonText(signal.reason)}`, interrupted: true }
    if ('e' in r) {
      if (isTaskSkip(r.e)) return { kind: 'skipped', reason: r.e.message }
      if (r.e instanceof Error && r.e.stack) a.log.write('error', r.e.stack)
      return { kind: 'failed', error: errorText(r.e), interrupted: false }
    }
    if (isTaskSkip(r.v)) return { kind: 'skipped', reason: r.v.message }
    return valueCheck(r.v)
  })
  return { outcome, settled }
}

/** A return value must be JSON (undefined means none) and small. */
function valueCheck(v: unknown): AttemptOutcome {
  if (v === undefined) return { kind: 'success', value: undefined }
  let text: string
  try {
    text = JSON.stringify(v)
  } catch (e) {
    return { kind: 'failed', error: `returned a value that is not JSON-serializable: ${(e as Error).message}`, interrupted: false }
  }
  if (text === undefined) return { kind: 'failed', error: `returned a ${typeof v}, which is not JSON-serializable`, interrupted: false }
  if (text.length > TASK_VALUE_MAX_BYTES) {
    return { kind: 'failed', error: `returned a value of ${text.length} bytes; at most ${TASK_VALUE_MAX_BYTES} are stored (write large results to a table and return where they are)`, interrupted: false }
  }
  return { kind: 'success', value: JSON.parse(text) as Json }
}

function errorText(e: unknown): string {
  if (isAkkoError(e)) return `[${e.code}] ${e.message}`
  if (e instanceof Error) return e.message || e.name
  return String(e)
}

function reasonText(r: unknown): string {
  return r instanceof Error ? r.message : String(r ?? 'no reason given')
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))
  } catch {
    return '[unserializable fields]'
  }
}
