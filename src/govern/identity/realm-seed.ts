import { randomBytes } from 'node:crypto'
import { Secret } from '../../core/index.js'
import type { SqlClient } from '../../storage/index.js'
import { clientCreate, clientFind } from './client-store.js'
import { roleCreate, userCreate, userFind, userList } from './realm-store.js'

/** The platform's roles, as named in AKKO. */
export const AKKO_ROLES: readonly string[] = Object.freeze(['akko-admin', 'akko-engineer', 'akko-analyst', 'akko-viewer', 'akko-steward', 'akko-user'])

/**
 * The built-in clients every realm has: `akko-cli` (public, password grant, like Keycloak's admin-cli) and
 * `akko-web` (public, code + PKCE, redirecting only to the platform's own origin).
 */
export async function identityBuiltinsEnsure(sql: SqlClient, baseUrl: string): Promise<void> {
  for (const r of AKKO_ROLES) await roleCreate(sql, r)
  const origin = new URL(baseUrl).origin
  if (!(await clientFind(sql, 'akko-cli'))) await clientCreate(sql, { clientId: 'akko-cli', confidential: false, grants: ['password', 'refresh_token'], description: 'The akko command line' })
  if (!(await clientFind(sql, 'akko-web'))) {
    await clientCreate(sql, { clientId: 'akko-web', confidential: false, grants: ['authorization_code', 'refresh_token'], redirectUris: [`${origin}/`, `${origin}/callback`], description: 'The web app' })
  }
}

/** AKKO's documented development personas: user, password, role. */
export const DEMO_PERSONAS: ReadonlyArray<readonly [string, string, string]> = Object.freeze([
  ['alice', 'alice123', 'akko-admin'], ['bob', 'bob123', 'akko-engineer'], ['carol', 'carol123', 'akko-analyst'],
  ['dave', 'dave123', 'akko-viewer'], ['eve', 'eve123', 'akko-steward'],
] as const)

/**
 * Seeds the demo realm (idempotent): the five personas with their roles plus `akko-user`, and a
 * confidential `akko-pipelines` service client (role akko-engineer). Returns the pipelines secret when it
 * was created now. For demo mode only: the passwords are public.
 */
export async function identityDemoSeed(sql: SqlClient, baseUrl: string): Promise<{ pipelinesSecret?: Secret }> {
  await identityBuiltinsEnsure(sql, baseUrl)
  for (const [username, password, role] of DEMO_PERSONAS) {
    if (!(await userFind(sql, username))) await userCreate(sql, { username, password, email: `${username}@demo.akko.local`, roles: [role, 'akko-user'] })
  }
  if (await clientFind(sql, 'akko-pipelines')) return {}
  const { secret } = await clientCreate(sql, { clientId: 'akko-pipelines', confidential: true, grants: ['client_credentials'], roles: ['akko-engineer', 'akko-user'], description: 'Demo service account for DAGs and dbt' })
  return secret ? { pipelinesSecret: secret } : {}
}

/**
 * Outside demo mode: makes sure a first administrator exists. Uses AKKO_ADMIN_USER/AKKO_ADMIN_PASSWORD
 * from `env` when set, else creates `admin` with a random password that is returned (to print once) and
 * stored only hashed. Does nothing when any human user exists already.
 */
export async function identityAdminEnsure(sql: SqlClient, baseUrl: string, env: Readonly<Record<string, string | undefined>>): Promise<{ created?: { username: string; password?: Secret } }> {
  await identityBuiltinsEnsure(sql, baseUrl)
  if ((await userList(sql)).some(u => !u.serviceClient)) return {}
  const username = env.AKKO_ADMIN_USER || 'admin'
  const given = env.AKKO_ADMIN_PASSWORD
  const password = given ?? randomBytes(12).toString('base64url')
  await userCreate(sql, { username, password, roles: ['akko-admin', 'akko-user'] })
  return { created: given ? { username } : { username, password: new Secret(password) } }
}
