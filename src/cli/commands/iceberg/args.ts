import type { Namespace, TableIdent } from '../../../storage/index.js'
import { usageError } from '../../command.js'

/** `a.b` → ['a', 'b']. */
export function namespaceArg(text: string): Namespace {
  const levels = text.split('.')
  if (levels.some(l => l === '')) throw usageError(`Invalid namespace "${text}": use names separated by dots, e.g. sales or sales.eu`)
  return levels
}

/** `a.b.t` → namespace ['a', 'b'], table 't'. */
export function tableArg(text: string): TableIdent {
  const levels = namespaceArg(text)
  if (levels.length < 2) throw usageError(`Invalid table "${text}": use <namespace>.<table>, e.g. sales.orders`)
  return { namespace: levels.slice(0, -1), name: levels[levels.length - 1]! }
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * `--older-than`: a duration back from `nowMs` (`7d`, `12h`, `30m`, `0s`) or an ISO time
 * (`2026-01-31`, `2026-01-31T12:00:00Z`). Returns the cut-off as epoch milliseconds.
 */
export function olderThanArg(text: string, nowMs: number = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim())
  if (d) return nowMs - Number(d[1]) * DURATION_UNITS[d[2]!]!
  // Only date-shaped text goes to Date.parse, which would otherwise accept loose forms like "7".
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const ms = Date.parse(text.trim())
    if (!Number.isNaN(ms)) return ms
  }
  throw usageError(`Invalid --older-than "${text}": use a duration such as 7d, 12h, 30m, 0s (units ms, s, m, h, d, w) or an ISO time such as 2026-01-31T00:00:00Z`)
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }

/** `--target-file-size`: bytes, or a size such as `128MB`, `1GB` (binary units, as Iceberg's own defaults use). */
export function byteSizeArg(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined
  const bytes = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN
  if (!(bytes >= 1)) throw usageError(`Invalid size "${text}": use bytes or a number with KB, MB or GB, e.g. 512MB`)
  return bytes
}

/** A positive whole number option such as `--retain-last`. */
export function positiveIntArg(name: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw usageError(`Invalid --${name} "${text}": use a whole number of at least 1`)
  return Number(text)
}

/** A snapshot id (64-bit, kept exact as a bigint). */
export function snapshotIdArg(text: string): bigint {
  if (!/^-?\d+$/.test(text.trim())) throw usageError(`Invalid snapshot id "${text}": use the number shown by \`akko iceberg snapshots\``)
  return BigInt(text.trim())
}
