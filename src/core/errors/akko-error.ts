import { ERROR_CODES, type ErrorCode, type ErrorSpec } from './codes.js'

/** The one error class of the platform: a stable machine-readable code, a message a user can act on. */
export class AkkoError extends Error {
  override readonly name = 'AkkoError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  get kind(): ErrorSpec['kind'] {
    return ERROR_CODES[this.code].kind
  }

  get spec(): ErrorSpec {
    return ERROR_CODES[this.code]
  }
}

/** Wraps anything thrown into an AkkoError; unknown errors become INTERNAL (a bug). */
export const toAkkoError = (e: unknown): AkkoError =>
  e instanceof AkkoError ? e : new AkkoError('INTERNAL', `Internal error (this is a bug): ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e })

export const isAkkoError = (e: unknown, code?: ErrorCode): e is AkkoError =>
  e instanceof AkkoError && (code === undefined || e.code === code)

export const isCommitConflict = (e: unknown): e is AkkoError => isAkkoError(e, 'COMMIT_CONFLICT')

/** Asserts an internal invariant; a failure is a bug, not a user error. */
export function invariant(cond: unknown, what: string): asserts cond {
  if (!cond) throw new AkkoError('INTERNAL', `Invariant violated: ${what} (this is a bug)`)
}
