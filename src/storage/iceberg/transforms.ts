/**
 * Partition transforms (spec "Partition Transforms") and the bucket hash (spec "Appendix B: 32-bit Hash
 * Requirements": murmur3_x86_32, seed 0). Values use the in-memory representation of values.ts.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { IcebergType, PrimitiveType, Transform } from './spec.js'
import { typeBaseName, typeIsPrimitive, typeParseDecimal } from './types.js'
import { dateFormat, dateFromDays, decimalFormat, decimalToBytes, timestampFormat, uuidToBytes, valueCoerce } from './values.js'

/** A parsed transform string. `param` is N for bucket[N] and W for truncate[W]. */
export interface ParsedTransform {
  readonly kind: 'identity' | 'bucket' | 'truncate' | 'year' | 'month' | 'day' | 'hour' | 'void'
  readonly param?: number
}

const SIMPLE = new Set(['identity', 'year', 'month', 'day', 'hour', 'void'])
const PARAM_RE = /^(bucket|truncate)\[\s*(\d+)\s*\]$/

/** Parses 'identity', 'bucket[16]', 'truncate[4]', 'day', …; anything else (or a zero parameter) is INVALID_SCHEMA. */
export function transformParse(t: Transform): ParsedTransform {
  if (typeof t === 'string') {
    if (SIMPLE.has(t)) return { kind: t as ParsedTransform['kind'] }
    const m = PARAM_RE.exec(t)
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 2147483647) return { kind: m[1] as 'bucket' | 'truncate', param: Number(m[2]) }
  }
  throw new AkkoError('INVALID_SCHEMA', `Unknown partition transform ${JSON.stringify(t)} (expected identity, bucket[N], truncate[W], year, month, day, hour or void)`)
}

const asParsed = (t: Transform | ParsedTransform): ParsedTransform => (typeof t === 'string' ? transformParse(t) : t)

const TEMPORAL = new Set(['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'])
const BUCKETABLE = new Set(['int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed', 'binary'])
const TRUNCATABLE = new Set(['int', 'long', 'decimal', 'string', 'binary'])

/** True when the transform is defined for the source type (spec table "Partition Transforms"). */
export function transformCanApply(t: Transform | ParsedTransform, sourceType: IcebergType): boolean {
  const p = asParsed(t)
  if (p.kind === 'void') return true
  if (!typeIsPrimitive(sourceType)) return false
  const base = typeBaseName(sourceType)
  switch (p.kind) {
    case 'identity': return base !== 'unknown' && base !== 'variant'
    case 'bucket': return BUCKETABLE.has(base)
    case 'truncate': return TRUNCATABLE.has(base)
    case 'year': case 'month': case 'day': return TEMPORAL.has(base)
    case 'hour': return TEMPORAL.has(base) && base !== 'date'
  }
}

/**
 * The type of the partition value. bucket, year, month and hour give 'int'. For day the spec's table says int
 * but the Iceberg Java library (and so Spark's manifests) declares 'date'; both hold days since the epoch, so
 * we return 'date' to write manifests that Java readers match exactly, and accept either when reading.
 * identity, truncate and void keep the source type. INVALID_SCHEMA when the transform does not apply.
 */
export function transformResultType(t: Transform | ParsedTransform, sourceType: IcebergType): PrimitiveType {
  const p = asParsed(t)
  if (!transformCanApply(p, sourceType) || typeof sourceType !== 'string') {
    throw new AkkoError('INVALID_SCHEMA', `Transform ${transformToString(p)} cannot be applied to a ${typeof sourceType === 'string' ? sourceType : sourceType.type} column`)
  }
  switch (p.kind) {
    case 'bucket': case 'year': case 'month': case 'hour': return 'int'
    case 'day': return 'date'
    default: return sourceType
  }
}

/** Writes a parsed transform back in its JSON form ('bucket[4]'). */
export const transformToString = (p: ParsedTransform): Transform => (p.param === undefined ? p.kind : `${p.kind}[${p.param}]`)

/** True when the transform keeps order (a ≤ b ⇒ f(a) ≤ f(b)), so range predicates can be projected onto it. */
export function transformPreservesOrder(t: Transform | ParsedTransform): boolean {
  const k = asParsed(t).kind
  return k !== 'bucket' && k !== 'void'
}

/** Applies a transform to an in-memory value of `sourceType` (null → null; void → null). */
export function transformApply(t: Transform | ParsedTransform, sourceType: IcebergType, value: unknown): unknown {
  const p = asParsed(t)
  if (value === null || value === undefined || p.kind === 'void') return null
  if (!transformCanApply(p, sourceType) || typeof sourceType !== 'string') transformResultType(p, sourceType)
  const type = sourceType as PrimitiveType
  const v = valueCoerce(type, value)
  switch (p.kind) {
    case 'identity': return v
    case 'bucket': return (bucketHash(type, v) & 0x7fffffff) % p.param!
    case 'truncate': return truncate(type, v, p.param!)
    default: return temporal(p.kind, type, v)
  }
}

function truncate(type: PrimitiveType, v: unknown, w: number): unknown {
  switch (typeBaseName(type)) {
    case 'int': { const n = v as number; return n - (((n % w) + w) % w) }
    case 'long': case 'decimal': { const n = v as bigint, W = BigInt(w); return n - (((n % W) + W) % W) }
    case 'string': { const cps = Array.from(v as string); return cps.length <= w ? v : cps.slice(0, w).join('') }
    default: { const b = v as Uint8Array; return b.length <= w ? b : new Uint8Array(b.subarray(0, w)) }
  }
}

const floorDiv = (a: bigint, b: bigint): bigint => (a % b !== 0n && (a < 0n) !== (b < 0n) ? a / b - 1n : a / b)

