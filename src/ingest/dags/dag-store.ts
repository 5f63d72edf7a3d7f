/**
 * Every statement the orchestrator runs on the metastore. State changes are conditional updates (`WHERE state = …
 * AND owner = …`), so two orchestrators sharing a PostgreSQL metastore never both start, finish or recover the
 * same task instance: the loser's update matches no row.
 */
import type { SqlClient } from '../../storage/index.js'
import type { AttemptState, DagRun, DataInterval, Json, JsonObject, LogLevel, LogLine, RunState, RunType, TaskAttempt, TaskInstance, TaskState } from './types.js'

type Row = Record<string, unknown>

/** A task instance with the retry settings recorded when its run was created. */
export interface StoredTaskInstance extends TaskInstance {
  readonly retryDelayMs: number
  readonly maxRetryDelayMs: number
  readonly leaseExpiresAt: Date | null
}

export interface RunCreate {
  readonly dagId: string
  readonly runType: RunType
  readonly logicalDate: Date
  readonly interval: DataInterval
  readonly conf: JsonObject
  readonly params: JsonObject
  readonly triggeredBy: string | null
  readonly now: Date
  readonly tasks: ReadonlyArray<{ readonly taskId: string; readonly maxTries: number; readonly retryDelayMs: number; readonly maxRetryDelayMs: number }>
}

/** How an attempt ended, as written to its task instance. */
export interface AttemptFinish {
  readonly state: 'success' | 'skipped' | 'failed' | 'up_for_retry'
  readonly value?: Json
  readonly error?: string
  readonly nextTryAt?: Date
  /** False while the attempt's function still runs after a timeout: the lease stays held until it returns. */
  readonly releaseLease: boolean
}

export interface NewLogLine {
  readonly ts: Date
  readonly level: LogLevel
  readonly message: string
}

const RUN_COLUMNS = 'id, dag_id, run_type, logical_date, interval_start, interval_end, state, conf, params, triggered_by, queued_at, start_date, end_date'
const TI_COLUMNS = 'id, run_id, dag_id, task_id, state, try_number, max_tries, retry_delay_ms, max_retry_delay_ms, next_try_at, start_date, end_date, duration_ms, error, owner, lease_expires_at'

export class DagStore {
  constructor(private readonly sql: SqlClient) {}

  /** Records a DAG the first time it is seen (paused or not, as its definition says); later calls refresh it. */
  async dagUpsert(dagId: string, file: string | null, pausedInitially: boolean, now: Date): Promise<void> {
    await this.sql.query(
      `INSERT INTO ingest_dags (dag_id, paused, file, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (dag_id) DO UPDATE SET file = EXCLUDED.file, last_seen = EXCLUDED.last_seen`,
      [dagId, pausedInitially, file, now],
    )
  }

  async dagsPaused(): Promise<Map<string, boolean>> {
    const { rows } = await this.sql.query<{ dag_id: string; paused: boolean }>('SELECT dag_id, paused FROM ingest_dags')
    return new Map(rows.map(r => [r.dag_id, r.paused]))
  }

  /** False when the DAG was never recorded. */
  async dagSetPaused(dagId: string, paused: boolean): Promise<boolean> {
    const { rows } = await this.sql.query('UPDATE ingest_dags SET paused = $2 WHERE dag_id = $1 RETURNING dag_id', [dagId, paused])
    return rows.length > 0
  }

  /** Inserts a run and its task instances; undefined when the DAG already has a run at that logical date. */
  async runCreate(r: RunCreate): Promise<DagRun | undefined> {
    return this.sql.transaction(async tx => {
      const { rows } = await tx.query<Row>(
        `INSERT INTO ingest_dag_runs (dag_id, run_type, logical_date, interval_start, interval_end, state, conf, params, triggered_by, queued_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9)
         ON CONFLICT (dag_id, logical_date) DO NOTHING RETURNING ${RUN_COLUMNS}`,
        [r.dagId, r.runType, r.logicalDate, r.interval.start, r.interval.end, JSON.stringify(r.conf), JSON.stringify(r.params), r.triggeredBy, r.now],
      )
      if (!rows[0]) return undefined
      const run = runFrom(rows[0])
      for (const t of r.tasks) {
        await tx.query(
          `INSERT INTO ingest_task_instances (run_id, dag_id, task_id, state, max_tries, retry_delay_ms, max_retry_delay_ms)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6)`,
          [run.id, r.dagId, t.taskId, t.maxTries, Math.round(t.retryDelayMs), Math.round(t.maxRetryDelayMs)],
        )
      }
      return run
    })
  }

