/**
 * The SQL task kind: runs one statement on the platform's engine (`ctx.services.engine`) in Trino's dialect. The
 * text may name the run's dates as `{{ ds }}` (logical date, YYYY-MM-DD in UTC), `{{ ds_nodash }}`,
 * `{{ logical_date }}`, `{{ data_interval_start }}` and `{{ data_interval_end }}` (ISO-8601 UTC), so a rerun of
 * the same interval processes the same data. Anything else (parameters, values of upstream tasks) goes through
 * the function form `sql: ctx => …`, where the author quotes what they insert.
 */
import { AkkoError } from '../../core/index.js'
import type { Session } from '../../engine/index.js'
import type { TaskContext, TaskDefinition, TaskPolicy, TriggerRule } from './dag.js'
import type { Json } from './types.js'

export interface SqlTaskOptions extends TaskPolicy {
  readonly id: string
  readonly sql: string | ((ctx: TaskContext) => string | Promise<string>)
  readonly dependsOn?: readonly string[]
  readonly triggerRule?: TriggerRule
  readonly description?: string
  /**
   * The user the statement runs as, and its roles for the access rules: by default the pipelines' service
   * account `akko-dags` with role `akko-engineer` (DAG files are code the operator installed, as in Airflow).
   */
  readonly user?: string
  readonly roles?: readonly string[]
  readonly catalog?: string
  readonly schema?: string
  /** Rows of a query kept as the task's value (default 100; the rest are counted only). */
  readonly maxRows?: number
}

/** What a SQL task returns (and downstream tasks pull). */
export interface SqlTaskValue {
  readonly [key: string]: Json
  readonly columns: string[]
  readonly rows: Json[][]
  readonly rowCount: number
  readonly updateType: string | null
  readonly updateCount: number | null
}

/** Who DAG tasks act as unless they say otherwise. */
export const DAG_IDENTITY = Object.freeze({ user: 'akko-dags', roles: Object.freeze(['akko-engineer']), groups: Object.freeze([] as string[]) })

/** A task running one SQL statement on the engine the orchestrator was given. */
export function sqlTask(o: SqlTaskOptions): TaskDefinition {
  const { sql, user, roles, catalog, schema, maxRows = 100, ...rest } = o
  return {
    ...rest,
    async run(ctx): Promise<SqlTaskValue> {
      const engine = ctx.services.engine
      if (!engine) throw new AkkoError('NOT_SUPPORTED', `Task ${ctx.taskId} runs SQL, but the orchestrator was created without an engine (services.engine)`)
      const text = sqlTemplate(typeof sql === 'function' ? await sql(ctx) : sql, ctx)
      const session: Session = { ...DAG_IDENTITY, ...(user ? { user } : {}), ...(roles ? { roles } : {}), catalog, schema, properties: {}, preparedStatements: {}, source: `akko-dags:${ctx.dagId}`, auditSource: 'dag' }
      ctx.log.info(`running SQL: ${text}`)
      const r = await engine.execute(text, session, { signal: ctx.signal })
      const rows: Json[][] = []
      let rowCount = 0
      for await (const batch of r.rows) {
        for (const row of batch) {
          if (rows.length < maxRows) rows.push(row as Json[])
          rowCount++
        }
      }
      ctx.log.info(r.updateType ? `${r.updateType}${r.updateCount !== undefined ? `: ${r.updateCount} rows` : ''}` : `${rowCount} rows`)
      return { columns: r.columns.map(c => c.name), rows, rowCount, updateType: r.updateType ?? null, updateCount: r.updateCount ?? null }
    },
  }
}

/** Replaces the date placeholders of a SQL text; an unknown `{{ … }}` is an error rather than left in the SQL. */
export function sqlTemplate(text: string, ctx: Pick<TaskContext, 'logicalDate' | 'dataInterval'>): string {
  const iso = (d: Date): string => d.toISOString()
  const ds = iso(ctx.logicalDate).slice(0, 10)
  const values: Record<string, string> = {
    ds,
    ds_nodash: ds.replace(/-/g, ''),
    logical_date: iso(ctx.logicalDate),
    data_interval_start: iso(ctx.dataInterval.start),
    data_interval_end: iso(ctx.dataInterval.end),
  }
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g, (_m, name: string) => {
    const v = values[name]
    if (v === undefined) throw new AkkoError('INVALID_ARGUMENT', `Unknown placeholder {{ ${name} }} in SQL; known: ${Object.keys(values).join(', ')} (use sql: ctx => … for anything else)`)
    return v
  })
}
