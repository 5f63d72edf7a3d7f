/**
 * Layer 5, ingestion and orchestration: the DAG engine, PostgreSQL replication (batch and CDC) into Iceberg,
 * file and HTTP loaders, and the banking demo's data generator. Other layers import ingest only through this file.
 * @module
 */
export * from './dags/index.js'
export * from './banking/index.js'
export * from './loaders/index.js'
export * from './postgres/index.js'
export { bankingFraudDag, bankingFraudTasks, BANKING_FRAUD_DAG_ID, type BankingFraudDagOptions, type BankingPostgresqlSource } from './demos/banking-fraud.js'
export * from './tasks/index.js'
export * from './cdc/index.js'
