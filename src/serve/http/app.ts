import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { AkkoError, ERROR_CODES, toAkkoError, type Logger } from '../../core/index.js'
import { ANONYMOUS_IDENTITY, type Authenticator, type Identity } from './auth.js'

/** Values every request carries through the middleware chain. */
export interface HttpEnv {
  Variables: { identity: Identity }
}

/** Renders an error in one protocol's own shape (Iceberg ErrorModel, Trino QueryResults, OAuth error …). */
export type ErrorRenderer = (err: unknown) => Response

/** A protocol mounted on the platform port. */
export interface HttpMount {
  /** Path prefix such as `/iceberg`; requests under it get this mount's error shape. */
  readonly prefix: string
  readonly app: Hono
  readonly renderError: ErrorRenderer
  /** Paths under the prefix that need no identity (discovery documents, token endpoints). */
  readonly public?: readonly string[]
}

export interface HttpAppOptions {
  readonly authenticate: Authenticator
  readonly log: Logger
  readonly mounts: readonly HttpMount[]
}

/** Paths served without an identity. */
const PUBLIC_PATHS = new Set(['/api/health'])

/**
 * The platform's one HTTP application. Secure by default: every path except `/api/health` (and what a
 * mount declares public) needs an identity; a 401 comes in the protocol's own error shape.
 * Mount order: protocols (`/iceberg`, later `/v1/statement`, `/realms/akko`, `/api`), then the web app at `/`.
 */
export function httpAppCreate(opts: HttpAppOptions): Hono<HttpEnv> {
  const { authenticate, log, mounts } = opts
  const app = new Hono<HttpEnv>()
  const mountFor = (path: string): HttpMount | undefined => mounts.find(m => path === m.prefix || path.startsWith(m.prefix + '/'))
  const render = (path: string, err: unknown): Response => (mountFor(path)?.renderError ?? genericErrorResponse)(err)

  app.use('*', accessLog(log))
  app.use('*', async (c, next) => {
    const path = c.req.path
    const mount = mountFor(path)
    const isPublic = PUBLIC_PATHS.has(path) || (mount?.public ?? []).some(p => path === mount!.prefix + p)
    if (isPublic) {
      c.set('identity', { ...ANONYMOUS_IDENTITY, roles: [] })
      return next()
    }
    try {
      c.set('identity', await authenticate(c.req.header('authorization'), { remote: remoteAddress(c), source: sourceOf(path) }))
    } catch (e) {
      return render(path, e)
    }
    return next()
  })
  app.get('/api/health', c => c.json({ status: 'ok' }))
  for (const m of mounts) app.route(m.prefix, m.app)
  app.notFound(c => render(c.req.path, new AkkoError('NOT_FOUND', `Nothing is served at ${c.req.method} ${c.req.path}`)))
  app.onError((e, c) => render(c.req.path, e))
  return app
}

/** The peer's address as the socket saw it (forwarded headers are not trusted). */
export function remoteAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress
}

/** The entry point a path belongs to, for the audit trail. */
function sourceOf(path: string): string {
  if (path.startsWith('/v1/')) return 'trino'
  if (path.startsWith('/iceberg')) return 'iceberg-rest'
  if (path.startsWith('/realms/')) return 'oidc'
  return 'api'
}

/** The platform's own JSON error shape (`/api` and anything without a protocol): `{error: {code, message}}`. */
export function genericErrorResponse(err: unknown): Response {
  const e = toAkkoError(err)
  const status = ERROR_CODES[e.code].http
  const message = e.code === 'INTERNAL' ? 'Internal server error (this is a bug); the server log has the details' : e.message
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (status === 401) headers['www-authenticate'] = 'Bearer'
  return new Response(JSON.stringify({ error: { code: e.code, message } }), { status, headers })
}

/** One H001 event per request: method, path (no query string: it may carry user data), status, time, who. */
function accessLog(log: Logger): MiddlewareHandler<HttpEnv> {
  return async (c: Context<HttpEnv>, next) => {
    const start = performance.now()
    await next()
    log.emit(() => ({
      code: 'H001',
      level: 'info',
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      user: c.get('identity')?.subject,
    }))
  }
}
