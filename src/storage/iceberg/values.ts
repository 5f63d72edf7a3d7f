/**
 * Iceberg values in memory, in bytes and in JSON.
 *
 * In-memory representation, used everywhere in the platform:
 * boolean → boolean · int → number · long → bigint · float/double → number · decimal(P,S) → bigint (unscaled) ·
 * date → number (days since 1970-01-01) · time → bigint (µs since midnight) · timestamp/timestamptz → bigint
 * (µs since the epoch, UTC) · timestamp_ns/timestamptz_ns → bigint (ns) · string → string · uuid → lowercase
 * canonical string · fixed/binary → Uint8Array · struct → object keyed by field name · list → array · map → Map.
 *
 * Bytes follow spec "Appendix D: Single-value serialization" (manifest bounds); JSON follows the spec's
 * "JSON single-value serialization" (partition values in REST, column defaults).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { IcebergType, PrimitiveType } from './spec.js'
import { typeBaseName, typeParseDecimal, typeParseFixed } from './types.js'
import { UUID_RE, valueDescribe as describe, pad, badValue, dateFromDays, dateToDays, dateFormat, timestampFormat, decimalToBytes, decimalFromBytes, decimalFormat, uuidFromBytes, uuidToBytes, hexEncode, timeFormat, dateParse, timeParse, timestampParse, decimalParse, decimalCheckPrecision, hexDecode } from './value-codecs.js'

export { dateFromDays, dateToDays, dateFormat, timestampFormat, decimalToBytes, decimalFromBytes, decimalFormat, uuidFromBytes, uuidToBytes, hexEncode } from './value-codecs.js'

const MICROS_PER_DAY = 86_400_000_000n
const INT_MIN = -2147483648, INT_MAX = 2147483647
const LONG_MIN = -(2n ** 63n), LONG_MAX = 2n ** 63n - 1n
const utf8 = new TextEncoder()
const utf8Decode = new TextDecoder('utf-8', { fatal: true })


// ---------------------------------------------------------------- coercion

/**
 * Converts a convenient JS value into the in-memory representation of `type` (see the module doc):
 * numbers and numeric strings for int/long/decimal, ISO strings or `Date` for date/time/timestamps,
 * numbers for timestamps are taken in the type's own unit (µs, or ns for *_ns). A bigint for a decimal is the
 * unscaled value. null/undefined → null. Impossible values (overflow, fraction for an int, bad dates) fail
 * with INVALID_ARGUMENT.
 */
export function valueCoerce(type: IcebergType, v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof type !== 'string') return nestedCoerce(type, v)
  switch (typeBaseName(type)) {
    case 'boolean':
      if (typeof v === 'boolean') return v
      if (v === 'true' || v === 'false') return v === 'true'
      throw badValue(type, v)
    case 'int': {
      const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : typeof v === 'bigint' ? Number(v) : v
      if (typeof n !== 'number' || !Number.isInteger(n) || n < INT_MIN || n > INT_MAX) throw badValue(type, v, 'not a 32-bit integer')
      return n
    }
    case 'long': return integerCoerce(type, v, LONG_MIN, LONG_MAX)
    case 'float': case 'double': {
      if (typeof v === 'number') return type === 'float' ? Math.fround(v) : v
      if (typeof v === 'bigint') return Number(v)
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) || v === 'NaN') return Number(v)
      throw badValue(type, v)
    }
    case 'decimal': {
      if (typeof v === 'bigint') { decimalCheckPrecision(v, type); return v }
      if (typeof v === 'number' && Number.isFinite(v)) return decimalParse(String(v), type)
      if (typeof v === 'string') return decimalParse(v, type)
      throw badValue(type, v)
    }
    case 'date':
      if (typeof v === 'number' && Number.isInteger(v)) return v
      if (typeof v === 'string') return dateParse(v.trim(), type)
      if (v instanceof Date && !Number.isNaN(v.getTime())) return Math.floor(v.getTime() / 86_400_000)
      throw badValue(type, v)
    case 'time': {
      const t = typeof v === 'string' ? timeParse(v.trim(), type, 1_000_000n) : integerCoerce(type, v, 0n, MICROS_PER_DAY - 1n)
      if (t < 0n || t >= MICROS_PER_DAY) throw badValue(type, v, 'time of day out of range')
      return t
    }
    case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': {
      const unit = type.endsWith('_ns') ? 1_000_000_000n : 1_000_000n
      if (typeof v === 'string') return timestampParse(v.trim(), type, unit)
      if (v instanceof Date && !Number.isNaN(v.getTime())) return BigInt(v.getTime()) * (unit / 1000n)
      return integerCoerce(type, v, LONG_MIN, LONG_MAX)
    }
    case 'string':
      if (typeof v === 'string') return v
      throw badValue(type, v)
    case 'uuid': {
      if (v instanceof Uint8Array && v.length === 16) return uuidFromBytes(v)
      const s = typeof v === 'string' ? v.trim().toLowerCase() : ''
      if (UUID_RE.test(s)) return s
      throw badValue(type, v, 'expected a uuid such as f79c3e09-677c-4bbd-a479-3f349cb785e7')
    }
    case 'fixed': case 'binary': {
      const bytes = v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : undefined
      if (!bytes) throw badValue(type, v, 'expected a Uint8Array')
      const len = typeParseFixed(type)
      if (len !== undefined && bytes.length !== len) throw badValue(type, v, `expected exactly ${len} bytes`)
      return bytes
    }
  }
  throw new AkkoError('NOT_SUPPORTED', `Values of type ${type} are not supported`)
}

