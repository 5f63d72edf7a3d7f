import { Hono, type Context } from 'hono'
import { AkkoError, toAkkoError, type Logger } from '../../core/index.js'
import { auditNone, jwtDecode, oauthError, REALM, type AuditRecorder, type IdentityService, type TokenResponse } from '../../govern/index.js'
import { remoteAddress } from '../http/index.js'
import type { HttpMount } from '../http/index.js'
import { oauthErrorResponse } from './errors.js'
import { errorPageHtml, loginPageHtml } from './login-page.js'

const OIDC = '/protocol/openid-connect'
/** Request parameters of an authorization request carried through the login form. */
const AUTH_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method'] as const

export interface OidcMountOptions {
  readonly issuer: IdentityService
  readonly log: Logger
  /** Shows the demo-realm notice on the login page. */
  readonly demo?: boolean
  /** Token issuance and sign-ins (successful or not) are recorded here. */
  readonly audit?: AuditRecorder
}

/**
 * The built-in issuer's HTTP routes under `/realms/akko`, on Keycloak's paths (protocols.md §6). Every
 * route is public to the platform's authenticator: each one authenticates its caller itself (client
 * credentials, the login form, or the bearer token it serves).
 */
export function oidcMount({ issuer, log, demo, audit = auditNone }: OidcMountOptions): HttpMount {
  const app = new Hono()
  const record = (c: Context, action: string, actor: string, error?: unknown, clientId?: string): void => {
    const remote = remoteAddress(c)
    const e = error === undefined ? undefined : toAkkoError(error)
    audit.record({
      kind: 'authentication', actor, outcome: e ? 'failure' : 'success', action, source: 'oidc',
      ...(remote ? { remote } : {}), ...(e ? { error: { code: e.code, message: e.message } } : {}), ...(clientId ? { details: { client: clientId } } : {}),
    })
  }
  const tokenSubject = (res: TokenResponse): string => {
    const claims = jwtDecode(res.access_token).claims
    return typeof claims.preferred_username === 'string' ? claims.preferred_username : String(claims.sub ?? 'unknown')
  }
  const base = new URL(issuer.issuer).pathname

  app.get('/.well-known/openid-configuration', c => c.json(discoveryDocument(issuer)))
  app.get(`${OIDC}/certs`, c => c.json(issuer.jwks(), 200, { 'cache-control': 'public, max-age=300' }))

  app.post(`${OIDC}/token`, async c => {
    const form = await formOf(c)
    const { id, secret } = clientCredentialsOf(c, form)
    const grant = form.grant_type
    let res: TokenResponse
    try {
      res = await tokenGrant(form, id, secret, grant)
    } catch (e) {
      record(c, `token.${grant ?? 'none'}`, form.username ?? (grant === 'client_credentials' && id ? `service-account-${id}` : 'unknown'), e, id)
      throw e
    }
    record(c, `token.${grant}`, tokenSubject(res), undefined, id)
    return c.json(res, 200, { 'cache-control': 'no-store', pragma: 'no-cache' })
  })

  const tokenGrant = async (form: Record<string, string | undefined>, id: string | undefined, secret: string | undefined, grant: string | undefined): Promise<TokenResponse> => {
    let res: TokenResponse
    if (grant === 'password') {
      const client = await issuer.client(id, secret, 'password')
      if (!form.username || !form.password) throw oauthError('invalid_request', 'The password grant needs username and password')
      res = await issuer.grantPassword(client, form.username, form.password, form.scope || undefined)
    } else if (grant === 'client_credentials') {
      res = await issuer.grantClientCredentials(await issuer.client(id, secret, 'client_credentials'), form.scope || undefined)
    } else if (grant === 'refresh_token') {
      if (!form.refresh_token) throw oauthError('invalid_request', 'refresh_token is missing')
      res = await issuer.grantRefresh(await issuer.client(id, secret, 'refresh_token'), form.refresh_token)
    } else if (grant === 'authorization_code') {
      if (!form.code) throw oauthError('invalid_request', 'code is missing')
      res = await issuer.grantAuthorizationCode(await issuer.client(id, secret, 'authorization_code'), form.code, form.redirect_uri, form.code_verifier)
    } else {
      throw oauthError('unsupported_grant_type', `Unsupported grant_type ${JSON.stringify(grant ?? '')}`)
    }
    return res
  }

  const authorize = async (c: Context, method: 'GET' | 'POST'): Promise<Response> => {
    const form = method === 'POST' ? await formOf(c) : {}
    const q: Record<string, string | undefined> = method === 'POST' ? form : Object.fromEntries(new URL(c.req.url).searchParams)
    let req
    try {
      req = await issuer.authorizeRequest(q)
    } catch (e) {
      const err = toAkkoError(e)
      if (typeof err.details.redirectUri === 'string') return redirectWith(err.details.redirectUri, { error: String(err.details.oauthError), error_description: err.message, state: err.details.state as string | null, iss: issuer.issuer })
      return c.html(errorPageHtml('Cannot sign in', err.message), 400)
    }
    const hidden = Object.fromEntries(AUTH_PARAMS.flatMap(k => (q[k] ? [[k, q[k]!]] : [])))
    const page = (error?: string, username?: string, status: 200 | 401 = 200): Response =>
      c.html(loginPageHtml({ action: `${base}${OIDC}/auth`, hidden, demo: demo ?? false, ...(error ? { error } : {}), ...(username ? { username } : {}) }), status, { 'cache-control': 'no-store' })
    if (method === 'GET') return page()
    try {
      const user = await issuer.login(form.username ?? '', form.password ?? '').catch(e => {
        record(c, 'login', form.username || 'unknown', e, req.clientId)
        throw e
      })
      record(c, 'login', user.username, undefined, req.clientId)
      const code = await issuer.authorizeCode(req, user)
      return redirectWith(req.redirectUri, { code, state: req.state, iss: issuer.issuer })
    } catch (e) {
      const err = toAkkoError(e)
      if (err.code !== 'UNAUTHENTICATED') throw e
      return page(err.message, form.username, 401)
    }
  }
  app.get(`${OIDC}/auth`, c => authorize(c, 'GET'))
  app.post(`${OIDC}/auth`, c => authorize(c, 'POST'))

  const userinfo = async (c: Context): Promise<Response> => c.json(await issuer.userinfo(bearerOf(c)), 200, { 'cache-control': 'no-store' })
  app.get(`${OIDC}/userinfo`, userinfo)
  app.post(`${OIDC}/userinfo`, userinfo)

  app.post(`${OIDC}/token/introspect`, async c => {
    const form = await formOf(c)
    const { id, secret } = clientCredentialsOf(c, form)
    const client = await issuer.client(id, secret, 'client_credentials').catch(e => {
      throw toAkkoError(e).details.oauthError === 'unauthorized_client' ? oauthError('invalid_client', 'Only confidential clients may introspect tokens', 'UNAUTHENTICATED') : e
    })
    if (!form.token) throw oauthError('invalid_request', 'token is missing')
    log.emit(() => ({ code: 'G010', level: 'debug', msg: 'introspection', client: client.clientId }))
    return c.json(await issuer.introspect(form.token), 200, { 'cache-control': 'no-store' })
  })

  const logout = async (c: Context): Promise<Response> => {
    const form = c.req.method === 'POST' ? await formOf(c) : Object.fromEntries(new URL(c.req.url).searchParams)
    if (form.refresh_token) await issuer.logout(form.refresh_token)
    const after = form.post_logout_redirect_uri
    if (after && new URL(after, issuer.issuer).origin === new URL(issuer.issuer).origin) return redirectWith(after, { state: form.state ?? null })
    return c.req.method === 'POST' && form.refresh_token ? c.body(null, 204) : c.html(errorPageHtml('Signed out', 'You are signed out of AKKO.'))
  }
  app.get(`${OIDC}/logout`, logout)
  app.post(`${OIDC}/logout`, logout)

  const paths = ['/.well-known/openid-configuration', ...['certs', 'token', 'auth', 'userinfo', 'logout', 'token/introspect'].map(p => `${OIDC}/${p}`)]
  return { prefix: `/realms/${REALM}`, app, renderError: oauthErrorResponse, public: Object.freeze(paths) }
}

