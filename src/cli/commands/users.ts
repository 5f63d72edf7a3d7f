import { identityBuiltinsEnsure, IDENTITY_MIGRATIONS, clientCreate, clientDelete, clientList, groupAddMember, groupCreate, groupDelete, groupList, roleCreate, roleDelete, roleGrant, roleList, userCreate, userDelete, userEnabledSet, userList, userPasswordSet, type GrantType } from '../../govern/index.js'
import type { SqlClient } from '../../storage/index.js'
import { EXIT_OK, usageError, type CliIo, type Command, type CommandArgs } from '../command.js'
import { FORMAT_OPTION, outputRows } from '../output.js'
import { HOME_OPTION, withPlatform } from './shared.js'

/** Opens the configured home in-process with the identity tables and built-in clients in place. */
function withRealm<T>(io: CliIo, args: CommandArgs, fn: (sql: SqlClient) => Promise<T>): Promise<T> {
  return withPlatform(io, args.values.home, async p => {
    await p.metastore.migrate(IDENTITY_MIGRATIONS)
    await identityBuiltinsEnsure(p.metastore.sql, `http://${p.cfg.host}:${p.cfg.port}`)
    return fn(p.metastore.sql)
  })
}

const list = (v: unknown): string[] => (typeof v === 'string' && v ? v.split(',').map(s => s.trim()).filter(Boolean) : [])
/** Passwords come from the environment variable AKKO_NEW_PASSWORD so they stay out of shell history. */
const newPassword = (io: CliIo): string => {
  const pw = io.env.AKKO_NEW_PASSWORD
  if (!pw) throw usageError('Set the password in the environment variable AKKO_NEW_PASSWORD (it stays out of your shell history)')
  return pw
}

const leaf = (name: string, summary: string, args: string, n: number, extra: Command['options'], run: (a: CommandArgs, io: CliIo, sql: SqlClient) => Promise<void>): Command => ({
  name, summary, args, positionals: { min: n, max: n }, options: { ...extra, home: HOME_OPTION },
  async run(a, io) {
    await withRealm(io, a, sql => run(a, io, sql))
    return EXIT_OK
  },
})
const group = (name: string, summary: string, subs: Command[]): Command => ({ name, summary, subcommands: new Map(subs.map(c => [c.name, c])) })

/** `akko users list|create|passwd|disable|enable|delete`. */
export const users: Command = group('users', 'Manage the built-in issuer\'s users (stored in the metastore)', [
  leaf('list', 'List users with roles and groups', '', 0, { format: FORMAT_OPTION }, async (a, io, sql) => {
    const rows = (await userList(sql)).map(u => ({ username: u.username, email: u.email, enabled: u.enabled, roles: u.roles.join(','), groups: u.groups.join(',') }))
    outputRows(io, rows, ['username', 'email', 'enabled', 'roles', 'groups'], a.values.format)
  }),
  leaf('create', 'Create a user; the password comes from $AKKO_NEW_PASSWORD', '<username>', 1, {
    email: { type: 'string', description: 'E-mail address' },
    roles: { type: 'string', valueName: '<r1,r2>', description: 'Roles to grant' },
    groups: { type: 'string', valueName: '<g1,g2>', description: 'Groups to join' },
  }, async (a, io, sql) => {
    await userCreate(sql, { username: a.positionals[0]!, password: newPassword(io), roles: list(a.values.roles), groups: list(a.values.groups), ...(typeof a.values.email === 'string' ? { email: a.values.email } : {}) })
    io.stdout.write(`Created user ${a.positionals[0]}\n`)
  }),
  leaf('passwd', 'Set a user\'s password from $AKKO_NEW_PASSWORD (also clears a lockout)', '<username>', 1, {}, async (a, io, sql) => {
    await userPasswordSet(sql, a.positionals[0]!, newPassword(io))
    io.stdout.write(`Password changed for ${a.positionals[0]}\n`)
  }),
  leaf('disable', 'Disable sign-in and end the user\'s sessions', '<username>', 1, {}, async (a, io, sql) => {
    await userEnabledSet(sql, a.positionals[0]!, false)
    io.stdout.write(`Disabled ${a.positionals[0]}\n`)
  }),
  leaf('enable', 'Enable sign-in again', '<username>', 1, {}, async (a, io, sql) => {
    await userEnabledSet(sql, a.positionals[0]!, true)
    io.stdout.write(`Enabled ${a.positionals[0]}\n`)
  }),
  leaf('delete', 'Delete a user', '<username>', 1, {}, async (a, io, sql) => {
    await userDelete(sql, a.positionals[0]!)
    io.stdout.write(`Deleted ${a.positionals[0]}\n`)
  }),
])