function integerCoerce(type: IcebergType, v: unknown, min: bigint, max: bigint): bigint {
  let n: bigint | undefined
  if (typeof v === 'bigint') n = v
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v)
  else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) n = BigInt(v.trim())
  if (n === undefined) throw badValue(type, v, 'not an integer')
  if (n < min || n > max) throw badValue(type, v, 'out of range')
  return n
}

function nestedCoerce(type: Exclude<IcebergType, string>, v: unknown): unknown {
  if (type.type === 'list') {
    if (!Array.isArray(v)) throw badValue(type, v, 'expected an array')
    return v.map((e) => valueCoerce(type.element, e))
  }
  if (type.type === 'map') {
    const entries = v instanceof Map ? [...v.entries()] : v && typeof v === 'object' ? Object.entries(v) : undefined
    if (!entries) throw badValue(type, v, 'expected a Map')
    return new Map(entries.map(([k, e]) => [valueCoerce(type.key, k), valueCoerce(type.value, e)]))
  }
  if (!v || typeof v !== 'object') throw badValue(type, v, 'expected an object')
  const o = v as Record<string, unknown>
  return Object.fromEntries(type.fields.map((f) => [f.name, valueCoerce(f.type, o[f.name])]))
}

// ---------------------------------------------------------------- binary single-value serialization (Appendix D)

/** Serializes a value for manifest bounds and partition summaries (spec Appendix D). The value is coerced first. */
export function valueToBytes(type: IcebergType, v: unknown): Uint8Array {
  if (typeof type !== 'string') throw new AkkoError('NOT_SUPPORTED', 'Only primitive values have a binary single-value form')
  const x = valueCoerce(type, v)
  if (x === null) throw badValue(type, v, 'null has no binary form')
  const view = (n: number): [Uint8Array, DataView] => {
    const b = new Uint8Array(n)
    return [b, new DataView(b.buffer)]
  }
  switch (typeBaseName(type)) {
    case 'boolean': return Uint8Array.of(x ? 1 : 0)
    case 'int': case 'date': { const [b, d] = view(4); d.setInt32(0, x as number, true); return b }
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': {
      const [b, d] = view(8); d.setBigInt64(0, x as bigint, true); return b
    }
    case 'float': { const [b, d] = view(4); d.setFloat32(0, x as number, true); return b }
    case 'double': { const [b, d] = view(8); d.setFloat64(0, x as number, true); return b }
    case 'decimal': return decimalToBytes(x as bigint)
    case 'string': return utf8.encode(x as string)
    case 'uuid': return uuidToBytes(x as string)
    default: return x as Uint8Array
  }
}

/**
 * Reads a value written by `valueToBytes` or another engine. Accepts the narrower forms older writers leave
 * behind after type promotion: 4 bytes for a long (an int bound), 4 bytes for a double (a float bound).
 * Bytes of the wrong length fail with CORRUPT_FILE.
 */
