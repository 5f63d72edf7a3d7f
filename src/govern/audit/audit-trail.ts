import { randomUUID } from 'node:crypto'
import { AkkoError, type Logger } from '../../core/index.js'
import type { Metastore, SqlClient } from '../../storage/index.js'
import { AuditSink, type AuditSinkOptions, type AuditSinkStatus } from './audit-sink.js'
import { auditEventsRead, auditInsert, auditPurge, type AuditPendingRow } from './audit-store.js'
import type { AuditEvent, AuditEventInput, AuditFilter, AuditReader, AuditRecorder } from './event.js'
import { AUDIT_MIGRATIONS } from './migrations.js'
import { auditRedact, auditScrubText } from './redact.js'

export interface AuditTrailOptions {
  readonly metastore: Pick<Metastore, 'sql' | 'migrate'>
  readonly log: Logger
  /** Also ship every stored event to this HTTP endpoint (see {@link AuditSink}). */
  readonly sink?: AuditSinkOptions
  /**
   * Delete events older than this many days (checked at open and hourly). With a sink, only events the sink
   * has acknowledged are deleted. Absent: events are kept for ever.
   */
  readonly retentionDays?: number
  /** Events per INSERT (default 500). */
  readonly batchSize?: number
  /** Events held in memory while the metastore is unreachable before new ones are dropped (default 10,000). */
  readonly maxBuffered?: number
  /** How long `record` lets events gather before writing them (default 50 ms; a full batch is written at once). */
  readonly flushDelayMs?: number
  /** Backoff after a failed write: doubles from min to max (defaults 100 ms and 5 s). */
  readonly retryMinMs?: number
  readonly retryMaxMs?: number
}

/** The trail's counters, for health pages and tests. */
export interface AuditTrailStatus {
  /** Recorded, not yet stored. */
  readonly buffered: number
  /** Dropped since open: the buffer was full, or the trail was closed. */
  readonly dropped: number
  /** Could not be stored in any form (a data error even on the minimal form of the event). */
  readonly unstorable: number
  /** The last write failed and is being retried. */
  readonly failing: boolean
  readonly sink?: AuditSinkStatus
}

interface Pending {
  readonly seq: number
  readonly row: AuditPendingRow
}

const HOUR_MS = 3_600_000

/**
 * Opens the audit trail on the metastore: applies its migration, starts the sink and the retention purge
 * when configured. Misconfiguration (a bad sink URL, a non-positive retention) fails here with INVALID_CONFIG.
 * @example const audit = await auditTrailOpen({ metastore, log, sink: cfg.audit.sinkUrl ? { url: cfg.audit.sinkUrl, token: cfg.audit.sinkToken } : undefined })
 */
export async function auditTrailOpen(o: AuditTrailOptions): Promise<AuditTrail> {
  if (o.retentionDays !== undefined && !(Number.isFinite(o.retentionDays) && o.retentionDays > 0)) {
    throw new AkkoError('INVALID_CONFIG', `audit.retentionDays must be a positive number of days, got ${JSON.stringify(o.retentionDays)}`)
  }
  await o.metastore.migrate(AUDIT_MIGRATIONS)
  const trail = new AuditTrail(o)
  trail.start()
  return trail
}

/**
 * The platform's audit trail, stored append-only in the metastore (`govern_audit_events`).
 *
 * `record` never throws and never waits: it redacts the event (see redact.ts), stamps its time and queues it;
 * a background writer stores queued events in batches, one INSERT per batch, and assigns ids that grow in
 * commit order. When the metastore fails, the writer logs an error (G201, no event content) and retries with
 * backoff, keeping events in memory up to `maxBuffered`; past that, new events are dropped with a warning
 * (G202), and once writing works again the count of dropped events is logged (G203) and recorded in the trail
 * itself (`admin` / `audit.events_dropped`). `flush` waits until everything recorded before it is stored.
 * Reads (`events`) see stored events only: flush first to read your own writes.
 */
export class AuditTrail implements AuditRecorder, AuditReader {
  readonly #sql: SqlClient
  readonly #log: Logger
  readonly #batchSize: number
  readonly #maxBuffered: number
  readonly #flushDelayMs: number
  readonly #retryMinMs: number
  readonly #retryMaxMs: number
  readonly #retentionDays: number | undefined
  readonly #sink: AuditSink | undefined
  #buffer: Pending[] = []
  #seq = 0
  #stored = 0
  #waiters: Array<{ seq: number; resolve: () => void; reject: (e: unknown) => void }> = []
  #timer: NodeJS.Timeout | undefined
  #retention: NodeJS.Timeout | undefined
  #draining: Promise<void> | undefined
  #failures = 0
  #dropped = 0
  #dropPending = 0
  #dropSince: string | undefined
  #unstorable = 0
  #closed = false
  #stopped = false
  #wake: (() => void) | undefined
  #closing: Promise<void> | undefined

