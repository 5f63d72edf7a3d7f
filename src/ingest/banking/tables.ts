/**
 * The banking demo's source tables in PostgreSQL (schema `akko`): DDL, column lists and the COPY encoding of
 * each generated row. Every table has a primary key and an `updated_at timestamptz` that incremental replication
 * reads as its watermark. There are no foreign keys: the generator makes the keys consistent, and checking them
 * row by row would slow the load several times over.
 * @module
 */
import { copyCents, copyInstant, copyNullable, copyText } from './copy-text.js'
import type { BankingAccount, BankingCard, BankingCustomer, BankingMerchant } from './dimensions.js'
import type { BankingTransaction } from './transactions.js'

/** The PostgreSQL schema the demo's tables live in. */
export const BANKING_PG_SCHEMA = 'akko'

/** One source table: its name in `akko`, DDL column definitions in COPY order, and its primary key. */
export interface BankingTable<Row> {
  readonly name: 'customers' | 'accounts' | 'cards' | 'merchants' | 'raw_transactions'
  readonly columns: readonly (readonly [name: string, definition: string])[]
  readonly primaryKey: string
  /** One COPY text line (without the newline). */
  encode(row: Row): string
}

const table = <Row>(t: BankingTable<Row>): BankingTable<Row> => Object.freeze(t)

export const CUSTOMERS = table<BankingCustomer>({
  name: 'customers',
  primaryKey: 'customer_id',
  columns: [
    ['customer_id', 'bigint NOT NULL'], ['first_name', 'text NOT NULL'], ['last_name', 'text NOT NULL'], ['full_name', 'text NOT NULL'],
    ['email', 'text NOT NULL'], ['country', 'text NOT NULL'], ['region', 'text NOT NULL'], ['city', 'text NOT NULL'], ['birth_date', 'date NOT NULL'],
    ['segment', 'text NOT NULL'], ['created_at', 'timestamptz NOT NULL'], ['updated_at', 'timestamptz NOT NULL'],
  ],
  encode: c => {
    const created = copyInstant(c.createdAt)
    return `${c.id}\t${copyText(c.firstName)}\t${copyText(c.lastName)}\t${copyText(c.fullName)}\t${copyText(c.email)}\t${c.country}\t${c.region}\t${copyText(c.city)}\t${c.birthDate}\t${c.segment}\t${created}\t${created}`
  },
})

export const ACCOUNTS = table<BankingAccount>({
  name: 'accounts',
  primaryKey: 'account_id',
  columns: [
    ['account_id', 'bigint NOT NULL'], ['customer_id', 'bigint NOT NULL'], ['account_number', 'text NOT NULL'], ['iban', 'text'],
    ['account_type', 'text NOT NULL'], ['currency', 'text NOT NULL'],
    ['status', "text NOT NULL CHECK (status IN ('active', 'closed', 'frozen'))"],
    ['opened_at', 'timestamptz NOT NULL'], ['balance', 'numeric(14,2) NOT NULL'], ['region', 'text NOT NULL'], ['updated_at', 'timestamptz NOT NULL'],
  ],
  encode: a => {
    const opened = copyInstant(a.openedAt)
    return `${a.id}\t${a.customerId}\t${a.accountNumber}\t${copyNullable(a.iban)}\t${a.type}\t${a.currency}\t${a.status}\t${opened}\t${copyCents(a.balanceCents)}\t${a.region}\t${opened}`
  },
})

export const CARDS = table<BankingCard>({
  name: 'cards',
  primaryKey: 'card_id',
  columns: [
    ['card_id', 'bigint NOT NULL'], ['account_id', 'bigint NOT NULL'], ['customer_id', 'bigint NOT NULL'], ['pan', 'text NOT NULL'],
    ['network', 'text NOT NULL'], ['card_type', 'text NOT NULL'], ['expires_on', 'date NOT NULL'], ['status', 'text NOT NULL'],
    ['issued_at', 'timestamptz NOT NULL'], ['updated_at', 'timestamptz NOT NULL'],
  ],
  encode: k => {
    const issued = copyInstant(k.issuedAt)
    return `${k.id}\t${k.accountId}\t${k.customerId}\t${k.pan}\t${k.network}\t${k.cardType}\t${k.expiresOn}\t${k.status}\t${issued}\t${issued}`
  },
})