  async runGet(id: number): Promise<DagRun | undefined> {
    const { rows } = await this.sql.query<Row>(`SELECT ${RUN_COLUMNS} FROM ingest_dag_runs WHERE id = $1`, [id])
    return rows[0] ? runFrom(rows[0]) : undefined
  }

  /** A DAG's runs, latest logical date first. */
  async runsList(dagId: string, limit: number): Promise<DagRun[]> {
    const { rows } = await this.sql.query<Row>(`SELECT ${RUN_COLUMNS} FROM ingest_dag_runs WHERE dag_id = $1 ORDER BY logical_date DESC LIMIT $2`, [dagId, limit])
    return rows.map(runFrom)
  }

  async runsInState(state: RunState): Promise<DagRun[]> {
    const { rows } = await this.sql.query<Row>(`SELECT ${RUN_COLUMNS} FROM ingest_dag_runs WHERE state = $1 ORDER BY logical_date`, [state])
    return rows.map(runFrom)
  }

  /** DAG ids with queued runs. */
  async dagsWithQueuedRuns(): Promise<string[]> {
    const { rows } = await this.sql.query<{ dag_id: string }>("SELECT DISTINCT dag_id FROM ingest_dag_runs WHERE state = 'queued'")
    return rows.map(r => r.dag_id)
  }

  /**
   * Moves the DAG's oldest queued runs to running while fewer than `maxActive` run. The DAG's row is locked for
   * the decision, so concurrent schedulers never exceed the limit together.
   */
  async runsStart(dagId: string, maxActive: number, now: Date): Promise<number[]> {
    return this.sql.transaction(async tx => {
      await tx.query('SELECT dag_id FROM ingest_dags WHERE dag_id = $1 FOR UPDATE', [dagId])
      const { rows: active } = await tx.query<{ n: unknown }>("SELECT count(*) AS n FROM ingest_dag_runs WHERE dag_id = $1 AND state = 'running'", [dagId])
      const free = maxActive - Number(active[0]?.n ?? 0)
      if (free <= 0) return []
      const { rows } = await tx.query<{ id: unknown }>(
        `UPDATE ingest_dag_runs SET state = 'running', start_date = COALESCE(start_date, $3)
         WHERE id IN (SELECT id FROM ingest_dag_runs WHERE dag_id = $1 AND state = 'queued' ORDER BY logical_date LIMIT $2)
         RETURNING id`,
        [dagId, free, now],
      )
      return rows.map(r => Number(r.id))
    })
  }

  /** Finishes a running run, unless one of its task instances is (again) unfinished, e.g. cleared meanwhile. */
  async runFinish(id: number, state: 'success' | 'failed', now: Date): Promise<boolean> {
    const { rows } = await this.sql.query(
      `UPDATE ingest_dag_runs SET state = $2, end_date = $3 WHERE id = $1 AND state = 'running'
         AND NOT EXISTS (SELECT 1 FROM ingest_task_instances WHERE run_id = $1 AND state IN ('queued', 'running', 'up_for_retry'))
       RETURNING id`,
      [id, state, now],
    )
    return rows.length > 0
  }

  /** The end of the DAG's latest scheduled interval: where the scheduler continues from. */
  async lastScheduledEnd(dagId: string): Promise<Date | undefined> {
    const { rows } = await this.sql.query<{ e: Date | null }>("SELECT max(interval_end) AS e FROM ingest_dag_runs WHERE dag_id = $1 AND run_type = 'scheduled'", [dagId])
    return rows[0]?.e ? new Date(rows[0].e) : undefined
  }

