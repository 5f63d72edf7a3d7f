/**
 * Partition tuples between their in-memory representation (see values.ts: int/date → number,
 * long/time/timestamp → bigint, decimal → bigint unscaled, uuid → string, binary/fixed → Uint8Array)
 * and the Avro values of a manifest's `partition` struct, plus the manifest list's per-field summaries
 * (spec "Manifest Lists", field_summary 508).
 */
import { Buffer } from 'node:buffer'
import { AkkoError } from '../../core/index.js'
import type { AvroSchema, AvroSchemaObject } from './avro-codec.js'
import { decimalRequiredBytes } from './avro-schemas.js'
import type { FieldSummary, PrimitiveType } from './spec.js'
import { typeParseDecimal, typeParseFixed } from './types.js'
import { valueCompare, valueToBytes } from './values.js'

const INT_MIN = -(2 ** 31)
const INT_MAX = 2 ** 31 - 1
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function bad(field: string, type: PrimitiveType, v: unknown): AkkoError {
  const shown = typeof v === 'bigint' ? `${v}n` : typeof v === 'object' && v !== null ? v.constructor.name : JSON.stringify(v)
  return new AkkoError('INVALID_ARGUMENT', `Partition field '${field}' of type ${type} cannot hold the value ${shown}`, { field, type })
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength)

/** Two's complement big-endian of `v` in exactly `size` bytes. */
function bigintToFixed(v: bigint, size: number): Buffer {
  const out = Buffer.alloc(size)
  let x = BigInt.asUintN(size * 8, v)
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

function bigintFromBytes(b: Uint8Array): bigint {
  let x = 0n
  for (const byte of b) x = (x << 8n) | BigInt(byte)
  return b.length === 0 ? 0n : BigInt.asIntN(b.length * 8, x)
}

function uuidToBytes(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, ''), 'hex')
}

function uuidFromBytes(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * The Avro value of one partition value of Iceberg type `type` (null stays null).
 * Wrong JS types throw INVALID_ARGUMENT naming the partition field.
 */
export function manifestPartitionToAvro(type: PrimitiveType, v: unknown, field: string): unknown {
  if (v === null || v === undefined) return null
  const dec = typeParseDecimal(type)
  if (dec) {
    const n = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v
    if (typeof n !== 'bigint' || (n < 0n ? -n : n) >= 10n ** BigInt(dec.precision)) throw bad(field, type, v)
    return bigintToFixed(n, decimalRequiredBytes(dec.precision))
  }
  const fixed = typeParseFixed(type)
  if (fixed !== undefined) {
    if (!(v instanceof Uint8Array) || v.length !== fixed) throw bad(field, type, v)
    return toBuffer(v)
  }
  switch (type) {
    case 'boolean':
      if (typeof v !== 'boolean') throw bad(field, type, v)
      return v
    case 'int':
    case 'date':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < INT_MIN || v > INT_MAX) throw bad(field, type, v)
      return v
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
      if (typeof v !== 'bigint' || BigInt.asIntN(64, v) !== v) throw bad(field, type, v)
      return v
    case 'float':
    case 'double':
      if (typeof v !== 'number') throw bad(field, type, v)
      return v
    case 'string':
      if (typeof v !== 'string') throw bad(field, type, v)
      return v
    case 'uuid':
      if (typeof v !== 'string' || !UUID_RE.test(v)) throw bad(field, type, v)
      return uuidToBytes(v)
    case 'binary':
      if (!(v instanceof Uint8Array)) throw bad(field, type, v)
      return toBuffer(v)
    default:
      throw new AkkoError('NOT_SUPPORTED', `Partition field '${field}' has type '${type}', which manifests cannot hold`, { field, type })
  }
}

/**
 * The in-memory value of a partition value decoded with the writer's Avro type `avro` (already resolved:
 * not a union). Decided by the Avro type and its logical type, so files that store a day partition as
 * plain `int` or as `int/date` both give days as a number. `icebergType`, when known, settles int vs long.
 */
export function manifestPartitionFromAvro(avro: AvroSchema, raw: unknown, icebergType?: PrimitiveType): unknown {
  if (raw === null || raw === undefined) return null
  const logical = typeof avro === 'object' && !Array.isArray(avro) ? (avro as AvroSchemaObject).logicalType : undefined
  if (raw instanceof Uint8Array) {
    if (logical === 'decimal' || (icebergType !== undefined && typeParseDecimal(icebergType))) return bigintFromBytes(raw)
    if (logical === 'uuid' || icebergType === 'uuid') return uuidFromBytes(raw)
    return new Uint8Array(raw)
  }
  if (typeof raw === 'string' && (logical === 'uuid' || icebergType === 'uuid')) return raw.toLowerCase()
  if (typeof raw === 'bigint' && (icebergType === 'int' || icebergType === 'date')) return Number(raw)
  if (typeof raw === 'number' && Number.isInteger(raw) && icebergType !== undefined && LONG_TYPES.has(icebergType)) return BigInt(raw)
  return raw
}

const LONG_TYPES = new Set(['long', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'])

const isNaNValue = (v: unknown): boolean => typeof v === 'number' && Number.isNaN(v)

/**
 * Per-field summaries over the partition tuples of a manifest's entries: whether any value is null or NaN,
 * and the lower/upper bound in the single-value binary encoding of the field's type (spec Appendix D).
 */
export function manifestPartitionSummaries(
  fields: readonly { readonly name: string; readonly type: PrimitiveType }[],
  tuples: readonly Readonly<Record<string, unknown>>[],
): FieldSummary[] {
  return fields.map(({ name, type }) => {
    let containsNull = false
    let containsNan = false
    let lower: unknown
    let upper: unknown
    let seen = false
    for (const t of tuples) {
      const v = t[name]
      if (v === null || v === undefined) containsNull = true
      else if (isNaNValue(v)) containsNan = true
      else if (!seen) {
        lower = upper = v
        seen = true
      } else {
        if (valueCompare(type, v, lower) < 0) lower = v
        if (valueCompare(type, v, upper) > 0) upper = v
      }
    }
    return {
      contains_null: containsNull,
      contains_nan: containsNan,
      lower_bound: seen ? valueToBytes(type, lower) : null,
      upper_bound: seen ? valueToBytes(type, upper) : null,
    }
  })
}
