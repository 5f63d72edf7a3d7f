/**
 * Errors as a Trino user sees them. DuckDB reports problems against the SQL the binder produced, so its
 * messages can name internal relations (`__akko_…`), connector column aliases, temporary tables and the
 * warehouse's file paths. This module maps DuckDB's binder errors onto Trino's (COLUMN_NOT_FOUND "Column 'x'
 * cannot be resolved") and scrubs every internal name and path from any other message.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { duckError } from '../../storage/index.js'
import { TIME_TRAVEL_MARK } from '../sql/tokenizer.js'

/** DuckDB binder messages that mean a column the user named does not exist, and how to name it. */
const COLUMN_MISSING: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  [/Referenced column "([^"]+)" not found/, m => m[1] as string],
  [/(?:Values list|Table) "([^"]+)" does not have a column named "([^"]+)"/, m => `${m[1]}.${m[2]}`],
  [/Referenced table "([^"]+)" not found/, m => `${m[1]}.*`],
]

/**
 * The error to give the user for `e`: DuckDB's unknown-column errors become COLUMN_NOT_FOUND, and internal
 * names and the `hidden` directories (warehouse, cache, spill) are removed from every message.
 */
export function errorForUser(raw: unknown, hidden: readonly string[]): unknown {
  // A DuckDB error a handler let through unwrapped is still the user's error, not a bug.
  const e = raw instanceof Error && !(raw instanceof AkkoError) && /^[A-Z][A-Za-z ]* Error: /.test(raw.message) ? duckError(raw, 'Query') : raw
  if (!(e instanceof AkkoError)) return e
  for (const [re, name] of COLUMN_MISSING) {
    const m = re.exec(e.message)
    if (m && !/__akko|akko_tmp_/.test(name(m))) {
      const column = name(m)
      return new AkkoError('COLUMN_NOT_FOUND', `Column '${column}' cannot be resolved`, { column }, { cause: e })
    }
  }
  const message = messageScrub(e.message, hidden)
  if (message === e.message) return e
  return new AkkoError(e.code, message, e.details, { cause: e })
}

/** Removes DuckDB's echo of the rewritten SQL, internal identifiers and private paths from a message. */
export function messageScrub(message: string, hidden: readonly string[]): string {
  // DuckDB quotes the failing SQL after "LINE n:": that is the rewritten query, never the user's.
  let out = message.replace(/\n+\s*LINE \d+:[\s\S]*$/, '')
  out = out.split('\n').filter(l => !(/^\s*Candidate bindings:/.test(l) && /__akko|akko_tmp_/.test(l))).join('\n')
  for (const dir of [...hidden].sort((a, b) => b.length - a.length)) {
    if (dir.length > 1) out = out.replaceAll(dir.replace(/\/+$/, ''), '<warehouse>')
  }
  out = out.replace(new RegExp(`${TIME_TRAVEL_MARK}\\d+`, 'g'), '')
  out = out.replace(/"?__akko_[A-Za-z0-9_]*"?/g, '<internal>').replace(/"?akko_tmp_[A-Za-z0-9_]*"?/g, '<internal>')
  return out.trimEnd()
}
