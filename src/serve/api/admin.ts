/**
 * `/api/…` for the realm: who am I, and the administration of users, groups, roles and clients (what
 * `akko users|groups|roles|clients` does in-process), for callers with the `akko-admin` role. Every change is
 * recorded in the audit trail as an admin action; passwords and client secrets never are.
 * @module
 */
import { Hono, type Context } from 'hono'
import { AkkoError } from '../../core/index.js'
import {
  auditNone, clientCreate, clientDelete, clientList, clientSecretRotate, groupAddMember, groupCreate, groupDelete, groupList, groupRemoveMember,
  roleCreate, roleDelete, roleGrant, roleList, roleRevoke, userCreate, userDelete, userEnabledSet, userGet, userList, userPasswordSet,
  type AuditRecorder, type GrantType, type IdentityService,
} from '../../govern/index.js'
import type { HttpEnv, Identity } from '../http/index.js'
import { remoteAddress } from '../http/index.js'

export interface AdminApiOptions {
  /** The built-in realm; absent when an external issuer manages identities (then only `/api/me` answers). */
  readonly issuer?: IdentityService
  readonly audit?: AuditRecorder
  /** Said by `/api/me` so the web app and the CLI can show a demo banner. */
  readonly demo?: boolean
}

const ADMIN_ROLE = 'akko-admin'

/** The routes, to mount at `/api` on the platform app (the platform authenticator runs first). */
export function adminApi(o: AdminApiOptions): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  const audit = o.audit ?? auditNone

  app.get('/me', c => {
    const id = c.get('identity')
    return c.json({ user: id.subject, method: id.method, roles: id.roles, groups: id.groups, clientId: id.clientId ?? null, demo: o.demo ?? false })
  })

  const admin = (c: Context<HttpEnv>): IdentityService => {
    const id: Identity = c.get('identity')
    if (id.method !== 'none' && !id.roles.includes(ADMIN_ROLE)) {
      audit.record({ kind: 'denial', actor: id.subject, outcome: 'denied', action: `${c.req.method} ${c.req.routePath}`, source: 'api', ...remote(c) })
      throw new AkkoError('PERMISSION_DENIED', `Access Denied: managing the realm needs the ${ADMIN_ROLE} role`)
    }
    if (!o.issuer) throw new AkkoError('NOT_SUPPORTED', 'Identities are managed by the external issuer (AKKO_OIDC_ISSUER), not here')
    return o.issuer
  }
  /** Runs an admin action and records it (with the given details, which must hold no secret). */
  const act = async <T>(c: Context<HttpEnv>, action: string, details: Record<string, unknown>, run: (i: IdentityService) => Promise<T>): Promise<T> => {
    const issuer = admin(c)
    const out = await run(issuer)
    audit.record({ kind: 'admin', actor: c.get('identity').subject, outcome: 'success', action, source: 'api', details, ...remote(c) })
    return out
  }

  app.get('/users', async c => c.json({ users: (await userList(admin(c).sql)).map(userJson) }))
  app.get('/users/:name', async c => c.json(userJson(await userGet(admin(c).sql, c.req.param('name')))))
  app.post('/users', async c => {
    const b = await json(c)
    const username = str(b, 'username', true)!
    const password = str(b, 'password')
    const input = { username, ...(password ? { password } : {}), ...(str(b, 'email') ? { email: str(b, 'email')! } : {}), roles: strList(b, 'roles'), groups: strList(b, 'groups') }
    const u = await act(c, 'user.create', { user: username, roles: input.roles, groups: input.groups }, i => userCreate(i.sql, input))
    return c.json(userJson(u), 201)
  })
  app.delete('/users/:name', async c => {
    await act(c, 'user.delete', { user: c.req.param('name') }, i => userDelete(i.sql, c.req.param('name')))
    return c.body(null, 204)
  })
  app.put('/users/:name/password', async c => {
    const password = str(await json(c), 'password', true)!
    await act(c, 'user.password', { user: c.req.param('name') }, i => userPasswordSet(i.sql, c.req.param('name'), password))
    return c.body(null, 204)
  })
  app.put('/users/:name/enabled', async c => {
    const b = await json(c)
    if (typeof b.enabled !== 'boolean') throw new AkkoError('INVALID_REQUEST', 'Send {"enabled": true|false}')
    await act(c, b.enabled ? 'user.enable' : 'user.disable', { user: c.req.param('name') }, i => userEnabledSet(i.sql, c.req.param('name'), b.enabled as boolean))
    return c.body(null, 204)
  })
  app.put('/users/:name/roles/:role', async c => {
    await act(c, 'role.grant', { user: c.req.param('name'), role: c.req.param('role') }, i => roleGrant(i.sql, c.req.param('role'), { user: c.req.param('name') }))
    return c.body(null, 204)
  })
  app.delete('/users/:name/roles/:role', async c => {
    await act(c, 'role.revoke', { user: c.req.param('name'), role: c.req.param('role') }, i => roleRevoke(i.sql, c.req.param('role'), { user: c.req.param('name') }))
    return c.body(null, 204)
  })

  app.get('/roles', async c => c.json({ roles: await roleList(admin(c).sql) }))
  app.post('/roles', async c => {
    const b = await json(c)
    const name = str(b, 'name', true)!
    await act(c, 'role.create', { role: name }, i => roleCreate(i.sql, name, str(b, 'description') ?? ''))
    return c.json({ name }, 201)
  })
  app.delete('/roles/:name', async c => {
    await act(c, 'role.delete', { role: c.req.param('name') }, i => roleDelete(i.sql, c.req.param('name')))
    return c.body(null, 204)
  })

  app.get('/groups', async c => c.json({ groups: await groupList(admin(c).sql) }))
  app.post('/groups', async c => {
    const b = await json(c)
    const name = str(b, 'name', true)!
    await act(c, 'group.create', { group: name }, i => groupCreate(i.sql, name, str(b, 'description') ?? ''))
    return c.json({ name }, 201)
  })
  app.delete('/groups/:name', async c => {
    await act(c, 'group.delete', { group: c.req.param('name') }, i => groupDelete(i.sql, c.req.param('name')))
    return c.body(null, 204)
  })
  app.put('/groups/:name/members/:user', async c => {
    await act(c, 'group.add', { group: c.req.param('name'), user: c.req.param('user') }, i => groupAddMember(i.sql, c.req.param('name'), c.req.param('user')))
    return c.body(null, 204)
  })
  app.delete('/groups/:name/members/:user', async c => {
    await act(c, 'group.remove', { group: c.req.param('name'), user: c.req.param('user') }, i => groupRemoveMember(i.sql, c.req.param('name'), c.req.param('user')))
    return c.body(null, 204)
  })

  app.get('/clients', async c => c.json({ clients: (await clientList(admin(c).sql)).map(cl => ({ ...cl })) }))
  app.post('/clients', async c => {
    const b = await json(c)
    const clientId = str(b, 'clientId', true)!
    const grants = strList(b, 'grants') as GrantType[]
    const input = { clientId, confidential: b.confidential === true, grants, redirectUris: strList(b, 'redirectUris'), roles: strList(b, 'roles'), description: str(b, 'description') ?? '' }
    const { client, secret } = await act(c, 'client.create', { client: clientId, grants, roles: input.roles }, i => clientCreate(i.sql, input))
    // The secret is shown once, in this response only.
    return c.json({ client, ...(secret ? { secret: secret.reveal() } : {}) }, 201, { 'cache-control': 'no-store' })
  })
  app.delete('/clients/:id', async c => {
    await act(c, 'client.delete', { client: c.req.param('id') }, i => clientDelete(i.sql, c.req.param('id')))
    return c.body(null, 204)
  })
  app.post('/clients/:id/secret', async c => {
    const secret = await act(c, 'client.secret-rotate', { client: c.req.param('id') }, i => clientSecretRotate(i.sql, c.req.param('id')))
    return c.json({ secret: secret.reveal() }, 200, { 'cache-control': 'no-store' })
  })
  return app
}

