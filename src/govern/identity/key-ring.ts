import { createCipheriv, createDecipheriv, createHash, randomBytes, type JsonWebKey } from 'node:crypto'
import { AkkoError, type Secret } from '../../core/index.js'
import type { SqlClient } from '../../storage/index.js'
import { signingKeyFromPrivateJwk, signingKeyGenerate, type PublicJwk, type SigningKey } from './jwt.js'

/**
 * The issuer's signing keys: one active key signs; the previous one stays published in the JWKS so tokens
 * signed before a rotation still verify until they expire. Private JWKs are sealed with AES-256-GCM when
 * a key-encryption secret is given, and are never logged either way.
 */
export interface KeyRing {
  readonly active: SigningKey
  /** Public keys to publish: active first, then previous. */
  readonly published: readonly PublicJwk[]
  find(kid: string): PublicJwk | undefined
}

/** Loads the ring, creating the first key when the realm has none. */
export async function keyRingLoad(sql: SqlClient, keySecret?: Secret): Promise<KeyRing> {
  const { rows } = await sql.query<{ kid: string; private_jwk: string; status: string }>(
    "SELECT kid, private_jwk, status FROM govern_signing_keys WHERE status IN ('active', 'previous') ORDER BY created_at DESC")
  const active = rows.find(r => r.status === 'active')
  if (!active) return keyRingRotate(sql, keySecret)
  const keys = [active, ...rows.filter(r => r.status === 'previous')].map(r => signingKeyFromPrivateJwk(unseal(r.private_jwk, keySecret), r.kid))
  return ring(keys)
}

/** Makes a new active key, demotes the active one to previous and retires older ones. */
export async function keyRingRotate(sql: SqlClient, keySecret?: Secret): Promise<KeyRing> {
  const fresh = signingKeyGenerate()
  await sql.transaction(async tx => {
    await tx.query("UPDATE govern_signing_keys SET status = 'retired' WHERE status = 'previous'")
    await tx.query("UPDATE govern_signing_keys SET status = 'previous' WHERE status = 'active'")
    await tx.query("INSERT INTO govern_signing_keys (kid, private_jwk, status, created_at) VALUES ($1, $2, 'active', clock_timestamp())",
      [fresh.kid, seal(fresh.privateKey.export({ format: 'jwk' }), keySecret)])
  })
  return keyRingLoad(sql, keySecret)
}

function ring(keys: readonly SigningKey[]): KeyRing {
  const published = Object.freeze(keys.map(k => k.publicJwk))
  return Object.freeze({ active: keys[0]!, published, find: (kid: string) => published.find(k => k.kid === kid) })
}

const kek = (s: Secret): Buffer => createHash('sha256').update(s.reveal()).digest()

function seal(jwk: JsonWebKey, keySecret?: Secret): string {
  const text = JSON.stringify(jwk)
  if (!keySecret) return text
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', kek(keySecret), iv)
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()])
  return `sealed:${iv.toString('base64url')}.${c.getAuthTag().toString('base64url')}.${body.toString('base64url')}`
}

function unseal(stored: string, keySecret?: Secret): JsonWebKey {
  if (!stored.startsWith('sealed:')) return JSON.parse(stored) as JsonWebKey
  if (!keySecret) throw new AkkoError('INVALID_CONFIG', 'The signing keys are encrypted but no key-encryption secret is configured')
  try {
    const [iv, tag, body] = stored.slice(7).split('.').map(p => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer]
    const d = createDecipheriv('aes-256-gcm', kek(keySecret), iv)
    d.setAuthTag(tag)
    return JSON.parse(Buffer.concat([d.update(body), d.final()]).toString('utf8')) as JsonWebKey
  } catch {
    throw new AkkoError('INVALID_CONFIG', 'Cannot decrypt the signing keys: the key-encryption secret is not the one they were sealed with')
  }
}
