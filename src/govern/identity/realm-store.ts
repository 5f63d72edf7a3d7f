import { randomUUID } from 'node:crypto'
import { AkkoError } from '../../core/index.js'
import type { SqlClient } from '../../storage/index.js'
import { passwordHash } from './password-hash.js'

/** A user as shown to administrators: never the password hash. */
export interface UserRecord {
  readonly id: string
  readonly username: string
  readonly email: string | null
  readonly enabled: boolean
  readonly lockedUntil: Date | null
  /** Set for a client's service account (`service-account-<client>`). */
  readonly serviceClient: string | null
  readonly roles: readonly string[]
  readonly groups: readonly string[]
}

export type GrantType = 'password' | 'client_credentials' | 'authorization_code' | 'refresh_token'

export interface ClientRecord {
  readonly clientId: string
  readonly confidential: boolean
  readonly redirectUris: readonly string[]
  readonly grants: readonly GrantType[]
  readonly description: string
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/

/** Rejects names that would be awkward in tokens, URLs and rules files. */
export function realmNameCheck(kind: string, name: string): void {
  if (!NAME_RE.test(name)) throw new AkkoError('INVALID_ARGUMENT', `Invalid ${kind} name ${JSON.stringify(name)}: use letters, digits, '.', '_', '@' or '-' (at most 128 characters)`, { [kind]: name })
}

export interface UserCreateInput {
  readonly username: string
  readonly email?: string
  readonly password?: string
  readonly roles?: readonly string[]
  readonly groups?: readonly string[]
  readonly serviceClient?: string
}

/** Creates a user with roles and groups (which must exist). INVALID_ARGUMENT when the name is taken. */
export async function userCreate(sql: SqlClient, input: UserCreateInput): Promise<UserRecord> {
  realmNameCheck('user', input.username)
  const hash = input.password === undefined ? null : await passwordHash(input.password)
  const id = randomUUID()
  await sql.transaction(async tx => {
    const { rows } = await tx.query('INSERT INTO govern_users (id, username, email, password_hash, service_client) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING id', [id, input.username, input.email ?? null, hash, input.serviceClient ?? null])
    if (rows.length === 0) throw new AkkoError('INVALID_ARGUMENT', `User ${input.username} already exists`, { user: input.username })
    for (const r of input.roles ?? []) await roleGrantTo(tx, 'user', id, r)
    for (const g of input.groups ?? []) await groupAddMember(tx, g, input.username)
  })
  return userGet(sql, input.username)
}

interface UserRow { id: string; username: string; email: string | null; enabled: boolean; locked_until: Date | string | null; service_client: string | null }

/** Every user, by name, with direct and group-inherited roles. */
export async function userList(sql: SqlClient): Promise<UserRecord[]> {
  const { rows } = await sql.query<UserRow>('SELECT id, username, email, enabled, locked_until, service_client FROM govern_users ORDER BY username')
  return Promise.all(rows.map(r => userRecord(sql, r)))
}

/** One user by name, or undefined. */
export async function userFind(sql: SqlClient, username: string): Promise<UserRecord | undefined> {
  const { rows } = await sql.query<UserRow>('SELECT id, username, email, enabled, locked_until, service_client FROM govern_users WHERE username = $1', [username])
  return rows[0] ? userRecord(sql, rows[0]) : undefined
}

/** One user by id (the token subject), or undefined. */
export async function userFindById(sql: SqlClient, id: string): Promise<UserRecord | undefined> {
  const { rows } = await sql.query<UserRow>('SELECT id, username, email, enabled, locked_until, service_client FROM govern_users WHERE id = $1', [id])
  return rows[0] ? userRecord(sql, rows[0]) : undefined
}

/** One user by name; NOT_FOUND otherwise. */
export async function userGet(sql: SqlClient, username: string): Promise<UserRecord> {
  const u = await userFind(sql, username)
  if (!u) throw new AkkoError('NOT_FOUND', `No user named ${username}; \`akko users list\` shows them`, { user: username })
  return u
}

/** Sets a new password and clears any lockout. */
export async function userPasswordSet(sql: SqlClient, username: string, password: string): Promise<void> {
  const hash = await passwordHash(password)
  const { rows } = await sql.query('UPDATE govern_users SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE username = $1 RETURNING id', [username, hash])
  if (rows.length === 0) await userGet(sql, username)
}

/** Enables or disables sign-in; disabling also ends the user's refresh tokens. */
export async function userEnabledSet(sql: SqlClient, username: string, enabled: boolean): Promise<void> {
  const u = await userGet(sql, username)
  await sql.transaction(async tx => {
    await tx.query('UPDATE govern_users SET enabled = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1', [u.id, enabled])
    if (!enabled) await tx.query('DELETE FROM govern_refresh_tokens WHERE user_id = $1', [u.id])
  })
}

/** Deletes a user with memberships and tokens. */
export async function userDelete(sql: SqlClient, username: string): Promise<void> {
  const { rows } = await sql.query('DELETE FROM govern_users WHERE username = $1 RETURNING id', [username])
  if (rows.length === 0) await userGet(sql, username)
}

async function userRecord(sql: SqlClient, r: UserRow): Promise<UserRecord> {
  const { rows: groups } = await sql.query<{ group_name: string }>('SELECT group_name FROM govern_user_groups WHERE user_id = $1 ORDER BY group_name', [r.id])
  const { rows: roles } = await sql.query<{ role_name: string }>(
    `SELECT role_name FROM govern_user_roles WHERE user_id = $1
     UNION SELECT gr.role_name FROM govern_group_roles gr JOIN govern_user_groups ug ON ug.group_name = gr.group_name WHERE ug.user_id = $1
     ORDER BY role_name`, [r.id])
  return Object.freeze({
    id: r.id, username: r.username, email: r.email, enabled: r.enabled,
    lockedUntil: r.locked_until === null ? null : new Date(r.locked_until), serviceClient: r.service_client,
    roles: Object.freeze(roles.map(x => x.role_name)), groups: Object.freeze(groups.map(x => x.group_name)),
  })
}

/** Creates a role; an existing one is left as is. */
export async function roleCreate(sql: SqlClient, name: string, description = ''): Promise<void> {
  realmNameCheck('role', name)
  await sql.query('INSERT INTO govern_roles (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, description])
}

/** Roles with their descriptions. */
export async function roleList(sql: SqlClient): Promise<Array<{ name: string; description: string }>> {
  return (await sql.query<{ name: string; description: string }>('SELECT name, description FROM govern_roles ORDER BY name')).rows
}

/** Deletes a role and every grant of it. */
export async function roleDelete(sql: SqlClient, name: string): Promise<void> {
  const { rows } = await sql.query('DELETE FROM govern_roles WHERE name = $1 RETURNING name', [name])
  if (rows.length === 0) throw new AkkoError('NOT_FOUND', `No role named ${name}`, { role: name })
}

/** Grants a role to a user or group (by name). */
export async function roleGrant(sql: SqlClient, role: string, to: { user?: string; group?: string }): Promise<void> {
  if (to.user) return roleGrantTo(sql, 'user', (await userGet(sql, to.user)).id, role)
  if (to.group) return roleGrantTo(sql, 'group', to.group, role)
  throw new AkkoError('INVALID_ARGUMENT', 'Say whom to grant the role to: a user or a group')
}

/** Revokes a role from a user or group (by name). */
export async function roleRevoke(sql: SqlClient, role: string, from: { user?: string; group?: string }): Promise<void> {
  if (from.user) await sql.query('DELETE FROM govern_user_roles WHERE user_id = $1 AND role_name = $2', [(await userGet(sql, from.user)).id, role])
  else if (from.group) await sql.query('DELETE FROM govern_group_roles WHERE group_name = $1 AND role_name = $2', [from.group, role])
  else throw new AkkoError('INVALID_ARGUMENT', 'Say whom to revoke the role from: a user or a group')
}

async function roleGrantTo(sql: SqlClient, kind: 'user' | 'group', key: string, role: string): Promise<void> {
  if ((await sql.query('SELECT 1 FROM govern_roles WHERE name = $1', [role])).rows.length === 0) throw new AkkoError('NOT_FOUND', `No role named ${role}; create it with \`akko roles create ${role}\``, { role })
  if (kind === 'group') await groupGet(sql, key)
  const table = kind === 'user' ? 'govern_user_roles (user_id, role_name)' : 'govern_group_roles (group_name, role_name)'
  await sql.query(`INSERT INTO ${table} VALUES ($1, $2) ON CONFLICT DO NOTHING`, [key, role])
}

/** Creates a group; an existing one is left as is. */
export async function groupCreate(sql: SqlClient, name: string, description = ''): Promise<void> {
  realmNameCheck('group', name)
  await sql.query('INSERT INTO govern_groups (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, description])
}

/** Groups with their member names and roles. */
export async function groupList(sql: SqlClient): Promise<Array<{ name: string; description: string; members: string[]; roles: string[] }>> {
  const { rows } = await sql.query<{ name: string; description: string }>('SELECT name, description FROM govern_groups ORDER BY name')
  return Promise.all(rows.map(async g => ({
    ...g,
    members: (await sql.query<{ username: string }>('SELECT u.username FROM govern_user_groups ug JOIN govern_users u ON u.id = ug.user_id WHERE ug.group_name = $1 ORDER BY 1', [g.name])).rows.map(r => r.username),
    roles: (await sql.query<{ role_name: string }>('SELECT role_name FROM govern_group_roles WHERE group_name = $1 ORDER BY 1', [g.name])).rows.map(r => r.role_name),
  })))
}

async function groupGet(sql: SqlClient, name: string): Promise<void> {
  if ((await sql.query('SELECT 1 FROM govern_groups WHERE name = $1', [name])).rows.length === 0) throw new AkkoError('NOT_FOUND', `No group named ${name}; create it with \`akko groups create ${name}\``, { group: name })
}

/** Deletes a group and its memberships. */
export async function groupDelete(sql: SqlClient, name: string): Promise<void> {
  const { rows } = await sql.query('DELETE FROM govern_groups WHERE name = $1 RETURNING name', [name])
  if (rows.length === 0) throw new AkkoError('NOT_FOUND', `No group named ${name}`, { group: name })
}

/** Adds a user to a group (both must exist). */
export async function groupAddMember(sql: SqlClient, group: string, username: string): Promise<void> {
  await groupGet(sql, group)
  const u = await sql.query<{ id: string }>('SELECT id FROM govern_users WHERE username = $1', [username])
  if (!u.rows[0]) throw new AkkoError('NOT_FOUND', `No user named ${username}`, { user: username })
  await sql.query('INSERT INTO govern_user_groups (user_id, group_name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [u.rows[0].id, group])
}

/** Removes a user from a group. */
export async function groupRemoveMember(sql: SqlClient, group: string, username: string): Promise<void> {
  await sql.query('DELETE FROM govern_user_groups WHERE group_name = $1 AND user_id = (SELECT id FROM govern_users WHERE username = $2)', [group, username])
}
