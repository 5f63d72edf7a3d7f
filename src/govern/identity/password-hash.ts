import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { AkkoError } from '../../core/index.js'

/**
 * Parameters for scrypt (RFC 7914). N=2^15, r=8 costs 32 MiB per hash: memory-hard enough to make a
 * stolen table expensive to crack while a login still takes tens of milliseconds.
 */
export interface ScryptParams {
  readonly N: number
  readonly r: number
  readonly p: number
}

export const PASSWORD_HASH_DEFAULTS: ScryptParams = Object.freeze({ N: 2 ** 15, r: 8, p: 1 })
const KEY_LENGTH = 32

/**
 * Hashes a password (or client secret) with scrypt and a fresh 16-byte salt. The result records the
 * parameters so they can be raised later without invalidating stored hashes:
 * `scrypt$N$r$p$<salt b64url>$<hash b64url>`.
 */
export async function passwordHash(password: string, params: ScryptParams = PASSWORD_HASH_DEFAULTS): Promise<string> {
  if (!password) throw new AkkoError('INVALID_ARGUMENT', 'A password must not be empty')
  const salt = randomBytes(16)
  const key = await derive(password, salt, params)
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function passwordVerify(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every(n => Number.isInteger(n) && n > 0)) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  if (expected.length !== KEY_LENGTH) return false
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p })
  return timingSafeEqual(key, expected)
}

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  // maxmem must cover 128*N*r bytes, plus headroom, or Node refuses the parameters.
  const opts: ScryptOptions = { N, r, p, maxmem: 128 * N * r * 2 }
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key))))
}