/** OpenID Connect Discovery 1.0 §3 / RFC 8414, with Keycloak's endpoint paths. */
export function discoveryDocument(issuer: IdentityService): Record<string, unknown> {
  const p = `${issuer.issuer}${OIDC}`
  const grants = ['authorization_code', 'refresh_token', 'client_credentials', ...(issuer.passwordGrant ? ['password'] : [])]
  return {
    issuer: issuer.issuer, authorization_endpoint: `${p}/auth`, token_endpoint: `${p}/token`, jwks_uri: `${p}/certs`,
    userinfo_endpoint: `${p}/userinfo`, end_session_endpoint: `${p}/logout`, introspection_endpoint: `${p}/token/introspect`,
    response_types_supported: ['code'], response_modes_supported: ['query'], subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'], grant_types_supported: grants,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'], scopes_supported: ['openid', 'profile', 'email', 'roles'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'azp', 'preferred_username', 'email', 'email_verified', 'groups', 'realm_access', 'resource_access'],
    authorization_response_iss_parameter_supported: true,
  }
}

async function formOf(c: Context): Promise<Record<string, string | undefined>> {
  const type = c.req.header('content-type') ?? ''
  if (!type.startsWith('application/x-www-form-urlencoded')) throw oauthError('invalid_request', 'Send the request body as application/x-www-form-urlencoded')
  const body = Object.fromEntries(new URLSearchParams(await c.req.text()))
  return body
}

/** Client authentication: HTTP Basic (each part form-urlencoded, RFC 6749 §2.3.1) or client_secret_post. */
function clientCredentialsOf(c: Context, form: Record<string, string | undefined>): { id?: string; secret?: string } {
  const m = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')
  if (m) {
    const text = Buffer.from(m[1]!, 'base64').toString('utf8')
    const at = text.indexOf(':')
    if (at < 0) throw oauthError('invalid_client', 'Malformed Basic client credentials', 'UNAUTHENTICATED')
    const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '))
    return { id: dec(text.slice(0, at)), secret: dec(text.slice(at + 1)) }
  }
  return { ...(form.client_id ? { id: form.client_id } : {}), ...(form.client_secret ? { secret: form.client_secret } : {}) }
}

function bearerOf(c: Context): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
  if (!m) throw new AkkoError('UNAUTHENTICATED', 'Send the access token as "Authorization: Bearer <token>"', { oauthError: 'invalid_token' })
  return m[1]!
}

function redirectWith(uri: string, params: Record<string, string | null>): Response {
  const url = new URL(uri)
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.set(k, v)
  return new Response(null, { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } })
}
