/**
 * The banking demo's data set: options in, dimensions and a restartable transaction stream out. The same seed,
 * sizes and `asOf` always give the same rows (Faker fills small name pools from the seed; everything else comes
 * from a fast seeded generator), whatever the machine.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { bankingDimensionsBuild, type BankingDimensions } from './dimensions.js'
import { BANKING_CATEGORIES } from './categories.js'
import { BANKING_COUNTRIES } from './geography.js'
import { bankingPoolsBuild } from './pools.js'
import { bankingTransactions, type BankingTransaction } from './transactions.js'

/** What to generate. Only `transactions` is required. */
export interface BankingGenerateOptions {
  /** Number of transactions (1 to 100,000,000; the demo uses 10k to 10M). */
  readonly transactions: number
  /** Seed of every random choice (a safe integer; default 42). */
  readonly seed?: number
  /** Transactions fall in the `days` days up to this instant (default: now). Fix it for reproducible timestamps. */
  readonly asOf?: Date | string | number
  /** Days of history (default 28). */
  readonly days?: number
  /** Share of fraudulent transactions, 0 to 0.5 (default 0.015). */
  readonly fraudRate?: number
  /** Number of customers (default: one per 40 transactions, at least 50, at most 250,000). */
  readonly customers?: number
  /** Number of merchants (default: one per 200 transactions, at least one of each category per country, at most 25,000). */
  readonly merchants?: number
}

/** The options with every default applied. */
export interface BankingResolvedOptions {
  readonly transactions: number
  readonly seed: number
  readonly asOf: Date
  readonly days: number
  readonly fraudRate: number
  readonly customers: number
  readonly merchants: number
}

export interface BankingDataset {
  readonly options: BankingResolvedOptions
  readonly dimensions: BankingDimensions
  /** A fresh stream of every transaction, in id order; each call starts over and yields the same rows. */
  transactions(): Generator<BankingTransaction>
}

export const BANKING_DEFAULT_SEED = 42
export const BANKING_DEFAULT_FRAUD_RATE = 0.015
export const BANKING_DEFAULT_DAYS = 28

/** Generates the dimensions and returns the data set; transactions are produced lazily by `transactions()`. */
export async function bankingGenerate(opts: BankingGenerateOptions): Promise<BankingDataset> {
  const options = bankingOptionsResolve(opts)
  const pools = await bankingPoolsBuild(options.seed)
  const asOf = options.asOf.getTime()
  const dimensions = bankingDimensionsBuild(options.seed, pools, options, asOf)
  return Object.freeze({
    options,
    dimensions,
    transactions: () => bankingTransactions(dimensions, { seed: options.seed, rows: options.transactions, asOf, days: options.days, fraudRate: options.fraudRate }),
  })
}

/** Applies defaults and checks ranges; INVALID_ARGUMENT names the bad option. */
export function bankingOptionsResolve(opts: BankingGenerateOptions): BankingResolvedOptions {
  const n = opts.transactions
  intCheck('transactions', n, 1, 100_000_000)
  const seed = opts.seed ?? BANKING_DEFAULT_SEED
  intCheck('seed', seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  const days = opts.days ?? BANKING_DEFAULT_DAYS
  intCheck('days', days, 1, 3660)
  const fraudRate = opts.fraudRate ?? BANKING_DEFAULT_FRAUD_RATE
  if (!(typeof fraudRate === 'number' && fraudRate >= 0 && fraudRate <= 0.5)) {
    throw new AkkoError('INVALID_ARGUMENT', `fraudRate must be a number between 0 and 0.5, got ${String(fraudRate)}`, { option: 'fraudRate' })
  }
  const asOf = opts.asOf === undefined ? new Date() : new Date(opts.asOf)
  if (Number.isNaN(asOf.getTime())) throw new AkkoError('INVALID_ARGUMENT', `asOf must be a date, got '${String(opts.asOf)}'`, { option: 'asOf' })
  const minMerchants = BANKING_COUNTRIES.length * BANKING_CATEGORIES.length
  const customers = opts.customers ?? Math.min(250_000, Math.max(50, Math.round(n / 40)))
  const merchants = opts.merchants ?? Math.min(25_000, Math.max(minMerchants, Math.round(n / 200)))
  intCheck('customers', customers, 1, 10_000_000)
  intCheck('merchants', merchants, 1, 10_000_000)
  return Object.freeze({ transactions: n, seed, asOf, days, fraudRate, customers, merchants })
}

function intCheck(name: string, v: unknown, min: number, max: number): void {
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max)) {
    throw new AkkoError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got ${String(v)}`, { option: name })
  }
}