/** Merchants carry no date of their own: `updated_at` is the start of the generated history. */
export function merchantsTable(updatedAt: number): BankingTable<BankingMerchant> {
  const updated = copyInstant(updatedAt)
  return table<BankingMerchant>({
    name: 'merchants',
    primaryKey: 'merchant_id',
    columns: [
      ['merchant_id', 'bigint NOT NULL'], ['name', 'text NOT NULL'], ['category', 'text NOT NULL'], ['mcc', 'text NOT NULL'],
      ['country', 'text NOT NULL'], ['city', 'text NOT NULL'], ['region', 'text NOT NULL'], ['updated_at', 'timestamptz NOT NULL'],
    ],
    encode: m => `${m.id}\t${copyText(m.name)}\t${m.category}\t${m.mcc}\t${m.country}\t${copyText(m.city)}\t${m.region}\t${updated}`,
  })
}

export const RAW_TRANSACTIONS = table<BankingTransaction>({
  name: 'raw_transactions',
  primaryKey: 'transaction_id',
  columns: [
    ['transaction_id', 'bigint NOT NULL'], ['card_id', 'bigint NOT NULL'], ['account_id', 'bigint NOT NULL'], ['customer_id', 'bigint NOT NULL'],
    ['merchant_id', 'bigint NOT NULL'], ['ts', 'timestamptz NOT NULL'], ['amount', 'numeric(12,2) NOT NULL'], ['currency', 'text NOT NULL'],
    ['amount_usd', 'numeric(12,2) NOT NULL'],
    ['channel', 'text NOT NULL'], ['country', 'text NOT NULL'], ['region', 'text NOT NULL'], ['description', 'text NOT NULL'],
    ['is_fraud', 'boolean NOT NULL'], ['updated_at', 'timestamptz NOT NULL'],
  ],
  encode: t => {
    const ts = copyInstant(t.ts)
    return `${t.id}\t${t.cardId}\t${t.accountId}\t${t.customerId}\t${t.merchantId}\t${ts}\t${copyCents(t.amountCents)}\t${t.currency}\t${copyCents(t.amountUsdCents)}\t${t.channel}\t${t.country}\t${t.region}\t${copyText(t.description)}\t${t.isFraud ? 't' : 'f'}\t${ts}`
  },
})

/** The dimension tables, in load order. */
export const BANKING_DIMENSION_TABLES = ['customers', 'accounts', 'cards', 'merchants'] as const
/** Every source table, qualified: `akko.customers`, …, `akko.raw_transactions`. */
export const BANKING_SOURCE_TABLES: readonly string[] = [...BANKING_DIMENSION_TABLES, 'raw_transactions'].map(t => `${BANKING_PG_SCHEMA}.${t}`)

/** `CREATE TABLE IF NOT EXISTS akko.<name> (…, PRIMARY KEY (…))`. */
export function bankingTableDdl(t: BankingTable<unknown>): string {
  const cols = t.columns.map(([n, d]) => `  ${n} ${d}`).join(',\n')
  return `CREATE TABLE IF NOT EXISTS ${BANKING_PG_SCHEMA}.${t.name} (\n${cols},\n  CONSTRAINT ${t.name}_pkey PRIMARY KEY (${t.primaryKey})\n)`
}

/** `COPY akko.<name> (cols) FROM STDIN` (PostgreSQL) or `FROM '/dev/blob'` (PGlite). */
export function bankingCopySql(t: BankingTable<unknown>, from: 'STDIN' | "'/dev/blob'"): string {
  return `COPY ${BANKING_PG_SCHEMA}.${t.name} (${t.columns.map(c => c[0]).join(', ')}) FROM ${from}`
}

/** The table recording what was seeded, so seeding again with the same options can skip. */
export const SEED_MARKER_DDL = `CREATE TABLE IF NOT EXISTS ${BANKING_PG_SCHEMA}.seed_runs (
  generator text NOT NULL PRIMARY KEY,
  version integer NOT NULL,
  seed bigint NOT NULL,
  transactions bigint NOT NULL,
  customers bigint NOT NULL,
  merchants bigint NOT NULL,
  days integer NOT NULL,
  fraud_rate double precision NOT NULL,
  as_of timestamptz NOT NULL,
  seeded_at timestamptz NOT NULL DEFAULT now()
)`
