/**
 * Seeds the banking demo's source tables (`akko.customers`, `akko.accounts`, `akko.cards`, `akko.merchants`,
 * `akko.raw_transactions`) into PostgreSQL or PGlite with COPY.
 *
 * Idempotence: everything happens in one transaction under an advisory lock. `akko.seed_runs` records the
 * options of the last seed; when the same generator version, seed, sizes, days and fraud rate are asked again
 * (and `asOf` is either not given or equal), the seed is skipped and nothing changes. Otherwise the five tables
 * are truncated and reloaded in that same transaction, so readers see the old rows or the new ones, never a
 * mix, and a failed seed leaves the previous data in place. TRUNCATE (not DROP) keeps the tables, so publications
 * for logical replication keep covering them.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { copyChunks, type CopyChunk } from './copy-text.js'
import type { BankingDimensions } from './dimensions.js'
import { bankingGenerate, bankingOptionsResolve, type BankingGenerateOptions, type BankingResolvedOptions } from './generator.js'
import type { BankingSink, BankingSinkTx } from './sink.js'
import type { BankingTransaction } from './transactions.js'
import { ACCOUNTS, BANKING_PG_SCHEMA, CARDS, CUSTOMERS, RAW_TRANSACTIONS, SEED_MARKER_DDL, bankingTableDdl, merchantsTable, type BankingTable } from './tables.js'

/** Bumped whenever the generator's output for the same options changes, so an old seed is not mistaken for a new one. */
export const BANKING_GENERATOR_VERSION = 2

const DAY_MS = 86_400_000
/** Key of the transaction-scoped advisory lock serializing seeds of one database. */
const LOCK_KEY = 0x616b6b6f // 'akko'

export interface BankingSeedProgress {
  /** The table being written: `customers`, `accounts`, `cards`, `merchants` or `raw_transactions`. */
  readonly table: string
  /** Rows written to that table so far. */
  readonly tableRows: number
  /** Rows written to all tables so far. */
  readonly rows: number
  /** Rows the seed writes in all (dimensions and transactions). */
  readonly totalRows: number
}

export interface BankingSeedOptions extends BankingGenerateOptions {
  /** Reload even when the database already holds a seed with these options. */
  readonly force?: boolean
  /** Called after each chunk (a few thousand rows) reaches the database, for a progress bar. */
  readonly onProgress?: (p: BankingSeedProgress) => void
  readonly signal?: AbortSignal
}

export interface BankingSeedReport {
  /** True when the database already held this seed and nothing was written. */
  readonly skipped: boolean
  /** The options of the data now in the database (for a skipped seed, `asOf` is the stored one). */
  readonly options: BankingResolvedOptions
  /** Rows per table (`customers`, …, `raw_transactions`) now in the database. */
  readonly rows: Readonly<Record<string, number>>
  /** Fraudulent transactions written (0 when skipped). */
  readonly fraudRows: number
  readonly database: string
  readonly durationMs: number
}

/**
 * Creates the `akko` tables if needed and loads the generated data set into them (see the module comment for
 * when it skips). Errors: INVALID_ARGUMENT for bad options, CONNECTOR_ERROR when the database fails (nothing
 * changes), CANCELLED when `signal` aborts (nothing changes).
 */
