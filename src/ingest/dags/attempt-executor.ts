/**
 * The attempts one orchestrator process is running: it launches them, keeps their leases alive (heartbeat), writes
 * their logs and outcomes, and fences itself: an attempt whose lease was lost or could not be renewed in time is
 * aborted, so a task never runs here while another process runs it. A task that ignores its AbortSignal after a
 * timeout keeps its lease until its function returns, which holds back the next attempt everywhere.
 */
import { AkkoError, type Logger } from '../../core/index.js'
import { dagUpstream, retryBackoffMs, type DagDefinition, type DagServices, type TaskDefinition } from './dag.js'
import type { AttemptFinish, DagStore, StoredTaskInstance } from './dag-store.js'
import { AttemptLog, attemptRun, type AttemptOutcome } from './task-runner.js'
import type { DagRun, Json } from './types.js'

interface ActiveAttempt {
  readonly tiId: number
  readonly dagId: string
  readonly attempt: number
  readonly startDate: Date
  readonly abort: AbortController
  readonly log: AttemptLog
  leaseUntil: Date
  /** Resolves once the outcome is recorded (or found to be someone else's). */
  recorded: Promise<void>
  /** The attempt's function has returned. */
  settled: boolean
  flushing: Promise<void>
}

export interface AttemptExecutorOptions {
  readonly store: DagStore
  readonly owner: string
  readonly services: DagServices
  readonly log: Logger
  readonly now: () => Date
  readonly leaseMs: number
  readonly heartbeatMs: number
  /** Called when an attempt has ended, so the scheduler looks at its run again. */
  readonly onChange: () => void
}

/** What a new attempt needs: the claimed instance, its run and definitions. */
export interface AttemptStart {
  readonly dag: DagDefinition
  readonly task: TaskDefinition
  readonly run: DagRun
  readonly ti: StoredTaskInstance
  readonly attempt: number
  readonly startDate: Date
  readonly leaseUntil: Date
  readonly timeoutMs: number | undefined
}

export class AttemptExecutor {
  readonly #active = new Map<number, ActiveAttempt>()
  #heartbeat: NodeJS.Timeout | undefined

  constructor(private readonly o: AttemptExecutorOptions) {}

  /** Attempts alive in this process (including timed-out ones whose function has not returned). */
  get size(): number {
    return this.#active.size
  }

  countForDag(dagId: string): number {
    let n = 0
    for (const a of this.#active.values()) if (a.dagId === dagId) n++
    return n
  }

  isActive(tiId: number): boolean {
    return this.#active.has(tiId)
  }

  /** Runs the claimed attempt in the background. */
  launch(s: AttemptStart): void {
    const a: ActiveAttempt = {
      tiId: s.ti.id, dagId: s.run.dagId, attempt: s.attempt, startDate: s.startDate, abort: new AbortController(),
      log: new AttemptLog(this.o.now), leaseUntil: s.leaseUntil, recorded: Promise.resolve(), settled: false, flushing: Promise.resolve(),
    }
    this.#active.set(a.tiId, a)
    this.#heartbeatEnsure()
    a.log.write('info', `attempt ${s.attempt} of ${s.ti.maxTries} started by ${this.o.owner}`)
    a.recorded = this.#execute(a, s).catch(e => {
      // The metastore failed us: stop renewing the lease, so the instance is recovered once it expires.
      this.o.log.emit({ code: 'I104', level: 'error', msg: 'recording a task attempt failed; it will be recovered when its lease expires', taskInstanceId: a.tiId, error: (e as Error).message })
      a.abort.abort(new AkkoError('CANCELLED', 'the orchestrator could not record this attempt'))
      if (this.#active.get(a.tiId) === a) this.#active.delete(a.tiId)
      this.#heartbeatStopIfIdle()
    })
  }

