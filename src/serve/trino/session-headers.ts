/**
 * The client session as Trino clients send it in `X-Trino-*` request headers (or `X-Presto-*`, which older
 * clients such as presto-client send), and session changes as the response headers clients echo back.
 */
import { AkkoError } from '../../core/index.js'
import type { Session, SessionChanges } from '../../engine/index.js'
import type { Identity } from '../http/index.js'

/** Which header family the client speaks; responses use the same one. */
export type HeaderPrefix = 'X-Trino-' | 'X-Presto-'

type HeaderGetter = (name: string) => string | undefined

/** Picks the header family from the user header (the one every client sends). */
export function headerPrefixOf(get: HeaderGetter): HeaderPrefix {
  return get('X-Trino-User') === undefined && get('X-Presto-User') !== undefined ? 'X-Presto-' : 'X-Trino-'
}

/**
 * Builds the engine session from request headers. The user comes from the user header; without one, an
 * authenticated identity (not "auth off") stands in, else the request is refused like Trino does ("User must be set").
 */
export function sessionFromHeaders(get: HeaderGetter, identity: Identity): Session {
  const prefix = headerPrefixOf(get)
  const h = (name: string): string | undefined => {
    const v = get(prefix + name)
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const user = h('User') ?? (identity.method === 'none' ? undefined : identity.subject)
  if (!user) throw new AkkoError('INVALID_REQUEST', `User must be set (send the ${prefix}User header)`)
  const tags = h('Client-Tags')
  return {
    user,
    groups: identity.groups,
    roles: identity.roles,
    catalog: h('Catalog'),
    schema: h('Schema'),
    properties: keyValueList(h('Session'), 'Session'),
    preparedStatements: keyValueList(h('Prepared-Statement'), 'Prepared-Statement'),
    source: h('Source'),
    clientTags: tags ? tags.split(',').map(t => t.trim()).filter(Boolean) : undefined,
    timeZone: h('Time-Zone'),
  }
}

/**
 * Resolves the groups and roles of the user a request runs as, when it is not the authenticated subject
 * (`X-Trino-User: bob` with alice's token): throws PERMISSION_DENIED unless an impersonation rule allows it.
 */
export type ImpersonationCheck = (identity: Identity, user: string) => Promise<{ readonly groups: readonly string[]; readonly roles: readonly string[] }>

/**
 * The session for a request, with impersonation checked: the header's user runs with the authenticated
 * identity's groups and roles when it is that identity, else only when `impersonate` allows it. With
 * authentication off, the header's user is taken as is.
 */
export async function sessionForRequest(get: HeaderGetter, identity: Identity, impersonate?: ImpersonationCheck, remote?: string): Promise<Session> {
  const session: Session = { ...sessionFromHeaders(get, identity), authenticatedUser: identity.subject, auditSource: 'trino', ...(remote ? { remote } : {}) }
  if (identity.method === 'none' || session.user === identity.subject) return session
  if (!impersonate) {
    throw new AkkoError('PERMISSION_DENIED', `Access Denied: User ${identity.subject} cannot impersonate user ${session.user}`, { user: identity.subject, target: session.user })
  }
  const target = await impersonate(identity, session.user)
  return { ...session, groups: target.groups, roles: target.roles }
}

/**
 * `k1=v1,k2=v2` with URL-encoded names and values (several headers arrive joined by ", "). URL-encoding keeps
 * commas inside values (prepared SQL) from splitting entries.
 */
function keyValueList(value: string | undefined, header: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (!value) return out
  for (const part of value.split(',')) {
    const entry = part.trim()
    if (!entry) continue
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new AkkoError('INVALID_REQUEST', `Invalid X-Trino-${header} header entry "${entry}": expected name=value`)
    out[decode(entry.slice(0, eq).trim(), header)] = decode(entry.slice(eq + 1).trim(), header)
  }
  return out
}

function decode(s: string, header: string): string {
  try {
    // Trino decodes like application/x-www-form-urlencoded, where "+" is a space.
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    throw new AkkoError('INVALID_REQUEST', `Invalid URL encoding in the X-Trino-${header} header`)
  }
}

/** Trino's form encoding of header values (space as "+"), as its server and Java client use. */
const encode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+')

/** Session changes as response headers, as [name, value] pairs (a header may repeat, one per property). */
export function sessionChangeHeaders(changes: SessionChanges | undefined, prefix: HeaderPrefix): Array<[string, string]> {
  const out: Array<[string, string]> = []
  if (!changes) return out
  if (changes.setCatalog !== undefined) out.push([prefix + 'Set-Catalog', changes.setCatalog])
  if (changes.setSchema !== undefined) out.push([prefix + 'Set-Schema', changes.setSchema])
  for (const [k, v] of Object.entries(changes.setSession ?? {})) out.push([prefix + 'Set-Session', `${k}=${encode(v)}`])
  for (const k of changes.resetSession ?? []) out.push([prefix + 'Clear-Session', k])
  for (const [k, v] of Object.entries(changes.addedPrepare ?? {})) out.push([prefix + 'Added-Prepare', `${encode(k)}=${encode(v)}`])
  for (const k of changes.deallocatedPrepare ?? []) out.push([prefix + 'Deallocated-Prepare', encode(k)])
  return out
}
