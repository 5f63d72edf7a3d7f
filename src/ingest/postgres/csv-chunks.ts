/**
 * Cuts a CSV byte stream (PostgreSQL's `COPY … TO STDOUT (FORMAT csv)`) into files of about `chunkBytes` at row
 * boundaries, and hands each finished file to a consumer (DuckDB) while the next one is being received, so
 * reading from PostgreSQL and writing Parquet overlap and no row is ever held in JavaScript. A newline ends a row
 * only outside quotes: PostgreSQL doubles quotes inside quoted values, so the parity of the quotes seen since
 * the start of the file tells which newlines are row ends.
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'

const QUOTE = 0x22
const NEWLINE = 0x0a

/** Options of a {@link CsvChunker}. */
export interface CsvChunkerOptions {
  /** Folder for the chunk files (the caller removes it). */
  readonly dir: string
  /** A chunk is closed at the first row end after this many bytes. */
  readonly chunkBytes: number
  /** Consumes one finished chunk file; `lane` is 0 … concurrency-1, and a lane runs one chunk at a time. */
  readonly consume: (path: string, lane: number) => Promise<void>
  /** Lanes consuming chunks at the same time (default 1: one after the other, in order). */
  readonly concurrency?: number
  /** Finished chunks waiting for a lane before the stream is paused (backpressure). Default 2. */
  readonly maxPending?: number
}

/** A Writable that writes CSV into chunk files and feeds them to `consume`, round robin over its lanes. */
export class CsvChunker extends Writable {
  readonly #opts: CsvChunkerOptions
  #fd: number | undefined
  #index = 0
  #bytes = 0
  #oddQuotes = false
  readonly #lanes: Promise<void>[]
  /** One promise per chunk handed over and not consumed yet, oldest first. */
  readonly #inflight: Promise<void>[] = []
  #failure: unknown
  /** Chunk files handed to the consumer so far. */
  chunks = 0

  constructor(opts: CsvChunkerOptions) {
    super({ highWaterMark: 1 << 20 })
    this.#opts = opts
    this.#lanes = Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, () => Promise.resolve())
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.#take(chunk).then(() => cb(), e => cb(e as Error))
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.#close()
    Promise.all(this.#lanes).then(() => cb(this.#failure as Error | undefined), e => cb(e as Error))
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.#fd !== undefined) closeSync(this.#fd)
    this.#fd = undefined
    cb(err)
  }

  async #take(buf: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure
    let start = 0
    if (this.#bytes + buf.length >= this.#opts.chunkBytes) {
      const cut = this.#rowEndAfter(buf, Math.max(0, this.#opts.chunkBytes - this.#bytes - 1))
      if (cut >= 0) {
        this.#append(buf.subarray(0, cut + 1))
        this.#close()
        start = cut + 1
        while (this.#inflight.length > (this.#opts.maxPending ?? 2) + this.#lanes.length - 1) await Promise.race(this.#inflight)
        if (this.#failure) throw this.#failure
      }
    }
    if (start < buf.length) this.#append(buf.subarray(start))
  }

  /** The first newline at or after `from` that ends a row (even quote parity), or -1. */
  #rowEndAfter(buf: Buffer, from: number): number {
    let odd = this.#oddQuotes
    let q = buf.indexOf(QUOTE, 0)
    let nl = buf.indexOf(NEWLINE, from)
    while (nl >= 0) {
      while (q >= 0 && q < nl) {
        odd = !odd
        q = buf.indexOf(QUOTE, q + 1)
      }
      if (!odd) return nl
      nl = buf.indexOf(NEWLINE, nl + 1)
    }
    return -1
  }

  #append(buf: Buffer): void {
    if (buf.length === 0) return
    if (this.#fd === undefined) {
      this.#fd = openSync(this.#path(), 'w')
      this.#bytes = 0
      this.#oddQuotes = false
    }
    let off = 0
    while (off < buf.length) off += writeSync(this.#fd, buf, off)
    this.#bytes += buf.length
    for (let q = buf.indexOf(QUOTE); q >= 0; q = buf.indexOf(QUOTE, q + 1)) this.#oddQuotes = !this.#oddQuotes
  }

  #path(): string {
    return join(this.#opts.dir, `chunk-${String(this.#index).padStart(6, '0')}.csv`)
  }

  /** Closes the current file (if any) and queues it for the consumer. */
  #close(): void {
    if (this.#fd === undefined) return
    closeSync(this.#fd)
    this.#fd = undefined
    const path = this.#path()
    const lane = this.#index % this.#lanes.length
    this.#index++
    this.chunks++
    const done: Promise<void> = this.#lanes[lane]!.then(async () => {
      try {
        if (!this.#failure) await this.#opts.consume(path, lane)
      } catch (e) {
        this.#failure ??= e
      } finally {
        this.#inflight.splice(this.#inflight.indexOf(done), 1)
      }
    })
    this.#inflight.push(done)
    this.#lanes[lane] = done
  }
}

/** One value as PostgreSQL's CSV output writes it: NULL unquoted and empty, quotes where needed. */
export function csvValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return s === '' || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
