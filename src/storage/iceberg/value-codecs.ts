/**
 * Codecs under Iceberg values: the proleptic Gregorian calendar in UTC (days, timestamps), decimals and uuids as
 * bytes, hex. Used by values.ts and by anything that prints or parses values.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { IcebergType, PrimitiveType } from './spec.js'
import { typeParseDecimal } from './types.js'

const MICROS_PER_DAY = 86_400_000_000n

/** The INVALID_ARGUMENT error for a value that does not fit a type. */
export const badValue = (type: IcebergType, v: unknown, why = ''): AkkoError =>
  new AkkoError('INVALID_ARGUMENT', `Cannot use ${valueDescribe(v)} as a value of type ${typeof type === 'string' ? type : type.type}${why ? `: ${why}` : ''}`)

export const valueDescribe = (v: unknown): string => {
  if (typeof v === 'bigint') return `${v}`
  if (v instanceof Uint8Array) return `${v.length} bytes`
  if (v instanceof Date) return `date ${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}`
  try { return JSON.stringify(v) ?? String(v) } catch { return String(v) }
}

// ---------------------------------------------------------------- calendar helpers (proleptic Gregorian, UTC)

/** Days since 1970-01-01 → calendar date (works far outside Date's range). */
export function dateFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

/** Calendar date → days since 1970-01-01. */
export function dateToDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468
}

export const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0')

/** Days since epoch → 'YYYY-MM-DD'. */
export function dateFormat(days: number): string {
  const { year, month, day } = dateFromDays(days)
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4)
  return `${y}-${pad(month, 2)}-${pad(day, 2)}`
}

/** Time of day in `unitsPerSecond` (1e6 for µs, 1e9 for ns) → 'HH:MM:SS' plus a fraction of 6 or 9 digits when non-zero. */
export function timeFormat(t: bigint, unitsPerSecond: bigint): string {
  const secs = t / unitsPerSecond
  const frac = t % unitsPerSecond
  const base = `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}`
  return frac === 0n ? base : `${base}.${pad(frac, unitsPerSecond === 1_000_000n ? 6 : 9)}`
}

/** Epoch units → ISO local date-time ('2017-11-16T22:31:08' with the fraction only when non-zero). */
export function timestampFormat(t: bigint, unitsPerSecond: bigint = 1_000_000n): string {
  const perDay = unitsPerSecond * 86_400n
  let days = t / perDay
  let rest = t % perDay
  if (rest < 0n) { rest += perDay; days -= 1n }
  return `${dateFormat(Number(days))}T${timeFormat(rest, unitsPerSecond)}`
}

const DATE_RE = /^([+-]?\d{4,6})-(\d{2})-(\d{2})$/
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/
const TS_RE = /^([+-]?\d{4,6}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/

export function dateParse(s: string, type: IcebergType): number {
  const m = DATE_RE.exec(s)
  if (!m) throw badValue(type, s, "expected 'YYYY-MM-DD'")
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const days = dateToDays(y, mo, d)
  if (mo < 1 || mo > 12 || d < 1 || dateFromDays(days).day !== d) throw badValue(type, s, 'no such calendar date')
  return days
}

/** 'HH:MM[:SS[.fraction]]' → units since midnight. */
export function timeParse(s: string, type: IcebergType, unitsPerSecond: bigint): bigint {
  const m = TIME_RE.exec(s)
  if (!m) throw badValue(type, s, "expected 'HH:MM:SS[.ffffff]'")
  const [h, mi, se] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3] ?? '0')]
  if (h > 23n || mi > 59n || se > 59n) throw badValue(type, s, 'time of day out of range')
  const digits = unitsPerSecond === 1_000_000n ? 6 : 9
  const fracText = m[4] ?? ''
  if (fracText.length > digits) throw badValue(type, s, `more than ${digits} fractional digits`)
  return ((h * 60n + mi) * 60n + se) * unitsPerSecond + BigInt(fracText.padEnd(digits, '0'))
}

/** ISO date-time with optional offset → epoch units (UTC). An offset is rejected for types without a zone. */
export function timestampParse(s: string, type: PrimitiveType, unitsPerSecond: bigint): bigint {
  const m = TS_RE.exec(s)
  if (!m) throw badValue(type, s, "expected 'YYYY-MM-DDTHH:MM:SS[.ffffff][+00:00]'")
  const withZone = type.startsWith('timestamptz')
  const offset = m[3]
  if (offset && !withZone && offset !== 'Z' && !/^[+-]00:?00$/.test(offset)) throw badValue(type, s, 'a timestamp without zone cannot carry an offset')
  let t = BigInt(dateParse(m[1]!, type)) * 86_400n * unitsPerSecond + timeParse(m[2]!, type, unitsPerSecond)
  if (offset && offset !== 'Z') {
    const sign = offset[0] === '-' ? -1n : 1n
    const digits = offset.slice(1).replace(':', '')
    const mins = BigInt(digits.slice(0, 2)) * 60n + BigInt(digits.slice(2) || '0')
    t -= sign * mins * 60n * unitsPerSecond
  }
  return t
}

// ---------------------------------------------------------------- decimal and uuid helpers

/** Unscaled decimal → minimal big-endian two's-complement bytes (spec Appendix D). */
export function decimalToBytes(unscaled: bigint): Uint8Array {
  const out: number[] = []
  let v = unscaled
  for (;;) {
    const byte = Number(v & 0xffn)
    out.push(byte)
    v >>= 8n
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break
  }
  return Uint8Array.from(out.reverse())
}

/** Big-endian two's-complement bytes → unscaled decimal. */
export function decimalFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return bytes[0]! & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v
}

/** Unscaled value and scale → '14.20'. */
export function decimalFormat(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0')
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return neg ? `-${body}` : body
}

/** '14.2' at scale 2 → 1420n; more fractional digits than the scale is an error (no silent rounding). */
export function decimalParse(s: string, type: PrimitiveType): bigint {
  const d = typeParseDecimal(type)!
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim())
  if (!m || (m[2] === '' && !m[3])) throw badValue(type, s, 'not a decimal number')
  let digits = (m[2] ?? '') + (m[3] ?? '')
  let scale = (m[3] ?? '').length - Number(m[4] ?? '0')
  if (scale < 0) { digits += '0'.repeat(-scale); scale = 0 }
  while (scale > d.scale && digits.endsWith('0')) { digits = digits.slice(0, -1); scale-- }
  if (scale > d.scale) throw badValue(type, s, `more than ${d.scale} digits after the decimal point`)
  const unscaled = BigInt(digits + '0'.repeat(d.scale - scale)) * (m[1] === '-' ? -1n : 1n)
  decimalCheckPrecision(unscaled, type)
  return unscaled
}

export function decimalCheckPrecision(unscaled: bigint, type: PrimitiveType): void {
  const { precision } = typeParseDecimal(type)!
  const abs = unscaled < 0n ? -unscaled : unscaled
  if (abs >= 10n ** BigInt(precision)) throw badValue(type, unscaled, `does not fit precision ${precision}`)
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** 16 big-endian bytes → canonical lowercase uuid string. */
export function uuidFromBytes(b: Uint8Array): string {
  const h = hexEncode(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Canonical uuid string → 16 big-endian bytes. */
export function uuidToBytes(u: string): Uint8Array {
  return hexDecode(u.replaceAll('-', ''))
}

export const hexEncode = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

export function hexDecode(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new AkkoError('INVALID_ARGUMENT', `Not a hexadecimal string: ${JSON.stringify(s)}`)
  return new Uint8Array(Buffer.from(s, 'hex'))
}

