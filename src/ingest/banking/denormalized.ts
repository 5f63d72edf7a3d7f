/**
 * The denormalized target `iceberg.banking.transactions`: its Iceberg schema and partition spec (identity on
 * `region`), the PostgreSQL SELECT that joins `akko.raw_transactions` with its dimensions into that shape (the
 * source query of PostgreSQL → Iceberg replication), and the same build in the engine's Trino dialect
 * (CREATE TABLE … WITH (partitioning = ARRAY['region']) and a MERGE keyed on transaction_id).
 * @module
 */
import type { PartitionSpec, Schema, StructField } from '../../storage/index.js'
import { BANKING_PG_SCHEMA } from './tables.js'

/** The Iceberg table the demo builds: namespace `banking`, table `transactions`. */
export const BANKING_TRANSACTIONS_IDENT = Object.freeze({ namespace: Object.freeze(['banking']), name: 'transactions' })

/** Columns of the denormalized table: name, Iceberg type, Trino type, and the PostgreSQL expression it comes from. */
const COLUMNS: readonly (readonly [name: string, iceberg: string, trino: string, pg: string])[] = [
  ['transaction_id', 'long', 'bigint', 't.transaction_id'],
  ['ts', 'timestamptz', 'timestamp(6) with time zone', 't.ts'],
  ['customer_id', 'long', 'bigint', 't.customer_id'],
  ['customer_name', 'string', 'varchar', 'c.full_name'],
  ['email', 'string', 'varchar', 'c.email'],
  ['customer_country', 'string', 'varchar', 'c.country'],
  ['card_pan', 'string', 'varchar', 'k.pan'],
  ['account_id', 'long', 'bigint', 't.account_id'],
  ['merchant', 'string', 'varchar', 'm.name'],
  ['merchant_category', 'string', 'varchar', 'm.category'],
  ['amount', 'decimal(12, 2)', 'decimal(12,2)', 't.amount'],
  ['currency', 'string', 'varchar', 't.currency'],
  ['amount_usd', 'decimal(12, 2)', 'decimal(12,2)', 't.amount_usd'],
  ['channel', 'string', 'varchar', 't.channel'],
  ['country', 'string', 'varchar', 't.country'],
  ['region', 'string', 'varchar', 't.region'],
  ['description', 'string', 'varchar', 't.description'],
  ['is_fraud', 'boolean', 'boolean', 't.is_fraud'],
  ['updated_at', 'timestamptz', 'timestamp(6) with time zone', 'GREATEST(t.updated_at, c.updated_at, k.updated_at, m.updated_at)'],
]

/** Column names of `iceberg.banking.transactions`, in order. */
export const BANKING_TRANSACTIONS_COLUMNS: readonly string[] = Object.freeze(COLUMNS.map(c => c[0]))

/**
 * The Iceberg schema of `iceberg.banking.transactions` (field ids 1..n in column order; `transaction_id` is
 * required and the identifier field, the key replication merges on).
 */
export const bankingTransactionsSchema: Schema = Object.freeze({
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: Object.freeze(COLUMNS.map(([name, type], i): StructField => Object.freeze({ id: i + 1, name, required: i === 0, type }))),
})

/** The partition spec: identity on `region`. */
export const bankingTransactionsPartitionSpec: PartitionSpec = Object.freeze({
  'spec-id': 0,
  fields: Object.freeze([Object.freeze({ 'source-id': COLUMNS.findIndex(c => c[0] === 'region') + 1, 'field-id': 1000, name: 'region', transform: 'identity' })]),
})

export interface BankingTransactionsQueryOptions {
  /**
   * Adds `WHERE … > $n` on every joined row's `updated_at`, for incremental replication: a row is selected
   * when the transaction or any of its dimension rows changed after the watermark passed as parameter `$n`.
   */
  readonly sinceParam?: number
}

/**
 * The PostgreSQL SELECT giving `akko.raw_transactions` joined with customers, cards and merchants in the
 * column order and names of `iceberg.banking.transactions`. `updated_at` is the latest `updated_at` of the
 * joined rows, so a dimension change (a customer's new e-mail) re-selects that customer's transactions.
 */
export function bankingTransactionsQuery(opts: BankingTransactionsQueryOptions = {}): string {
  const s = BANKING_PG_SCHEMA
  const select = COLUMNS.map(([name, , , expr]) => (expr === `t.${name}` ? expr : `${expr} AS ${name}`)).join(',\n       ')
  const where = opts.sinceParam === undefined
    ? ''
    : `\n WHERE t.updated_at > $${opts.sinceParam} OR c.updated_at > $${opts.sinceParam} OR k.updated_at > $${opts.sinceParam} OR m.updated_at > $${opts.sinceParam}`
  return `SELECT ${select}
  FROM ${s}.raw_transactions t
  JOIN ${s}.customers c ON c.customer_id = t.customer_id
  JOIN ${s}.cards k ON k.card_id = t.card_id
  JOIN ${s}.merchants m ON m.merchant_id = t.merchant_id${where}`
}

export interface BankingTrinoSqlOptions {
  /** The engine catalog over the seeded database (default `postgresql`). */
  readonly sourceCatalog?: string
  /** The Iceberg catalog (default `iceberg`). */
  readonly targetCatalog?: string
}

/**
 * The build of `iceberg.banking.transactions` in the engine's Trino dialect, statement by statement:
 * create the schema and the partitioned table if missing, then one MERGE that inserts new transactions and
 * updates those whose joined rows changed. Running the three again is harmless.
 */
export function bankingTransactionsTrinoSql(opts: BankingTrinoSqlOptions = {}): { readonly createSchema: string; readonly createTable: string; readonly merge: string } {
  const src = `${opts.sourceCatalog ?? 'postgresql'}.${BANKING_PG_SCHEMA}`
  const target = `${opts.targetCatalog ?? 'iceberg'}.${BANKING_TRANSACTIONS_IDENT.namespace.join('.')}.${BANKING_TRANSACTIONS_IDENT.name}`
  const cols = COLUMNS.map(([name, , trino], i) => `  ${name} ${trino}${i === 0 ? ' NOT NULL' : ''}`).join(',\n')
  const select = COLUMNS.map(([name, , , expr]) => (expr === `t.${name}` ? expr : `${expr} AS ${name}`)).join(', ')
  const names = COLUMNS.map(c => c[0])
  return {
    createSchema: `CREATE SCHEMA IF NOT EXISTS ${target.split('.').slice(0, 2).join('.')}`,
    createTable: `CREATE TABLE IF NOT EXISTS ${target} (\n${cols}\n) WITH (partitioning = ARRAY['region'])`,
    merge: `MERGE INTO ${target} d
USING (SELECT ${select}
         FROM ${src}.raw_transactions t
         JOIN ${src}.customers c ON c.customer_id = t.customer_id
         JOIN ${src}.cards k ON k.card_id = t.card_id
         JOIN ${src}.merchants m ON m.merchant_id = t.merchant_id) s
   ON d.transaction_id = s.transaction_id
 WHEN MATCHED AND s.updated_at > d.updated_at THEN UPDATE SET ${names.slice(1).map(n => `${n} = s.${n}`).join(', ')}
 WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map(n => `s.${n}`).join(', ')})`,
  }
}