  constructor(o: AuditTrailOptions) {
    this.#sql = o.metastore.sql
    this.#log = o.log
    this.#batchSize = o.batchSize ?? 500
    this.#maxBuffered = o.maxBuffered ?? 10_000
    this.#flushDelayMs = o.flushDelayMs ?? 50
    this.#retryMinMs = o.retryMinMs ?? 100
    this.#retryMaxMs = o.retryMaxMs ?? 5_000
    this.#retentionDays = o.retentionDays
    this.#sink = o.sink ? new AuditSink({ ...o.sink, sql: this.#sql, log: this.#log }) : undefined
  }

  /** Starts the sink and the retention purge (called by {@link auditTrailOpen}). */
  start(): void {
    this.#sink?.start()
    if (this.#retentionDays !== undefined && !this.#retention) {
      void this.purge()
      this.#retention = setInterval(() => void this.purge(), HOUR_MS)
      this.#retention.unref()
    }
  }

  record(event: AuditEventInput): void {
    try {
      if (this.#closed) {
        this.#dropped++
        this.#log.emit({ code: 'G205', level: 'warn', msg: 'an audit event was recorded after the trail closed and is dropped', kind: String(event?.kind), action: auditScrubText(String(event?.action)) })
        return
      }
      if (this.#buffer.length >= this.#maxBuffered) {
        this.#drop()
        return
      }
      this.#enqueue(auditRedact(event))
    } catch (e) {
      // A recorder must not throw into the query or request that records; say so loudly instead.
      this.#log.emit({ code: 'G206', level: 'error', msg: 'an audit event could not be recorded (this is a bug)', error: auditScrubText(String((e as Error)?.message ?? e)) })
    }
  }