export function valueFromBytes(type: IcebergType, bytes: Uint8Array): unknown {
  if (typeof type !== 'string') throw new AkkoError('NOT_SUPPORTED', 'Only primitive values have a binary single-value form')
  const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const need = (...lengths: number[]): void => {
    if (!lengths.includes(bytes.length)) {
      throw new AkkoError('CORRUPT_FILE', `A ${type} bound must be ${lengths.join(' or ')} bytes, found ${bytes.length}`, { type, length: bytes.length })
    }
  }
  switch (typeBaseName(type)) {
    case 'boolean': need(1); return bytes[0] !== 0
    case 'int': case 'date': need(4); return d.getInt32(0, true)
    case 'long': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns':
      need(8, 4)
      return bytes.length === 4 ? BigInt(d.getInt32(0, true)) : d.getBigInt64(0, true)
    case 'float': need(4); return d.getFloat32(0, true)
    case 'double': need(8, 4); return bytes.length === 4 ? d.getFloat32(0, true) : d.getFloat64(0, true)
    case 'decimal': return decimalFromBytes(bytes)
    case 'string':
      try { return utf8Decode.decode(bytes) } catch {
        throw new AkkoError('CORRUPT_FILE', 'A string bound is not valid UTF-8')
      }
    case 'uuid': need(16); return uuidFromBytes(bytes)
    case 'fixed': case 'binary': return bytesCopy(bytes, bytes.length)
  }
  throw new AkkoError('NOT_SUPPORTED', `Values of type ${type} have no binary single-value form`)
}

// ---------------------------------------------------------------- ordering

/**
 * Orders two in-memory values of `type` (negative, 0, positive). Nulls sort first; strings compare by Unicode
 * code point (the order of their UTF-8 bytes); binary and uuids compare unsigned byte by byte; for floats
 * -0 sorts before +0 and NaN after every number (equal to itself).
 */
export function valueCompare(type: IcebergType, a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1
  if (b === null || b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return numberCompare(a, b)
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (typeof a === 'string' && typeof b === 'string') return stringCompare(a, b)
  if (a instanceof Uint8Array && b instanceof Uint8Array) return bytesCompare(a, b)
  // Mixed representations (e.g. a number and a bigint for a long): normalize, then compare.
  if (typeof type === 'string') {
    const x = valueCoerce(type, a), y = valueCoerce(type, b)
    if (typeof x !== typeof a || typeof y !== typeof b) return valueCompare(type, x, y)
  }
  throw new AkkoError('INVALID_ARGUMENT', `Cannot compare ${describe(a)} with ${describe(b)} as ${typeof type === 'string' ? type : type.type}`)
}

function numberCompare(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1
  if (Number.isNaN(b)) return -1
  if (a !== b) return a < b ? -1 : 1
  if (a === 0) return (Object.is(a, -0) ? 0 : 1) - (Object.is(b, -0) ? 0 : 1)
  return 0
}

/** Code point order. JS `<` compares UTF-16 units, which misorders U+E000–U+FFFF against astral characters. */
export function stringCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i)
    if (x === y) continue
    // Shift surrogates above the rest of the BMP so units compare like code points.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

/** Unsigned lexicographic byte order. */
export function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

// ---------------------------------------------------------------- JSON single-value serialization

/**
 * A value as JSON (spec "JSON single-value serialization"): decimals as strings ('14.20'), dates, times and
 * timestamps as ISO strings (timestamptz with '+00:00'), binary/fixed as hex, uuid as string, structs as objects
 * keyed by field id, maps as {keys, values}. Longs are numbers when exact, else bigint (write with
 * `jsonStringifyLossless`).
 */
export function valueToJson(type: IcebergType, v: unknown): unknown {
  const x = valueCoerce(type, v)
  if (x === null) return null
  if (typeof type !== 'string') {
    if (type.type === 'list') return (x as unknown[]).map((e) => valueToJson(type.element, e))
    if (type.type === 'map') {
      const m = x as Map<unknown, unknown>
      return { keys: [...m.keys()].map((k) => valueToJson(type.key, k)), values: [...m.values()].map((e) => valueToJson(type.value, e)) }
    }
    const o = x as Record<string, unknown>
    return Object.fromEntries(type.fields.filter((f) => o[f.name] !== null).map((f) => [String(f.id), valueToJson(f.type, o[f.name])]))
  }
  switch (typeBaseName(type)) {
    case 'long': return Number.isSafeInteger(Number(x)) ? Number(x) : x
    case 'decimal': return decimalFormat(x as bigint, typeParseDecimal(type)!.scale)
    case 'date': return dateFormat(x as number)
    case 'time': return timeFormatFull(x as bigint)
    case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': {
      const ns = type.endsWith('_ns')
      const s = timestampFormatFull(x as bigint, ns ? 1_000_000_000n : 1_000_000n)
      return type.startsWith('timestamptz') ? `${s}+00:00` : s
    }
    case 'fixed': case 'binary': return hexEncode(x as Uint8Array)
    default: return x
  }
}

