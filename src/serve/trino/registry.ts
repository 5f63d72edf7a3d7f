import type { Logger } from '../../core/index.js'
import type { QueryEngine, Session } from '../../engine/index.js'
import { TrinoQuery, type PagingOptions, type TrinoQueryState } from './query.js'
import type { HeaderPrefix } from './session-headers.js'

export interface QueryRegistryOptions extends PagingOptions {
  /** A running query nobody has polled for this long is cancelled (Trino's query.client.timeout). */
  readonly abandonAfterMs: number
  /** How long a finished or failed query stays answerable (client retries, late DELETEs). */
  readonly retainMs: number
}

export const DEFAULT_REGISTRY_OPTIONS: QueryRegistryOptions = {
  pageRows: 4096,
  pageBytes: 1024 * 1024,
  maxWaitMs: 1000,
  abandonAfterMs: 5 * 60_000,
  retainMs: 60_000,
}

/** A query as the registry reports it (tests and the web UI look here). */
export interface QuerySummary {
  readonly id: string
  readonly state: TrinoQueryState
  readonly user: string
  readonly sql: string
}

/** The gateway's queries by id: creation, lookup, cancel, and a sweeper for abandoned and expired queries. */
export class TrinoQueryRegistry {
  private readonly queries = new Map<string, TrinoQuery>()
  private readonly timer: NodeJS.Timeout
  readonly options: QueryRegistryOptions

  constructor(
    private readonly engine: QueryEngine,
    private readonly log: Logger,
    options: Partial<QueryRegistryOptions> = {},
  ) {
    this.options = { ...DEFAULT_REGISTRY_OPTIONS, ...options }
    const every = Math.max(50, Math.min(5000, Math.floor(Math.min(this.options.abandonAfterMs, this.options.retainMs) / 2)))
    this.timer = setInterval(() => this.sweep(), every)
    this.timer.unref()
  }

  /** Starts a query; execution begins at once, apart from the request that asked for it. */
  create(sql: string, session: Session, prefix: HeaderPrefix): TrinoQuery {
    const q = new TrinoQuery(sql, session, prefix, this.engine, this.options, this.log)
    this.queries.set(q.id, q)
    this.log.emit(() => ({ code: 'Q001', level: 'info', msg: 'query submitted', queryId: q.id, user: session.user, source: session.source }))
    return q
  }

  get(id: string): TrinoQuery | undefined {
    return this.queries.get(id)
  }

  /** Queries the registry still holds, running or recently ended. */
  list(): QuerySummary[] {
    return [...this.queries.values()].map(q => ({ id: q.id, state: q.state, user: q.session.user, sql: q.sql }))
  }

  /** Queries still executing (not finished, failed or cancelled). */
  running(): QuerySummary[] {
    return this.list().filter(q => q.state === 'QUEUED' || q.state === 'RUNNING')
  }

  /** Cancels every query and stops the sweeper (server shutdown). */
  close(): void {
    clearInterval(this.timer)
    for (const q of this.queries.values()) q.cancel('user')
    this.queries.clear()
  }

  private sweep(): void {
    const now = Date.now()
    for (const [id, q] of this.queries) {
      if (q.state === 'QUEUED' || q.state === 'RUNNING') {
        if (now - q.lastSeen > this.options.abandonAfterMs) {
          this.log.emit({ code: 'Q002', level: 'warn', msg: 'query abandoned by its client; cancelled', queryId: id })
          q.cancel('abandoned')
        }
      } else if (now - Math.max(q.endedAt ?? now, q.lastSeen) > this.options.retainMs) {
        this.queries.delete(id)
      }
    }
  }
}
