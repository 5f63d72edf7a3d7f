import { ERROR_CODES, toAkkoError, type AkkoError, type Logger } from '../../core/index.js'

/** Trino's `QueryError` as the protocol serializes it in a QueryResults' `error` field. */
export interface TrinoQueryError {
  readonly message: string
  readonly sqlState: null
  readonly errorCode: number
  readonly errorName: string
  readonly errorType: string
  readonly errorLocation?: { readonly lineNumber: number; readonly columnNumber: number }
  readonly failureInfo: {
    readonly type: string
    readonly message: string
    readonly suppressed: readonly never[]
    readonly stack: readonly never[]
    readonly errorLocation?: { readonly lineNumber: number; readonly columnNumber: number }
  }
}

/** What internal failures say on the wire; the server log has the cause. */
const INTERNAL_MESSAGE = 'Internal error (this is a bug); the server log has the details'

/**
 * The one mapping from any error to Trino's QueryError: code, name and type from the error table, location from
 * `details.line`/`details.column`. Stack traces never go on the wire; internal errors are logged (Q100) instead.
 */
export function toTrinoQueryError(err: unknown, log?: Logger): TrinoQueryError {
  const e = toAkkoError(err)
  const spec = ERROR_CODES[e.code]
  if (e.code === 'INTERNAL') log?.emit({ code: 'Q100', level: 'error', msg: 'query failed with an internal error', error: describeCause(e) })
  const message = e.code === 'INTERNAL' ? INTERNAL_MESSAGE : e.message
  const errorLocation = locationOf(e)
  return {
    message,
    sqlState: null,
    errorCode: spec.trino,
    errorName: ('trinoName' in spec ? spec.trinoName : undefined) ?? e.code,
    errorType: spec.kind,
    ...(errorLocation ? { errorLocation } : {}),
    failureInfo: {
      type: 'io.trino.spi.TrinoException',
      message,
      suppressed: [],
      stack: [],
      ...(errorLocation ? { errorLocation } : {}),
    },
  }
}

/**
 * Errors outside a query (authentication, unknown query ids, a missing user) as Trino answers them: a plain-text
 * body with the HTTP status. A 401 names the accepted scheme so clients know to send a bearer token.
 */
export function trinoErrorResponse(err: unknown, log?: Logger): Response {
  const e = toAkkoError(err)
  const status = ERROR_CODES[e.code].http
  if (e.code === 'INTERNAL') log?.emit({ code: 'Q101', level: 'error', msg: 'Trino protocol request failed with an internal error', error: describeCause(e) })
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="akko"'
  return new Response((e.code === 'INTERNAL' ? INTERNAL_MESSAGE : e.message) + '\n', { status, headers })
}

function locationOf(e: AkkoError): { lineNumber: number; columnNumber: number } | undefined {
  const line = Number(e.details.line)
  const column = Number(e.details.column)
  if (!Number.isInteger(line) || line < 1) return undefined
  return { lineNumber: line, columnNumber: Number.isInteger(column) && column >= 1 ? column : 1 }
}

function describeCause(e: AkkoError): string {
  const c = e.cause
  return c instanceof Error ? `${c.name}: ${c.message}\n${c.stack ?? ''}` : e.message
}
