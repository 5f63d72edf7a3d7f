/**
 * What the ingestion task kinds read from `ctx.services`: the platform's table context and its PostgreSQL
 * catalogs' databases.
 * @module
 */
import { AkkoError, type Secret } from '../../core/index.js'
import type { PostgresqlClient } from '../../engine/index.js'
import type { TableContext, TableIdent } from '../../storage/index.js'
import type { TaskContext } from '../dags/index.js'
import type { PgSourceSpec } from '../postgres/index.js'

/** A PostgreSQL catalog's database as `services.postgresql(catalog)` gives it (the platform's `PostgresqlSource`). */
export interface TaskPostgresqlSource {
  readonly client: PostgresqlClient
  readonly url?: Secret
}

/** `services.tables`, or NOT_SUPPORTED naming the task. */
export function taskTables(ctx: TaskContext): TableContext {
  const tables = ctx.services.tables
  if (!tables) throw new AkkoError('NOT_SUPPORTED', `Task ${ctx.taskId} writes Iceberg tables, but the orchestrator was created without services.tables`)
  return tables
}

/**
 * The replication source: a URL given by the task, else the database behind a PostgreSQL catalog of the platform
 * (by its server URL when it has one, so rows stream with COPY; the embedded database through its client).
 */
export function taskPgSource(ctx: TaskContext, o: { readonly url?: string | Secret; readonly catalog?: string }): PgSourceSpec {
  if (o.url !== undefined) return { url: typeof o.url === 'string' ? o.url : o.url.reveal() }
  const get = ctx.services.postgresql as ((catalog?: string) => TaskPostgresqlSource) | undefined
  if (typeof get !== 'function') {
    throw new AkkoError('NOT_SUPPORTED', `Task ${ctx.taskId} reads PostgreSQL catalog ${o.catalog ?? 'postgresql'}, but the orchestrator was created without services.postgresql: give the task a url instead`)
  }
  const src = get(o.catalog ?? 'postgresql')
  return src.url ? { url: src.url.reveal() } : { client: src.client }
}

/** `namespace.table` (dots separate namespace levels) as a table identifier. */
export function tableIdentParse(target: string): TableIdent {
  const parts = target.split('.')
  if (parts.length < 2 || parts.some(p => p === '')) {
    throw new AkkoError('INVALID_ARGUMENT', `The target table must be written namespace.table (e.g. raw.orders), got ${JSON.stringify(target)}`, { target })
  }
  return { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! }
}
