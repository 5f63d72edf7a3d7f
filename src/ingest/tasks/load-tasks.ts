/**
 * The file and HTTP load task kinds: `loadFiles` and `loadHttpJson` on the platform's tables, each load one
 * Iceberg commit. A rerun appends again: give a load task its own files (or API window) per data interval,
 * e.g. `files: ctx => [`/landing/${ctx.logicalDate.toISOString().slice(0, 10)}.csv`]`.
 * @module
 */
import type { Json, TaskContext, TaskDefinition, TaskPolicy, TriggerRule } from '../dags/index.js'
import { loadFiles, loadHttpJson, type LoadFilesOptions, type LoadHttpJsonOptions, type LoadReport } from '../loaders/index.js'
import { taskTables } from './task-services.js'

interface LoadTaskCommon extends TaskPolicy {
  readonly id: string
  readonly dependsOn?: readonly string[]
  readonly triggerRule?: TriggerRule
  readonly description?: string
}

/** Options of {@link loadFilesTask}: those of `loadFiles`; `files` may depend on the run. */
export interface LoadFilesTaskOptions extends LoadTaskCommon, Omit<LoadFilesOptions, 'signal' | 'files'> {
  readonly files: readonly string[] | ((ctx: TaskContext) => readonly string[] | Promise<readonly string[]>)
}

/** Options of {@link loadHttpTask}: those of `loadHttpJson`; `url` may depend on the run. */
export interface LoadHttpTaskOptions extends LoadTaskCommon, Omit<LoadHttpJsonOptions, 'signal' | 'url'> {
  readonly url: string | ((ctx: TaskContext) => string | Promise<string>)
}

/** What a load task returns: the load report, snapshot id as a string, bad rows counted (and the first 10 listed). */
export type LoadTaskValue = { readonly [key: string]: Json }

/** A task loading CSV, JSON lines or Parquet files into an Iceberg table. */
export function loadFilesTask(o: LoadFilesTaskOptions): TaskDefinition {
  const { id, dependsOn, triggerRule, description, retries, retryDelayMs, maxRetryDelayMs, timeoutMs, files, ...load } = o
  return {
    id, description: description ?? `Load files into ${String(typeof load.table === 'string' ? load.table : [...load.table.namespace, load.table.name].join('.'))}`,
    ...policy({ dependsOn, triggerRule, retries, retryDelayMs, maxRetryDelayMs, timeoutMs }),
    async run(ctx) {
      const list = typeof files === 'function' ? await files(ctx) : files
      const r = await loadFiles(taskTables(ctx), { ...load, files: list, signal: ctx.signal })
      ctx.log.info(`${r.table}: ${r.rows} rows from ${r.files ?? list.length} files${r.badRowCount ? `, ${r.badRowCount} bad rows left out` : ''}`)
      return reportValue(r)
    },
  }
}

/** A task loading the records of a paginated HTTP JSON API into an Iceberg table. */
export function loadHttpTask(o: LoadHttpTaskOptions): TaskDefinition {
  const { id, dependsOn, triggerRule, description, retries, retryDelayMs, maxRetryDelayMs, timeoutMs, url, ...load } = o
  return {
    id, description: description ?? 'Load an HTTP JSON API into an Iceberg table',
    ...policy({ dependsOn, triggerRule, retries, retryDelayMs, maxRetryDelayMs, timeoutMs }),
    async run(ctx) {
      const first = typeof url === 'function' ? await url(ctx) : url
      const r = await loadHttpJson(taskTables(ctx), { ...load, url: first, signal: ctx.signal })
      ctx.log.info(`${r.table}: ${r.rows} rows from ${r.pages ?? 0} pages${r.truncated ? ' (stopped at maxPages)' : ''}${r.badRowCount ? `, ${r.badRowCount} bad rows left out` : ''}`)
      return reportValue(r)
    },
  }
}

/** The settings given, without undefined entries (a task's own undefined would hide the DAG's defaults). */
function policy(p: Record<string, unknown>): Partial<TaskDefinition> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Partial<TaskDefinition>
}

function reportValue(r: LoadReport): LoadTaskValue {
  return {
    table: r.table, rows: r.rows, created: r.created,
    ...(r.files !== undefined ? { files: r.files } : {}),
    ...(r.pages !== undefined ? { pages: r.pages, truncated: r.truncated ?? false } : {}),
    snapshotId: r.snapshotId === undefined ? null : String(r.snapshotId),
    badRowCount: r.badRowCount,
    badRows: r.badRows.slice(0, 10).map(b => ({ ...b }) as { [key: string]: Json }),
    ignoredColumns: [...r.ignoredColumns],
  }
}
