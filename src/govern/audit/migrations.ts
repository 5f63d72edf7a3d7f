import type { Migration } from '../../storage/index.js'

/**
 * The audit trail's tables. `govern_audit_events` is append-only: a trigger refuses UPDATE, DELETE and
 * TRUNCATE. The one exception is the trail's own retention purge, which deletes rows older than a cut-off
 * it sets for its transaction only (`akko.audit_purge_before`); rows newer than that cut-off stay refused.
 * This guards the trail against mistakes and against every path the platform offers (SQL users never reach
 * the metastore); an owner of the database can still drop the trigger, which is why a sink can copy the
 * trail off the machine.
 *
 * Ids come from a sequence, a block per batch, taken under an advisory lock held until commit, so ids grow
 * in commit order: a reader that has seen id N has seen every stored id below N, which lets the sink resume
 * from the last id it shipped. A purge never makes ids restart; a failed write leaves a gap. Lists, the error and `details` are jsonb (same SQL on PGlite and PostgreSQL).
 * `uid` makes a retried batch whose first commit did land a no-op instead of a duplicate.
 */
const AUDIT_SQL = `
CREATE SEQUENCE govern_audit_event_ids;
CREATE TABLE govern_audit_events (
  id bigint PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  time timestamptz NOT NULL,
  kind text NOT NULL,
  actor text NOT NULL,
  outcome text NOT NULL,
  action text NOT NULL,
  source text NOT NULL,
  run_as text,
  query_id text,
  query_text text,
  catalogs jsonb,
  tables jsonb,
  rules jsonb,
  row_count bigint,
  duration_ms double precision,
  error_code text,
  error_message text,
  remote text,
  details jsonb
);
CREATE INDEX govern_audit_events_time ON govern_audit_events (time);
CREATE INDEX govern_audit_events_actor ON govern_audit_events (actor, id);
CREATE INDEX govern_audit_events_kind ON govern_audit_events (kind, id);

CREATE FUNCTION govern_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cutoff text := current_setting('akko.audit_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF cutoff IS NOT NULL AND cutoff <> '' AND OLD.time < cutoff::timestamptz THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only: % on govern_audit_events is refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER govern_audit_events_no_update_delete BEFORE UPDATE OR DELETE ON govern_audit_events
  FOR EACH ROW EXECUTE FUNCTION govern_audit_refuse_change();
CREATE TRIGGER govern_audit_events_no_truncate BEFORE TRUNCATE ON govern_audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION govern_audit_refuse_change();

CREATE TABLE govern_audit_sinks (
  sink text PRIMARY KEY,
  shipped_id bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`

/** Migrations of the audit trail; pass to `metastore.migrate` (the trail does so when it opens). */
export const AUDIT_MIGRATIONS: readonly Migration[] = Object.freeze([
  Object.freeze({ id: 'govern/010-audit', seq: 110, sql: AUDIT_SQL }),
])
