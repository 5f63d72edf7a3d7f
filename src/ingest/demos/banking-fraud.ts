/**
 * The DAG `akko_banking_fraud_demo`, AKKO's flagship flow: seed synthetic banking data into PostgreSQL (schema
 * `akko` of the database behind catalog `postgresql`), then replicate it into Iceberg — the dimension tables
 * (`customers`, `accounts`, `cards`, `merchants`) merged by key on `updated_at`, and the denormalized
 * `iceberg.banking.transactions` (partitioned by `region`) built with one MERGE through the SQL engine.
 * Later stages (training, scoring, transformations, dashboards, the agent) are further tasks appended to
 * {@link bankingFraudTasks}' list.
 * @module
 */
import type { PGlite } from '@electric-sql/pglite'
import { AkkoError, type Secret } from '../../core/index.js'
import type { PostgresqlClient } from '../../engine/index.js'
import {
  bankingSeed, bankingSinkPglite, bankingSinkPostgres, bankingTransactionsTrinoSql,
  BANKING_DIMENSION_TABLES, BANKING_PG_SCHEMA, type BankingSeedProgress,
} from '../banking/index.js'
import { defineDag, task, type DagDefinition, type TaskContext, type TaskDefinition } from '../dags/index.js'
import { DAG_IDENTITY } from '../dags/index.js'
import { replicateBatch } from '../postgres/index.js'

export const BANKING_FRAUD_DAG_ID = 'akko_banking_fraud_demo'

/** What the DAG needs besides the orchestrator's usual services: the database behind catalog `postgresql`. */
export interface BankingPostgresqlSource {
  readonly client: PostgresqlClient
  readonly url?: Secret
}

export interface BankingFraudDagOptions {
  /** Transactions to generate when the run's configuration does not say (`{"rows": N}`). */
  readonly defaultRows?: number
  /** Seed progress, for a CLI progress bar. */
  readonly onSeedProgress?: (p: BankingSeedProgress) => void
  /** Each task's value when it succeeds, for a CLI summary. */
  readonly onTaskValue?: (taskId: string, value: Readonly<Record<string, unknown>>) => void
}

/** Reads `services.postgresql` (a function giving the catalog's database, as the platform provides it). */
function sourceOf(ctx: TaskContext): BankingPostgresqlSource {
  const get = ctx.services.postgresql as ((catalog?: string) => BankingPostgresqlSource) | undefined
  if (typeof get !== 'function') throw new AkkoError('NOT_SUPPORTED', `Task ${ctx.taskId} needs the platform's PostgreSQL catalog (services.postgresql)`)
  return get('postgresql')
}

function positiveInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined || v === null) return fallback
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n <= 0) throw new AkkoError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${JSON.stringify(v)}`)
  return n
}

/** The flow's tasks in order; extend the list (with `dependsOn`) to add stages. */
export function bankingFraudTasks(o: BankingFraudDagOptions = {}): TaskDefinition[] {
  const seed = task({
    id: 'seed',
    description: 'Generate the banking data set and COPY it into postgresql.akko.* (skipped when already seeded with the same options)',
    retries: 1,
    async run(ctx) {
      const rows = positiveInt(ctx.conf.rows ?? ctx.params.rows, 'rows', o.defaultRows ?? 100_000)
      const seedValue = positiveInt(ctx.conf.seed ?? ctx.params.seed, 'seed', 42)
      const src = sourceOf(ctx)
      const pglite: PGlite | undefined = src.client.embedded ? await src.client.embedded() : undefined
      const sink = pglite ? await bankingSinkPglite(pglite) : src.url ? await bankingSinkPostgres(src.url) : undefined
      if (!sink) throw new AkkoError('NOT_SUPPORTED', 'The postgresql catalog is neither the embedded database nor a server URL')
      let report
      try {
        report = await bankingSeed(sink, {
          transactions: rows, seed: seedValue, signal: ctx.signal,
          ...(ctx.conf.fraudRate !== undefined ? { fraudRate: Number(ctx.conf.fraudRate) } : {}),
          ...(o.onSeedProgress ? { onProgress: o.onSeedProgress } : {}),
        })
      } finally {
        await sink.close()
      }
      ctx.log.info(report.skipped ? 'already seeded with these options: nothing written' : `seeded ${report.rows.raw_transactions} transactions (${report.fraudRows} fraudulent)`, { rows: report.rows })
      const value = { skipped: report.skipped, rows: report.rows, fraudRows: report.fraudRows }
      o.onTaskValue?.('seed', value)
      return value
    },
  })
  const dimensions = task({
    id: 'replicate_dimensions',
    description: 'Merge customers, accounts, cards and merchants into iceberg.banking.* by key, incrementally on updated_at',
    dependsOn: ['seed'],
    retries: 2,
    async run(ctx) {
      const tables = ctx.services.tables
      if (!tables) throw new AkkoError('NOT_SUPPORTED', 'replicate_dimensions needs services.tables')
      const src = sourceOf(ctx)
      const out: Record<string, { committed: boolean; strategy: string }> = {}
      for (const t of BANKING_DIMENSION_TABLES) {
        const r = await replicateBatch({
          tables, source: { client: src.client }, table: `${BANKING_PG_SCHEMA}.${t}`, target: { namespace: ['banking'], name: t },
          mode: 'incremental', watermarkColumn: 'updated_at', signal: ctx.signal,
        })
        ctx.log.info(`${t}: ${r.committed ? r.strategy : 'no change'}`)
        out[t] = { committed: r.committed, strategy: r.strategy }
      }
      o.onTaskValue?.('replicate_dimensions', out)
      return out
    },
  })
  const transactions = task({
    id: 'replicate_transactions',
    description: 'MERGE the denormalized transactions into iceberg.banking.transactions (partitioned by region)',
    dependsOn: ['seed'],
    retries: 2,
    async run(ctx) {
      const engine = ctx.services.engine
      if (!engine) throw new AkkoError('NOT_SUPPORTED', 'replicate_transactions needs services.engine')
      const session = { ...DAG_IDENTITY, properties: {}, preparedStatements: {}, source: `akko-dags:${ctx.dagId}`, auditSource: 'dag' as const }
      const sql = bankingTransactionsTrinoSql()
      let merged = 0
      for (const statement of [sql.createSchema, sql.createTable, sql.merge]) {
        const r = await engine.execute(statement, session, { signal: ctx.signal })
        for await (const _ of r.rows) { /* drain */ }
        if (statement === sql.merge) merged = r.updateCount ?? 0
      }
      ctx.log.info(`MERGE: ${merged} rows inserted or updated`)
      o.onTaskValue?.('replicate_transactions', { merged })
      return { merged }
    },
  })
  return [seed, dimensions, transactions]
}

/** The DAG, triggered manually (`akko demo banking-fraud`, `akko dags trigger akko_banking_fraud_demo --conf '{"rows": 100000}'`). */
export function bankingFraudDag(o: BankingFraudDagOptions = {}): DagDefinition {
  return defineDag({
    id: BANKING_FRAUD_DAG_ID,
    description: 'AKKO banking fraud demo: seed PostgreSQL, replicate into Iceberg',
    schedule: null,
    owner: 'akko',
    tags: ['demo', 'banking'],
    params: { rows: o.defaultRows ?? 100_000, seed: 42 },
    maxActiveRuns: 1,
    tasks: bankingFraudTasks(o),
  })
}
