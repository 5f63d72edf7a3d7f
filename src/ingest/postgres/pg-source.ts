/**
 * The PostgreSQL database replication reads from: a server by URL (through `pg`, loaded lazily: COPY streams and
 * logical replication), or an already open client of the engine's `postgresql` connector (the embedded PGlite
 * database, read with a cursor). One catalog reader for both describes a source table.
 * @module
 */
import type { Client } from 'pg'
import { AkkoError, redactUrl } from '../../core/index.js'
import type { PostgresqlClient } from '../../engine/index.js'
import { pgColumnType, type PgColumnType, type PgTypeInfo, type PgUnsupportedTypes } from './pg-types.js'

/** Where rows come from: a PostgreSQL server (`url`), or an open client such as the embedded PGlite database. */
export type PgSourceSpec =
  | { readonly url: string }
  | { readonly client: PostgresqlClient }

/** Runs one statement; every value the catalog queries below read is cast to text, so drivers agree. */
export type PgRowsQuery = (sql: string, params?: readonly unknown[]) => Promise<readonly (readonly unknown[])[]>

/** A replicated column of a source table. */
export interface PgSourceColumn {
  readonly name: string
  readonly attnum: number
  readonly typeOid: number
  readonly typmod: number
  readonly notNull: boolean
  readonly type: PgColumnType
  readonly pgType: PgTypeInfo
}

/** A source table as the replication sees it. */
export interface PgSourceTable {
  /** `schema.name`, for messages. */
  readonly display: string
  /** Quoted `"schema"."name"` for SQL. */
  readonly sql: string
  readonly schema: string
  readonly name: string
  readonly oid: number
  readonly columns: readonly PgSourceColumn[]
  /** Primary key columns (empty when there is none). */
  readonly primaryKey: readonly string[]
  /** pg_class.relreplident: d default (primary key), n nothing, f full, i index. */
  readonly replicaIdentity: 'd' | 'n' | 'f' | 'i'
  /** Columns of the replica identity index (REPLICA IDENTITY USING INDEX). */
  readonly identityIndex: readonly string[]
}

/** Quotes a PostgreSQL identifier. */
export const pgIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** Quotes a PostgreSQL string literal (standard_conforming_strings on, the default since 9.1). */
export const pgLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`

/** `schema.table` or `table` (schema `public`); quoted parts keep their case. */
export function pgTableNameParse(name: string): { schema: string; name: string } {
  const parts: string[] = []
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."\s]+))\s*(\.|$)/y
  let m: RegExpExecArray | null
  let at = 0
  while (at < name.length && (m = re.exec(name))) {
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!)
    at = re.lastIndex
    if (m[3] === '') break
  }
  if (at !== name.length || parts.length < 1 || parts.length > 2) {
    throw new AkkoError('INVALID_ARGUMENT', `'${name}' is not a PostgreSQL table name: write table or schema.table`, { table: name })
  }
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: 'public', name: parts[0]! }
}

/** A single `pg` connection to a server, its errors turned into CONNECTOR_ERROR with the password hidden. */
export async function pgServerClient(url: string, opts: { replication?: boolean; applicationName?: string } = {}): Promise<Client> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({
    connectionString: url,
    application_name: opts.applicationName ?? 'akko-replication',
    ...(opts.replication ? { replication: 'database' } : {}),
    // Fix the text output the DuckDB casts rely on, whatever the server's defaults (also for pgoutput's values).
    options: '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 -c bytea_output=hex',
  })
  // A connection dropped by the server emits 'error'; the query in flight fails with it anyway.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (e) {
    await client.end().catch(() => undefined)
    throw pgError(e, url, 'connecting')
  }
  return client
}

/** CONNECTOR_ERROR for a driver error, with the SQLSTATE in details and the URL's password hidden. */
export function pgError(e: unknown, url: string | undefined, doing: string): AkkoError {
  if (e instanceof AkkoError) return e
  let msg = e instanceof Error ? e.message : String(e)
  const where = url ? redactUrl(url) : 'the embedded PostgreSQL database'
  if (url) {
    try {
      const pw = new URL(url).password
      if (pw) msg = msg.split(pw).join('***').split(decodeURIComponent(pw)).join('***')
    } catch { /* not a URL: nothing to hide beyond redactUrl */ }
  }
  const code = (e as { code?: unknown } | null)?.code
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  return new AkkoError('CONNECTOR_ERROR', `PostgreSQL (${where}) failed while ${doing}: ${msg}`, { endpoint: where, ...(sqlstate ? { sqlstate } : {}) }, { cause: e })
}

/** A rows query on a `pg` client (arrays of values). */
export const pgClientQuery = (client: Client): PgRowsQuery => async (sql, params) => {
  const res = await client.query({ text: sql, values: params ? [...params] : [], rowMode: 'array' })
  return res.rows as unknown[][]
}

/** A rows query on an engine client. */
export const pgEngineQuery = (client: PostgresqlClient): PgRowsQuery => async (sql, params) => (await client.query(sql, params)).rows

const TABLE_SQL = `
SELECT c.oid::text, n.nspname::text, c.relname::text, c.relkind::text, c.relreplident::text,
  (SELECT to_json(array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)))::text
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = c.oid AND i.indisprimary),
  (SELECT to_json(array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)))::text
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = c.oid AND i.indisreplident)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2`

const COLUMNS_SQL = `
SELECT a.attname::text, a.attnum::text, a.atttypid::text, a.atttypmod::text, a.attnotnull::text, a.attndims::text, a.attgenerated::text
FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`

const TYPE_SQL = `
SELECT t.typname::text, t.typtype::text, format_type(t.oid, $2::int4), t.typelem::text, t.typcategory::text,
       t.typbasetype::text, t.typtypmod::text, t.typlen::text
