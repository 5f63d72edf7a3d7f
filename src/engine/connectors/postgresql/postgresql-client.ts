import { AkkoError } from '../../../core/index.js'

/** One statement's answer: rows as arrays, in the order of the SELECT list. */
export interface PostgresqlRows {
  readonly rows: readonly (readonly unknown[])[]
  readonly fields: readonly { readonly name: string }[]
}

/** Runs one statement with `$n` parameters. */
export type PostgresqlQuery = (sql: string, params?: readonly unknown[]) => Promise<PostgresqlRows>

/**
 * What the connector needs from a PostgreSQL database: one-off catalog queries, and a read-only transaction
 * on one connection, where a server-side cursor (`DECLARE … CURSOR` + `FETCH n`) streams a table in batches.
 * Two adapters: embedded PGlite (postgresql-embedded.ts) and a server by URL through `pg` (postgresql-server.ts).
 */
export interface PostgresqlClient {
  /** Where the database is, for messages (password hidden). */
  readonly endpoint: PostgresqlEndpoint
  readonly query: PostgresqlQuery
  /** Runs `fn` inside `BEGIN READ ONLY … COMMIT` on one connection; any throw rolls back and is rethrown. */
  readTransaction<T>(fn: (query: PostgresqlQuery) => Promise<T>): Promise<T>
  /** The embedded database itself (PGlite admits one handle per directory: writers such as loaders share it). */
  embedded?(): Promise<import('@electric-sql/pglite').PGlite | undefined>
  close(): Promise<void>
}

/** Where a client talks to, for error messages: never holds a password. */
export interface PostgresqlEndpoint {
  /** e.g. `embedded PGlite (/home/u/.akko/postgresql)` or `postgres://app:***@db:5432/crm`. */
  readonly display: string
  /** Secrets to scrub from driver messages before they reach an error. */
  readonly secrets: readonly string[]
}

// SQLSTATE classes that mean "the database could not be reached or went away" rather than "the query is wrong".
const CONNECTION_CLASSES = ['08', '53', '57', '58']
const NODE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN', 'EPIPE'])

/**
 * Turns a driver error into CONNECTOR_ERROR naming the catalog and endpoint (password hidden), keeping the
 * SQLSTATE in `details.sqlstate`. AkkoErrors pass through unchanged.
 */
export function postgresqlWrapError(e: unknown, catalog: string, endpoint: PostgresqlEndpoint, doing: string): AkkoError {
  if (e instanceof AkkoError) return e
  let msg = e instanceof Error ? e.message : String(e)
  for (const s of endpoint.secrets) if (s) msg = msg.split(s).join('***')
  const code = (e as { code?: unknown } | null)?.code
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  const unreachable = (sqlstate !== undefined && CONNECTION_CLASSES.includes(sqlstate.slice(0, 2))) || (typeof code === 'string' && NODE_NET_CODES.has(code))
  const hint = unreachable
    ? ` Check that the database of catalog '${catalog}' is running and reachable, and its URL in the configuration.`
    : ''
  return new AkkoError('CONNECTOR_ERROR', `Catalog '${catalog}' (${endpoint.display}) failed while ${doing}: ${msg}.${hint}`, {
    catalog,
    endpoint: endpoint.display,
    ...(sqlstate ? { sqlstate } : {}),
  })
}
