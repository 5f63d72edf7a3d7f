/**
 * One query of the Trino protocol: started by the POST, then paged by the client through `nextUri` tokens.
 * Execution runs apart from the HTTP requests; at most one page beyond the one being sent is produced ahead
 * (backpressure: a slow client holds the engine's row stream, never a buffered result).
 */
import { randomBytes } from 'node:crypto'
import { AkkoError, toAkkoError, type Logger } from '../../core/index.js'
import type { ColumnMeta, QueryEngine, QueryResult, Session } from '../../engine/index.js'
import { toTrinoQueryError, type TrinoQueryError } from './errors.js'
import { sessionChangeHeaders, type HeaderPrefix } from './session-headers.js'
import { typeSignatureParse, type TypeSignature } from './type-signature.js'

/** Sizing of pages and of each GET's long poll. */
export interface PagingOptions {
  /** Most rows per page. */
  readonly pageRows: number
  /** A page is closed once its JSON reaches this many bytes. */
  readonly pageBytes: number
  /** How long a GET waits for the next page before answering "still running" without data. */
  readonly maxWaitMs: number
}

export type TrinoQueryState = 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED'

/** A protocol response: the QueryResults JSON text and the headers to send with it. */
export interface TrinoResponse {
  readonly body: string
  readonly headers: ReadonlyArray<readonly [string, string]>
}

interface Page {
  /** Each row already JSON-encoded. */
  readonly rows: readonly string[]
  readonly bytes: number
  /** No rows follow. */
  readonly last: boolean
}

interface WireColumn {
  readonly name: string
  readonly type: string
  readonly typeSignature: TypeSignature
}

type Batch = readonly (readonly unknown[])[]