  async #execute(a: ActiveAttempt, s: AttemptStart): Promise<void> {
    const upstream = dagUpstream(s.dag, s.task.id)
    let values: Map<string, Json>
    try {
      values = await this.o.store.values(s.run.id, [...upstream])
    } catch (e) {
      await this.#record(a, s.ti, { kind: 'failed', error: `cannot read the upstream values: ${(e as Error).message}`, interrupted: false })
      a.settled = true
      this.#active.delete(a.tiId)
      this.#heartbeatStopIfIdle()
      this.o.onChange()
      return
    }
    const { outcome, settled } = attemptRun({
      task: s.task,
      log: a.log,
      abort: a.abort,
      timeoutMs: s.timeoutMs,
      ctx: {
        dagId: s.run.dagId, runId: s.run.id, runType: s.run.runType, taskId: s.task.id, taskInstanceId: s.ti.id,
        attempt: s.attempt, maxAttempts: s.ti.maxTries, logicalDate: s.run.logicalDate, dataInterval: s.run.dataInterval,
        params: s.run.params, conf: s.run.conf, services: this.o.services,
        pull: <T extends Json = Json>(taskId: string): T | undefined => {
          if (!upstream.has(taskId)) throw new AkkoError('INVALID_ARGUMENT', `Task ${s.task.id} cannot pull ${taskId}: only values of its upstream tasks are visible (add it to dependsOn)`, { taskId })
          return values.get(taskId) as T | undefined
        },
      },
    })
    const o = await outcome
    await this.#record(a, s.ti, o)
    const release = async (): Promise<void> => {
      a.settled = true
      if (o.kind === 'failed' && o.interrupted && this.#active.get(a.tiId) === a) await this.o.store.taskRelease(a.tiId, this.o.owner)
      if (this.#active.get(a.tiId) === a) this.#active.delete(a.tiId)
      this.#heartbeatStopIfIdle()
      this.o.onChange()
    }
    if (o.kind === 'failed' && o.interrupted) {
      this.o.log.emit({ code: 'I107', level: 'info', msg: 'the task was interrupted; its lease is kept until its function returns', dagId: s.run.dagId, taskId: s.task.id, taskInstanceId: a.tiId })
      void settled.then(release).catch(e => this.o.log.emit({ code: 'I104', level: 'error', msg: 'releasing a task lease failed', taskInstanceId: a.tiId, error: (e as Error).message }))
      this.o.onChange()
    } else {
      await release()
    }
  }

  /** Writes the outcome: success, skipped, up_for_retry with the backoff, or failed. */
  async #record(a: ActiveAttempt, ti: StoredTaskInstance, o: AttemptOutcome): Promise<void> {
    const now = this.o.now()
    let f: AttemptFinish
    if (o.kind === 'success') f = { state: 'success', value: o.value, releaseLease: true }
    else if (o.kind === 'skipped') {
      a.log.write('info', `skipped: ${o.reason}`)
      f = { state: 'skipped', releaseLease: true }
    } else {
      const retry = a.attempt < ti.maxTries
      const delay = retryBackoffMs(a.attempt, ti.retryDelayMs, ti.maxRetryDelayMs)
      a.log.write('error', `attempt ${a.attempt} failed: ${o.error}; ${retry ? `next attempt in ${delay} ms` : 'no attempt left'}`)
      f = { state: retry ? 'up_for_retry' : 'failed', error: o.error, nextTryAt: retry ? new Date(now.getTime() + delay) : undefined, releaseLease: !o.interrupted }
      this.o.log.emit({ code: 'I102', level: 'warn', msg: 'task attempt failed', dagId: ti.dagId, taskId: ti.taskId, taskInstanceId: ti.id, attempt: a.attempt, error: o.error, retry })
    }
    if (o.kind === 'success') a.log.write('info', `attempt ${a.attempt} succeeded`)
    await this.#flush(a)
    const mine = await this.o.store.taskFinish(a.tiId, this.o.owner, a.attempt, f, a.startDate, now)
    if (!mine) this.o.log.emit({ code: 'I105', level: 'warn', msg: 'the outcome of a task attempt was dropped: its lease had been taken over', taskInstanceId: a.tiId, attempt: a.attempt })
  }

  #flush(a: ActiveAttempt): Promise<void> {
    a.flushing = a.flushing.then(() => this.o.store.logsAppend(a.tiId, a.attempt, a.log.take()))
    return a.flushing
  }

  #heartbeatEnsure(): void {
    if (this.#heartbeat) return
    this.#heartbeat = setInterval(() => void this.heartbeat(), this.o.heartbeatMs)
    this.#heartbeat.unref()
  }

  #heartbeatStopIfIdle(): void {
    if (this.#active.size || !this.#heartbeat) return
    clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
  }

  /**
   * Renews every lease held here and flushes logs. An attempt whose lease was taken over is aborted; so is one
   * whose lease could not be renewed before it expired (the metastore unreachable), since another process may
   * then recover it.
   */
  async heartbeat(): Promise<void> {
    for (const a of [...this.#active.values()]) {
      const now = this.o.now()
      const until = new Date(now.getTime() + this.o.leaseMs)
      let held: boolean | undefined
      try {
        held = await this.o.store.taskHeartbeat(a.tiId, this.o.owner, until)
      } catch {
        held = undefined
      }
      if (held) a.leaseUntil = until
      else if (held === false || now >= a.leaseUntil) {
        if (!a.abort.signal.aborted) {
          this.o.log.emit({ code: 'I105', level: 'warn', msg: 'task lease lost; aborting the attempt', taskInstanceId: a.tiId, attempt: a.attempt })
          a.abort.abort(new AkkoError('CANCELLED', 'the task lease was lost (another orchestrator recovered this task, or the metastore was unreachable)'))
        }
      }
      if (!a.settled) await this.#flush(a).catch(() => undefined)
    }
  }

  /**
   * Stops: waits up to `graceMs` for running attempts, then aborts the rest (recorded as failed attempts, retried
   * per policy) and waits until their outcomes are written.
   */
  async stop(graceMs: number): Promise<void> {
    const recorded = (): Promise<unknown> => Promise.all([...this.#active.values()].map(a => a.recorded))
    if (this.#active.size && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([recorded(), new Promise(r => (timer = setTimeout(r, graceMs)))])
      clearTimeout(timer)
    }
    for (const a of this.#active.values()) if (!a.abort.signal.aborted) a.abort.abort(new AkkoError('CANCELLED', 'the orchestrator is stopping'))
    await recorded()
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
  }

  /** Resolves when no attempt of this process is alive. */
  async idle(): Promise<void> {
    while (this.#active.size) {
      await Promise.all([...this.#active.values()].map(a => a.recorded))
      await new Promise(r => setTimeout(r, 5))
    }
  }
}
