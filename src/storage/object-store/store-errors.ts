import { AkkoError } from '../../core/index.js'

/** FILE_NOT_FOUND naming the location, the same wording for every store. */
export function storeNotFound(location: string, extra: Record<string, unknown> = {}): AkkoError {
  return new AkkoError('FILE_NOT_FOUND', `Object not found: ${location}`, { location, ...extra })
}

/** COMMIT_CONFLICT for a conditional create that lost: someone else created the object first. */
export function storeConflict(location: string): AkkoError {
  return new AkkoError('COMMIT_CONFLICT', `Object already exists: ${location} (another writer created it first; reload and retry)`, { location })
}

/** CANCELLED for an operation stopped by its AbortSignal. */
export function storeCancelled(location: string, operation: string): AkkoError {
  return new AkkoError('CANCELLED', `${operation} of ${location} was cancelled`, { location, operation })
}

/** Whether `e` is an abort (DOMException AbortError, or Node's ABORT_ERR). */
export function storeIsAbort(e: unknown): boolean {
  const err = e as { name?: string; code?: string } | null
  return err?.name === 'AbortError' || err?.code === 'ABORT_ERR'
}

/** Throws CANCELLED when the signal has already fired, before starting any I/O. */
export function storeCheckAbort(signal: AbortSignal | undefined, location: string, operation: string): void {
  if (signal?.aborted) throw storeCancelled(location, operation)
}
