/**
 * Where the seed writes: a PostgreSQL database reached through one transaction on one connection, with a COPY
 * path for bulk rows. Two adapters with the same shape: a server by URL (`pg` + `pg-copy-streams`,
 * sink-postgres.ts) and embedded PGlite (`COPY … FROM '/dev/blob'`, sink-pglite.ts).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { CopyChunk } from './copy-text.js'
import type { BankingTable } from './tables.js'


/** The operations of one open transaction. */
export interface BankingSinkTx {
  /** Runs one statement with `$n` parameters; rows as objects. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  /** Streams COPY text chunks into `table`; `onChunk` runs once a chunk has been handed to the database. */
  copy(table: BankingTable<never>, chunks: Iterable<CopyChunk>, onChunk?: (rows: number) => void): Promise<void>
}

/** A PostgreSQL database the seed can write to. */
export interface BankingSink {
  readonly kind: 'postgres' | 'pglite'
  /** Where it writes, for messages (never a password). */
  readonly display: string
  /** Runs `fn` in BEGIN … COMMIT on one connection; a throw rolls back and is rethrown. */
  transaction<T>(fn: (tx: BankingSinkTx) => Promise<T>): Promise<T>
  /** Closes what the sink opened (a pool, a PGlite it created); not what it was given. */
  close(): Promise<void>
}

/** A driver error as CONNECTOR_ERROR naming the database (secrets scrubbed); AkkoErrors pass through. */
export function bankingSinkError(e: unknown, display: string, secrets: readonly string[], doing: string): AkkoError {
  if (e instanceof AkkoError) return e
  let msg = e instanceof Error ? e.message : String(e)
  for (const s of secrets) if (s) msg = msg.split(s).join('***')
  const code = (e as { code?: unknown } | null)?.code
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  return new AkkoError('CONNECTOR_ERROR', `Seeding the banking demo into ${display} failed while ${doing}: ${msg}`, { database: display, ...(sqlstate ? { sqlstate } : {}) })
}
