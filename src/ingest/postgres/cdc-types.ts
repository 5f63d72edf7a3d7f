/**
 * The public shapes of CDC pipelines: options, status, the summary keys and the slot name.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { TableContext, TableIdent } from '../../storage/index.js'
import type { PgSourceSpec } from './pg-source.js'
import type { PgUnsupportedTypes } from './pg-types.js'

/** Snapshot summary keys written by CDC. */
export const CDC_SUMMARY = {
  lsn: 'akko.cdc.lsn',
  slot: 'akko.cdc.slot',
  commitTime: 'akko.cdc.commit-time',
} as const

/** One replicated table. */
export interface CdcTable {
  /** `table` (schema public) or `schema.table`. */
  readonly table: string
  readonly target: TableIdent
}

/** Options of {@link cdcPipeline}. */
export interface CdcPipelineOptions {
  /** The platform's table context (catalog, object store, DuckDB). */
  readonly tables: TableContext
  /** A PostgreSQL server by URL; the embedded database cannot do logical replication and is refused. */
  readonly source: PgSourceSpec
  /** Pipeline name: the slot and publication are `akko_<name>` (letters, digits, underscores). */
  readonly name: string
  readonly streams: readonly CdcTable[]
  /** A micro-batch is committed this long after its first transaction at the latest (default 1000 ms). */
  readonly flushIntervalMs?: number
  /** … or as soon as it holds this many changes (default 50,000). */
  readonly maxBatchChanges?: number
  readonly unsupportedTypes?: PgUnsupportedTypes
  /** Called after each micro-batch is committed to Iceberg, before the server is told (lag measurements). */
  readonly onApplied?: (e: CdcAppliedEvent) => void
}

/** One applied micro-batch. */
export interface CdcAppliedEvent {
  readonly lsn: string
  /** Source commit times (ms since 1970) of the transactions it applied. */
  readonly commitTimesMs: readonly number[]
  readonly appliedAtMs: number
  readonly rows: number
}

/** What a pipeline is doing, for a system table and the CLI. Times are ISO strings. */
export interface CdcStatus {
  readonly pipeline: string
  readonly slot: string
  readonly publication: string
  readonly state: 'idle' | 'starting' | 'snapshot' | 'streaming' | 'stopping' | 'stopped' | 'failed'
  readonly error?: string
  /** End LSN and commit time of the last source transaction received. */
  readonly lastSeenLsn?: string
  readonly lastSeenCommitTime?: string
  /** End LSN and commit time of the last source transaction committed to Iceberg, and when that was. */
  readonly lastAppliedLsn?: string
  readonly lastAppliedCommitTime?: string
  readonly lastAppliedAt?: string
  /** The position acknowledged to the server (also advanced while idle, past WAL that concerns no table). */
  readonly confirmedLsn?: string
  /** Now minus the commit time of the oldest transaction received but not yet in Iceberg; 0 when caught up. */
  readonly lagMs: number
  readonly pendingTransactions: number
  readonly rowsApplied: number
  readonly transactionsApplied: number
  /** Transactions received again after a restart and skipped, their changes being in the tables already. */
  readonly transactionsSkipped: number
  readonly commits: number
  readonly snapshotRows: number
}

/** A running (or runnable) pipeline. */
export interface CdcPipeline {
  /** Prepares (publication, slot, initial snapshot when needed) and starts streaming; resolves once streaming. */
  start(): Promise<void>
  /** Commits what is gathered, acknowledges it and disconnects. */
  stop(): Promise<void>
  status(): CdcStatus
  /** Settles when the pipeline stops: resolves after `stop`, rejects with the error that stopped it. */
  readonly done: Promise<void>
}

/** `akko_<name>`, checked: PostgreSQL slot names allow lower-case letters, digits and underscores. */
export function cdcSlotName(name: string): string {
  if (!/^[a-z0-9_]{1,58}$/.test(name)) {
    throw new AkkoError('INVALID_ARGUMENT', `Pipeline name '${name}' must be 1 to 58 lower-case letters, digits or underscores (it names the replication slot akko_<name>)`, { pipeline: name })
  }
  return `akko_${name}`
}

/** The server URL of a CDC source; the embedded database is refused. */
export function cdcServerUrl(source: PgSourceSpec): string {
  if ('client' in source) {
    throw new AkkoError('NOT_SUPPORTED', 'CDC needs a PostgreSQL server with wal_level=logical: the embedded PGlite database cannot do logical replication. Replicate it with batch replication (full or incremental), or configure the source by URL.', {})
  }
  return source.url
}

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))