  /** Logical dates the DAG already has runs for, among `dates`. */
  async existingLogicalDates(dagId: string, from: Date, to: Date): Promise<Set<number>> {
    const { rows } = await this.sql.query<{ d: Date }>('SELECT logical_date AS d FROM ingest_dag_runs WHERE dag_id = $1 AND logical_date BETWEEN $2 AND $3', [dagId, from, to])
    return new Set(rows.map(r => new Date(r.d).getTime()))
  }

  async tasksOfRuns(runIds: readonly number[]): Promise<StoredTaskInstance[]> {
    if (!runIds.length) return []
    const { rows } = await this.sql.query<Row>(`SELECT ${TI_COLUMNS} FROM ingest_task_instances WHERE run_id = ANY($1::bigint[]) ORDER BY id`, [runIds])
    return rows.map(tiFrom)
  }

  async taskGet(id: number): Promise<StoredTaskInstance | undefined> {
    const { rows } = await this.sql.query<Row>(`SELECT ${TI_COLUMNS} FROM ingest_task_instances WHERE id = $1`, [id])
    return rows[0] ? tiFrom(rows[0]) : undefined
  }

  /** Sets a queued instance skipped, upstream_failed or failed (with why) without running it. */
  async taskResolve(id: number, state: 'skipped' | 'upstream_failed' | 'failed', now: Date, error: string | null = null): Promise<boolean> {
    const { rows } = await this.sql.query("UPDATE ingest_task_instances SET state = $2, end_date = $3, error = $4 WHERE id = $1 AND state = 'queued' RETURNING id", [id, state, now, error])
    return rows.length > 0
  }

  /**
   * Starts the next attempt: only if the instance is still in `from` and nobody holds a live lease on it. Returns
   * the attempt number, or undefined when another orchestrator (or an earlier attempt still running) has it.
   */
  async taskClaim(id: number, from: 'queued' | 'up_for_retry', owner: string, now: Date, leaseUntil: Date): Promise<number | undefined> {
    return this.sql.transaction(async tx => {
      const { rows } = await tx.query<{ try_number: number }>(
        `UPDATE ingest_task_instances
         SET state = 'running', try_number = try_number + 1, owner = $3, lease_expires_at = $5,
             start_date = $4, end_date = NULL, duration_ms = NULL, next_try_at = NULL, error = NULL, value = NULL
         WHERE id = $1 AND state = $2 AND (lease_expires_at IS NULL OR lease_expires_at < $4)
         RETURNING try_number`,
        [id, from, owner, now, leaseUntil],
      )
      const attempt = rows[0]?.try_number
      if (attempt === undefined) return undefined
      await tx.query(
        `INSERT INTO ingest_task_attempts (task_instance_id, attempt, state, owner, start_date) VALUES ($1, $2, 'running', $3, $4)
         ON CONFLICT (task_instance_id, attempt) DO UPDATE SET state = 'running', owner = $3, start_date = $4, end_date = NULL, duration_ms = NULL, error = NULL`,
        [id, attempt, owner, now],
      )
      return attempt
    })
  }

  /** Extends the lease; false when `owner` no longer holds it (another orchestrator recovered the instance). */
  async taskHeartbeat(id: number, owner: string, leaseUntil: Date): Promise<boolean> {
    const { rows } = await this.sql.query('UPDATE ingest_task_instances SET lease_expires_at = $3 WHERE id = $1 AND owner = $2 RETURNING id', [id, owner, leaseUntil])
    return rows.length > 0
  }

  /** Records an attempt's end; false when the attempt no longer holds the instance (its lease was lost). */
  async taskFinish(id: number, owner: string, attempt: number, f: AttemptFinish, startDate: Date, now: Date): Promise<boolean> {
    const durationMs = now.getTime() - startDate.getTime()
    const attemptState: AttemptState = f.state === 'up_for_retry' ? 'failed' : f.state
    return this.sql.transaction(async tx => {
      const { rows } = await tx.query(
        `UPDATE ingest_task_instances
         SET state = $4, value = $5, error = $6, next_try_at = $7, end_date = $8, duration_ms = $9,
             owner = CASE WHEN $10 THEN NULL ELSE owner END, lease_expires_at = CASE WHEN $10 THEN NULL ELSE lease_expires_at END
         WHERE id = $1 AND owner = $2 AND try_number = $3 AND state = 'running' RETURNING id`,
        [id, owner, attempt, f.state, f.value === undefined ? null : JSON.stringify(f.value), f.error ?? null, f.nextTryAt ?? null, now, durationMs, f.releaseLease],
      )
      if (!rows.length) return false
      await tx.query(
        'UPDATE ingest_task_attempts SET state = $3, end_date = $4, duration_ms = $5, error = $6 WHERE task_instance_id = $1 AND attempt = $2',
        [id, attempt, attemptState, now, durationMs, f.error ?? null],
      )
      return true
    })
  }

