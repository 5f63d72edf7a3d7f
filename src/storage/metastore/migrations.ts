import { AkkoError } from '../../core/index.js'
import type { Migration, SqlClient } from './metastore.js'

/**
 * Arbitrary but fixed key of the advisory lock that serializes migrations across processes sharing one
 * PostgreSQL database (the bytes of "akkomigr"). PGlite is single-process; taking it there is harmless.
 */
const MIGRATION_LOCK_KEY = '7020098474498541426'

/**
 * The catalog tables. Namespaces and table names are text arrays/strings in the "C" collation so that
 * comparisons are case-sensitive byte comparisons and listing order is the same on every server.
 * Foreign keys back up the checks in sql-metastore.ts under concurrency: a table cannot outlive its
 * namespace, a namespace cannot outlive its parent.
 */
const CATALOG_SQL = `
CREATE TABLE akko_namespaces (
  namespace  text[] COLLATE "C" PRIMARY KEY,
  parent     text[] COLLATE "C" REFERENCES akko_namespaces (namespace),
  properties jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX akko_namespaces_parent ON akko_namespaces (parent);
CREATE TABLE akko_tables (
  namespace         text[] COLLATE "C" NOT NULL REFERENCES akko_namespaces (namespace),
  name              text COLLATE "C" NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('table', 'view')),
  metadata_location text NOT NULL,
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name)
);
`

/** The storage layer's migrations; later layers append theirs and pass the whole list to `migrate`. */
export const STORAGE_MIGRATIONS: readonly Migration[] = Object.freeze([
  Object.freeze({ id: 'storage/001-catalog', seq: 1, sql: CATALOG_SQL }),
])

/**
 * Applies the migrations of `list` not yet recorded in `akko_schema_migrations`, ordered by seq then id,
 * all in one transaction, and returns the ids applied (empty when up to date). Concurrent callers on one
 * server wait on an advisory lock, so each migration is applied exactly once.
 */
export async function migrationsApply(sql: SqlClient, list: readonly Migration[]): Promise<string[]> {
  const ordered = migrationsOrder(list)
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`)
    await tx.query(`CREATE TABLE IF NOT EXISTS akko_schema_migrations (
      id text PRIMARY KEY, seq integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await tx.query<{ id: string }>('SELECT id FROM akko_schema_migrations')).rows.map((r) => r.id))
    const applied: string[] = []
    for (const m of ordered) {
      if (done.has(m.id)) continue
      try {
        await tx.query(m.sql)
      } catch (e) {
        throw new AkkoError('METASTORE_ERROR', `Migration ${m.id} failed: ${(e as Error).message}`, { migration: m.id }, { cause: e })
      }
      await tx.query('INSERT INTO akko_schema_migrations (id, seq) VALUES ($1, $2)', [m.id, m.seq])
      applied.push(m.id)
    }
    return applied
  })
}

/** Validates and orders a migration list; duplicate ids are a programming error caught at start-up. */
export function migrationsOrder(list: readonly Migration[]): Migration[] {
  const seen = new Set<string>()
  for (const m of list) {
    if (!m.id || !Number.isInteger(m.seq)) throw new AkkoError('INVALID_ARGUMENT', `Migration ${JSON.stringify(m.id)} needs a non-empty id and an integer seq`, { migration: m.id })
    if (seen.has(m.id)) throw new AkkoError('INVALID_ARGUMENT', `Migration id ${m.id} is registered twice`, { migration: m.id })
    seen.add(m.id)
  }
  return [...list].sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
