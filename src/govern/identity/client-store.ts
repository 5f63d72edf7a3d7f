import { randomBytes } from 'node:crypto'
import { AkkoError, Secret } from '../../core/index.js'
import type { SqlClient } from '../../storage/index.js'
import { passwordHash, passwordVerify } from './password-hash.js'
import { realmNameCheck, userCreate, userDelete, userFind, type ClientRecord, type GrantType, type UserRecord } from './realm-store.js'

const GRANTS: readonly GrantType[] = ['password', 'client_credentials', 'authorization_code', 'refresh_token']

export interface ClientCreateInput {
  readonly clientId: string
  /** Confidential clients get a generated secret and a service account; public clients have neither. */
  readonly confidential: boolean
  readonly redirectUris?: readonly string[]
  readonly grants: readonly GrantType[]
  /** Roles of the service account (confidential clients only). */
  readonly roles?: readonly string[]
  readonly description?: string
}

/** The service account's user name, as Keycloak spells it. */
export const serviceAccountName = (clientId: string): string => `service-account-${clientId}`

/**
 * Registers a client. A confidential client gets a random secret (returned once, stored hashed) and a
 * service-account user holding `roles`, whose identity client_credentials tokens carry.
 */
export async function clientCreate(sql: SqlClient, input: ClientCreateInput): Promise<{ client: ClientRecord; secret?: Secret }> {
  realmNameCheck('client', input.clientId)
  for (const g of input.grants) if (!GRANTS.includes(g)) throw new AkkoError('INVALID_ARGUMENT', `Unknown grant ${g}; use ${GRANTS.join(', ')}`, { grant: g })
  for (const u of input.redirectUris ?? []) {
    if (!URL.canParse(u) || new URL(u).hash) throw new AkkoError('INVALID_ARGUMENT', `Redirect URI ${u} must be an absolute URL without a fragment`, { redirectUri: u })
  }
  if (!input.confidential && input.grants.includes('client_credentials')) throw new AkkoError('INVALID_ARGUMENT', 'A public client cannot use client_credentials: it has no secret')
  if (await clientFind(sql, input.clientId)) throw new AkkoError('INVALID_ARGUMENT', `Client ${input.clientId} already exists`, { client: input.clientId })
  const secret = input.confidential ? new Secret(randomBytes(24).toString('base64url')) : undefined
  const hash = secret ? await passwordHash(secret.reveal()) : null
  await sql.query('INSERT INTO govern_clients (client_id, confidential, secret_hash, redirect_uris, grants, description) VALUES ($1, $2, $3, $4, $5, $6)', [
    input.clientId, input.confidential, hash, JSON.stringify(input.redirectUris ?? []), JSON.stringify(input.grants), input.description ?? '',
  ])
  if (input.confidential && !(await userFind(sql, serviceAccountName(input.clientId)))) {
    await userCreate(sql, { username: serviceAccountName(input.clientId), roles: input.roles ?? [], serviceClient: input.clientId })
  }
  const client = (await clientFind(sql, input.clientId))!
  return secret ? { client, secret } : { client }
}

interface ClientRow { client_id: string; confidential: boolean; secret_hash: string | null; redirect_uris: string; grants: string; description: string }

const toRecord = (r: ClientRow): ClientRecord => Object.freeze({
  clientId: r.client_id, confidential: r.confidential, description: r.description,
  redirectUris: Object.freeze(JSON.parse(r.redirect_uris) as string[]), grants: Object.freeze(JSON.parse(r.grants) as GrantType[]),
})

/** One client, or undefined. */
export async function clientFind(sql: SqlClient, clientId: string): Promise<ClientRecord | undefined> {
  const { rows } = await sql.query<ClientRow>('SELECT * FROM govern_clients WHERE client_id = $1', [clientId])
  return rows[0] ? toRecord(rows[0]) : undefined
}

/** Every client, by id. */
export async function clientList(sql: SqlClient): Promise<ClientRecord[]> {
  return (await sql.query<ClientRow>('SELECT * FROM govern_clients ORDER BY client_id')).rows.map(toRecord)
}

/** Deletes a client, its tokens and its service account. */
export async function clientDelete(sql: SqlClient, clientId: string): Promise<void> {
  const { rows } = await sql.query('DELETE FROM govern_clients WHERE client_id = $1 RETURNING client_id', [clientId])
  if (rows.length === 0) throw new AkkoError('NOT_FOUND', `No client named ${clientId}; \`akko clients list\` shows them`, { client: clientId })
  if (await userFind(sql, serviceAccountName(clientId))) await userDelete(sql, serviceAccountName(clientId))
}

/** Replaces a confidential client's secret; the new one is returned once. */
export async function clientSecretRotate(sql: SqlClient, clientId: string): Promise<Secret> {
  const c = await clientFind(sql, clientId)
  if (!c?.confidential) throw new AkkoError('INVALID_ARGUMENT', `Client ${clientId} is not a confidential client`, { client: clientId })
  const secret = new Secret(randomBytes(24).toString('base64url'))
  await sql.query('UPDATE govern_clients SET secret_hash = $2 WHERE client_id = $1', [clientId, await passwordHash(secret.reveal())])
  return secret
}

/**
 * Authenticates a client at the token endpoint (RFC 6749 §2.3). Public clients must not send a secret
 * check beyond existing; confidential clients must present theirs. Fails with `invalid_client` (401).
 */
export async function clientAuthenticate(sql: SqlClient, clientId: string | undefined, secret: string | undefined): Promise<ClientRecord> {
  if (!clientId) throw invalidClient('The client is not identified: send client_id (and client_secret for confidential clients)')
  const { rows } = await sql.query<ClientRow>('SELECT * FROM govern_clients WHERE client_id = $1', [clientId])
  const row = rows[0]
  if (!row) throw invalidClient(`Unknown client ${clientId}`)
  if (row.confidential && (!secret || !row.secret_hash || !(await passwordVerify(secret, row.secret_hash)))) throw invalidClient('Client authentication failed')
  return toRecord(row)
}

/** The service account of a confidential client. */
export async function clientServiceAccount(sql: SqlClient, clientId: string): Promise<UserRecord> {
  const u = await userFind(sql, serviceAccountName(clientId))
  if (!u) throw new AkkoError('INVALID_REQUEST', `Client ${clientId} has no service account`, { oauthError: 'unauthorized_client' })
  return u
}

const invalidClient = (message: string): AkkoError => new AkkoError('UNAUTHENTICATED', message, { oauthError: 'invalid_client' })
