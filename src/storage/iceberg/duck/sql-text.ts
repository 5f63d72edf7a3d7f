/**
 * Safe SQL text for DuckDB: every identifier and literal this folder puts into generated SQL goes through
 * these helpers, so column names with spaces, quotes or unicode and paths with quotes stay inert.
 * @module
 */
import { AkkoError } from '../../../core/index.js'

/** A double-quoted DuckDB identifier (`a"b` → `"a""b"`). */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * A single-quoted DuckDB string literal. DuckDB does not treat backslashes specially in standard
 * strings, so doubling single quotes is the only escape needed; NUL characters cannot be represented
 * and are rejected rather than silently truncated.
 */
export function sqlString(value: string): string {
  if (value.includes('\u0000')) throw new AkkoError('INVALID_ARGUMENT', 'Text containing a NUL character cannot be passed to DuckDB', {})
  return `'${value.replaceAll("'", "''")}'`
}

/** A DuckDB list literal of strings (`['a', 'b']`). */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`
}

/** A BLOB literal built from hex, so any byte value survives (`from_hex('00ff')`). */
export function sqlBlob(bytes: Uint8Array): string {
  return `from_hex('${Buffer.from(bytes).toString('hex')}')`
}
