import { createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto'
import { AkkoError } from '../../core/index.js'

/**
 * Compact JWS with RS256 only (RFC 7515, RFC 7518 §3.3), written on node:crypto because the platform has
 * no JOSE dependency. Only RS256 is accepted on verify: an allow-list of one closes the `alg: none` and
 * HS256-with-public-key confusions by construction.
 */
export type JwtClaims = Record<string, unknown>

/** A public RSA signing key as published in a JWKS (RFC 7517). */
export interface PublicJwk {
  readonly kty: 'RSA'
  readonly kid: string
  readonly use: 'sig'
  readonly alg: 'RS256'
  readonly n: string
  readonly e: string
}

/** A signing key pair; the private half never leaves the process except encrypted or into the metastore. */
export interface SigningKey {
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicJwk: PublicJwk
}

/** Generates a fresh 2048-bit RSA signing key with a random `kid`. */
export function signingKeyGenerate(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return signingKeyFromPrivateJwk(privateKey.export({ format: 'jwk' }), randomUUID())
}

/** Rebuilds a signing key from its stored private JWK. */
export function signingKeyFromPrivateJwk(jwk: JsonWebKey, kid: string): SigningKey {
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' })
  const pub = createPublicKey(privateKey).export({ format: 'jwk' })
  return { kid, privateKey, publicJwk: Object.freeze({ kty: 'RSA', kid, use: 'sig', alg: 'RS256', n: pub.n!, e: pub.e! }) }
}

/** Signs claims as a compact JWS with header `{alg: RS256, typ, kid}`. */
export function jwtSign(claims: JwtClaims, key: SigningKey, typ = 'JWT'): string {
  const header = b64json({ alg: 'RS256', typ, kid: key.kid })
  const body = b64json(claims)
  const signature = createSign('RSA-SHA256').update(`${header}.${body}`).sign(key.privateKey).toString('base64url')
  return `${header}.${body}.${signature}`
}

/** The decoded, not yet trusted, parts of a compact JWS. */
export interface JwtParts {
  readonly header: { alg?: unknown; kid?: unknown; typ?: unknown }
  readonly claims: JwtClaims
  readonly signingInput: string
  readonly signature: Buffer
}

/** Splits and decodes a compact JWS; UNAUTHENTICATED when it is not one. */
export function jwtDecode(token: string): JwtParts {
  const parts = token.split('.')
  if (parts.length !== 3) throw invalidToken('The token is not a JWT')
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as JwtParts['header']
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtClaims
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('not objects')
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') }
  } catch {
    throw invalidToken('The token is not a JWT')
  }
}

/** Checks the RS256 signature of decoded parts against a public JWK. */
export function jwtSignatureValid(parts: JwtParts, jwk: JsonWebKey | PublicJwk): boolean {
  if (parts.header.alg !== 'RS256') return false
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    return createVerify('RSA-SHA256').update(parts.signingInput).verify(key, parts.signature)
  } catch {
    return false
  }
}

/** What a verifier requires of the claims beyond the signature. */
export interface ClaimChecks {
  readonly issuer: string
  /** When set, `aud` (string or array) must contain it. */
  readonly audience?: string
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  readonly skewSeconds?: number
  readonly now?: number
}

/** Validates iss (exact), aud, exp and nbf (RFC 7519 §4.1); throws UNAUTHENTICATED naming the failure. */
export function jwtClaimsCheck(claims: JwtClaims, checks: ClaimChecks): void {
  const now = Math.floor((checks.now ?? Date.now()) / 1000)
  const skew = checks.skewSeconds ?? 30
  if (claims.iss !== checks.issuer) throw invalidToken(`The token was issued by ${JSON.stringify(claims.iss)}, not by the trusted issuer ${checks.issuer}`)
  if (typeof claims.exp !== 'number' || claims.exp + skew <= now) throw invalidToken('The token has expired; sign in again or refresh it')
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) throw invalidToken('The token is not valid yet')
  if (checks.audience !== undefined) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!aud.includes(checks.audience)) throw invalidToken(`The token is not meant for this service (audience ${checks.audience} expected)`)
  }
}

/** An UNAUTHENTICATED error flagged as an invalid token (RFC 6750 §3.1 `invalid_token`). */
export const invalidToken = (message: string): AkkoError => new AkkoError('UNAUTHENTICATED', message, { oauthError: 'invalid_token' })

const b64json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
