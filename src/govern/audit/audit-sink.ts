import { randomUUID } from 'node:crypto'
import { AkkoError, redactUrl, type Logger, type Secret } from '../../core/index.js'
import type { SqlClient } from '../../storage/index.js'
import { auditEventLine } from './audit-export.js'
import { auditEventsRead } from './audit-store.js'
import type { AuditEvent } from './event.js'

/** Where to ship the trail: an HTTP endpoint that accepts JSON lines (a SIEM, a log collector). */
export interface AuditSinkOptions {
  /** `http(s)://…`; events are POSTed here as `application/x-ndjson`. */
  readonly url: string
  /** Sent as `Authorization: Bearer …`. */
  readonly token?: Secret
  /** Events per POST (default 500). */
  readonly batchSize?: number
  /** Time allowed for one POST (default 15 s). */
  readonly timeoutMs?: number
  /** Backoff after a failed POST: doubles from min to max (defaults 1 s and 60 s). */
  readonly retryMinMs?: number
  readonly retryMaxMs?: number
  /** How often to look for events stored by other processes sharing the metastore (default 5 s). */
  readonly pollMs?: number
}

/** The sink's state, for health pages and tests. */
export interface AuditSinkStatus {
  readonly url: string
  readonly failing: boolean
  readonly lastError?: string
}

/**
 * Ships stored events to an HTTP endpoint, in id order, one batch at a time, resuming after the last id the
 * endpoint acknowledged (a 2xx answer). That id is kept in the metastore (`govern_audit_sinks`), keyed by the
 * sink's URL without credentials or query, so a restart neither loses nor repeats events; a new URL starts from
 * the oldest stored event. While the endpoint is down or refuses a batch (any non-2xx), the batch is retried
 * with backoff and events simply wait in the metastore: recording and queries never wait for the sink.
 *
 * Several processes sharing one PostgreSQL metastore ship through one lease per sink (renewed at every
 * batch, expiring if its holder dies), so a batch goes out once. Delivery is at-least-once only in one case:
 * the endpoint stored a batch but its answer was lost; the `x-akko-audit-first-id`/`-last-id` headers and
 * the events' ids let it drop such repeats.
 */
export class AuditSink {
  readonly #sql: SqlClient
  readonly #log: Logger
  readonly #url: string
  readonly #key: string
  readonly #token: Secret | undefined
  readonly #batchSize: number
  readonly #timeoutMs: number
  readonly #retryMinMs: number
  readonly #retryMaxMs: number
  readonly #pollMs: number
  readonly #leaseMs: number
  readonly #owner = randomUUID()
  readonly #abort = new AbortController()
  #closed = false
  #nudged = false
  /** Ends the current sleep; `idle` says whether a nudge may end it (an idle wait) or only close (a backoff). */
  #wake: { readonly idle: boolean; readonly now: () => void } | undefined
  #failures = 0
  #lastError: string | undefined
  #loop: Promise<void> | undefined

  constructor(o: AuditSinkOptions & { readonly sql: SqlClient; readonly log: Logger }) {
    this.#sql = o.sql
    this.#log = o.log
    this.#url = auditSinkUrlCheck(o.url)
    this.#key = auditSinkKey(o.url)
    this.#token = o.token
    this.#batchSize = o.batchSize ?? 500
    this.#timeoutMs = o.timeoutMs ?? 15_000
    this.#retryMinMs = o.retryMinMs ?? 1_000
    this.#retryMaxMs = o.retryMaxMs ?? 60_000
    this.#pollMs = o.pollMs ?? 5_000
    this.#leaseMs = Math.max(60_000, this.#timeoutMs * 4)
  }

  /** Starts shipping in the background. */
  start(): void {
    this.#loop ??= this.#run()
  }

