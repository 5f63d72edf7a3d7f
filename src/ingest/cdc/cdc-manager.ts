/**
 * The platform's CDC pipelines (`cdc:` in akko.yaml): each one started, restarted with exponential backoff when
 * it fails (a pipeline resumes from the LSN stored in its tables' snapshots, so restarts neither lose nor double
 * a change), and stopped when the platform closes. Nothing runs until `start()`: commands that open the platform
 * in-process do not replicate; `akko serve` starts the manager.
 * @module
 */
import { AkkoError, type CdcPipelineConfig, type Logger } from '../../core/index.js'
import type { TableContext } from '../../storage/index.js'
import { cdcPipeline, type CdcPipeline, type CdcPipelineOptions, type CdcStatus } from '../postgres/index.js'
import { tableIdentParse } from '../tasks/index.js'

/** One pipeline as listed by `system.runtime.cdc_pipelines`, `GET /api/cdc` and `akko cdc status`. */
export interface CdcPipelineInfo {
  readonly name: string
  /** The pipeline's state; `failed` while waiting for the next restart (`nextRestartAt`). `configured`: not started. */
  readonly state: CdcStatus['state'] | 'configured'
  /** Now minus the commit time of the oldest source transaction received but not yet in Iceberg; 0 when caught up. */
  readonly lagMs: number
  readonly lastAppliedLsn: string | null
  /** ISO-8601: the source commit time of the last transaction committed to Iceberg. */
  readonly lastAppliedCommitTime: string | null
  /** Rows and transactions applied since the platform started (over every restart). */
  readonly rowsApplied: number
  readonly transactionsApplied: number
  /** The last failure, kept until the pipeline streams again. */
  readonly error: string | null
  readonly restarts: number
  readonly nextRestartAt: string | null
  readonly tables: readonly { readonly table: string; readonly target: string }[]
}

export interface CdcManagerOptions {
  readonly tables: TableContext
  readonly pipelines: readonly CdcPipelineConfig[]
  readonly log?: Logger
  /** First restart delay (default 1 s), doubled after each failure up to `maxRestartDelayMs` (default 5 min). */
  readonly restartDelayMs?: number
  readonly maxRestartDelayMs?: number
  /** A pipeline streaming this long without failing starts over from the first delay (default 1 min). */
  readonly stableAfterMs?: number
  /** Creates a pipeline (default `cdcPipeline`); tests substitute one. */
  readonly create?: (opts: CdcPipelineOptions) => CdcPipeline
}

interface Entry {
  readonly cfg: CdcPipelineConfig
  pipeline?: CdcPipeline
  /** Counters of the pipelines that ran before the current one. */
  rowsBefore: number
  txBefore: number
  lastError?: string
  restarts: number
  nextRestartAt?: number
  supervisor?: Promise<void>
}

export class CdcManager {
  readonly #o: CdcManagerOptions
  readonly #entries: Entry[]
  readonly #closing = new AbortController()
  #started = false
  #closed?: Promise<void>

  constructor(o: CdcManagerOptions) {
    this.#o = o
    // Checked here so a bad target fails at startup, not at the first restart.
    for (const p of o.pipelines) for (const t of p.tables) tableIdentParse(t.target)
    this.#entries = o.pipelines.map(cfg => ({ cfg, rowsBefore: 0, txBefore: 0, restarts: 0 }))
  }

  /** The configured pipeline names. */
  names(): string[] {
    return this.#entries.map(e => e.cfg.name)
  }

  /** The configuration of one pipeline (NOT_FOUND names the configured ones). */
  config(name: string): CdcPipelineConfig {
    const e = this.#entries.find(x => x.cfg.name === name)
    if (!e) throw new AkkoError('NOT_FOUND', `No CDC pipeline named ${name} is configured (configured: ${this.names().join(', ') || 'none'}; see cdc: in akko.yaml)`, { pipeline: name })
    return e.cfg
  }

  get started(): boolean {
    return this.#started
  }

