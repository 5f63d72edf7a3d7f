/**
 * The platform's authenticator: one function every entry point (Trino protocol, Iceberg REST, `/api`, the web
 * app) runs on the `Authorization` header. It accepts, in this order:
 * - the admin token (break-glass superuser, generated under AKKO_HOME),
 * - an OIDC access token (JWT) from the built-in issuer or, when configured, an external one,
 * - HTTP basic credentials checked against the built-in realm (what Trino clients send with a password),
 *   when the password grant is enabled; a success is cached briefly so a client paging a result does not
 *   pay a password hash per page.
 * Every failure is UNAUTHENTICATED (401) and lands in the audit trail without the credential itself.
 * @module
 */
import { createHash } from 'node:crypto'
import { AkkoError, toAkkoError, type Logger, type Secret } from '../../core/index.js'
import type { AuditRecorder, AuditSource, IdentityService, TokenVerifier } from '../../govern/index.js'
import { ADMIN_TOKEN_IDENTITY, adminTokenMatcher, credentialsParse, type Authenticator, type Identity, type RequestInfo } from './auth.js'

export interface PlatformAuthOptions {
  /** The admin token; absent = no admin token accepted. */
  readonly adminToken?: Secret
  /** The built-in issuer (tokens it signed, basic auth against its realm). */
  readonly issuer?: IdentityService
  /** An external issuer's verifier (AKKO_OIDC_ISSUER); when set, built-in tokens are not accepted. */
  readonly external?: TokenVerifier
  /** The audience every access token must carry (`akko`). */
  readonly audience?: string
  /** Accept `Authorization: Basic` against the built-in realm. */
  readonly basic?: boolean
  readonly audit: AuditRecorder
  readonly log: Logger
  /** Seconds a successful basic-auth check is remembered (default 60). */
  readonly basicCacheSeconds?: number
}

const BASIC_CACHE_MAX = 1000

export function platformAuthenticator(o: PlatformAuthOptions): Authenticator {
  const isAdminToken = o.adminToken ? adminTokenMatcher(o.adminToken) : () => false
  const basicTtl = (o.basicCacheSeconds ?? 60) * 1000
  const basicCache = new Map<string, { identity: Identity; until: number }>()

  const fail = (e: unknown, actor: string, action: string, req: RequestInfo | undefined): never => {
    const err = toAkkoError(e)
    o.audit.record({
      kind: 'authentication', actor, outcome: 'failure', action, source: auditSource(req?.source),
      ...(req?.remote ? { remote: req.remote } : {}), error: { code: err.code, message: err.message },
    })
    if (err.code === 'UNAUTHENTICATED') throw err
    throw new AkkoError('UNAUTHENTICATED', `Cannot authenticate: ${err.message}`)
  }

  const bearer = async (token: string, req: RequestInfo | undefined): Promise<Identity> => {
    if (isAdminToken(token)) return ADMIN_TOKEN_IDENTITY
    if (token.split('.').length !== 3) return fail(new AkkoError('UNAUTHENTICATED', 'The bearer token is neither the admin token nor a JWT access token'), 'unknown', 'bearer', req)
    try {
      const id = o.external ? await o.external.verify(token) : o.issuer ? o.issuer.verifyAccessToken(token, o.audience) : undefined
      if (!id) throw new AkkoError('UNAUTHENTICATED', 'No token issuer is configured: only the admin token is accepted')
      return { subject: id.user, method: 'oidc', groups: id.groups, roles: id.roles, clientId: id.clientId }
    } catch (e) {
      return fail(e, 'unknown', 'bearer', req)
    }
  }

  const basic = async (user: string, password: string, req: RequestInfo | undefined): Promise<Identity> => {
    if (!o.basic || !o.issuer) return fail(new AkkoError('UNAUTHENTICATED', 'HTTP basic authentication is not enabled: send a bearer access token'), user, 'basic', req)
    const key = createHash('sha256').update(`${user}\0${password}`).digest('base64url')
    const hit = basicCache.get(key)
    if (hit && hit.until > Date.now()) return hit.identity
    basicCache.delete(key)
    try {
      const u = await o.issuer.login(user, password)
      const identity: Identity = { subject: u.username, method: 'basic', groups: u.groups, roles: u.roles, clientId: null }
      if (basicCache.size >= BASIC_CACHE_MAX) basicCache.delete(basicCache.keys().next().value!)
      basicCache.set(key, { identity, until: Date.now() + basicTtl })
      o.audit.record({ kind: 'authentication', actor: u.username, outcome: 'success', action: 'basic', source: auditSource(req?.source), ...(req?.remote ? { remote: req.remote } : {}) })
      return identity
    } catch (e) {
      return fail(e, user, 'basic', req)
    }
  }

  return (header, req) => {
    let c
    try {
      c = credentialsParse(header)
    } catch (e) {
      return fail(e, 'anonymous', header ? 'unknown-scheme' : 'none', req)
    }
    return c.kind === 'bearer' ? bearer(c.token, req) : basic(c.user, c.password, req)
  }
}

const SOURCES: ReadonlySet<string> = new Set(['trino', 'iceberg-rest', 'api', 'oidc', 'cli', 'dag', 'engine'])
/** Maps an entry-point name to the audit trail's source. */
export const auditSource = (s: string | undefined): AuditSource => (s && SOURCES.has(s) ? (s as AuditSource) : 'api')