export async function bankingSeed(sink: BankingSink, opts: BankingSeedOptions): Promise<BankingSeedReport> {
  const started = performance.now()
  const wanted = bankingOptionsResolve(opts)
  opts.signal?.throwIfAborted()
  return sink.transaction(async tx => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${BANKING_PG_SCHEMA}`)
    const merchants = merchantsTable(0)
    for (const t of [CUSTOMERS, ACCOUNTS, CARDS, merchants, RAW_TRANSACTIONS]) await tx.query(bankingTableDdl(t as BankingTable<unknown>))
    await tx.query(SEED_MARKER_DDL)
    if (!opts.force) {
      const same = await sameSeed(tx, wanted, opts.asOf !== undefined)
      if (same) return { skipped: true, options: same, rows: await tableCounts(tx), fraudRows: 0, database: sink.display, durationMs: performance.now() - started }
    }
    const data = await bankingGenerate(opts)
    const rows = await load(tx, data.dimensions, data.transactions(), data.options, opts)
    await tx.query(`DELETE FROM ${BANKING_PG_SCHEMA}.seed_runs WHERE generator = 'banking'`)
    const o = data.options
    await tx.query(
      `INSERT INTO ${BANKING_PG_SCHEMA}.seed_runs (generator, version, seed, transactions, customers, merchants, days, fraud_rate, as_of) VALUES ('banking', $1, $2, $3, $4, $5, $6, $7, $8)`,
      [BANKING_GENERATOR_VERSION, o.seed, o.transactions, o.customers, o.merchants, o.days, o.fraudRate, o.asOf.toISOString()],
    )
    return { skipped: false, options: o, rows: rows.counts, fraudRows: rows.fraud, database: sink.display, durationMs: performance.now() - started }
  })
}

/** The stored options when they match `wanted` (asOf only compared when it was given), else undefined. */
async function sameSeed(tx: BankingSinkTx, wanted: BankingResolvedOptions, asOfGiven: boolean): Promise<BankingResolvedOptions | undefined> {
  const [r] = await tx.query(
    `SELECT version, seed::text AS seed, transactions::text AS transactions, customers::text AS customers, merchants::text AS merchants, days, fraud_rate, as_of
       FROM ${BANKING_PG_SCHEMA}.seed_runs WHERE generator = 'banking'`,
  )
  if (!r) return undefined
  const stored: BankingResolvedOptions = {
    seed: Number(r.seed), transactions: Number(r.transactions), customers: Number(r.customers), merchants: Number(r.merchants),
    days: Number(r.days), fraudRate: Number(r.fraud_rate), asOf: new Date(r.as_of as string | Date),
  }
  const same = Number(r.version) === BANKING_GENERATOR_VERSION && stored.seed === wanted.seed && stored.transactions === wanted.transactions &&
    stored.customers === wanted.customers && stored.merchants === wanted.merchants && stored.days === wanted.days && stored.fraudRate === wanted.fraudRate &&
    (!asOfGiven || stored.asOf.getTime() === wanted.asOf.getTime())
  return same ? Object.freeze(stored) : undefined
}

async function load(tx: BankingSinkTx, dims: BankingDimensions, transactions: Iterable<BankingTransaction>, o: BankingResolvedOptions, opts: BankingSeedOptions): Promise<{ counts: Record<string, number>; fraud: number }> {
  const merchants = merchantsTable(Math.floor(o.asOf.getTime() / DAY_MS) * DAY_MS - o.days * DAY_MS)
  const tables = [CUSTOMERS, ACCOUNTS, CARDS, merchants, RAW_TRANSACTIONS].map(t => `${BANKING_PG_SCHEMA}.${t.name}`)
  await tx.query(`TRUNCATE ${tables.join(', ')}`)
  // Indexes are dropped during the load and rebuilt after it: one sort per index instead of one insertion per row.
  await tx.query(`DROP INDEX IF EXISTS ${BANKING_PG_SCHEMA}.raw_transactions_updated_at_idx`)
  for (const t of [CUSTOMERS, ACCOUNTS, CARDS, merchants, RAW_TRANSACTIONS]) {
    await tx.query(`ALTER TABLE ${BANKING_PG_SCHEMA}.${t.name} DROP CONSTRAINT IF EXISTS ${t.name}_pkey`)
  }
  const totalRows = dims.customers.length + dims.accounts.length + dims.cards.length + dims.merchants.length + o.transactions
  let written = 0
  const counts: Record<string, number> = {}
  let fraud = 0
  const copy = async <Row>(t: BankingTable<Row>, rows: Iterable<Row>): Promise<void> => {
    let tableRows = 0
    const chunks: Iterable<CopyChunk> = abortable(copyChunks(rows, t.encode), opts.signal)
    await tx.copy(t as unknown as BankingTable<never>, chunks, n => {
      tableRows += n
      written += n
      opts.onProgress?.({ table: t.name, tableRows, rows: written, totalRows })
    })
    counts[t.name] = tableRows
  }
  await copy(CUSTOMERS, dims.customers)
  await copy(ACCOUNTS, dims.accounts)
  await copy(CARDS, dims.cards)
  await copy(merchants, dims.merchants)
  await copy(RAW_TRANSACTIONS, counting(transactions, t => { if (t.isFraud) fraud++ }))
  for (const t of [CUSTOMERS, ACCOUNTS, CARDS, merchants, RAW_TRANSACTIONS]) {
    await tx.query(`ALTER TABLE ${BANKING_PG_SCHEMA}.${t.name} ADD CONSTRAINT ${t.name}_pkey PRIMARY KEY (${t.primaryKey})`)
  }
  await tx.query(`CREATE INDEX raw_transactions_updated_at_idx ON ${BANKING_PG_SCHEMA}.raw_transactions (updated_at)`)
  await tx.query(`ANALYZE ${tables.join(', ')}`)
  return { counts, fraud }
}

function* counting<T>(rows: Iterable<T>, each: (row: T) => void): Generator<T> {
  for (const r of rows) {
    each(r)
    yield r
  }
}

function* abortable<T>(items: Iterable<T>, signal?: AbortSignal): Generator<T> {
  for (const x of items) {
    if (signal?.aborted) throw new AkkoError('CANCELLED', 'Seeding the banking demo was cancelled; nothing was changed')
    yield x
  }
}

async function tableCounts(tx: BankingSinkTx): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of ['customers', 'accounts', 'cards', 'merchants', 'raw_transactions']) {
    const [r] = await tx.query(`SELECT count(*)::text AS n FROM ${BANKING_PG_SCHEMA}.${t}`)
    out[t] = Number(r?.n ?? 0)
  }
  return out
}
