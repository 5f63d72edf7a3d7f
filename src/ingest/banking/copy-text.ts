/**
 * PostgreSQL's COPY text format (PostgreSQL docs, "COPY", File Formats > Text Format): one line per row,
 * columns separated by tabs, `\N` for NULL, and backslash, tab, newline and carriage return escaped.
 * @module
 */

const SPECIAL = /[\\\t\n\r]/

/** One text value, escaped for the COPY text format. */
export function copyText(s: string): string {
  if (!SPECIAL.test(s)) return s
  return s.replace(/[\\\t\n\r]/g, ch => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'))
}

/** A nullable text value: `\N` for null. */
export const copyNullable = (s: string | null): string => (s === null ? '\\N' : copyText(s))

/** Minor units as a decimal with two places: 12345 → `123.45`, -5 → `-0.05`. */
export function copyCents(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const a = Math.abs(cents)
  const frac = a % 100
  return `${sign}${Math.floor(a / 100)}.${frac < 10 ? '0' : ''}${frac}`
}

let dayKey = Number.NaN
let dayPrefix = ''

/**
 * An instant (epoch milliseconds) as ISO 8601 in UTC (`2025-05-05T15:48:45.405Z`), which timestamptz input
 * accepts. Consecutive rows mostly share a day, so the date part is formatted once per day, the time by hand.
 */
export function copyInstant(ms: number): string {
  const day = Math.floor(ms / 86_400_000)
  if (day !== dayKey) {
    dayKey = day
    dayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11)
  }
  let rest = ms - day * 86_400_000
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const sec = Math.floor(rest / 1000)
  const milli = rest - sec * 1000
  return `${dayPrefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
}

/** COPY text bytes and the number of rows (lines) they hold. */
export interface CopyChunk {
  readonly bytes: Uint8Array
  readonly rows: number
}

/**
 * Encodes rows straight into UTF-8 buffers of about `chunkBytes` each. Each line is written into the buffer as
 * soon as it is built, so no array of row strings lives long enough to burden the garbage collector.
 */
export function* copyChunks<T>(rows: Iterable<T>, encode: (row: T) => string, chunkBytes = 1 << 20): Generator<CopyChunk> {
  let buf = Buffer.allocUnsafe(chunkBytes)
  let off = 0
  let n = 0
  for (const row of rows) {
    const line = `${encode(row)}\n`
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes: this bound guarantees the write is never truncated.
    if (off + line.length * 3 > buf.length && n > 0) {
      yield { bytes: buf.subarray(0, off), rows: n }
      buf = Buffer.allocUnsafe(Math.max(chunkBytes, line.length * 3))
      off = 0
      n = 0
    }
    off += buf.write(line, off, 'utf8')
    n++
  }
  if (n > 0) yield { bytes: buf.subarray(0, off), rows: n }
}
