import { randomBytes } from 'node:crypto'

/**
 * A new snapshot id: positive and random, as the spec recommends (Appendix F: Java XORs the halves of a UUIDv4
 * and masks the sign bit). Kept within 2^63 - 1 and never 0.
 */
export function snapshotIdNew(): bigint {
  const b = randomBytes(8)
  const id = b.readBigUInt64BE() & 0x7fffffffffffffffn
  return id === 0n ? 1n : id
}
