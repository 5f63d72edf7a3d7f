/**
 * Running generated SQL on a DuckDB connection: cancellation through an AbortSignal, and DuckDB's
 * error kinds ("Conversion Error: …", "IO Error: …") turned into AkkoError codes.
 * @module
 */
import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api'
import { AkkoError, type ErrorCode } from '../../../core/index.js'

const KIND_TO_CODE: ReadonlyArray<readonly [RegExp, ErrorCode]> = [
  [/^(Invalid Input|IO) Error: .*(not a parquet file|too small to be a Parquet file|magic bytes|corrupt|Invalid metadata|Invalid Thrift|could not read)/i, 'CORRUPT_FILE'],
  [/^IO Error: (No files found|Cannot open file)/, 'FILE_NOT_FOUND'],
  [/^Parser Error/, 'SYNTAX_ERROR'],
  [/^(Binder|Catalog|Conversion|Invalid Input|Out of Range|Constraint|Mismatch Type|Invalid Type) Error/, 'INVALID_ARGUMENT'],
  [/^(IO|HTTP|Permission) Error/, 'STORAGE_ERROR'],
  [/^INTERRUPT Error/i, 'CANCELLED'],
]

/** Converts a DuckDB failure into an AkkoError; `what` says what was being done ("Writing Parquet files"). */
export function duckError(e: unknown, what: string, details: Readonly<Record<string, unknown>> = {}): AkkoError {
  if (e instanceof AkkoError) return e
  const message = e instanceof Error ? e.message : String(e)
  const code = KIND_TO_CODE.find(([re]) => re.test(message))?.[1] ?? 'INTERNAL'
  const text = code === 'INTERNAL' ? `${what} failed in DuckDB (this is a bug): ${message}` : `${what} failed: ${message}`
  return new AkkoError(code, text, details, { cause: e })
}

/**
 * Runs one statement and reads its whole result. Aborting `signal` interrupts the statement; the
 * promise then rejects with CANCELLED.
 */
export async function duckRunAll(conn: DuckDBConnection, sql: string, what: string, signal?: AbortSignal): Promise<DuckDBResultReader> {
  if (signal?.aborted) throw cancelled(what)
  const onAbort = (): void => conn.interrupt()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await conn.runAndReadAll(sql)
  } catch (e) {
    if (signal?.aborted) throw cancelled(what)
    throw duckError(e, what)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

const cancelled = (what: string): AkkoError => new AkkoError('CANCELLED', `${what} was cancelled`)
