/**
 * Layer 4, the federated SQL engine: Trino's dialect on DuckDB. Other layers import the engine only through
 * this file.
 * @module
 */
export type { QueryEngine, QueryResult, Session, ColumnMeta, SessionChanges, ExecuteOptions, QueryState } from './engine.js'
export type { Connector, TableRef, ScanRequest, ScanContext, PushdownPredicate, TableVersion, ColumnInfo } from './connectors/connector.js'
export type { StatementContext, StatementHandler } from './statements/statement.js'
export { createQueryEngine, type QueryEngineOptions, type AkkoQueryEngine } from './query-engine.js'
export { icebergConnector, icebergTypeToTrino } from './connectors/iceberg-connector.js'
export { systemConnector, withInformationSchema, CDC_PIPELINES_OWNER, type CdcPipelineRow, type RuntimeTables } from './connectors/system-connector.js'
export { sandboxDefaults, type SandboxOptions } from './session/sandbox.js'
export type { QueryLimits } from './session/run.js'
export type { QueryInfo } from './session/query-registry.js'
export { trinoType, trinoValue } from './types.js'
export { icebergDdlHandler } from './statements/iceberg-ddl.js'
export { icebergDmlHandler } from './statements/iceberg-dml.js'
export {
  postgresqlConnectorCreate, postgresqlEmbeddedOpen, postgresqlServerConnect, postgresqlLazy,
  type PostgresqlClient,
} from './connectors/postgresql/index.js'
export type { ScanAccess } from './connectors/connector.js'
export type { IdentityResolver, TableGovernance } from './governance/query-access.js'
