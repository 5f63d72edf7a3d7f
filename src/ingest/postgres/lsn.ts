/**
 * PostgreSQL log sequence numbers (LSN): 64-bit WAL positions, written `X/Y` (two hex halves), kept as bigint.
 * @module
 */
import { AkkoError } from '../../core/index.js'

/** `16/B374D848` → 0x16B374D848n. */
export function lsnParse(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim())
  if (!m) throw new AkkoError('INVALID_ARGUMENT', `'${text}' is not a PostgreSQL LSN (expected X/Y in hex)`, { lsn: text })
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

/** 0x16B374D848n → `16/B374D848`, as PostgreSQL prints it. */
export function lsnFormat(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

/** Microseconds since 2000-01-01 (PostgreSQL's epoch) → milliseconds since 1970-01-01. */
export const pgTimeToMs = (micros: bigint): number => Number(micros / 1000n) + 946_684_800_000

/** Milliseconds since 1970 → microseconds since 2000-01-01. */
export const msToPgTime = (ms: number): bigint => BigInt(Math.round(ms - 946_684_800_000)) * 1000n