  /** Gives up the lease kept after a timed-out attempt once its function has returned. */
  async taskRelease(id: number, owner: string): Promise<void> {
    await this.sql.query('UPDATE ingest_task_instances SET owner = NULL, lease_expires_at = NULL WHERE id = $1 AND owner = $2', [id, owner])
  }

  /** Running instances whose lease has expired: their orchestrator died or stopped heartbeating. */
  async tasksExpired(now: Date): Promise<StoredTaskInstance[]> {
    const { rows } = await this.sql.query<Row>(`SELECT ${TI_COLUMNS} FROM ingest_task_instances WHERE state = 'running' AND lease_expires_at < $1`, [now])
    return rows.map(tiFrom)
  }

  /**
   * Fails the lost attempt of an expired instance and sets it up for retry (or failed when no attempt remains),
   * only if it is still the same attempt under the same expired lease.
   */
  async taskRecover(ti: StoredTaskInstance, state: 'up_for_retry' | 'failed', error: string, nextTryAt: Date | null, now: Date): Promise<boolean> {
    return this.sql.transaction(async tx => {
      const { rows } = await tx.query(
        `UPDATE ingest_task_instances
         SET state = $4, error = $5, next_try_at = $6, end_date = $7, owner = NULL, lease_expires_at = NULL,
             duration_ms = CASE WHEN start_date IS NULL THEN NULL ELSE (EXTRACT(EPOCH FROM ($7::timestamptz - start_date)) * 1000)::bigint END
         WHERE id = $1 AND state = 'running' AND owner = $2 AND try_number = $3 AND lease_expires_at < $7 RETURNING id`,
        [ti.id, ti.owner, ti.tryNumber, state, error, nextTryAt, now],
      )
      if (!rows.length) return false
      await tx.query(
        `UPDATE ingest_task_attempts SET state = 'failed', end_date = $3, error = $4,
           duration_ms = (EXTRACT(EPOCH FROM ($3::timestamptz - start_date)) * 1000)::bigint
         WHERE task_instance_id = $1 AND attempt = $2`,
        [ti.id, ti.tryNumber, now, error],
      )
      await this.logsAppendTx(tx, ti.id, ti.tryNumber, [{ ts: now, level: 'error', message: error }])
      return true
    })
  }

  /** The values of the given tasks of a run that succeeded. */
  async values(runId: number, taskIds: readonly string[]): Promise<Map<string, Json>> {
    if (!taskIds.length) return new Map()
    const { rows } = await this.sql.query<{ task_id: string; value: Json }>(
      "SELECT task_id, value FROM ingest_task_instances WHERE run_id = $1 AND task_id = ANY($2::text[]) AND state = 'success' AND value IS NOT NULL",
      [runId, taskIds],
    )
    return new Map(rows.map(r => [r.task_id, r.value]))
  }

