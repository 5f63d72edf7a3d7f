/**
 * The replication task kind: one PostgreSQL table into one Iceberg table per run (batch replication, full or
 * incremental by watermark). The source is a PostgreSQL catalog of the platform (`postgresql` by default) or a
 * server URL. Reruns are safe: the watermark lives in the table's snapshot summary, committed with the rows.
 * @module
 */
import type { Secret } from '../../core/index.js'
import type { TaskDefinition, TaskPolicy, TriggerRule } from '../dags/index.js'
import { replicateBatch, type PgUnsupportedTypes } from '../postgres/index.js'
import { tableIdentParse, taskPgSource, taskTables } from './task-services.js'

export interface ReplicateTaskOptions extends TaskPolicy {
  readonly id: string
  /** The PostgreSQL catalog whose database is read (default `postgresql`); ignored when `url` is given. */
  readonly catalog?: string
  /** A PostgreSQL server to read instead of a catalog's database. */
  readonly url?: string | Secret
  /** Source table: `table` (schema public) or `schema.table`. */
  readonly table: string
  /** Target Iceberg table, `namespace.table`; created (with its namespace) when missing. */
  readonly target: string
  readonly mode: 'full' | 'incremental'
  /** Column growing with every change (`updated_at`, a serial id); required for `incremental`. */
  readonly watermarkColumn?: string
  /** Columns rows are merged by (default: the source's primary key). */
  readonly keyColumns?: readonly string[]
  readonly unsupportedTypes?: PgUnsupportedTypes
  readonly dependsOn?: readonly string[]
  readonly triggerRule?: TriggerRule
  readonly description?: string
}

/** What a replication task returns (and downstream tasks pull). Snapshot ids are strings: they exceed 2^53. */
export interface ReplicateTaskValue {
  readonly [key: string]: string | number | boolean | null
  readonly table: string
  readonly target: string
  readonly committed: boolean
  readonly strategy: string
  readonly rowsRead: number
  readonly rowsWritten: number
  readonly snapshotId: string | null
  readonly watermark: string | null
  readonly previousWatermark: string | null
  readonly durationMs: number
}

/** A task replicating `table` into `target`. */
export function replicateTask(o: ReplicateTaskOptions): TaskDefinition {
  const { catalog, url, table, target, mode, watermarkColumn, keyColumns, unsupportedTypes, ...rest } = o
  const ident = tableIdentParse(target)
  return {
    description: `Replicate PostgreSQL ${table} into ${target} (${mode})`,
    ...rest,
    async run(ctx): Promise<ReplicateTaskValue> {
      const r = await replicateBatch({
        tables: taskTables(ctx), source: taskPgSource(ctx, { url, catalog }), table, target: ident, mode, signal: ctx.signal,
        ...(watermarkColumn !== undefined ? { watermarkColumn } : {}),
        ...(keyColumns !== undefined ? { keyColumns } : {}),
        ...(unsupportedTypes !== undefined ? { unsupportedTypes } : {}),
      })
      ctx.log.info(r.committed
        ? `${table} → ${target}: ${r.strategy}, ${r.rowsRead} rows read, ${r.rowsWritten} written${r.watermark !== undefined ? `, watermark ${r.watermark}` : ''}`
        : `${table} → ${target}: no change`)
      return {
        table, target, committed: r.committed, strategy: r.strategy, rowsRead: r.rowsRead, rowsWritten: r.rowsWritten,
        snapshotId: r.snapshotId === undefined ? null : String(r.snapshotId),
        watermark: r.watermark ?? null, previousWatermark: r.previousWatermark ?? null, durationMs: r.durationMs,
      }
    },
  }
}