/** Micros (or days for dates) → year / month / day / hour ordinal since 1970, flooring pre-epoch values. */
function temporal(kind: 'year' | 'month' | 'day' | 'hour', type: PrimitiveType, v: unknown): number {
  const micros = type === 'date' ? undefined : type.endsWith('_ns') ? floorDiv(v as bigint, 1000n) : (v as bigint)
  if (kind === 'hour') return Number(floorDiv(micros!, 3_600_000_000n))
  const days = micros === undefined ? (v as number) : Number(floorDiv(micros, 86_400_000_000n))
  if (kind === 'day') return days
  const { year, month } = dateFromDays(days)
  return kind === 'year' ? year - 1970 : (year - 1970) * 12 + month - 1
}

// ---------------------------------------------------------------- bucket hash (Appendix B)

/**
 * murmur3_x86_32 (seed 0) of the spec's byte form of a value: int and long as an 8-byte little-endian long,
 * date as days (a long), time / timestamps as µs (a long; ns timestamps are floored to µs first), string as
 * UTF-8, uuid as 16 big-endian bytes, decimal as the minimal big-endian two's complement of the unscaled value,
 * fixed / binary as their bytes. Returns a signed 32-bit integer like Java.
 */
export function bucketHash(sourceType: PrimitiveType, value: unknown): number {
  const v = valueCoerce(sourceType, value)
  switch (typeBaseName(sourceType)) {
    case 'int': case 'date': return murmur3(longBytes(BigInt(v as number)))
    case 'long': case 'time': case 'timestamp': case 'timestamptz': return murmur3(longBytes(v as bigint))
    case 'timestamp_ns': case 'timestamptz_ns': return murmur3(longBytes(floorDiv(v as bigint, 1000n)))
    case 'decimal': return murmur3(decimalToBytes(v as bigint))
    case 'string': return murmur3(new TextEncoder().encode(v as string))
    case 'uuid': return murmur3(uuidToBytes(v as string))
    case 'fixed': case 'binary': return murmur3(v as Uint8Array)
  }
  throw new AkkoError('INVALID_SCHEMA', `Cannot bucket a ${sourceType} column`)
}

function longBytes(n: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, n), true)
  return b
}

const M3_C1 = 0xcc9e2d51
const M3_C2 = 0x1b873593
const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

/** One murmur3_x86_32 key scramble (also used on the tail block). */
export const murmur3Scramble = (k: number): number => Math.imul(rotl(Math.imul(k, M3_C1), 15), M3_C2)

/** One murmur3_x86_32 body step: scramble a 4-byte little-endian block into the running hash. */
export const murmur3MixBlock = (h: number, k: number): number => (Math.imul(rotl(h ^ murmur3Scramble(k), 13), 5) + 0xe6546b64) | 0

/** murmur3_x86_32 finalization over `len` bytes hashed. */
export function murmur3Finalize(h: number, len: number): number {
  h ^= len
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}

/** MurmurHash3 x86 32-bit with seed 0, as Guava's murmur3_32_fixed computes it. */
export function murmur3(data: Uint8Array, seed = 0): number {
  let h = seed | 0
  const len = data.length
  const blocks = len & ~3
  for (let i = 0; i < blocks; i += 4) h = murmur3MixBlock(h, data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
  const tail = len & 3
  if (tail > 0) {
    let k = 0
    if (tail === 3) k ^= data[blocks + 2]! << 16
    if (tail >= 2) k ^= data[blocks + 1]! << 8
    k ^= data[blocks]!
    h ^= murmur3Scramble(k)
  }
  return murmur3Finalize(h, len)
}

// ---------------------------------------------------------------- partition path strings

/**
 * The human-readable form of a partition value, as used in partition paths (`ts_day=2024-01-15`): year '2024',
 * month '2024-01', day '2024-01-15', hour '2024-01-15-10', identity/truncate of dates and timestamps in ISO
 * form, decimals with their scale, binary as base64, null as 'null'. `value` is the transformed value.
 */
export function transformToHumanString(t: Transform | ParsedTransform, sourceType: IcebergType, value: unknown): string {
  const p = asParsed(t)
  if (value === null || value === undefined || p.kind === 'void') return 'null'
  switch (p.kind) {
    case 'year': return yearString(Number(value))
    case 'month': {
      const n = Number(value)
      const y = Math.floor(n / 12)
      return `${yearString(y)}-${String(n - y * 12 + 1).padStart(2, '0')}`
    }
    case 'day': return dateFormat(Number(value))
    case 'hour': {
      const n = Number(value)
      const days = Math.floor(n / 24)
      return `${dateFormat(days)}-${String(n - days * 24).padStart(2, '0')}`
    }
    case 'bucket': return String(value)
    default: return typeof sourceType === 'string' ? identityString(sourceType, value) : String(value)
  }
}

const yearString = (yearsSince1970: number): string => String(yearsSince1970 + 1970).padStart(4, '0')

function identityString(type: PrimitiveType, value: unknown): string {
  const v = valueCoerce(type, value)
  switch (typeBaseName(type)) {
    case 'date': return dateFormat(v as number)
    case 'time': return timestampFormat(v as bigint).slice(11)
    case 'timestamp': return timestampFormat(v as bigint)
    case 'timestamptz': return `${timestampFormat(v as bigint)}Z`
    case 'timestamp_ns': return timestampFormat(v as bigint, 1_000_000_000n)
    case 'timestamptz_ns': return `${timestampFormat(v as bigint, 1_000_000_000n)}Z`
    case 'decimal': return decimalFormat(v as bigint, typeParseDecimal(type)!.scale)
    case 'fixed': case 'binary': {
      const b = v as Uint8Array
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
    }
    default: return String(v)
  }
}
