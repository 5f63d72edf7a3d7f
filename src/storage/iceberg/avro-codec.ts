/**
 * The Avro object container format (Avro spec "Object Container Files") for Iceberg manifests and
 * manifest lists, on top of `avsc` types.
 *
 * Framing is done here rather than with avsc's stream classes so that a truncated or corrupt file
 * is reported synchronously as CORRUPT_FILE naming the file (streams can stall waiting for bytes
 * that never come), and so that records are always decoded with the WRITER's schema embedded in
 * the file: every engine names its records differently (r2, r102, k117_v118, manifest_file, …).
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import avsc from 'avsc'
import { AkkoError } from '../../core/index.js'

/** An Avro schema as JSON (kept raw so the `field-id`/`element-id` attributes stay readable). */
export type AvroSchema = string | AvroSchemaObject | readonly AvroSchema[]
export interface AvroSchemaObject {
  readonly type: AvroSchema
  readonly name?: string
  readonly fields?: readonly AvroField[]
  readonly items?: AvroSchema
  readonly values?: AvroSchema
  readonly size?: number
  readonly logicalType?: string
  readonly [attribute: string]: unknown
}
export interface AvroField {
  readonly name: string
  readonly type: AvroSchema
  readonly default?: unknown
  readonly 'field-id'?: number
  readonly [attribute: string]: unknown
}

export type AvroCodec = 'null' | 'deflate'

const MAGIC = Buffer.from('Obj\x01', 'latin1')
const SYNC_SIZE = 16

/**
 * Avro longs as bigint: snapshot ids exceed 2^53 and must survive exactly. Callers convert counts
 * and sizes to numbers where the Iceberg type says so.
 */
const BIGINT_LONG = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8)
    buf.writeBigInt64LE(BigInt(n))
    return buf
  },
  fromJSON: (x: unknown) => BigInt(x as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
})

const HEADER_TYPE = avsc.Type.forSchema({
  type: 'record',
  name: 'Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_SIZE } },
  ],
})
const LONG_TYPE = avsc.Type.forSchema('long')

/** The parts of avsc's internal reader ("tap") the guarded collections below use. */
interface AvscTap {
  buf: Buffer
  pos: number
  readLong(): number
  skipLong(): void
  readString(): string
}
type AvscReader = { _read(tap: AvscTap): unknown }

/** A block's item count, refused when it exceeds the bytes left: every item of an Iceberg array or map takes at least one. */
function readCount(tap: AvscTap): number {
  let n = tap.readLong()
  if (n < 0) {
    n = -n
    tap.skipLong()
  }
  if (!Number.isSafeInteger(n) || n > tap.buf.length - tap.pos) throw new Error('an array or map claims more items than bytes left')
  return n
}

// avsc pre-allocates an array from the item count it reads, so one corrupt count can exhaust memory or spin for
// minutes. Arrays and maps are therefore read by these subclasses, which check the count against the bytes left.
const { ArrayType, MapType } = avsc.types as unknown as Record<string, new (schema: unknown, opts: unknown) => object>

class GuardedArrayType extends ArrayType! {
  _read(tap: AvscTap): unknown[] {
    const items = (this as unknown as { itemsType: AvscReader }).itemsType
    const out: unknown[] = []
    for (let n = readCount(tap); n > 0; n = readCount(tap)) while (n-- > 0) out.push(items._read(tap))
    return out
  }
}

class GuardedMapType extends MapType! {
  _read(tap: AvscTap): Record<string, unknown> {
    const values = (this as unknown as { valuesType: AvscReader }).valuesType
    const out: Record<string, unknown> = {}
    for (let n = readCount(tap); n > 0; n = readCount(tap)) while (n-- > 0) out[tap.readString()] = values._read(tap)
    return out
  }
}

function guardedCollections(schema: unknown, opts: unknown): avsc.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined
  const t = (schema as { type?: unknown }).type
  if (t === 'array') return new GuardedArrayType(schema, opts) as unknown as avsc.Type
  if (t === 'map') return new GuardedMapType(schema, opts) as unknown as avsc.Type
  return undefined
}

/** Builds the avsc type for a schema: every long decoded as bigint, arrays and maps guarded against corrupt counts. */
export function avroType(schema: AvroSchema): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, { registry: { long: BIGINT_LONG } as never, typeHook: guardedCollections as never })
}

/** An opened container file: its header metadata, the writer's schema, and its records (decoded lazily). */
export interface AvroContainer {
  readonly meta: ReadonlyMap<string, string>
  readonly schema: AvroSchema
  records(): Generator<unknown>
}

function corrupt(location: string, what: string, cause?: unknown): AkkoError {
  return new AkkoError(
    'CORRUPT_FILE',
    `${location} is not a readable Avro file (${what}); the file may be truncated or was not written by an Avro writer`,
    { file: location },
    cause === undefined ? undefined : { cause },
  )
}

/** Decodes one value at `pos`, turning avsc's "not enough bytes" and decode errors into CORRUPT_FILE. */
function decodeAt(type: avsc.Type, buf: Buffer, pos: number, location: string, what: string): { value: unknown; offset: number } {
  let res: { value: unknown; offset: number }
  try {
    res = type.decode(buf, pos)
  } catch (e) {
    throw corrupt(location, `cannot decode ${what}`, e)
  }
  if (res.offset < 0 || res.offset > buf.length) throw corrupt(location, `${what} is cut short`)
  return res
}

