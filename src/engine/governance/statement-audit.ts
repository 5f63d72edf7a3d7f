/**
 * The audit event of one statement: who ran what, which catalogs and tables it touched, which access rules applied
 * (their names only: a filter's or mask's expression may itself be sensitive), how many rows it returned, how long
 * it took, and how it ended.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { AuditEventInput, AuditKind, AuditOutcome } from '../../govern/index.js'
import type { Session } from '../engine.js'
import type { AccessRecord } from './query-access.js'

/** Statements that change the catalog (recorded with kind `catalog_change`). */
const CATALOG_CHANGES = /^(CREATE|DROP|ALTER|COMMENT)\b/

/** How a statement ended. */
export interface StatementEnd {
  readonly error?: unknown
  readonly rows?: number
  readonly updateType?: string
  /** The consumer stopped reading before the end (not an error). */
  readonly abandoned?: boolean
}

/** The statement's action from its leading keywords: `SELECT`, `INSERT`, `CREATE TABLE`, `SHOW TABLES`… */
export function auditAction(head: string): string {
  const words = head.split(' ').filter(Boolean)
  const first = words[0] ?? ''
  if (['SELECT', 'WITH', 'VALUES', 'TABLE', 'FROM', '('].includes(first)) return 'SELECT'
  if (first === 'CREATE' && words[1] === 'OR') return `CREATE ${words[3] ?? ''}`.trim()
  if (['CREATE', 'DROP', 'ALTER', 'SHOW', 'SET', 'RESET', 'COMMENT', 'DEALLOCATE'].includes(first)) return words.slice(0, 2).join(' ')
  if (first === 'DESC') return 'DESCRIBE'
  return first || 'UNKNOWN'
}

/** The audit event of a finished statement. */
export function statementAuditEvent(o: {
  readonly session: Session
  readonly queryId: string
  readonly sql: string
  readonly head: string
  readonly record: AccessRecord
  readonly startedMs: number
  readonly end: StatementEnd
}): AuditEventInput {
  const { session, end } = o
  const err = end.error === undefined ? undefined : end.error instanceof AkkoError ? end.error : new AkkoError('INTERNAL', String((end.error as Error)?.message ?? end.error))
  const denied = err?.code === 'PERMISSION_DENIED'
  const action = end.updateType ?? auditAction(o.head)
  const kind: AuditKind = denied ? 'denial' : CATALOG_CHANGES.test(o.head) ? 'catalog_change' : 'query'
  const outcome: AuditOutcome = denied ? 'denied' : err ? 'failure' : 'success'
  const actor = session.authenticatedUser ?? session.user
  return {
    kind,
    actor,
    outcome,
    action,
    source: session.auditSource ?? 'engine',
    ...(actor !== session.user ? { runAs: session.user } : {}),
    queryId: o.queryId,
    queryText: o.sql,
    catalogs: [...o.record.catalogs].sort(),
    tables: [...o.record.tables].sort(),
    rules: [...o.record.rules].sort(),
    ...(end.rows !== undefined ? { rows: end.rows } : {}),
    durationMs: Date.now() - o.startedMs,
    ...(err ? { error: { code: err.code, message: err.message } } : {}),
    ...(session.remote ? { remote: session.remote } : {}),
    ...(end.abandoned ? { details: { abandoned: true } } : {}),
  }
}