// The JSON form always carries the full fraction, as the spec's examples do.
const timeFormatFull = (t: bigint): string => {
  const s = timeFormat(t - (t % 1_000_000n), 1_000_000n)
  return `${s}.${pad(t % 1_000_000n, 6)}`
}
const timestampFormatFull = (t: bigint, unit: bigint): string => {
  let frac = t % unit
  if (frac < 0n) frac += unit
  return `${timestampFormat(t - frac, unit)}.${pad(frac, unit === 1_000_000n ? 6 : 9)}`
}

/** Reads a JSON single value into the in-memory representation; malformed input fails with INVALID_ARGUMENT. */
export function valueFromJson(type: IcebergType, json: unknown): unknown {
  if (json === null || json === undefined) return null
  if (typeof type !== 'string') {
    if (type.type === 'list') {
      if (!Array.isArray(json)) throw badValue(type, json, 'expected a JSON array')
      return json.map((e) => valueFromJson(type.element, e))
    }
    const o = json as Record<string, unknown>
    if (!o || typeof o !== 'object') throw badValue(type, json, 'expected a JSON object')
    if (type.type === 'map') {
      const keys = o.keys, values = o.values
      if (!Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length) throw badValue(type, json, "expected {keys: [...], values: [...]} of equal length")
      return new Map(keys.map((k, i) => [valueFromJson(type.key, k), valueFromJson(type.value, values[i])]))
    }
    return Object.fromEntries(type.fields.map((f) => [f.name, valueFromJson(f.type, o[String(f.id)])]))
  }
  switch (typeBaseName(type)) {
    case 'int': case 'long': case 'float': case 'double':
      if (typeof json !== 'number' && typeof json !== 'bigint') throw badValue(type, json, 'expected a JSON number')
      return valueCoerce(type, json)
    case 'decimal': case 'date': case 'time': case 'timestamp': case 'timestamptz': case 'timestamp_ns': case 'timestamptz_ns': case 'uuid':
      if (typeof json !== 'string') throw badValue(type, json, 'expected a JSON string')
      return valueCoerce(type, json)
    case 'fixed': case 'binary':
      if (typeof json !== 'string') throw badValue(type, json, 'expected a hexadecimal JSON string')
      return valueCoerce(type, hexDecode(json))
    default: return valueCoerce(type, json)
  }
}

// ---------------------------------------------------------------- bound truncation

/** A fresh plain Uint8Array of the first `n` bytes (a Buffer's own `slice` would return a view sharing memory). */
const bytesCopy = (b: Uint8Array, n: number): Uint8Array => new Uint8Array(b.subarray(0, n))

/** A lower bound truncated to `width` code points (strings) or bytes (binary); other types are returned as is. */
export function valueTruncateLower(type: IcebergType, v: unknown, width: number): unknown {
  if (typeof v === 'string' && (type === 'string')) {
    const cps = Array.from(v)
    return cps.length <= width ? v : cps.slice(0, width).join('')
  }
  if (v instanceof Uint8Array && typeof type === 'string' && ['binary', 'fixed'].includes(typeBaseName(type))) {
    return v.length <= width ? v : bytesCopy(v, width)
  }
  return v
}

/**
 * An upper bound truncated to `width` code points / bytes and then incremented so it stays ≥ the original
 * value; null when no such bound exists (every position already at its maximum), meaning "no upper bound".
 */
export function valueTruncateUpper(type: IcebergType, v: unknown, width: number): unknown {
  if (typeof v === 'string' && type === 'string') {
    const cps = Array.from(v)
    if (cps.length <= width) return v
    const out = cps.slice(0, width).map((c) => c.codePointAt(0)!)
    for (let i = out.length - 1; i >= 0; i--) {
      let next = out[i]! + 1
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000
      if (next > 0x10ffff) continue
      return String.fromCodePoint(...out.slice(0, i), next)
    }
    return null
  }
  if (v instanceof Uint8Array && typeof type === 'string' && ['binary', 'fixed'].includes(typeBaseName(type))) {
    if (v.length <= width) return v
    for (let i = width - 1; i >= 0; i--) {
      if (v[i]! < 0xff) {
        const out = bytesCopy(v, i + 1)
        out[i]! += 1
        return out
      }
    }
    return null
  }
  return v
}
