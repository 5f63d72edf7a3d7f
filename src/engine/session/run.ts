/**
 * Running bound SQL on a sandbox connection as a streamed result: DuckDB chunks are encoded to Trino's wire
 * values one batch at a time, never the whole result in memory. Limits: a time limit (the statement is
 * interrupted), a cap on rows and on encoded bytes, and cancellation through an AbortSignal.
 * @module
 */
import type { DuckDBConnection, DuckDBResult, DuckDBType } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import { duckError } from '../../storage/index.js'
import type { ColumnMeta } from '../engine.js'
import { trinoType, trinoValue } from '../types.js'

/** Per-query limits. */
export interface QueryLimits {
  /** Wall-clock limit from start of execution to the last row, in ms. */
  readonly maxRunMs?: number
  /** Result rows; more is EXCEEDED_OUTPUT_LIMIT. */
  readonly maxRows?: number
  /** Result size in bytes of encoded JSON; more is EXCEEDED_OUTPUT_LIMIT. */
  readonly maxBytes?: number
}

/** A started DuckDB statement with its columns and a batch iterator. */
export interface StreamedRun {
  readonly columns: readonly ColumnMeta[]
  readonly rows: AsyncIterable<readonly (readonly unknown[])[]>
}

/**
 * Starts `sql` on `conn` and returns its columns and a batch stream. `done` is called exactly once, when the
 * stream ends, fails or is abandoned, with the error if any, so the caller can release the connection.
 */
export async function runStreamed(conn: DuckDBConnection, sql: string, o: {
  readonly limits?: QueryLimits
  readonly signal: AbortSignal
  readonly onRows?: (n: number) => void
  readonly done: (error?: unknown) => void
}): Promise<StreamedRun> {
  const started = Date.now()
  let timedOut = false
  const timer = o.limits?.maxRunMs !== undefined ? setTimeout(() => { timedOut = true; conn.interrupt() }, o.limits.maxRunMs) : undefined
  const onAbort = (): void => conn.interrupt()
  o.signal.addEventListener('abort', onAbort, { once: true })
  let finished = false
  const finish = (e?: unknown): void => {
    if (finished) return
    finished = true
    if (timer) clearTimeout(timer)
    o.signal.removeEventListener('abort', onAbort)
    o.done(e)
  }
  const failure = (e: unknown): AkkoError => {
    if (timedOut) return new AkkoError('EXCEEDED_TIME_LIMIT', `Query exceeded the maximum run time of ${o.limits?.maxRunMs} ms`, { maxRunMs: o.limits?.maxRunMs, elapsedMs: Date.now() - started })
    if (o.signal.aborted) return new AkkoError('CANCELLED', 'Query was cancelled', {})
    return duckError(e, 'Query')
  }
  let result: DuckDBResult
  let types: DuckDBType[]
  let columns: ColumnMeta[]
  try {
    if (o.signal.aborted) throw new Error('aborted')
    result = await conn.stream(sql)
    types = result.columnTypes()
    const names = result.columnNames()
    columns = names.map((name, i) => ({ name, type: trinoType(types[i] as DuckDBType) }))
  } catch (e) {
    const err = e instanceof AkkoError ? e : failure(e)
    finish(err)
    throw err
  }
  async function* batches(): AsyncGenerator<readonly (readonly unknown[])[]> {
    let rows = 0
    let bytes = 0
    try {
      for (;;) {
        let chunk
        try {
          chunk = await result.fetchChunk()
        } catch (e) {
          throw failure(e)
        }
        if (!chunk || chunk.rowCount === 0) break
        const batch = chunk.getRows().map(r => r.map((v, i) => trinoValue(types[i] as DuckDBType, v)))
        rows += batch.length
        if (o.limits?.maxRows !== undefined && rows > o.limits.maxRows) {
          throw new AkkoError('EXCEEDED_OUTPUT_LIMIT', `Query result exceeds the limit of ${o.limits.maxRows} rows: add a LIMIT or aggregate`, { maxRows: o.limits.maxRows })
        }
        if (o.limits?.maxBytes !== undefined) {
          bytes += JSON.stringify(batch).length
          if (bytes > o.limits.maxBytes) throw new AkkoError('EXCEEDED_OUTPUT_LIMIT', `Query result exceeds the limit of ${o.limits.maxBytes} bytes: add a LIMIT or select fewer columns`, { maxBytes: o.limits.maxBytes })
        }
        o.onRows?.(rows)
        if (timedOut || o.signal.aborted) throw failure(new Error('interrupted'))
        yield batch
      }
      finish()
    } catch (e) {
      finish(e)
      throw e
    } finally {
      // An abandoned iteration (consumer stopped early) still releases the connection.
      finish()
    }
  }
  return { columns, rows: batches() }
}