/** `akko groups list|create|delete|add`. */
export const groups: Command = group('groups', 'Manage groups', [
  leaf('list', 'List groups with members and roles', '', 0, { format: FORMAT_OPTION }, async (a, io, sql) => {
    outputRows(io, (await groupList(sql)).map(g => ({ ...g, members: g.members.join(','), roles: g.roles.join(',') })), ['name', 'members', 'roles'], a.values.format)
  }),
  leaf('create', 'Create a group', '<name>', 1, {}, async (a, io, sql) => { await groupCreate(sql, a.positionals[0]!); io.stdout.write(`Created group ${a.positionals[0]}\n`) }),
  leaf('delete', 'Delete a group', '<name>', 1, {}, async (a, io, sql) => { await groupDelete(sql, a.positionals[0]!); io.stdout.write(`Deleted group ${a.positionals[0]}\n`) }),
  leaf('add', 'Add a user to a group', '<group> <username>', 2, {}, async (a, io, sql) => { await groupAddMember(sql, a.positionals[0]!, a.positionals[1]!); io.stdout.write(`Added ${a.positionals[1]} to ${a.positionals[0]}\n`) }),
])

/** `akko roles list|create|delete|grant`. */
export const roles: Command = group('roles', 'Manage roles', [
  leaf('list', 'List roles', '', 0, { format: FORMAT_OPTION }, async (a, io, sql) => outputRows(io, await roleList(sql), ['name', 'description'], a.values.format)),
  leaf('create', 'Create a role', '<name>', 1, {}, async (a, io, sql) => { await roleCreate(sql, a.positionals[0]!); io.stdout.write(`Created role ${a.positionals[0]}\n`) }),
  leaf('delete', 'Delete a role', '<name>', 1, {}, async (a, io, sql) => { await roleDelete(sql, a.positionals[0]!); io.stdout.write(`Deleted role ${a.positionals[0]}\n`) }),
  leaf('grant', 'Grant a role to --user or --group', '<role>', 1, { user: { type: 'string', description: 'User name' }, group: { type: 'string', description: 'Group name' } }, async (a, io, sql) => {
    await roleGrant(sql, a.positionals[0]!, { ...(typeof a.values.user === 'string' ? { user: a.values.user } : {}), ...(typeof a.values.group === 'string' ? { group: a.values.group } : {}) })
    io.stdout.write(`Granted ${a.positionals[0]}\n`)
  }),
])

/** `akko clients list|create|delete`: create makes a confidential service-account client and prints its secret once. */
export const clients: Command = group('clients', 'Manage OIDC clients', [
  leaf('list', 'List clients', '', 0, { format: FORMAT_OPTION }, async (a, io, sql) => {
    outputRows(io, (await clientList(sql)).map(c => ({ client_id: c.clientId, confidential: c.confidential, grants: c.grants.join(','), redirect_uris: c.redirectUris.join(' ') })), ['client_id', 'confidential', 'grants', 'redirect_uris'], a.values.format)
  }),
  leaf('create', 'Create a confidential service-account client (client_credentials); prints the secret once', '<name>', 1, { roles: { type: 'string', valueName: '<r1,r2>', description: 'Roles of the service account' } }, async (a, io, sql) => {
    const grants: GrantType[] = ['client_credentials']
    const { secret } = await clientCreate(sql, { clientId: a.positionals[0]!, confidential: true, grants, roles: list(a.values.roles) })
    io.stdout.write(`client_id: ${a.positionals[0]}\nclient_secret: ${secret!.reveal()}\nStore the secret now: it is kept only hashed and cannot be shown again.\n`)
  }),
  leaf('delete', 'Delete a client and its service account', '<name>', 1, {}, async (a, io, sql) => { await clientDelete(sql, a.positionals[0]!); io.stdout.write(`Deleted client ${a.positionals[0]}\n`) }),
])
