/**
 * The banking demo's data: a deterministic generator of customers, accounts, cards, merchants and transactions
 * with labelled fraud, its COPY load into PostgreSQL or PGlite (schema `akko`), and the shape of the
 * denormalized `iceberg.banking.transactions` built from it.
 * @module
 */
export {
  bankingGenerate, bankingOptionsResolve, BANKING_DEFAULT_SEED, BANKING_DEFAULT_FRAUD_RATE, BANKING_DEFAULT_DAYS,
  type BankingGenerateOptions, type BankingResolvedOptions, type BankingDataset,
} from './generator.js'
export type { BankingCustomer, BankingAccount, BankingCard, BankingMerchant, BankingDimensions, AccountStatus, CardStatus } from './dimensions.js'
export { FRAUD_PATTERNS, type FraudPattern, type BankingTransaction } from './transactions.js'
export { BANKING_REGIONS, BANKING_COUNTRIES, bankingRegionOf, bankingCountry, type BankingRegion, type BankingCountry } from './geography.js'
export { BANKING_CATEGORIES, BANKING_CHANNELS, type BankingCategory, type BankingChannel } from './categories.js'
export { bankingSentimentOf, type BankingSentiment } from './texts.js'
export { luhnValid, luhnCheckDigit } from './luhn.js'
export { bankingSeed, BANKING_GENERATOR_VERSION, type BankingSeedOptions, type BankingSeedProgress, type BankingSeedReport } from './seed.js'
export type { BankingSink, BankingSinkTx } from './sink.js'
export { bankingSinkPostgres } from './sink-postgres.js'
export { bankingSinkPglite } from './sink-pglite.js'
export { BANKING_PG_SCHEMA, BANKING_DIMENSION_TABLES, BANKING_SOURCE_TABLES } from './tables.js'
export {
  bankingTransactionsQuery, bankingTransactionsTrinoSql, bankingTransactionsSchema, bankingTransactionsPartitionSpec,
  BANKING_TRANSACTIONS_IDENT, BANKING_TRANSACTIONS_COLUMNS,
  type BankingTransactionsQueryOptions, type BankingTrinoSqlOptions,
} from './denormalized.js'
