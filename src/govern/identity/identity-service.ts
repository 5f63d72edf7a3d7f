import { randomBytes, randomUUID } from 'node:crypto'
import { AkkoError, type Logger, type Secret } from '../../core/index.js'
import type { Metastore, SqlClient } from '../../storage/index.js'
import { accessTokenClaims, identityFromClaims, idTokenClaims, pkceMatches, secretDigest, type Identity } from './claims.js'
import { clientAuthenticate, clientFind, clientServiceAccount } from './client-store.js'
import { jwtClaimsCheck, jwtDecode, jwtSign, jwtSignatureValid, invalidToken } from './jwt.js'
import { keyRingLoad, keyRingRotate, type KeyRing } from './key-ring.js'
import { IDENTITY_MIGRATIONS } from './migrations.js'
import { passwordVerify } from './password-hash.js'
import { userFindById, type ClientRecord, type GrantType, type UserRecord } from './realm-store.js'

/** The realm name in every path and in `iss`, as with Keycloak. */
export const REALM = 'akko'

export interface IdentityServiceOptions {
  readonly metastore: Pick<Metastore, 'sql' | 'migrate'>
  /** The platform's external origin, e.g. `http://localhost:8080`; the issuer is `${baseUrl}/realms/akko`. */
  readonly baseUrl: string
  readonly log: Logger
  readonly accessTtlSeconds?: number
  readonly refreshTtlSeconds?: number
  /** The password grant is for the CLI and development; production may turn it off. */
  readonly passwordGrant?: boolean
  /** Failed sign-ins before a lockout, and its length. */
  readonly lockout?: { readonly maxFailures: number; readonly seconds: number }
  /** Seals the signing keys' private halves in the metastore. */
  readonly keySecret?: Secret
}

/** What a successful token request returns (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string
  readonly token_type: 'Bearer'
  readonly expires_in: number
  readonly refresh_token?: string
  readonly refresh_expires_in?: number
  readonly id_token?: string
  readonly scope: string
}

/** A validated authorization request, ready for the login form. */
export interface AuthorizationRequest {
  readonly clientId: string
  readonly redirectUri: string
  readonly scope: string
  readonly state: string | null
  readonly nonce: string | null
  readonly codeChallenge: string | null
}

const CODE_TTL_SECONDS = 60