function decompress(codec: string, data: Buffer, location: string): Buffer {
  if (codec === 'null') return data
  if (codec === 'deflate') {
    try {
      return inflateRawSync(data)
    } catch (e) {
      throw corrupt(location, 'a deflate block does not decompress', e)
    }
  }
  throw unsupportedCodec(codec, location)
}

function unsupportedCodec(codec: string, location: string): AkkoError {
  return new AkkoError('NOT_SUPPORTED', `${location} uses the Avro codec '${codec}'; only 'null' and 'deflate' can be read`, {
    file: location,
    codec,
  })
}

/**
 * Compiled reader types by the writer's schema text: every manifest of a table (and every table written by the
 * same engine) embeds the same schema, and compiling it costs about a millisecond per file.
 */
const TYPE_CACHE = new Map<string, { schema: AvroSchema; type: avsc.Type }>()
const TYPE_CACHE_MAX = 256

/**
 * Opens an Avro object container held in memory. Header problems throw CORRUPT_FILE at once;
 * block problems throw CORRUPT_FILE while iterating `records()`.
 */
export function avroContainerOpen(bytes: Uint8Array, location: string): AvroContainer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt(location, 'no Avro magic bytes')
  const { value, offset: dataStart } = decodeAt(HEADER_TYPE, buf, 0, location, 'the header')
  const header = value as { meta: Record<string, Buffer>; sync: Buffer }
  const meta = new Map(Object.entries(header.meta).map(([k, v]) => [k, v.toString('utf8')] as const))
  let schema: AvroSchema
  let type: avsc.Type
  try {
    const text = meta.get('avro.schema') ?? ''
    const cached = TYPE_CACHE.get(text)
    if (cached) ({ schema, type } = cached)
    else {
      schema = JSON.parse(text) as AvroSchema
      type = avroType(schema)
      if (TYPE_CACHE.size >= TYPE_CACHE_MAX) TYPE_CACHE.delete(TYPE_CACHE.keys().next().value as string)
      TYPE_CACHE.set(text, { schema, type })
    }
  } catch (e) {
    throw corrupt(location, 'its embedded schema is missing or invalid', e)
  }
  const codec = meta.get('avro.codec') ?? 'null'
  if (codec !== 'null' && codec !== 'deflate') throw unsupportedCodec(codec, location)
  return { meta, schema, records: () => readBlocks(buf, dataStart, type, header.sync, codec, location) }
}

function* readBlocks(buf: Buffer, start: number, type: avsc.Type, sync: Buffer, codec: string, location: string): Generator<unknown> {
  let pos = start
  while (pos < buf.length) {
    const count = decodeAt(LONG_TYPE, buf, pos, location, 'a block header')
    const size = decodeAt(LONG_TYPE, buf, count.offset, location, 'a block header')
    const n = count.value as number
    const len = size.value as number
    const end = size.offset + len
    if (n < 0 || len < 0 || end + SYNC_SIZE > buf.length) throw corrupt(location, 'a data block is cut short')
    if (!buf.subarray(end, end + SYNC_SIZE).equals(sync)) throw corrupt(location, 'a block sync marker does not match')
    const data = decompress(codec, buf.subarray(size.offset, end), location)
    let at = 0
    for (let i = 0; i < n; i++) {
      const rec = decodeAt(type, data, at, location, 'a record')
      at = rec.offset
      yield rec.value
    }
    if (at !== data.length) throw corrupt(location, 'a data block holds more bytes than its records')
    pos = end + SYNC_SIZE
  }
}

/** Records per block when writing; Iceberg readers do not care, smaller blocks only bound memory. */
const BLOCK_RECORDS = 1000

/**
 * Writes an Avro object container: header with `meta` (plus avro.schema/avro.codec), then the
 * records in deflate-compressed blocks. Invalid records are a bug in the caller (INTERNAL).
 */
export function avroContainerWrite(
  schema: AvroSchema,
  meta: Readonly<Record<string, string>>,
  records: readonly unknown[],
  codec: AvroCodec = 'deflate',
): Uint8Array {
  const type = avroType(schema)
  const sync = randomBytes(SYNC_SIZE)
  const headerMeta: Record<string, Buffer> = { 'avro.schema': Buffer.from(JSON.stringify(schema)), 'avro.codec': Buffer.from(codec) }
  for (const [k, v] of Object.entries(meta)) headerMeta[k] = Buffer.from(v, 'utf8')
  const parts: Buffer[] = [HEADER_TYPE.toBuffer({ magic: MAGIC, meta: headerMeta, sync })]
  for (let i = 0; i < records.length; i += BLOCK_RECORDS) {
    const chunk = records.slice(i, i + BLOCK_RECORDS)
    const raw = Buffer.concat(chunk.map((r) => encodeRecord(type, r)))
    const data = codec === 'deflate' ? deflateRawSync(raw) : raw
    parts.push(LONG_TYPE.toBuffer(chunk.length), LONG_TYPE.toBuffer(data.length), data, sync)
  }
  const out = Buffer.concat(parts)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

function encodeRecord(type: avsc.Type, record: unknown): Buffer {
  const paths: string[] = []
  if (!type.isValid(record, { errorHook: (path: string[]) => paths.push(path.join('.')) })) {
    throw new AkkoError('INTERNAL', `Invariant violated: record does not match its Avro schema at ${paths.join(', ')} (this is a bug)`)
  }
  return type.toBuffer(record)
}
