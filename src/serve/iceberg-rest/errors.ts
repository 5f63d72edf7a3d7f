import { ERROR_CODES, toAkkoError, type Logger } from '../../core/index.js'

/** The Iceberg REST `ErrorModel` (spec `IcebergErrorResponse`); `stack` is never sent. */
export interface IcebergErrorModel {
  readonly error: { readonly message: string; readonly type: string; readonly code: number }
}

/**
 * Renders any error as the Iceberg REST ErrorModel with the HTTP status of its code (the one mapper for
 * this protocol). Unknown errors are INTERNAL: the client gets a generic message, the log gets the detail.
 */
export function toIcebergErrorModel(err: unknown, log?: Logger): { status: number; body: IcebergErrorModel } {
  const e = toAkkoError(err)
  const spec = ERROR_CODES[e.code]
  let message = e.message
  if (e.code === 'INTERNAL') {
    log?.emit({ code: 'H002', level: 'error', msg: 'internal error', error: e.message, stack: (e.cause as Error | undefined)?.stack ?? e.stack })
    message = 'Internal server error (this is a bug); the server log has the details'
  }
  return { status: spec.http, body: { error: { message, type: spec.iceberg, code: spec.http } } }
}

/** The ErrorModel as an HTTP response with `Content-Type: application/json` (clients parse only that). */
export function icebergErrorResponse(err: unknown, log?: Logger): Response {
  const { status, body } = toIcebergErrorModel(err, log)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (status === 401) headers['www-authenticate'] = 'Bearer'
  return new Response(JSON.stringify(body), { status, headers })
}
