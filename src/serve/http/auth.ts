import { randomBytes, timingSafeEqual, createHash } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AkkoError, Secret } from '../../core/index.js'

/**
 * Who is calling, whichever way they proved it. `subject` is the user name the rest of the platform uses (the
 * token's `preferred_username`, the basic-auth user, `admin` for the admin token).
 */
export interface Identity {
  readonly subject: string
  readonly method: 'oidc' | 'basic' | 'admin-token' | 'none'
  readonly groups: readonly string[]
  readonly roles: readonly string[]
  /** The OAuth client the token was issued to, when known. */
  readonly clientId?: string | null
}

/** Where a request came from, for the audit trail. */
export interface RequestInfo {
  readonly remote?: string
  /** The entry point: `trino`, `iceberg-rest`, `api`… */
  readonly source?: string
}

/** Resolves the `Authorization` header to an identity, or throws UNAUTHENTICATED. */
export type Authenticator = (authorization: string | undefined, request?: RequestInfo) => Identity | Promise<Identity>

/** The identity of the admin token: a break-glass superuser, like Keycloak's bootstrap admin. */
export const ADMIN_TOKEN_IDENTITY: Identity = Object.freeze({ subject: 'admin', method: 'admin-token', groups: Object.freeze([]), roles: Object.freeze(['akko-admin']) })

/** Authentication turned off explicitly: everyone is the anonymous administrator. */
export const ANONYMOUS_IDENTITY: Identity = Object.freeze({ subject: 'anonymous', method: 'none', groups: Object.freeze([]), roles: Object.freeze(['akko-admin']) })

/** Where the generated admin token lives under AKKO_HOME. */
export const adminTokenPath = (home: string): string => join(home, 'secrets', 'admin-token')

/**
 * Returns the admin bearer token, generating a random one at first start into
 * `${home}/secrets/admin-token` (directory 0700, file 0600). The token itself is never logged.
 */
export async function adminTokenEnsure(home: string): Promise<{ path: string; token: Secret; created: boolean }> {
  const path = adminTokenPath(home)
  try {
    const text = (await readFile(path, 'utf8')).trim()
    if (text) return { path, token: new Secret(text), created: false }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AkkoError('INVALID_CONFIG', `Cannot read the admin token at ${path}: ${(e as Error).message}`, { path })
    }
  }
  await mkdir(join(home, 'secrets'), { recursive: true, mode: 0o700 })
  const token = randomBytes(32).toString('base64url')
  await writeFile(path, token + '\n', { mode: 0o600 })
  await chmod(path, 0o600)
  return { path, token: new Secret(token), created: true }
}

/** The two credential shapes of an Authorization header. */
export type Credentials = { readonly kind: 'bearer'; readonly token: string } | { readonly kind: 'basic'; readonly user: string; readonly password: string }

/** Parses `Authorization: Bearer …` or `Basic …`; anything else is UNAUTHENTICATED with what to send. */
export function credentialsParse(header: string | undefined): Credentials {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  if (bearer) return { kind: 'bearer', token: bearer[1]! }
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (basic) {
    const text = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    if (colon > 0) return { kind: 'basic', user: text.slice(0, colon), password: text.slice(colon + 1) }
  }
  throw new AkkoError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <access token>" (get one from /realms/akko/protocol/openid-connect/token, or use the admin token in AKKO_HOME/secrets/admin-token; Trino clients may send a user and password)')
}

/** Accepts exactly `Authorization: Bearer <admin token>`; compares in constant time. */
export function bearerTokenAuthenticator(token: Secret): Authenticator {
  const matches = adminTokenMatcher(token)
  return header => {
    const c = credentialsParse(header)
    if (c.kind !== 'bearer' || !matches(c.token)) throw new AkkoError('UNAUTHENTICATED', 'The bearer token is not valid')
    return ADMIN_TOKEN_IDENTITY
  }
}

/** A constant-time check of a presented bearer token against the admin token. */
export function adminTokenMatcher(token: Secret): (presented: string) => boolean {
  const expected = digest(token.reveal())
  return presented => timingSafeEqual(digest(presented), expected)
}

/** Authentication turned off explicitly (AKKO_AUTH=none): everyone is the anonymous admin. */
export const noAuthenticator: Authenticator = () => ANONYMOUS_IDENTITY

// Hashing first gives equal-length inputs to timingSafeEqual, whatever the caller sent.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
