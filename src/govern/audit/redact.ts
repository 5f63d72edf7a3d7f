/**
 * What the audit trail guarantees never to store (applied by the trail to every event before it is
 * buffered, so nothing secret reaches the metastore, the sink or a log line):
 *
 * - in `details`, at any depth: the value of every key whose name contains `password`, `passwd`,
 *   `passphrase`, `secret`, `token`, `authorization`, `cookie`, `credential`, `api_key`/`apikey` or
 *   `private_key` (case-insensitive) is replaced by `***`; `Secret` values print as `***` anyway;
 * - in every free-text field (`queryText`, `error.message`, `action`, every string inside `details`):
 *   - form and query-string parameters whose name ends in one of those words
 *     (`password=…`, `client_secret=…`, `refresh_token=…`, `access_token=…`, `code_verifier=…`) → `name=***`;
 *   - credentials inside URLs (`postgres://user:pw@host` → `postgres://user:***@host`);
 *   - `Bearer …` and `Basic …` credentials; anything shaped like a JWT (`eyJ….eyJ….…`);
 *   - a quoted literal right after such a word in SQL or JSON text (`PASSWORD 'x'`, `"token": "x"`);
 * - strings are made storable (NUL characters and unpaired surrogates replaced) and bounded: query text to
 *   {@link AUDIT_MAX_QUERY_TEXT} characters, other strings to {@link AUDIT_MAX_STRING}, `details` as a whole
 *   to {@link AUDIT_MAX_DETAILS} characters of JSON (larger details are replaced by a note of their size).
 *
 * Not guaranteed: a secret written into query text without such a marker (`SELECT 'hunter2'`) is stored as
 * sent, as Trino's event listener would. Over-redaction is accepted: a column named `token` compared with a
 * literal has that literal hidden.
 */
import type { AuditEventInput } from './event.js'

export const AUDIT_MAX_QUERY_TEXT = 65_536
export const AUDIT_MAX_STRING = 4_096
export const AUDIT_MAX_DETAILS = 65_536

const MASK = '***'
/** NUL (refused by PostgreSQL text and jsonb) and unpaired UTF-16 surrogates (refused by jsonb). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const SECRET_WORD = 'password|passwd|passphrase|secret|token|authorization|cookie|credential|api[-_]?key|private[-_]?key'
const SECRET_KEY = new RegExp(SECRET_WORD, 'i')
const FORM_PARAM = new RegExp(`((?<![\\w.-])[\\w.-]*(?:${SECRET_WORD}|code_verifier|assertion)=)[^&;,\\s)'"]*`, 'gi')
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g
const SQL_LITERAL = new RegExp(`(\\b[\\w]*(?:${SECRET_WORD})\\w*\\b\\s*(?:=>|=|:|\\s)\\s*)'(?:[^']|'')*'`, 'gi')
const JSON_MEMBER = new RegExp(`("[^"]*(?:${SECRET_WORD})[^"]*"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi')

/** Hides what looks like a secret in free text (see the module comment for the exact rules). */
export function auditScrubText(text: string): string {
  return text
    .replace(JWT, MASK)
    .replace(AUTH_SCHEME, `$1 ${MASK}`)
    .replace(URL_USERINFO, `$1${MASK}@`)
    .replace(FORM_PARAM, `$1${MASK}`)
    .replace(JSON_MEMBER, `$1"${MASK}"`)
    .replace(SQL_LITERAL, `$1'${MASK}'`)
}

/** Makes a string storable in PostgreSQL text and jsonb (no NUL, no lone surrogate) and bounds its length. */
export function auditStorable(text: string, max = AUDIT_MAX_STRING): string {
  const s = text.replace(UNSTORABLE, '\uFFFD')
  if (s.length <= max) return s
  return `${s.slice(0, max)}…[truncated ${s.length - max} characters]`
}

const cleanText = (v: unknown, max = AUDIT_MAX_STRING): string => auditStorable(auditScrubText(String(v ?? '')), max)
const cleanName = (v: unknown): string => auditStorable(String(v ?? ''), 512)

/**
 * Returns the event as it may be stored: secrets hidden, strings storable and bounded, numbers finite,
 * lists of strings. Never throws on odd input (a recorder must not throw); fields of the wrong type are
 * coerced or dropped.
 */
export function auditRedact(e: AuditEventInput): AuditEventInput {
  const out: Record<string, unknown> = {
    kind: cleanName(e.kind),
    actor: cleanName(e.actor),
    outcome: cleanName(e.outcome),
    action: cleanText(e.action, 512),
    source: cleanName(e.source),
  }
  if (e.runAs != null) out.runAs = cleanName(e.runAs)
  if (e.queryId != null) out.queryId = cleanName(e.queryId)
  if (e.queryText != null) out.queryText = cleanText(e.queryText, AUDIT_MAX_QUERY_TEXT)
  for (const key of ['catalogs', 'tables', 'rules'] as const) {
    const list = e[key]
    if (Array.isArray(list)) out[key] = list.slice(0, 1000).map((x) => cleanText(x, 1024))
  }
  if (typeof e.rows === 'number' && Number.isFinite(e.rows)) out.rows = Math.trunc(e.rows)
  if (typeof e.durationMs === 'number' && Number.isFinite(e.durationMs)) out.durationMs = e.durationMs
  if (e.error != null) out.error = { code: cleanName(e.error.code), message: cleanText(e.error.message) }
  if (e.remote != null) out.remote = cleanName(e.remote)
  if (e.details != null) out.details = detailsRedact(e.details)
  return out as unknown as AuditEventInput
}

function detailsRedact(details: unknown): Record<string, unknown> {
  let plain: unknown
  try {
    // Through JSON first: Secret and Date become their JSON form, functions and undefined disappear.
    plain = JSON.parse(JSON.stringify(details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null')
  } catch {
    return { unserializable: true }
  }
  const clean = valueRedact(plain, 0)
  const obj = clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? (clean as Record<string, unknown>) : { value: clean }
  const size = JSON.stringify(obj).length
  return size > AUDIT_MAX_DETAILS ? { truncated: true, size } : obj
}

function valueRedact(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return cleanText(v)
  if (v === null || typeof v !== 'object') return v
  if (depth > 20) return '…'
  if (Array.isArray(v)) return v.map((x) => valueRedact(x, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[auditStorable(k, 256)] = SECRET_KEY.test(k) && x !== null ? MASK : valueRedact(x, depth + 1)
  return out
}
