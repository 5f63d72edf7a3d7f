/**
 * The queries the engine knows about (what `system.runtime.queries` shows and cancel-by-id acts on), and
 * admission: at most `maxConcurrent` queries run at once, the rest wait in FIFO order up to `maxQueued`.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { AkkoError } from '../../core/index.js'
import type { QueryState } from '../engine.js'

/** One query as the registry records it. */
export interface QueryInfo {
  readonly queryId: string
  readonly user: string
  readonly source?: string
  readonly sql: string
  state: QueryState
  readonly created: Date
  started?: Date
  ended?: Date
  rows: number
  error?: string
  readonly controller: AbortController
}

export interface RegistryOptions {
  readonly maxConcurrent?: number
  readonly maxQueued?: number
  /** Finished queries kept for `system.runtime.queries`. */
  readonly history?: number
}

/** Trino-style query id: `YYYYMMDD_HHMMSS_NNNNN_xxxxx`. */
export function queryIdNew(now = new Date()): string {
  const iso = now.toISOString()
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`
  return `${stamp}_${String(Math.floor(Math.random() * 100000)).padStart(5, '0')}_${randomBytes(3).toString('hex').slice(0, 5)}`
}

/** Tracks queries and admits them to run. */
export class QueryRegistry {
  readonly #queries = new Map<string, QueryInfo>()
  readonly #waiting: { info: QueryInfo; resolve: () => void; reject: (e: unknown) => void }[] = []
  readonly #finished: string[] = []
  #running = 0
  readonly #max: number
  readonly #maxQueued: number
  readonly #history: number

  constructor(opts: RegistryOptions = {}) {
    this.#max = opts.maxConcurrent ?? 8
    this.#maxQueued = opts.maxQueued ?? 100
    this.#history = opts.history ?? 100
  }

  /** Registers a new query in state QUEUED. */
  register(q: { user: string; source?: string; sql: string; queryId?: string }): QueryInfo {
    const id = q.queryId !== undefined && !this.#queries.has(q.queryId) ? q.queryId : queryIdNew()
    const info: QueryInfo = { queryId: id, user: q.user, source: q.source, sql: q.sql, state: 'QUEUED', created: new Date(), rows: 0, controller: new AbortController() }
    this.#queries.set(info.queryId, info)
    return info
  }

  /** Waits for a run slot (FIFO). QUERY_QUEUE_FULL when too many wait; CANCELLED when cancelled while waiting. */
  async admit(info: QueryInfo): Promise<void> {
    if (this.#running < this.#max && this.#waiting.length === 0) {
      this.#running++
      return
    }
    if (this.#waiting.length >= this.#maxQueued) {
      this.finish(info, 'FAILED', 'queue full')
      throw new AkkoError('QUERY_QUEUE_FULL', `Too many queued queries (${this.#maxQueued}); retry later`, { maxQueued: this.#maxQueued })
    }
    await new Promise<void>((resolve, reject) => {
      const entry = { info, resolve, reject }
      this.#waiting.push(entry)
      info.controller.signal.addEventListener('abort', () => {
        const i = this.#waiting.indexOf(entry)
        if (i >= 0) {
          this.#waiting.splice(i, 1)
          reject(new AkkoError('CANCELLED', 'Query was cancelled while queued', { queryId: info.queryId }))
        }
      }, { once: true })
    })
  }

  /** Ends a query (frees its slot if it held one) and keeps it in the history. */
  finish(info: QueryInfo, state: 'FINISHED' | 'FAILED', error?: string, heldSlot = false): void {
    if (info.ended) return
    info.state = state
    info.ended = new Date()
    if (error) info.error = error
    if (heldSlot) {
      this.#running--
      const next = this.#waiting.shift()
      if (next) {
        this.#running++
        next.resolve()
      }
    }
    this.#finished.push(info.queryId)
    while (this.#finished.length > this.#history) this.#queries.delete(this.#finished.shift() as string)
  }

  /** Cancels a query by id; false when no such query is active. */
  cancel(queryId: string): boolean {
    const q = this.#queries.get(queryId)
    if (!q || q.ended) return false
    q.controller.abort(new AkkoError('CANCELLED', 'Query was cancelled', { queryId }))
    return true
  }

  /** Every known query, oldest first. */
  list(): readonly QueryInfo[] {
    return [...this.#queries.values()]
  }
}
