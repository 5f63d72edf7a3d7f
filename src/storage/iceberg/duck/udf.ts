/**
 * Scalar functions AKKO adds to DuckDB. `akko_iceberg_bucket(value, n)` is Iceberg's bucket[N] transform
 * (spec "Bucket Transform Details"), computed with the hash of transforms.ts, so a partition value DuckDB
 * computes while writing always equals the one `transformApply` gives. It runs once per row of a write,
 * so integer, temporal and string inputs take allocation-free murmur3 paths over the bytes the spec
 * hashes (the two 32-bit words of a long; UTF-8 encoded into a reused buffer); other types go through
 * `bucketHash`. The unit tests check every path agrees with `transformApply`.
 * @module
 */
import { ANY, DuckDBScalarFunction, INTEGER, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api'
import { bucketHash, murmur3Finalize, murmur3MixBlock, murmur3Scramble } from '../transforms.js'
import { duckPrimitiveIcebergType, duckValueToIceberg } from './duck-values.js'

/** Name of the bucket function in SQL. */
export const BUCKET_UDF = 'akko_iceberg_bucket'

const registered = new WeakSet<DuckDBConnection>()

/** Registers AKKO's scalar functions on a connection (once; later calls are no-ops). */
export function udfRegister(conn: DuckDBConnection): void {
  if (registered.has(conn)) return
  conn.registerScalarFunction(bucketFunction())
  registered.add(conn)
}

type Hasher = (raw: NonNullable<ReturnType<DuckDBVector['getItem']>>) => number

const utf8 = new TextEncoder()
/**
 * murmur3_x86_32 (seed 0) of a 64-bit little-endian long given as its low and high 32-bit words: the
 * spec's hash input for int, long, date, time and timestamps, unrolled for the two blocks it always has.
 */
const hashLongWords = (lo: number, hi: number): number => murmur3Finalize(murmur3MixBlock(murmur3MixBlock(0, lo), hi), 8)

const hashInt = (v: number): number => hashLongWords(v | 0, v < 0 ? -1 : 0)
const hashLong = (v: bigint): number => hashLongWords(Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)))

let utf8Buffer = new Uint8Array(1024)

/** murmur3_x86_32 (seed 0) of a string's UTF-8 bytes, encoded into a reused buffer. */
function hashString(s: string): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (utf8Buffer.length < s.length * 3) utf8Buffer = new Uint8Array(s.length * 3)
  const b = utf8Buffer
  const len = utf8.encodeInto(s, b).written
  const blocks = len & ~3
  let h = 0
  for (let i = 0; i < blocks; i += 4) h = murmur3MixBlock(h, b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))
  const tail = len & 3
  if (tail > 0) {
    let k = b[blocks]!
    if (tail >= 2) k ^= b[blocks + 1]! << 8
    if (tail === 3) k ^= b[blocks + 2]! << 16
    h ^= murmur3Scramble(k)
  }
  return murmur3Finalize(h, len)
}

/** The hash function for one source type; undefined when Iceberg cannot bucket it. */
function hasherFor(type: string): Hasher | undefined {
  switch (type) {
    case 'int': return (raw) => hashInt(raw as number)
    case 'long': return (raw) => hashLong(raw as bigint)
    case 'date': case 'time': case 'timestamp': case 'timestamptz': return (raw) => {
      const v = duckValueToIceberg(raw)
      return typeof v === 'number' ? hashInt(v) : hashLong(v as bigint)
    }
    case 'string': return (raw) => hashString(raw as string)
    case 'boolean': case 'float': case 'double': return undefined
    default: return (raw) => bucketHash(type, duckValueToIceberg(raw))
  }
}

function bucketFunction(): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name: BUCKET_UDF,
    returnType: INTEGER,
    // ANY: the Iceberg source type is read from the vector type of each chunk, so one function
    // serves int, long, decimal, date, time, timestamp(tz), string, uuid and binary sources.
    parameterTypes: [ANY, INTEGER],
    mainFunction: (info, input, output) => {
      const values = input.getColumnVector(0)
      const counts = input.getColumnVector(1)
      const type = duckPrimitiveIcebergType(values.type)
      const hash = type === undefined ? undefined : hasherFor(type)
      if (!hash) {
        info.setError(`${BUCKET_UDF}: Iceberg cannot bucket values of type ${values.type.toString()}`)
        return
      }
      for (let row = 0; row < input.rowCount; row++) {
        const raw = values.getItem(row)
        const n = counts.getItem(row) as number | null
        if (raw === null || n === null) {
          output.setItem(row, null)
          continue
        }
        if (n <= 0) {
          info.setError(`${BUCKET_UDF}: the bucket count must be positive, got ${n}`)
          return
        }
        output.setItem(row, (hash(raw) & 0x7fffffff) % n)
      }
      output.flush()
    },
  })
}