  /** Starts every pipeline in the background; returns at once. Failures are logged and retried, never thrown. */
  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    for (const e of this.#entries) e.supervisor = this.#supervise(e)
  }

  /** Resolves once every pipeline streams (or has failed at least once), for callers that want to wait. */
  async ready(opts: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
    while (Date.now() < deadline && !this.#closing.signal.aborted) {
      if (this.#entries.every(e => e.pipeline?.status().state === 'streaming' || e.restarts > 0)) return
      await delay(50, this.#closing.signal)
    }
  }

  status(): CdcPipelineInfo[] {
    return this.#entries.map(e => {
      const s = e.pipeline?.status()
      const error = s?.error ?? e.lastError
      return {
        name: e.cfg.name,
        state: s?.state ?? 'configured',
        lagMs: s?.lagMs ?? 0,
        lastAppliedLsn: s?.lastAppliedLsn ?? null,
        lastAppliedCommitTime: s?.lastAppliedCommitTime ?? null,
        rowsApplied: e.rowsBefore + (s?.rowsApplied ?? 0),
        transactionsApplied: e.txBefore + (s?.transactionsApplied ?? 0),
        error: error ?? null,
        restarts: e.restarts,
        nextRestartAt: e.nextRestartAt === undefined ? null : new Date(e.nextRestartAt).toISOString(),
        tables: e.cfg.tables,
      }
    })
  }

  /** Stops every pipeline (committing what each has gathered) and the restarts; safe to call twice. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#closing.abort()
      await Promise.all(this.#entries.map(async e => {
        await e.pipeline?.stop().catch(() => undefined)
        await e.supervisor
      }))
    })())
  }

  async #supervise(e: Entry): Promise<void> {
    const first = this.#o.restartDelayMs ?? 1000
    const max = this.#o.maxRestartDelayMs ?? 300_000
    const stableAfter = this.#o.stableAfterMs ?? 60_000
    const create = this.#o.create ?? cdcPipeline
    const log = this.#o.log
    let wait = first
    while (!this.#closing.signal.aborted) {
      const p = create({
        tables: this.#o.tables, source: { url: e.cfg.url.reveal() }, name: e.cfg.name,
        streams: e.cfg.tables.map(t => ({ table: t.table, target: tableIdentParse(t.target) })),
        ...(e.cfg.flushIntervalMs !== undefined ? { flushIntervalMs: e.cfg.flushIntervalMs } : {}),
      })
      if (e.pipeline) {
        const s = e.pipeline.status()
        e.rowsBefore += s.rowsApplied
        e.txBefore += s.transactionsApplied
      }
      e.pipeline = p
      e.nextRestartAt = undefined
      let streamingSince: number | undefined
      try {
        await p.start()
        streamingSince = Date.now()
        e.lastError = undefined
        log?.emit({ code: 'I130', level: 'info', msg: 'CDC pipeline streaming', pipeline: e.cfg.name, restarts: e.restarts })
        if (this.#closing.signal.aborted) await p.stop()
        await p.done
        if (this.#closing.signal.aborted) return
        // Stopped without being asked (not expected): treated like a failure.
        throw new AkkoError('UNAVAILABLE', `CDC pipeline ${e.cfg.name} stopped`)
      } catch (err) {
        if (this.#closing.signal.aborted) return
        e.lastError = (err as Error).message
        if (streamingSince !== undefined && Date.now() - streamingSince >= stableAfter) wait = first
        e.restarts++
        e.nextRestartAt = Date.now() + wait
        log?.emit({ code: 'I131', level: 'warn', msg: 'CDC pipeline failed; restarting', pipeline: e.cfg.name, error: e.lastError, inMs: wait, restarts: e.restarts })
        await delay(wait, this.#closing.signal)
        wait = Math.min(wait * 2, max)
      }
    }
  }
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Creates the manager (nothing starts until `start()`). */
export function cdcManagerCreate(o: CdcManagerOptions): CdcManager {
  return new CdcManager(o)
}
