/**
 * The Trino client protocol on the platform's port: `POST /v1/statement`, paging through `nextUri`,
 * cancellation, `/v1/query/{id}` and `/v1/info`. Any Trino client (JDBC, CLI, Python, JS, dbt-trino) talks to
 * the engine through here.
 */
import { Hono, type Context } from 'hono'
import { AkkoError, type Logger } from '../../core/index.js'
import type { QueryEngine } from '../../engine/index.js'
import { remoteAddress, type HttpEnv, type HttpMount } from '../http/index.js'
import { trinoErrorResponse } from './errors.js'
import { TrinoQueryRegistry, type QueryRegistryOptions } from './registry.js'
import { headerPrefixOf, sessionForRequest, type ImpersonationCheck } from './session-headers.js'
import type { TrinoQuery, TrinoResponse } from './query.js'

export interface TrinoGatewayOptions {
  readonly engine: QueryEngine
  readonly log: Logger
  /** Reported by `/v1/info` as nodeVersion.version. */
  readonly version?: string
  readonly environment?: string
  /** Page sizes, long-poll wait, abandonment and retention (tests shrink them). */
  readonly queries?: Partial<QueryRegistryOptions>
  /** Decides whether an identity may run queries as another user (X-Trino-User); absent = never. */
  readonly impersonate?: ImpersonationCheck
}

/** The gateway: an HTTP mount for the platform server and the registry of its queries. */
export interface TrinoGateway {
  readonly mount: HttpMount
  readonly registry: TrinoQueryRegistry
  /** Cancels every query; call when the server stops. */
  close(): void
}

/** Builds the Trino protocol mount (prefix `/v1`; `/v1/info` needs no identity, as on Trino). */
export function trinoGateway(opts: TrinoGatewayOptions): TrinoGateway {
  const registry = new TrinoQueryRegistry(opts.engine, opts.log, opts.queries)
  const startedAt = Date.now()
  const app = new Hono<HttpEnv>()
  // Who submitted each query: only they (or an administrator) may page, inspect or cancel it.
  const owners = new WeakMap<TrinoQuery, string>()
  const find = (c: Context<HttpEnv>, slug?: string): TrinoQuery => {
    const q = lookup(registry, c.req.param('id')!, slug)
    const who = c.get('identity')
    const owner = owners.get(q)
    if (owner !== undefined && who.method !== 'none' && owner !== who.subject && !who.roles.includes('akko-admin')) {
      throw new AkkoError('NOT_FOUND', `Query not found: ${c.req.param('id')} (it finished long ago, or never existed)`)
    }
    return q
  }

  app.post('/statement', async c => {
    const get = (name: string): string | undefined => c.req.header(name)
    const session = await sessionForRequest(get, c.get('identity'), opts.impersonate, remoteAddress(c))
    // The body is raw SQL whatever the Content-Type says (clients differ).
    const sql = new TextDecoder('utf-8').decode(await c.req.arrayBuffer())
    if (sql.trim() === '') throw new AkkoError('INVALID_REQUEST', 'SQL statement is empty')
    const q = registry.create(sql, session, headerPrefixOf(get))
    owners.set(q, c.get('identity').subject)
    return send(q.firstResponse(baseUrl(c)))
  })

  const pagePath = '/statement/executing/:id/:slug/:token'
  app.get(pagePath, async c => {
    const q = find(c, c.req.param('slug'))
    const token = Number(c.req.param('token'))
    if (!Number.isSafeInteger(token) || token < 1) throw new AkkoError('NOT_FOUND', `Invalid page token "${c.req.param('token')}"`)
    return send(await q.fetch(baseUrl(c), token))
  })
  app.delete(pagePath, c => {
    find(c, c.req.param('slug')).cancel('user')
    return c.body(null, 204)
  })

  // trino-client (JS) and presto-client inspect and cancel queries here.
  app.get('/query/:id', c => c.json(find(c).info()))
  app.delete('/query/:id', c => {
    find(c).cancel('user')
    return c.body(null, 204)
  })

  app.get('/info', c =>
    c.json({
      nodeVersion: { version: opts.version ?? 'akko' },
      environment: opts.environment ?? 'akko',
      coordinator: true,
      starting: false,
      uptime: formatDuration(Date.now() - startedAt),
    }),
  )

  return {
    mount: { prefix: '/v1', app: app as unknown as Hono, renderError: e => trinoErrorResponse(e, opts.log), public: ['/info'] },
    registry,
    close: () => registry.close(),
  }
}

function lookup(registry: TrinoQueryRegistry, id: string, slug?: string): TrinoQuery {
  const q = registry.get(id)
  // A wrong slug answers like an unknown query: the slug is what makes result URIs unguessable.
  if (!q || (slug !== undefined && slug !== q.slug)) throw new AkkoError('NOT_FOUND', `Query not found: ${id} (it finished long ago, or never existed)`)
  return q
}

function send(r: TrinoResponse): Response {
  const headers = new Headers({ 'content-type': 'application/json' })
  for (const [k, v] of r.headers) headers.append(k, v)
  return new Response(r.body, { status: 200, headers })
}

/** The base of every URI we hand out: the address the client used to reach us. */
function baseUrl(c: Context<HttpEnv>): string {
  return new URL(c.req.url).origin
}

/** Trino's Duration text (`1.50m`, `12.00s`). */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}.00ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(2)}m`
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(2)}h`
  return `${(ms / 86_400_000).toFixed(2)}d`
}
