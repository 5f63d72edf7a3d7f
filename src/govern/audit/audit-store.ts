import { AkkoError } from '../../core/index.js'
import type { SqlClient } from '../../storage/index.js'
import type { AuditEvent, AuditEventInput, AuditFilter, AuditKind, AuditOutcome, AuditReader, AuditSource } from './event.js'

/**
 * The audit table's SQL: batch insert under the id lock, filtered reads, the retention purge. Events are
 * already redacted when they get here (see redact.ts).
 */

/** Key of the advisory lock that serializes id assignment until commit (the bytes of "akkoaudt"). */
const ID_LOCK_KEY = '7019822570307675252'

/** What `events()` returns when no limit is given, and the most one call returns. */
export const AUDIT_DEFAULT_LIMIT = 1000
export const AUDIT_MAX_LIMIT = 100_000

/** An event ready to insert: the redacted input, its time and a unique id that makes a retry idempotent. */
export interface AuditPendingRow {
  readonly uid: string
  readonly time: string
  readonly event: AuditEventInput
}

const COLUMNS = 'id, time, kind, actor, outcome, action, source, run_as, query_id, query_text, catalogs, tables, rules, row_count, duration_ms, error_code, error_message, remote, details'

/**
 * Stores `rows` in one transaction: takes the id lock, reserves a block of ids from the sequence, then one
 * INSERT of all rows numbered in order. A row whose uid is already stored (a retry after a commit whose answer
 * was lost) is skipped.
 */
export async function auditInsert(sql: SqlClient, rows: readonly AuditPendingRow[]): Promise<void> {
  if (!rows.length) return
  const payload = JSON.stringify(rows.map(rowJson))
  await sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${ID_LOCK_KEY})`)
    const { rows: block } = await tx.query<{ last: number | string }>(
      `SELECT setval('govern_audit_event_ids', nextval('govern_audit_event_ids') + $1 - 1) AS last`, [rows.length])
    const before = Number(block[0]!.last) - rows.length
    await tx.query(
      `INSERT INTO govern_audit_events (id, uid, time, kind, actor, outcome, action, source, run_as, query_id, query_text,
         catalogs, tables, rules, row_count, duration_ms, error_code, error_message, remote, details)
       SELECT $2::bigint + e.ord, e.x->>'uid', (e.x->>'time')::timestamptz, e.x->>'kind', e.x->>'actor', e.x->>'outcome',
         e.x->>'action', e.x->>'source', e.x->>'run_as', e.x->>'query_id', e.x->>'query_text', e.x->'catalogs', e.x->'tables',
         e.x->'rules', (e.x->>'row_count')::bigint, (e.x->>'duration_ms')::double precision, e.x->>'error_code',
         e.x->>'error_message', e.x->>'remote', e.x->'details'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(x, ord)
       ON CONFLICT (uid) DO NOTHING`,
      [payload, before],
    )
  })
}

/** The row as the INSERT reads it; absent fields are left out so they become SQL NULL. */
function rowJson(r: AuditPendingRow): Record<string, unknown> {
  const e = r.event
  return {
    uid: r.uid, time: r.time, kind: e.kind, actor: e.actor, outcome: e.outcome, action: e.action, source: e.source,
    run_as: e.runAs, query_id: e.queryId, query_text: e.queryText, catalogs: e.catalogs, tables: e.tables, rules: e.rules,
    row_count: e.rows, duration_ms: e.durationMs, error_code: e.error?.code, error_message: e.error?.message,
    remote: e.remote, details: e.details,
  }
}

/** Reads events back; see {@link AuditFilter}. Bad bounds are INVALID_ARGUMENT. */
export async function auditEventsRead(sql: SqlClient, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const where: string[] = []
  const params: unknown[] = []
  const bind = (v: unknown): string => `$${params.push(v)}`
  if (filter.since !== undefined) where.push(`time >= ${bind(isoBound('since', filter.since))}::timestamptz`)
  if (filter.until !== undefined) where.push(`time < ${bind(isoBound('until', filter.until))}::timestamptz`)
  if (filter.kind !== undefined) where.push(`kind = ${bind(filter.kind)}`)
  if (filter.actor !== undefined) where.push(`actor = ${bind(filter.actor)}`)
  if (filter.afterId !== undefined) where.push(`id > ${bind(intArg('afterId', filter.afterId, 0))}`)
  const limit = filter.limit === undefined ? AUDIT_DEFAULT_LIMIT : Math.min(intArg('limit', filter.limit, 0), AUDIT_MAX_LIMIT)
  const newest = filter.newest === true
  const { rows } = await sql.query<AuditRow>(
    `SELECT ${COLUMNS} FROM govern_audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id ${newest ? 'DESC' : 'ASC'} LIMIT ${limit}`,
    params,
  )
  const events = rows.map(eventFromRow)
  return newest ? events.reverse() : events
}

/** A reader over the audit table alone (the CLI and tools that do not record). */
export function auditReader(sql: SqlClient): AuditReader {
  return { events: (filter) => auditEventsRead(sql, filter) }
}

/**
 * Deletes events older than `before` (ISO) and, when `upToId` is given, only those with id ≤ upToId (what a
 * sink has shipped). Runs in one transaction that tells the append-only trigger the cut-off; returns the count.
 */
export async function auditPurge(sql: SqlClient, before: string, upToId?: number): Promise<number> {
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT set_config('akko.audit_purge_before', $1, true)`, [before])
    const params: unknown[] = [before]
    const extra = upToId === undefined ? '' : ` AND id <= $${params.push(upToId)}`
    const { rows } = await tx.query<{ n: number | string }>(
      `WITH gone AS (DELETE FROM govern_audit_events WHERE time < $1::timestamptz${extra} RETURNING 1) SELECT count(*) AS n FROM gone`,
      params,
    )
    return Number(rows[0]?.n ?? 0)
  })
}

