import { AkkoError, type S3Config } from '../../core/index.js'
import { storeCancelled, storeIsAbort, storeNotFound } from './store-errors.js'

/** The object an S3 call was about, for error messages. */
export interface S3Target {
  readonly bucket: string
  readonly key: string
  /** Canonical `s3://bucket/key`. */
  readonly location: string
  readonly operation: string
}

interface SdkError {
  name?: string
  message?: string
  code?: string
  $metadata?: { httpStatusCode?: number }
}

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket'])

/** The HTTP status of an SDK error, when the server answered. */
export function s3Status(e: unknown): number | undefined {
  return (e as SdkError | null)?.$metadata?.httpStatusCode
}

/** Whether an SDK error says the object (or its bucket) does not exist. */
export function s3IsNotFound(e: unknown): boolean {
  const err = e as SdkError | null
  return NOT_FOUND_NAMES.has(err?.name ?? '') || err?.$metadata?.httpStatusCode === 404
}

/**
 * Maps an SDK failure to FILE_NOT_FOUND, CANCELLED or STORAGE_ERROR, naming the bucket and key.
 * The SDK error is not kept as `cause`: it holds the signed request, and the message is scrubbed
 * of the access key and secret in case a server echoes them back.
 */
export function s3ErrorMap(t: S3Target, e: unknown, s3: S3Config): AkkoError {
  if (e instanceof AkkoError) return e
  if (storeIsAbort(e)) return storeCancelled(t.location, t.operation)
  const err = (e ?? {}) as SdkError
  const status = s3Status(e)
  const details = { bucket: t.bucket, key: t.key, location: t.location, operation: t.operation, status, s3Code: err.name }
  if (err.name === 'NoSuchBucket') {
    return new AkkoError('FILE_NOT_FOUND', `Bucket ${t.bucket} does not exist (${t.operation} of ${t.location}): create it or fix the location`, details)
  }
  if (s3IsNotFound(e)) return storeNotFound(t.location, details)
  const what = `S3 ${t.operation} of ${t.location} failed`
  const said = (err.message ?? String(e)).replace(/[.\s]+$/, '')
  const cause = scrub(`${err.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${said}`, s3)
  return new AkkoError('STORAGE_ERROR', `${what}: ${cause}${hint(err, status, s3)}`, details)
}

function hint(err: SdkError, status: number | undefined, s3: S3Config): string {
  if (status === 403 || err.name === 'InvalidAccessKeyId' || err.name === 'SignatureDoesNotMatch') {
    return '. Check the S3 access key and secret (s3.accessKeyId, AKKO_S3_SECRET_ACCESS_KEY) and the bucket policy'
  }
  if (err.name === 'CredentialsProviderError') return '. Set s3.accessKeyId and s3.secretAccessKey (or AKKO_S3_*)'
  if (status === undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up/i.test(`${err.code} ${err.message}`)) {
    return `. Is the S3 endpoint ${s3.endpoint ?? '(AWS default)'} reachable?`
  }
  return ''
}

// Defence in depth: servers sometimes echo request fragments in error bodies.
function scrub(text: string, s3: S3Config): string {
  let out = text
  for (const value of [s3.secretAccessKey?.reveal(), s3.accessKeyId]) {
    if (value && value.length >= 4) out = out.split(value).join('***')
  }
  return out
}
