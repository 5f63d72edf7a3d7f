import { createHash, randomUUID } from 'node:crypto'
import type { JwtClaims } from './jwt.js'
import type { UserRecord } from './realm-store.js'

/** The caller as the rest of the platform sees it, whichever issuer signed the token. */
export interface Identity {
  /** `preferred_username`, else `sub`. */
  readonly user: string
  readonly subject: string
  readonly email: string | null
  /** Group names without Keycloak's leading '/'. */
  readonly groups: readonly string[]
  readonly roles: readonly string[]
  /** `azp` (or `client_id`): the client the token was issued to. */
  readonly clientId: string | null
  readonly claims: Readonly<JwtClaims>
}

/** Where roles are read from: dotted paths into the claims; `{client}` stands for the token's azp. */
export const DEFAULT_ROLE_CLAIMS: readonly string[] = Object.freeze(['realm_access.roles', 'resource_access.{client}.roles'])

/** Maps verified claims to an Identity (protocols.md §6.3). */
export function identityFromClaims(claims: JwtClaims, roleClaims: readonly string[] = DEFAULT_ROLE_CLAIMS): Identity {
  const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null)
  const clientId = str(claims.azp) ?? str(claims.client_id) ?? str(claims.clientId)
  const roles = new Set<string>()
  for (const path of roleClaims) {
    let v: unknown = claims
    for (const part of path.replace('{client}', clientId ?? '').split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined
    for (const r of Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/) : []) if (typeof r === 'string' && r) roles.add(r)
  }
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === 'string').map(g => g.replace(/^\//, '')) : []
  const subject = str(claims.sub) ?? ''
  return Object.freeze({
    user: str(claims.preferred_username) ?? subject, subject, email: str(claims.email), clientId,
    groups: Object.freeze(groups), roles: Object.freeze([...roles].sort()), claims: Object.freeze({ ...claims }),
  })
}

export interface AccessClaimsInput {
  readonly issuer: string
  readonly user: UserRecord
  readonly clientId: string
  readonly scope: string
  readonly sessionId: string
  readonly ttlSeconds: number
  readonly now?: number
}

/**
 * Access-token claims shaped as Keycloak issues them (RFC 9068 plus Keycloak's realm_access,
 * resource_access, preferred_username and groups). The audience holds the client and `akko`, the
 * platform's own resource-server name, so every entry point can require `aud: akko`.
 */
export function accessTokenClaims(i: AccessClaimsInput): JwtClaims {
  const iat = Math.floor((i.now ?? Date.now()) / 1000)
  const claims: JwtClaims = {
    iss: i.issuer, sub: i.user.id, aud: [i.clientId, 'akko'], azp: i.clientId, exp: iat + i.ttlSeconds, iat, jti: randomUUID(),
    typ: 'Bearer', sid: i.sessionId, scope: i.scope, preferred_username: i.user.username,
    groups: i.user.groups.map(g => `/${g}`), realm_access: { roles: [...i.user.roles] },
    resource_access: { [i.clientId]: { roles: [...i.user.roles] } },
  }
  if (i.user.email) Object.assign(claims, { email: i.user.email, email_verified: true })
  if (i.user.serviceClient) claims.client_id = i.user.serviceClient
  return claims
}

/** ID-token claims (OIDC Core §2): audience is the client alone; `nonce` echoed when the request had one. */
export function idTokenClaims(i: AccessClaimsInput & { nonce?: string | null }): JwtClaims {
  const iat = Math.floor((i.now ?? Date.now()) / 1000)
  const claims: JwtClaims = {
    iss: i.issuer, sub: i.user.id, aud: i.clientId, azp: i.clientId, exp: iat + i.ttlSeconds, iat, auth_time: iat, jti: randomUUID(),
    typ: 'ID', sid: i.sessionId, preferred_username: i.user.username,
  }
  if (i.nonce) claims.nonce = i.nonce
  if (i.user.email) Object.assign(claims, { email: i.user.email, email_verified: true })
  return claims
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ascii(verifier))) must equal the stored challenge. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge
}

/** A lookup key for a bearer secret (refresh token, code): a plain SHA-256 suffices for 256-bit random values. */
export const secretDigest = (value: string): string => createHash('sha256').update(value).digest('base64url')