  /** New events are stored: ship now instead of at the next poll. */
  nudge(): void {
    this.#nudged = true
    if (this.#wake?.idle) this.#wake.now()
  }

  /** The last id the endpoint acknowledged (0 before the first batch). */
  async shippedId(): Promise<number> {
    const { rows } = await this.#sql.query<{ shipped_id: number | string }>('SELECT shipped_id FROM govern_audit_sinks WHERE sink = $1', [this.#key])
    return Number(rows[0]?.shipped_id ?? 0)
  }

  status(): AuditSinkStatus {
    return { url: redactUrl(this.#url), failing: this.#failures > 0, ...(this.#lastError ? { lastError: this.#lastError } : {}) }
  }

  /**
   * Stops shipping and gives up the lease. A POST in flight gets a moment to be answered; past that it is
   * abandoned, and that batch is sent again by the next shipper.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wake?.now()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.#loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))])
    clearTimeout(timer)
    this.#abort.abort()
    await this.#loop
    await this.#sql
      .query('UPDATE govern_audit_sinks SET lease_owner = NULL, lease_until = NULL WHERE sink = $1 AND lease_owner = $2', [this.#key, this.#owner])
      .catch(() => undefined)
  }

  async #run(): Promise<void> {
    let registered = false
    while (!this.#closed) {
      try {
        if (!registered) {
          await this.#sql.query('INSERT INTO govern_audit_sinks (sink) VALUES ($1) ON CONFLICT (sink) DO NOTHING', [this.#key])
          registered = true
        }
        const step = await this.#shipOnce()
        if (this.#failures > 0) this.#log.emit({ code: 'G211', level: 'info', msg: 'audit sink reachable again; shipping resumed', url: redactUrl(this.#url) })
        this.#failures = 0
        this.#lastError = undefined
        if (step === 'shipped' || (step === 'idle' && this.#nudged)) continue
        await this.#sleep(this.#pollMs, true)
      } catch (e) {
        if (this.#closed) break
        this.#failures++
        this.#lastError = e instanceof Error ? e.message : String(e)
        const wait = Math.min(this.#retryMaxMs, this.#retryMinMs * 2 ** Math.min(this.#failures - 1, 30))
        this.#log.emit({ code: 'G210', level: 'warn', msg: 'audit events could not be shipped to the sink; they stay in the metastore and will be sent again', url: redactUrl(this.#url), error: this.#lastError, attempt: this.#failures, retryInMs: wait })
        await this.#sleep(wait, false)
      }
    }
  }

  /** One round: take the lease, read the next batch after the shipped id, POST it, move the shipped id. */
  async #shipOnce(): Promise<'shipped' | 'idle' | 'busy'> {
    this.#nudged = false
    const { rows } = await this.#sql.query<{ shipped_id: number | string }>(
      `UPDATE govern_audit_sinks SET lease_owner = $2, lease_until = now() + ($3 || ' milliseconds')::interval
       WHERE sink = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < now()) RETURNING shipped_id`,
      [this.#key, this.#owner, String(this.#leaseMs)],
    )
    if (!rows.length) return 'busy'
    const events = await auditEventsRead(this.#sql, { afterId: Number(rows[0]!.shipped_id), limit: this.#batchSize })
    if (!events.length) return 'idle'
    await this.#post(events)
    const moved = await this.#sql.query(
      `UPDATE govern_audit_sinks SET shipped_id = GREATEST(shipped_id, $3), updated_at = now(),
         lease_until = now() + ($4 || ' milliseconds')::interval
       WHERE sink = $1 AND lease_owner = $2 RETURNING shipped_id`,
      [this.#key, this.#owner, events[events.length - 1]!.id, String(this.#leaseMs)],
    )
    return moved.rows.length ? 'shipped' : 'busy'
  }

  async #post(events: readonly AuditEvent[]): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-ndjson',
      'x-akko-audit-first-id': String(events[0]!.id),
      'x-akko-audit-last-id': String(events[events.length - 1]!.id),
    }
    if (this.#token) headers.authorization = `Bearer ${this.#token.reveal()}`
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)])
    let res: Response
    try {
      res = await fetch(this.#url, { method: 'POST', headers, body: events.map(auditEventLine).join(''), signal })
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause
      throw new Error(`POST failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`)
    }
    // The answer's body is not needed, but must be consumed so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined)
    if (!res.ok) throw new Error(`the sink answered HTTP ${res.status}`)
  }

  #sleep(ms: number, idle: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(() => now(), ms)
      t.unref()
      const now = (): void => {
        clearTimeout(t)
        this.#wake = undefined
        resolve()
      }
      this.#wake = { idle, now }
    })
  }
}

/** How long `close` lets a POST in flight finish before abandoning it. */
const CLOSE_GRACE_MS = 2_000

/** Refuses a sink URL that is not http(s) or carries credentials (those go in the token, which is a Secret). */
export function auditSinkUrlCheck(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new AkkoError('INVALID_CONFIG', `The audit sink URL must be an http:// or https:// URL, got ${JSON.stringify(redactUrl(url))}`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AkkoError('INVALID_CONFIG', `The audit sink URL must be an http:// or https:// URL, got ${JSON.stringify(redactUrl(url))}`)
  if (u.username || u.password) throw new AkkoError('INVALID_CONFIG', 'The audit sink URL must not carry credentials: set the bearer token in audit.sinkToken (AKKO_AUDIT_SINK_TOKEN) instead')
  return u.toString()
}

/** The sink's identity in `govern_audit_sinks`: origin and path, never credentials or a query string. */
const auditSinkKey = (url: string): string => {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}