const remote = (c: Context): { remote?: string } => {
  const r = remoteAddress(c)
  return r ? { remote: r } : {}
}

const userJson = (u: { id: string; username: string; email: string | null; enabled: boolean; lockedUntil: Date | null; serviceClient: string | null; roles: readonly string[]; groups: readonly string[] }) => ({
  id: u.id, username: u.username, email: u.email, enabled: u.enabled, lockedUntil: u.lockedUntil ? new Date(u.lockedUntil).toISOString() : null,
  serviceClient: u.serviceClient, roles: u.roles, groups: u.groups,
})

async function json(c: Context): Promise<Record<string, unknown>> {
  let b: unknown
  try {
    b = await c.req.json()
  } catch {
    throw new AkkoError('INVALID_REQUEST', 'The request body must be a JSON object')
  }
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new AkkoError('INVALID_REQUEST', 'The request body must be a JSON object')
  return b as Record<string, unknown>
}

function str(b: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = b[key]
  if (v === undefined || v === null) {
    if (required) throw new AkkoError('INVALID_REQUEST', `"${key}" is required`)
    return undefined
  }
  if (typeof v !== 'string') throw new AkkoError('INVALID_REQUEST', `"${key}" must be a string`)
  return v
}

function strList(b: Record<string, unknown>, key: string): string[] {
  const v = b[key]
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new AkkoError('INVALID_REQUEST', `"${key}" must be a list of strings`)
  return v as string[]
}