/** Trino-style query ids: `20250718_081710_00003_abcde`. */
let sequence = 0
function newQueryId(now = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  const day = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`
  sequence = (sequence + 1) % 100000
  const suffix = Array.from(randomBytes(5), b => String.fromCharCode(97 + (b % 26))).join('')
  return `${day}_${time}_${p(sequence, 5)}_${suffix}`
}

export class TrinoQuery {
  readonly id = newQueryId()
  /** Unguessable part of every nextUri, so knowing a query id is not enough to read its results. */
  readonly slug = 'y' + randomBytes(12).toString('hex')
  readonly createdAt = Date.now()
  /** Last time a client asked about this query (for abandonment). */
  lastSeen = Date.now()
  /** When the query reached a final state. */
  endedAt: number | undefined
  private stateValue: TrinoQueryState = 'QUEUED'
  private readonly abort = new AbortController()
  private result: QueryResult | undefined
  private columns: WireColumn[] | undefined
  private rows: AsyncIterator<Batch> | undefined
  private leftover: { batch: Batch; index: number } | undefined
  private prefetch: Promise<Page> | undefined
  private error: TrinoQueryError | undefined
  private finishedDelivered = false
  private readonly started: Promise<void>
  private token = 0
  private lastResponse: TrinoResponse | undefined
  /** Requests for one query are answered one at a time, in order. */
  private lock: Promise<unknown> = Promise.resolve()
  private processedRows = 0
  private producedRows = 0
  private processedBytes = 0
  private startedRunningAt: number | undefined

  constructor(
    readonly sql: string,
    readonly session: Session,
    readonly headerPrefix: HeaderPrefix,
    engine: QueryEngine,
    private readonly paging: PagingOptions,
    private readonly log: Logger,
  ) {
    this.started = engine
      .execute(sql, session, {
        signal: this.abort.signal,
        queryId: this.id,
        onProgress: p => {
          this.processedRows = Math.max(this.processedRows, p.processedRows)
          if (this.stateValue === 'QUEUED' && p.state !== 'QUEUED') this.markRunning()
        },
      })
      .then(
        r => this.onResult(r),
        e => this.fail(e),
      )
  }

  get state(): TrinoQueryState {
    return this.stateValue
  }

  /** True once nothing more happens: finished and delivered, failed, or cancelled. */
  get isDone(): boolean {
    return this.stateValue === 'FAILED' || (this.stateValue === 'FINISHED' && this.finishedDelivered)
  }

  /** The POST answer: queued, no rows, a nextUri (clients drop data from this response, so none is sent). */
  firstResponse(base: string): TrinoResponse {
    this.lastSeen = Date.now()
    return this.respondLocked(base, 0, undefined)
  }

  /** Answers `GET nextUri` for `token`: the next page, the same page again on a retry, or an error. */
  fetch(base: string, token: number): Promise<TrinoResponse> {
    this.lastSeen = Date.now()
    const run = this.lock.then(() => this.fetchLocked(base, token))
    this.lock = run.catch(() => {})
    return run
  }

  /** Cancels the query (DELETE nextUri or /v1/query/{id}); a finished query stays finished. */
  cancel(reason: 'user' | 'abandoned' = 'user'): void {
    this.lastSeen = Date.now()
    if (this.stateValue === 'FAILED' || this.stateValue === 'FINISHED') return
    const message =
      reason === 'user' ? 'Query was canceled' : 'Query was abandoned: the client stopped asking for results and the server canceled it'
    this.fail(new AkkoError('CANCELLED', message, { reason }))
  }

  /** Summary for `GET /v1/query/{id}`. */
  info(): Record<string, unknown> {
    return {
      queryId: this.id,
      state: this.stateValue,
      query: this.sql,
      session: { user: this.session.user, catalog: this.session.catalog ?? null, schema: this.session.schema ?? null },
      ...(this.error ? { errorCode: { code: this.error.errorCode, name: this.error.errorName, type: this.error.errorType }, failureInfo: this.error.failureInfo } : {}),
    }
  }

  private async fetchLocked(base: string, token: number): Promise<TrinoResponse> {
    if (token === this.token && this.lastResponse) return this.lastResponse
    if (token !== this.token + 1) throw new AkkoError('NOT_FOUND', `Query ${this.id} has no page ${token} (the client skipped or repeated an old page)`)
    if (this.result === undefined && this.error === undefined) await this.waitAtMost(this.started)
    let page: Page | undefined
    if (this.error === undefined && this.prefetch) {
      page = await this.waitAtMost(this.prefetch)
      if (page) this.prefetch = page.last ? undefined : this.produce()
    }
    return this.respondLocked(base, token, page)
  }

  private respondLocked(base: string, token: number, page: Page | undefined): TrinoResponse {
    // The POST answer always has a nextUri: some clients never read an error from it.
    const last = token > 0 && (this.error !== undefined || (page?.last ?? false))
    const stats = this.stats(last)
    const doc: Record<string, unknown> = {
      id: this.id,
      infoUri: `${base}/ui/query.html?${this.id}`,
      ...(last ? {} : { nextUri: `${base}/v1/statement/executing/${this.id}/${this.slug}/${token + 1}` }),
      ...(this.columns && !this.error ? { columns: this.columns } : {}),
      stats,
      ...(this.error ? { error: this.error } : {}),
      warnings: [],
      ...(this.result?.updateType !== undefined && !this.error ? { updateType: this.result.updateType } : {}),
      ...(this.result?.updateCount !== undefined && !this.error ? { updateCount: this.result.updateCount } : {}),
    }
    let body = JSON.stringify(doc)
    if (page && page.rows.length > 0 && !this.error) body = `${body.slice(0, -1)},"data":[${page.rows.join(',')}]}`
    // Session changes go out exactly once, with the response that completes the query: clients that append
    // (prepared statements) must not see them twice.
    const headers = last && !this.error && this.result ? sessionChangeHeaders(this.result.sessionChanges, this.headerPrefix) : []
    if (last && !this.error) {
      this.finishedDelivered = true
      this.endedAt ??= Date.now()
    }
    const response = { body, headers }
    this.token = token
    this.lastResponse = response
    return response
  }

  private stats(last: boolean): Record<string, unknown> {
    const now = Date.now()
    const state = this.error ? 'FAILED' : last ? 'FINISHED' : this.stateValue === 'QUEUED' ? 'QUEUED' : 'RUNNING'
    const running = this.startedRunningAt ?? now
    const queuedMs = running - this.createdAt
    return {
      state,
      queued: state === 'QUEUED',
      scheduled: state !== 'QUEUED',
      ...(state === 'FINISHED' ? { progressPercentage: 100 } : {}),
      nodes: 1,
      totalSplits: 1,
      queuedSplits: state === 'QUEUED' ? 1 : 0,
      runningSplits: state === 'RUNNING' ? 1 : 0,
      completedSplits: state === 'FINISHED' ? 1 : 0,
      cpuTimeMillis: now - running,
      wallTimeMillis: now - running,
      queuedTimeMillis: queuedMs,
      elapsedTimeMillis: now - this.createdAt,
      processedRows: this.processedRows,
      processedBytes: this.processedBytes,
      physicalInputBytes: 0,
      peakMemoryBytes: 0,
      spilledBytes: 0,
    }
  }

  private markRunning(): void {
    this.stateValue = 'RUNNING'
    this.startedRunningAt ??= Date.now()
  }

  private onResult(r: QueryResult): void {
    if (this.error) {
      // Cancelled while the engine was still starting: release what it opened.
      void r.rows[Symbol.asyncIterator]().return?.()
      return
    }
    this.result = r
    this.markRunning()
    let columns: readonly ColumnMeta[] = r.columns
    let rows: AsyncIterable<Batch> = r.rows
    // Trino gives statements without output a column anyway ("fake boolean result for clients that require it");
    // row-count statements answer `rows bigint`.
    if (columns.length === 0 && r.updateCount !== undefined) {
      columns = [{ name: 'rows', type: 'bigint' }]
      rows = single([[r.updateCount]])
    } else if (columns.length === 0) {
      columns = [{ name: 'result', type: 'boolean' }]
      rows = single([[true]])
    }
    this.columns = columns.map(c => ({ name: c.name, type: c.type, typeSignature: typeSignatureParse(c.type) }))
    this.rows = rows[Symbol.asyncIterator]()
    this.prefetch = this.produce()
  }

  /** Pulls rows from the engine until a page is full or the rows end. */
  private async produce(): Promise<Page> {
    const out: string[] = []
    let bytes = 0
    let last = false
    try {
      while (out.length < this.paging.pageRows && bytes < this.paging.pageBytes) {
        if (!this.leftover) {
          const next = await this.rows!.next()
          if (this.error) break
          if (next.done) {
            this.rows = undefined
            this.stateValue = 'FINISHED'
            this.endedAt ??= Date.now()
            last = true
            break
          }
          this.leftover = { batch: next.value, index: 0 }
        }
        const lo = this.leftover
        while (lo.index < lo.batch.length && out.length < this.paging.pageRows && bytes < this.paging.pageBytes) {
          const json = JSON.stringify(lo.batch[lo.index++], bigintAsNumber)
          out.push(json)
          bytes += json.length + 1
        }
        if (lo.index >= lo.batch.length) this.leftover = undefined
      }
    } catch (e) {
      this.fail(e)
    }
    this.producedRows += out.length
    this.processedRows = Math.max(this.processedRows, this.producedRows)
    this.processedBytes += bytes
    return { rows: out, bytes, last: last || this.error !== undefined }
  }

  private fail(e: unknown): void {
    if (this.error) return
    const err = toAkkoError(e)
    this.error = toTrinoQueryError(err, this.log)
    this.stateValue = 'FAILED'
    this.endedAt ??= Date.now()
    this.abort.abort(err)
    const rows = this.rows
    this.rows = undefined
    this.leftover = undefined
    // Closing the engine's row stream frees its DuckDB result; the pending prefetch then ends on its own.
    if (rows?.return) void rows.return().catch(() => {})
  }

  /** Resolves with the promise's value, or undefined once maxWaitMs passes (the work carries on). */
  private async waitAtMost<T>(p: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>(resolve => (timer = setTimeout(() => resolve(undefined), this.paging.maxWaitMs)))
    try {
      return await Promise.race([p, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}

async function* single(rows: Batch): AsyncIterable<Batch> {
  yield rows
}

function bigintAsNumber(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v
}