  flush(): Promise<void> {
    const target = this.#seq
    if (this.#stored >= target) return Promise.resolve()
    if (this.#stopped) return Promise.reject(this.#lostError())
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#kick()
    }
    return new Promise((resolve, reject) => this.#waiters.push({ seq: target, resolve, reject }))
  }

  /** Stored events matching `filter`, oldest first (at most 1,000 unless `limit` says otherwise, up to 100,000). */
  events(filter?: AuditFilter): Promise<readonly AuditEvent[]> {
    return auditEventsRead(this.#sql, filter)
  }

  status(): AuditTrailStatus {
    return {
      buffered: this.#buffer.length,
      dropped: this.#dropped,
      unstorable: this.#unstorable,
      failing: this.#failures > 0,
      ...(this.#sink ? { sink: this.#sink.status() } : {}),
    }
  }

  /** The last id the sink acknowledged, or undefined without a sink. */
  sinkShippedId(): Promise<number | undefined> {
    return this.#sink ? this.#sink.shippedId() : Promise.resolve(undefined)
  }

  /**
   * Deletes events older than the retention (only those shipped, with a sink); returns how many. A no-op
   * without `retentionDays`. Failures are logged, not thrown.
   */
  async purge(now = Date.now()): Promise<number> {
    if (this.#retentionDays === undefined || this.#stopped) return 0
    try {
      const before = new Date(now - this.#retentionDays * 86_400_000).toISOString()
      const n = await auditPurge(this.#sql, before, this.#sink ? await this.#sink.shippedId() : undefined)
      if (n) this.#log.emit({ code: 'G207', level: 'info', msg: 'audit events past retention deleted', deleted: n, before })
      return n
    } catch (e) {
      this.#log.emit({ code: 'G208', level: 'warn', msg: 'the audit retention purge failed; it runs again in an hour', error: auditScrubText((e as Error).message) })
      return 0
    }
  }

  /**
   * Stops recording, stores what is queued (waiting at most `timeoutMs`, default 10 s, then logging how many
   * events were lost: G204), and stops the sink. Does not close the metastore. Safe to call twice.
   */
  close(o: { timeoutMs?: number } = {}): Promise<void> {
    return (this.#closing ??= this.#close(o.timeoutMs ?? 10_000))
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closed = true
    if (this.#retention) clearInterval(this.#retention)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const result = await Promise.race([this.flush().then(() => 'ok' as const, () => 'failed' as const), timedOut])
    clearTimeout(timer)
    if (result !== 'ok') {
      const lost = this.#buffer.length
      this.#stopped = true
      this.#wake?.()
      if (this.#timer) clearTimeout(this.#timer)
      for (const w of this.#waiters.splice(0)) w.reject(this.#lostError())
      if (lost) this.#log.emit({ code: 'G204', level: 'error', msg: 'audit events could not be stored before the trail closed and are lost', lost })
    }
    await this.#sink?.close()
  }

  #enqueue(event: AuditEventInput): void {
    this.#buffer.push({ seq: ++this.#seq, row: { uid: randomUUID(), time: new Date().toISOString(), event } })
    this.#schedule()
  }

  #drop(): void {
    this.#dropped++
    if (this.#dropPending++ === 0) {
      this.#dropSince = new Date().toISOString()
      this.#log.emit({ code: 'G202', level: 'warn', msg: 'the audit buffer is full because the metastore cannot be written: new audit events are being DROPPED', buffered: this.#buffer.length, maxBuffered: this.#maxBuffered })
    }
  }

  /** After a successful write: report dropped events in the log and in the trail itself. */
  #dropReport(): void {
    if (!this.#dropPending) return
    const dropped = this.#dropPending
    this.#dropPending = 0
    this.#log.emit({ code: 'G203', level: 'error', msg: 'audit events were dropped while the buffer was full', dropped, since: this.#dropSince })
    this.#enqueue({ kind: 'admin', actor: 'akko', outcome: 'failure', action: 'audit.events_dropped', source: 'platform', details: { dropped, since: this.#dropSince } })
  }

  #schedule(): void {
    if (this.#draining || this.#timer || this.#stopped) return
    const delay = this.#buffer.length >= this.#batchSize ? 0 : this.#flushDelayMs
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#kick()
    }, delay)
  }

  #kick(): void {
    if (this.#draining || this.#stopped) return
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined
      if (this.#buffer.length) this.#schedule()
    })
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length && !this.#stopped) {
      const batch = this.#buffer.slice(0, this.#batchSize)
      try {
        await this.#write(batch)
      } catch (e) {
        await this.#failed(e)
        continue
      }
      this.#buffer.splice(0, batch.length)
      this.#stored = batch[batch.length - 1]!.seq
      if (this.#failures) this.#log.emit({ code: 'G209', level: 'info', msg: 'audit events are being stored again', buffered: this.#buffer.length })
      this.#failures = 0
      this.#waiters = this.#waiters.filter((w) => (w.seq <= this.#stored ? (w.resolve(), false) : true))
      this.#dropReport()
      this.#sink?.nudge()
    }
  }

  /**
   * Writes a batch. A data error (SQLSTATE class 22/23: the server refuses a value) must not block the trail
   * for ever: the batch is then written event by event, and an event refused on its own is stored in its
   * minimal form (kind, actor, outcome, action, source) with a note, or counted as unstorable.
   */
  async #write(batch: readonly Pending[]): Promise<void> {
    try {
      await auditInsert(this.#sql, batch.map((p) => p.row))
    } catch (e) {
      if (!isDataError(e)) throw e
      if (batch.length > 1) {
        for (const p of batch) await this.#write([p])
        return
      }
      const { row } = batch[0]!
      const minimal: AuditEventInput = { kind: row.event.kind, actor: row.event.actor, outcome: row.event.outcome, action: row.event.action, source: row.event.source, details: { unstorable: sqlStateOf(e) ?? 'unknown' } }
      try {
        await auditInsert(this.#sql, [{ ...row, event: minimal }])
      } catch (e2) {
        if (!isDataError(e2)) throw e2
        this.#unstorable++
        this.#log.emit({ code: 'G212', level: 'error', msg: 'an audit event could not be stored in any form and is lost', kind: row.event.kind, sqlstate: sqlStateOf(e2) })
      }
    }
  }

  async #failed(e: unknown): Promise<void> {
    this.#failures++
    const wait = Math.min(this.#retryMaxMs, this.#retryMinMs * 2 ** Math.min(this.#failures - 1, 30))
    this.#log.emit({ code: 'G201', level: 'error', msg: 'audit events could not be stored in the metastore; retrying', error: auditScrubText(e instanceof Error ? e.message : String(e)), sqlstate: sqlStateOf(e), buffered: this.#buffer.length, attempt: this.#failures, retryInMs: wait })
    await new Promise<void>((resolve) => {
      // Unref'd: a process that never closes the trail is not kept alive by a retry alone.
      const t = setTimeout(done, wait).unref()
      function done(): void {
        clearTimeout(t)
        resolve()
      }
      this.#wake = done
    })
    this.#wake = undefined
  }

  #lostError(): AkkoError {
    return new AkkoError('METASTORE_ERROR', `${this.#buffer.length} audit events could not be stored before the trail closed; check the metastore`)
  }
}

/** The SQLSTATE of a metastore error (kept in `details.sqlstate`) or of a raw driver error. */
function sqlStateOf(e: unknown): string | undefined {
  const s = (e as { details?: { sqlstate?: unknown } } | null)?.details?.sqlstate ?? (e as { code?: unknown } | null)?.code
  return typeof s === 'string' && /^[0-9A-Z]{5}$/.test(s) ? s : undefined
}

const isDataError = (e: unknown): boolean => /^2[23]/.test(sqlStateOf(e) ?? '')
