/**
 * The audit trail's event: one authentication, query, denial, catalog change or admin action. Append-only;
 * nothing secret in it (no tokens, no passwords; query text as the caller sent it, results never).
 */

export type AuditKind = 'authentication' | 'query' | 'denial' | 'catalog_change' | 'admin'
/** Every kind, for validating a filter given as text (CLI, API). */
export const AUDIT_KINDS: readonly AuditKind[] = Object.freeze(['authentication', 'query', 'denial', 'catalog_change', 'admin'])
export type AuditOutcome = 'success' | 'failure' | 'denied'
/** Which entry point saw the action (`platform`: the platform itself, e.g. the trail reporting dropped events). */
export type AuditSource = 'trino' | 'iceberg-rest' | 'api' | 'oidc' | 'cli' | 'dag' | 'engine' | 'platform'

/** What a caller records; the trail adds `id` and `time`. */
export interface AuditEventInput {
  readonly kind: AuditKind
  /** The acting user (the token's subject, or the user named in a failed login). */
  readonly actor: string
  readonly outcome: AuditOutcome
  /** What was done: `login`, `token`, `SELECT`, `INSERT`, `CREATE TABLE`, `loadTable`, `user.create`… */
  readonly action: string
  readonly source: AuditSource
  /** The user a query ran as, when it differs from the actor (X-Trino-User impersonation). */
  readonly runAs?: string
  readonly queryId?: string
  readonly queryText?: string
  /** Catalogs and fully qualified tables touched (`iceberg.banking.transactions`). */
  readonly catalogs?: readonly string[]
  readonly tables?: readonly string[]
  /** Rules applied, e.g. `row_filter iceberg.banking.transactions: region = 'EU'` is NOT written; `row_filter iceberg.banking.transactions`, `mask iceberg.banking.transactions.card_pan`. */
  readonly rules?: readonly string[]
  readonly rows?: number
  readonly durationMs?: number
  readonly error?: { readonly code: string; readonly message: string }
  /** Client address, when known. */
  readonly remote?: string
  /** Anything else worth keeping (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>
}

export interface AuditEvent extends AuditEventInput {
  /** Monotonic per trail. */
  readonly id: number
  /** ISO-8601 UTC. */
  readonly time: string
}

/**
 * Where the platform records events. `record` never throws and never blocks the caller: a recorder buffers
 * and writes in the background; `flush` waits until everything recorded so far is stored.
 */
export interface AuditRecorder {
  record(event: AuditEventInput): void
  flush(): Promise<void>
}

/** Records nothing (tests, tools that run without a trail). */
export const auditNone: AuditRecorder = { record: () => {}, flush: async () => {} }

/** Which events to read back. */
export interface AuditFilter {
  /** ISO-8601 bounds on `time` (inclusive since, exclusive until). */
  readonly since?: string
  readonly until?: string
  readonly kind?: AuditKind
  readonly actor?: string
  /** Only events with an id greater than this (paging, tailing). */
  readonly afterId?: number
  readonly limit?: number
  /** With `limit`: the newest `limit` matching events instead of the oldest (still returned oldest first), for tailing. */
  readonly newest?: boolean
}

/** Reads the trail back (for `system.audit.events`, export and the API). */
export interface AuditReader {
  /** Events in id order, oldest first. */
  events(filter?: AuditFilter): Promise<readonly AuditEvent[]>
}
