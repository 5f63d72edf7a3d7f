/**
 * Readers for the shapes that recur in Iceberg's Avro files (spec Appendix A): int-keyed maps stored as
 * arrays of key/value records, lists, longs decoded as bigint, and bytes. Each reader is built once per
 * file from the WRITER's field definition, then applied to every record.
 */
import { AkkoError } from '../../core/index.js'
import type { AvroField, AvroSchemaObject } from './avro-codec.js'
import { avroRecordFields, avroResolve } from './avro-schemas.js'

export type Named = ReadonlyMap<string, AvroSchemaObject>
type Rec = Record<string, unknown>

/** A long (decoded as bigint) as a number; counts and sizes fit easily. */
export function avroLongToNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number)
}

/** Avro bytes (a Buffer from avsc) as a plain Uint8Array that owns its memory. */
export function avroBytes(v: unknown): Uint8Array | null {
  return v === null || v === undefined ? null : new Uint8Array(v as Uint8Array)
}

/** A reader of `field` from a decoded record; returns `fallback` when the writer has no such field. */
export function avroFieldReader<T>(field: AvroField | undefined, convert: (raw: unknown) => T, fallback: T): (rec: Rec) => T {
  if (!field) return () => fallback
  const name = field.name
  return (rec) => {
    const raw = rec[name]
    return raw === null || raw === undefined ? fallback : convert(raw)
  }
}

/** A reader of a required field; a file without it is not an Iceberg manifest (list). */
export function avroRequiredReader<T>(
  field: AvroField | undefined,
  convert: (raw: unknown) => T,
  location: string,
  what: string,
): (rec: Rec) => T {
  if (!field) {
    throw new AkkoError('CORRUPT_FILE', `${location} lacks the required field ${what}; it is not a valid Iceberg file`, { file: location, field: what })
  }
  const name = field.name
  return (rec) => {
    const raw = rec[name]
    if (raw === null || raw === undefined) {
      throw new AkkoError('CORRUPT_FILE', `${location} has a record without the required field ${what}`, { file: location, field: what })
    }
    return convert(raw)
  }
}

/**
 * A reader of an int-keyed map (column id → count or bound). Writers store these as arrays of
 * `{key, value}` records (any record name, matched by field id or position); a real Avro map with
 * string keys is accepted too. Missing maps read as null.
 */
export function avroIntMapReader<V>(
  field: AvroField | undefined,
  named: Named,
  keyId: number,
  valueId: number,
  convert: (raw: unknown) => V,
): (rec: Rec) => Map<number, V> | null {
  if (!field) return () => null
  const t = avroResolve(field.type, named)
  const items = typeof t === 'object' && !Array.isArray(t) ? (t as AvroSchemaObject).items : undefined
  const kv = items === undefined ? [] : avroRecordFields(items, named)
  const keyName = (kv.find((f) => f['field-id'] === keyId) ?? kv[0])?.name ?? 'key'
  const valueName = (kv.find((f) => f['field-id'] === valueId) ?? kv[1])?.name ?? 'value'
  const name = field.name
  return (rec) => {
    const raw = rec[name]
    if (raw === null || raw === undefined) return null
    const out = new Map<number, V>()
    if (Array.isArray(raw)) {
      for (const pair of raw as Rec[]) out.set(Number(pair[keyName]), convert(pair[valueName]))
    } else {
      for (const [k, v] of Object.entries(raw as Rec)) out.set(Number(k), convert(v))
    }
    return out
  }
}

/** A reader of a list of ints or longs as numbers; missing lists read as null. */
export function avroNumberListReader(field: AvroField | undefined): (rec: Rec) => number[] | null {
  return avroFieldReader<number[] | null>(field, (raw) => (raw as unknown[]).map(avroLongToNumber), null)
}