  async attempts(taskInstanceId: number): Promise<TaskAttempt[]> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM ingest_task_attempts WHERE task_instance_id = $1 ORDER BY attempt', [taskInstanceId])
    return rows.map(r => ({
      taskInstanceId: Number(r.task_instance_id),
      attempt: Number(r.attempt),
      state: r.state as AttemptState,
      owner: String(r.owner),
      startDate: new Date(r.start_date as Date),
      endDate: dateOrNull(r.end_date),
      durationMs: numOrNull(r.duration_ms),
      error: (r.error as string | null) ?? null,
    }))
  }

  async logs(taskInstanceId: number, attempt: number): Promise<LogLine[]> {
    const { rows } = await this.sql.query<Row>('SELECT seq, ts, level, message FROM ingest_task_logs WHERE task_instance_id = $1 AND attempt = $2 ORDER BY seq', [taskInstanceId, attempt])
    return rows.map(r => ({ seq: Number(r.seq), ts: new Date(r.ts as Date), level: r.level as LogLevel, message: String(r.message) }))
  }

  async logsAppend(taskInstanceId: number, attempt: number, lines: readonly NewLogLine[]): Promise<void> {
    if (!lines.length) return
    await this.sql.transaction(tx => this.logsAppendTx(tx, taskInstanceId, attempt, lines))
  }

  private async logsAppendTx(tx: SqlClient, taskInstanceId: number, attempt: number, lines: readonly NewLogLine[]): Promise<void> {
    const { rows } = await tx.query<{ n: unknown }>('SELECT COALESCE(max(seq), 0) AS n FROM ingest_task_logs WHERE task_instance_id = $1 AND attempt = $2', [taskInstanceId, attempt])
    let seq = Number(rows[0]?.n ?? 0)
    for (const l of lines) {
      await tx.query('INSERT INTO ingest_task_logs (task_instance_id, attempt, seq, ts, level, message) VALUES ($1, $2, $3, $4, $5, $6)', [taskInstanceId, attempt, ++seq, l.ts, l.level, l.message])
    }
  }

  /**
   * Clears task instances of a run so they run again: back to queued with `tries` more attempts allowed, their
   * values and errors dropped (attempt history and logs stay). The run goes back to queued if it had finished.
   * Refuses (returns undefined) when one of them is running.
   */
  async clear(runId: number, tasks: ReadonlyArray<{ readonly taskId: string; readonly tries: number }>): Promise<StoredTaskInstance[] | undefined> {
    return this.sql.transaction(async tx => {
      const ids = tasks.map(t => t.taskId)
      const { rows: running } = await tx.query("SELECT id FROM ingest_task_instances WHERE run_id = $1 AND task_id = ANY($2::text[]) AND state = 'running'", [runId, ids])
      if (running.length) return undefined
      const out: StoredTaskInstance[] = []
      for (const t of tasks) {
        const { rows } = await tx.query<Row>(
          `UPDATE ingest_task_instances
           SET state = 'queued', max_tries = try_number + $3, value = NULL, error = NULL, next_try_at = NULL, end_date = NULL, duration_ms = NULL
           WHERE run_id = $1 AND task_id = $2 RETURNING ${TI_COLUMNS}`,
          [runId, t.taskId, t.tries],
        )
        if (rows[0]) out.push(tiFrom(rows[0]))
      }
      await tx.query("UPDATE ingest_dag_runs SET state = 'queued', end_date = NULL WHERE id = $1 AND state IN ('success', 'failed')", [runId])
      return out
    })
  }
}

function runFrom(r: Row): DagRun {
  return {
    id: Number(r.id),
    dagId: String(r.dag_id),
    runType: r.run_type as RunType,
    logicalDate: new Date(r.logical_date as Date),
    dataInterval: { start: new Date(r.interval_start as Date), end: new Date(r.interval_end as Date) },
    state: r.state as RunState,
    conf: (r.conf ?? {}) as JsonObject,
    params: (r.params ?? {}) as JsonObject,
    triggeredBy: (r.triggered_by as string | null) ?? null,
    queuedAt: new Date(r.queued_at as Date),
    startDate: dateOrNull(r.start_date),
    endDate: dateOrNull(r.end_date),
  }
}

function tiFrom(r: Row): StoredTaskInstance {
  return {
    id: Number(r.id),
    runId: Number(r.run_id),
    dagId: String(r.dag_id),
    taskId: String(r.task_id),
    state: r.state as TaskState,
    tryNumber: Number(r.try_number),
    maxTries: Number(r.max_tries),
    nextTryAt: dateOrNull(r.next_try_at),
    startDate: dateOrNull(r.start_date),
    endDate: dateOrNull(r.end_date),
    durationMs: numOrNull(r.duration_ms),
    error: (r.error as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
    retryDelayMs: Number(r.retry_delay_ms),
    maxRetryDelayMs: Number(r.max_retry_delay_ms),
    leaseExpiresAt: dateOrNull(r.lease_expires_at),
  }
}

const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as Date))
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