/** An OAuth error (RFC 6749 §5.2) as an AkkoError; the OIDC mount renders `details.oauthError`. */
export const oauthError = (error: string, message: string, code: 'INVALID_REQUEST' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' = 'INVALID_REQUEST'): AkkoError =>
  new AkkoError(code, message, { oauthError: error })

/**
 * The built-in OIDC issuer: realm state in the metastore, RS256 tokens shaped like Keycloak's.
 * Create with {@link identityServiceOpen}.
 */
export class IdentityService {
  readonly issuer: string
  readonly passwordGrant: boolean
  readonly #sql: SqlClient
  readonly #log: Logger
  readonly #accessTtl: number
  readonly #refreshTtl: number
  readonly #lockout: { maxFailures: number; seconds: number }
  readonly #keySecret: Secret | undefined
  #keys: KeyRing

  constructor(o: IdentityServiceOptions, keys: KeyRing) {
    this.issuer = `${o.baseUrl.replace(/\/+$/, '')}/realms/${REALM}`
    this.passwordGrant = o.passwordGrant ?? true
    this.#sql = o.metastore.sql
    this.#log = o.log
    this.#accessTtl = o.accessTtlSeconds ?? 300
    this.#refreshTtl = o.refreshTtlSeconds ?? 1800
    this.#lockout = { maxFailures: o.lockout?.maxFailures ?? 5, seconds: o.lockout?.seconds ?? 300 }
    this.#keySecret = o.keySecret
    this.#keys = keys
  }

  /** The realm's SQL access, for the administration functions (users, groups, roles, clients). */
  get sql(): SqlClient {
    return this.#sql
  }

  /** The JWKS document: active and previous public keys. */
  jwks(): { keys: readonly object[] } {
    return { keys: this.#keys.published }
  }

  /** Starts signing with a new key; the old one stays published until the next rotation. */
  async rotateKeys(): Promise<string> {
    this.#keys = await keyRingRotate(this.#sql, this.#keySecret)
    this.#log.emit(() => ({ code: 'G001', level: 'info', msg: 'signing key rotated', kid: this.#keys.active.kid }))
    return this.#keys.active.kid
  }

  /**
   * Checks a user's password with lockout: after `maxFailures` consecutive failures the account refuses
   * every attempt (even a right one) until the lock expires. The message never says which part was wrong.
   */
  async login(username: string, password: string): Promise<UserRecord> {
    const { rows } = await this.#sql.query<{ id: string; password_hash: string | null; enabled: boolean; failed_attempts: number; locked_until: Date | string | null }>(
      'SELECT id, password_hash, enabled, failed_attempts, locked_until FROM govern_users WHERE username = $1', [username])
    const row = rows[0]
    const denied = oauthError('invalid_grant', 'Invalid user name or password', 'UNAUTHENTICATED')
    if (!row || !row.password_hash) {
      await passwordVerify(password, 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') // same cost as a real check
      throw denied
    }
    if (row.locked_until && new Date(row.locked_until).getTime() > Date.now()) {
      throw oauthError('invalid_grant', 'The account is temporarily locked after too many failed sign-ins; try again later or ask an administrator', 'UNAUTHENTICATED')
    }
    if (!(await passwordVerify(password, row.password_hash))) {
      const failures = row.failed_attempts + 1
      const lock = failures >= this.#lockout.maxFailures ? new Date(Date.now() + this.#lockout.seconds * 1000) : null
      await this.#sql.query('UPDATE govern_users SET failed_attempts = $2, locked_until = $3 WHERE id = $1', [row.id, lock ? 0 : failures, lock])
      this.#log.emit(() => ({ code: 'G002', level: 'warn', msg: lock ? 'account locked' : 'sign-in failed', user: username }))
      throw denied
    }
    if (!row.enabled) throw oauthError('invalid_grant', 'The account is disabled', 'UNAUTHENTICATED')
    if (row.failed_attempts > 0 || row.locked_until) await this.#sql.query('UPDATE govern_users SET failed_attempts = 0, locked_until = NULL WHERE id = $1', [row.id])
    return (await userFindById(this.#sql, row.id))!
  }

  /** Authenticates the client of a token request and checks it may use `grant`. */
  async client(clientId: string | undefined, secret: string | undefined, grant: GrantType): Promise<ClientRecord> {
    const client = await clientAuthenticate(this.#sql, clientId, secret)
    if (!client.grants.includes(grant)) throw oauthError('unauthorized_client', `Client ${client.clientId} may not use the ${grant} grant`)
    return client
  }

  /** Resource-owner password grant (RFC 6749 §4.3), for `akko-cli` and development. */
  async grantPassword(client: ClientRecord, username: string, password: string, scope = 'openid profile email'): Promise<TokenResponse> {
    if (!this.passwordGrant) throw oauthError('unsupported_grant_type', 'The password grant is disabled on this platform; sign in through the browser')
    const user = await this.login(username, password)
    return this.#issue(client, user, scope, randomUUID(), null)
  }

  /** Client-credentials grant (RFC 6749 §4.4): a token for the client's service account, no refresh token. */
  async grantClientCredentials(client: ClientRecord, scope = 'profile email'): Promise<TokenResponse> {
    if (!client.confidential) throw oauthError('unauthorized_client', 'Only confidential clients may use client_credentials')
    const user = await clientServiceAccount(this.#sql, client.clientId)
    if (!user.enabled) throw oauthError('invalid_grant', 'The service account is disabled', 'UNAUTHENTICATED')
    const claims = accessTokenClaims({ issuer: this.issuer, user, clientId: client.clientId, scope, sessionId: randomUUID(), ttlSeconds: this.#accessTtl })
    return { access_token: jwtSign(claims, this.#keys.active, 'at+jwt'), token_type: 'Bearer', expires_in: this.#accessTtl, scope }
  }

  /**
   * Refresh grant with rotation: each refresh token works once. Presenting a used one again is treated as
   * theft and ends the whole session.
   */
  async grantRefresh(client: ClientRecord, refreshToken: string): Promise<TokenResponse> {
    const invalid = oauthError('invalid_grant', 'The refresh token is invalid, expired or already used; sign in again')
    const out = await this.#sql.transaction(async tx => {
      const { rows } = await tx.query<{ user_id: string; client_id: string; session_id: string; scope: string; expires_at: Date | string; used: boolean }>(
        'SELECT user_id, client_id, session_id, scope, expires_at, used FROM govern_refresh_tokens WHERE token_hash = $1 FOR UPDATE', [secretDigest(refreshToken)])
      const row = rows[0]
      if (!row || row.client_id !== client.clientId) throw invalid
      if (row.used) {
        // Returned, not thrown: a throw would roll the revocation back.
        await tx.query('DELETE FROM govern_refresh_tokens WHERE session_id = $1', [row.session_id])
        this.#log.emit(() => ({ code: 'G003', level: 'warn', msg: 'refresh token replayed; session ended', client: client.clientId }))
        return undefined
      }
      if (new Date(row.expires_at).getTime() <= Date.now()) throw invalid
      await tx.query('UPDATE govern_refresh_tokens SET used = true WHERE token_hash = $1', [secretDigest(refreshToken)])
      const user = await userFindById(tx, row.user_id)
      if (!user?.enabled) throw invalid
      return this.#issue(client, user, row.scope, row.session_id, null, tx)
    })
    if (!out) throw invalid
    return out
  }

  /** Validates an authorization request (RFC 6749 §4.1.1, RFC 7636); errors before a redirect is trusted. */
  async authorizeRequest(q: Readonly<Record<string, string | undefined>>): Promise<AuthorizationRequest> {
    const client = q.client_id ? await clientFind(this.#sql, q.client_id) : undefined
    if (!client) throw oauthError('invalid_request', `Unknown client ${JSON.stringify(q.client_id ?? '')}`)
    if (!q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) throw oauthError('invalid_request', 'The redirect_uri is not registered for this client')
    // From here on the redirect URI is trusted, so errors go back to the client (RFC 6749 §4.1.2.1).
    const back = (error: string, message: string): AkkoError => new AkkoError('INVALID_REQUEST', message, { oauthError: error, redirectUri: q.redirect_uri, state: q.state ?? null })
    if (!client.grants.includes('authorization_code')) throw back('unauthorized_client', `Client ${client.clientId} may not use the authorization code flow`)
    if (q.response_type !== 'code') throw back('unsupported_response_type', 'Only response_type=code is supported')
    if (q.code_challenge && q.code_challenge_method !== 'S256') throw back('invalid_request', 'code_challenge_method must be S256')
    if (!client.confidential && !q.code_challenge) throw back('invalid_request', 'Public clients must use PKCE (code_challenge with S256)')
    return Object.freeze({
      clientId: client.clientId, redirectUri: q.redirect_uri, scope: q.scope || 'openid', state: q.state ?? null,
      nonce: q.nonce ?? null, codeChallenge: q.code_challenge ?? null,
    })
  }

  /** Issues a single-use code (stored hashed, valid 60 s) for a signed-in user. */
  async authorizeCode(req: AuthorizationRequest, user: UserRecord): Promise<string> {
    const code = randomBytes(32).toString('base64url')
    await this.#sql.query('INSERT INTO govern_auth_codes (code_hash, user_id, client_id, redirect_uri, scope, nonce, code_challenge, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      secretDigest(code), user.id, req.clientId, req.redirectUri, req.scope, req.nonce, req.codeChallenge, new Date(Date.now() + CODE_TTL_SECONDS * 1000),
    ])
    return code
  }

  /** Authorization-code grant (RFC 6749 §4.1.3) with the PKCE check (RFC 7636 §4.6). */
  async grantAuthorizationCode(client: ClientRecord, code: string, redirectUri: string | undefined, verifier: string | undefined): Promise<TokenResponse> {
    const invalid = (why: string): AkkoError => oauthError('invalid_grant', why)
    // One statement both claims and spends the code, so a failed check below still consumes it.
    const { rows } = await this.#sql.query<{ user_id: string; client_id: string; redirect_uri: string; scope: string; nonce: string | null; code_challenge: string | null; expires_at: Date | string }>(
      'UPDATE govern_auth_codes SET used = true WHERE code_hash = $1 AND used = false RETURNING *', [secretDigest(code)])
    const row = rows[0]
    if (!row || new Date(row.expires_at).getTime() <= Date.now()) throw invalid('The authorization code is invalid, expired or already used')
    if (row.client_id !== client.clientId) throw invalid('The authorization code was issued to another client')
    if (row.redirect_uri !== redirectUri) throw invalid('redirect_uri does not match the authorization request')
    if (row.code_challenge && !pkceMatches(verifier ?? '', row.code_challenge)) throw invalid('The PKCE code_verifier does not match the code_challenge')
    if (!row.code_challenge && verifier) throw invalid('A code_verifier was sent but the authorization request had no code_challenge')
    const user = await userFindById(this.#sql, row.user_id)
    if (!user?.enabled) throw invalid('The account is disabled')
    return this.#issue(client, user, row.scope, randomUUID(), row.nonce)
  }

  async #issue(client: ClientRecord, user: UserRecord, scope: string, sessionId: string, nonce: string | null, sql: SqlClient = this.#sql): Promise<TokenResponse> {
    const base = { issuer: this.issuer, user, clientId: client.clientId, scope, sessionId, ttlSeconds: this.#accessTtl }
    const access = jwtSign(accessTokenClaims(base), this.#keys.active, 'at+jwt')
    const refresh = randomBytes(32).toString('base64url')
    await sql.query('INSERT INTO govern_refresh_tokens (token_hash, user_id, client_id, session_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      secretDigest(refresh), user.id, client.clientId, sessionId, scope, new Date(Date.now() + this.#refreshTtl * 1000),
    ])
    const out: TokenResponse = { access_token: access, token_type: 'Bearer', expires_in: this.#accessTtl, refresh_token: refresh, refresh_expires_in: this.#refreshTtl, scope }
    if (!scope.split(' ').includes('openid')) return out
    return { ...out, id_token: jwtSign(idTokenClaims({ ...base, nonce }), this.#keys.active) }
  }

  /**
   * Verifies one of this issuer's access tokens synchronously (signature by kid, iss, exp, audience).
   * UNAUTHENTICATED on any failure.
   */
  verifyAccessToken(token: string, audience?: string): Identity {
    const parts = jwtDecode(token)
    const jwk = typeof parts.header.kid === 'string' ? this.#keys.find(parts.header.kid) : undefined
    if (!jwk || !jwtSignatureValid(parts, jwk)) throw invalidToken('The token signature is not valid')
    jwtClaimsCheck(parts.claims, audience === undefined ? { issuer: this.issuer } : { issuer: this.issuer, audience })
    if (parts.claims.typ !== 'Bearer') throw invalidToken('The token is not an access token')
    return identityFromClaims(parts.claims)
  }

  /** OIDC UserInfo (Core §5.3) for a valid access token; the user must still exist and be enabled. */
  async userinfo(token: string): Promise<Record<string, unknown>> {
    const id = this.verifyAccessToken(token)
    const user = await userFindById(this.#sql, id.subject)
    if (!user?.enabled) throw invalidToken('The user of this token no longer exists or is disabled')
    const out: Record<string, unknown> = { sub: user.id, preferred_username: user.username, groups: user.groups.map(g => `/${g}`), realm_access: { roles: user.roles } }
    if (user.email) Object.assign(out, { email: user.email, email_verified: true })
    return out
  }

  /** Token introspection (RFC 7662 §2.2): `{active: false}` for anything not currently valid. */
  async introspect(token: string): Promise<Record<string, unknown>> {
    try {
      const id = this.verifyAccessToken(token)
      return { ...id.claims, active: true, client_id: id.clientId, username: id.user, token_type: 'Bearer' }
    } catch {
      const { rows } = await this.#sql.query<{ client_id: string; scope: string; expires_at: Date | string; used: boolean }>(
        'SELECT client_id, scope, expires_at, used FROM govern_refresh_tokens WHERE token_hash = $1', [secretDigest(token)])
      const r = rows[0]
      if (!r || r.used || new Date(r.expires_at).getTime() <= Date.now()) return { active: false }
      return { active: true, client_id: r.client_id, scope: r.scope, token_type: 'Refresh', exp: Math.floor(new Date(r.expires_at).getTime() / 1000) }
    }
  }

  /** Ends the session a refresh token belongs to (Keycloak's back-channel logout with refresh_token). */
  async logout(refreshToken: string): Promise<void> {
    await this.#sql.query('DELETE FROM govern_refresh_tokens WHERE session_id IN (SELECT session_id FROM govern_refresh_tokens WHERE token_hash = $1)', [secretDigest(refreshToken)])
  }
}

/** Runs the identity migrations, loads (or creates) the signing keys and returns the issuer. */
export async function identityServiceOpen(o: IdentityServiceOptions): Promise<IdentityService> {
  if (!URL.canParse(o.baseUrl)) throw new AkkoError('INVALID_CONFIG', `The issuer base URL ${JSON.stringify(o.baseUrl)} is not an absolute URL`)
  await o.metastore.migrate(IDENTITY_MIGRATIONS)
  return new IdentityService(o, await keyRingLoad(o.metastore.sql, o.keySecret))
}

