import { AkkoError } from '../../core/index.js'
import type { ByteRange } from './object-store.js'

/**
 * Checks a requested byte range before any I/O, so both stores reject the same inputs:
 * `start` must be a non-negative integer and `end`, when given, an integer not below `start`.
 */
export function byteRangeValidate(location: string, range: ByteRange | undefined): void {
  if (range === undefined) return
  const { start, end } = range
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new AkkoError('INVALID_ARGUMENT', `Invalid byte range for ${location}: start must be a non-negative integer, got ${start}`, { location, start, end })
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new AkkoError('INVALID_ARGUMENT', `Invalid byte range for ${location}: end must be an integer >= start (${start}), got ${end}`, { location, start, end })
  }
}

/**
 * Resolves a validated range against the object's size: `end` is clamped to the size, and a
 * `start` equal to the size gives an empty read. A `start` past the end is INVALID_ARGUMENT,
 * because a reader asking for it has a wrong size or offset (a corrupt footer, a stale manifest).
 */
export function byteRangeResolve(location: string, range: ByteRange | undefined, size: number): { start: number; end: number } {
  const start = range?.start ?? 0
  const end = Math.min(range?.end ?? size, size)
  if (start > size) {
    throw new AkkoError('INVALID_ARGUMENT', `Byte range starts at ${start}, past the end of ${location} (${size} bytes)`, { location, start, size })
  }
  return { start, end: Math.max(start, end) }
}
