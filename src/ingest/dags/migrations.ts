import type { Migration } from '../../storage/index.js'

/**
 * The orchestrator's tables. Runs are unique per (DAG, logical date), which makes scheduling, catch-up and
 * backfill idempotent under concurrent schedulers. A task instance's `owner` and `lease_expires_at` are its lease:
 * an attempt may start only when no live lease is held, and a `running` instance whose lease expired belongs to a
 * dead process and is recovered. Times come from the orchestrator's clock, not the server's, so one clock decides.
 */
const DAGS_SQL = `
CREATE TABLE ingest_dags (
  dag_id     text PRIMARY KEY,
  paused     boolean NOT NULL DEFAULT false,
  file       text,
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL
);
CREATE TABLE ingest_dag_runs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dag_id         text NOT NULL,
  run_type       text NOT NULL CHECK (run_type IN ('scheduled', 'manual', 'backfill')),
  logical_date   timestamptz NOT NULL,
  interval_start timestamptz NOT NULL,
  interval_end   timestamptz NOT NULL,
  state          text NOT NULL CHECK (state IN ('queued', 'running', 'success', 'failed')),
  conf           jsonb NOT NULL DEFAULT '{}'::jsonb,
  params         jsonb NOT NULL DEFAULT '{}'::jsonb,
  triggered_by   text,
  queued_at      timestamptz NOT NULL,
  start_date     timestamptz,
  end_date       timestamptz,
  UNIQUE (dag_id, logical_date)
);
CREATE INDEX ingest_dag_runs_state ON ingest_dag_runs (state, dag_id);
CREATE TABLE ingest_task_instances (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id             bigint NOT NULL REFERENCES ingest_dag_runs (id) ON DELETE CASCADE,
  dag_id             text NOT NULL,
  task_id            text NOT NULL,
  state              text NOT NULL CHECK (state IN ('queued', 'running', 'success', 'failed', 'up_for_retry', 'skipped', 'upstream_failed')),
  try_number         integer NOT NULL DEFAULT 0,
  max_tries          integer NOT NULL,
  retry_delay_ms     bigint NOT NULL,
  max_retry_delay_ms bigint NOT NULL,
  next_try_at        timestamptz,
  start_date         timestamptz,
  end_date           timestamptz,
  duration_ms        bigint,
  value              jsonb,
  error              text,
  owner              text,
  lease_expires_at   timestamptz,
  UNIQUE (run_id, task_id)
);
CREATE INDEX ingest_task_instances_state ON ingest_task_instances (state);
CREATE TABLE ingest_task_attempts (
  task_instance_id bigint NOT NULL REFERENCES ingest_task_instances (id) ON DELETE CASCADE,
  attempt          integer NOT NULL,
  state            text NOT NULL CHECK (state IN ('running', 'success', 'failed', 'skipped')),
  owner            text NOT NULL,
  start_date       timestamptz NOT NULL,
  end_date         timestamptz,
  duration_ms      bigint,
  error            text,
  PRIMARY KEY (task_instance_id, attempt)
);
CREATE TABLE ingest_task_logs (
  task_instance_id bigint NOT NULL REFERENCES ingest_task_instances (id) ON DELETE CASCADE,
  attempt          integer NOT NULL,
  seq              integer NOT NULL,
  ts               timestamptz NOT NULL,
  level            text NOT NULL,
  message          text NOT NULL,
  PRIMARY KEY (task_instance_id, attempt, seq)
);
`

/** Migrations of the orchestrator's state; `orchestratorCreate` applies them. */
export const DAGS_MIGRATIONS: readonly Migration[] = Object.freeze([
  Object.freeze({ id: 'ingest/001-dags', seq: 200, sql: DAGS_SQL }),
])