interface AuditRow {
  id: number | string
  time: Date | string
  kind: string
  actor: string
  outcome: string
  action: string
  source: string
  run_as: string | null
  query_id: string | null
  query_text: string | null
  catalogs: string[] | null
  tables: string[] | null
  rules: string[] | null
  row_count: number | string | null
  duration_ms: number | null
  error_code: string | null
  error_message: string | null
  remote: string | null
  details: Record<string, unknown> | null
}

/** Builds the event with its keys in one fixed order (export lines are stable), optional fields only when set. */
function eventFromRow(r: AuditRow): AuditEvent {
  const e: Record<string, unknown> = {
    id: Number(r.id),
    time: new Date(r.time).toISOString(),
    kind: r.kind as AuditKind,
    actor: r.actor,
    outcome: r.outcome as AuditOutcome,
    action: r.action,
    source: r.source as AuditSource,
  }
  if (r.run_as !== null) e.runAs = r.run_as
  if (r.query_id !== null) e.queryId = r.query_id
  if (r.query_text !== null) e.queryText = r.query_text
  if (r.catalogs !== null) e.catalogs = r.catalogs
  if (r.tables !== null) e.tables = r.tables
  if (r.rules !== null) e.rules = r.rules
  if (r.row_count !== null) e.rows = Number(r.row_count)
  if (r.duration_ms !== null) e.durationMs = r.duration_ms
  if (r.error_code !== null) e.error = { code: r.error_code, message: r.error_message ?? '' }
  if (r.remote !== null) e.remote = r.remote
  if (r.details !== null) e.details = r.details
  return e as unknown as AuditEvent
}

function isoBound(name: string, v: string): string {
  const t = Date.parse(v)
  if (typeof v !== 'string' || Number.isNaN(t)) throw new AkkoError('INVALID_ARGUMENT', `${name} must be an ISO-8601 time such as 2025-01-31T00:00:00Z, got ${JSON.stringify(v)}`, { [name]: v })
  return new Date(t).toISOString()
}

function intArg(name: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new AkkoError('INVALID_ARGUMENT', `${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`, { [name]: v })
  return v
}