FROM pg_type t WHERE t.oid = $1::oid`

/** Resolves PostgreSQL types by oid and typmod (domains to their base type, arrays with their element). */
export class PgTypeResolver {
  readonly #cache = new Map<string, PgTypeInfo>()
  constructor(private readonly query: PgRowsQuery) {}

  async resolve(oid: number, typmod: number, dims = 0, depth = 0): Promise<PgTypeInfo> {
    const key = `${oid}:${typmod}:${dims}`
    const hit = this.#cache.get(key)
    if (hit) return hit
    const [row] = await this.query(TYPE_SQL, [String(oid), String(typmod)])
    if (!row) throw new AkkoError('CONNECTOR_ERROR', `PostgreSQL type ${oid} does not exist (it was dropped while replicating?)`, { typeOid: oid })
    const [typname, typtype, formatted, typelem, typcategory, typbasetype, typtypmod, typlen] = row.map(v => String(v))
    let info: PgTypeInfo
    if (typtype === 'd' && depth < 10) {
      info = await this.resolve(Number(typbasetype), Number(typtypmod), dims, depth + 1)
    } else if (typcategory === 'A' && typelem !== '0' && typlen === '-1') {
      const element = await this.resolve(Number(typelem), typmod, 0, depth + 1)
      info = { typname: typname!, typtype: typtype!, formatted: formatted!, element, dims }
    } else {
      info = { typname: typname!, typtype: typtype!, formatted: formatted! }
    }
    this.#cache.set(key, info)
    return info
  }
}

/**
 * Reads a table's columns, key and replica identity from the catalog. Generated columns are left out when
 * `withGenerated` is false (logical replication does not send them). Columns whose type has no Iceberg mapping
 * fail with NOT_SUPPORTED unless `unsupported` is 'string'.
 */
export async function pgTableDescribe(
  query: PgRowsQuery,
  table: string,
  opts: { readonly unsupported?: PgUnsupportedTypes; readonly withGenerated?: boolean; readonly types?: PgTypeResolver } = {},
): Promise<PgSourceTable> {
  const { schema, name } = pgTableNameParse(table)
  const display = `${schema}.${name}`
  const [t] = await query(TABLE_SQL, [schema, name])
  if (!t) throw new AkkoError('NOT_FOUND', `Source table ${display} does not exist in the PostgreSQL database (names are case-sensitive; quote them as "Name")`, { table: display })
  const [oid, , , relkind, replident, pkJson, riJson] = t.map(v => (v === null ? null : String(v)))
  if (relkind !== 'r' && relkind !== 'p') {
    throw new AkkoError('NOT_SUPPORTED', `Source ${display} is not a table (relkind '${relkind}'); replicate a table`, { table: display })
  }
  const types = opts.types ?? new PgTypeResolver(query)
  const columns: PgSourceColumn[] = []
  for (const r of await query(COLUMNS_SQL, [oid])) {
    const [colName, attnum, typeOid, typmod, notNull, dims, generated] = r.map(v => String(v))
    if (generated && opts.withGenerated === false) continue
    const pgType = await types.resolve(Number(typeOid), Number(typmod), Number(dims))
    columns.push({
      name: colName!, attnum: Number(attnum), typeOid: Number(typeOid), typmod: Number(typmod), notNull: notNull === 'true',
      pgType, type: pgColumnType(display, colName!, pgType, opts.unsupported),
    })
  }
  return {
    display, sql: `${pgIdent(schema)}.${pgIdent(name)}`, schema, name, oid: Number(oid), columns,
    primaryKey: pkJson ? (JSON.parse(pkJson) as string[]) : [],
    replicaIdentity: (replident ?? 'd') as PgSourceTable['replicaIdentity'],
    identityIndex: riJson ? (JSON.parse(riJson) as string[]) : [],
  }
}
