/** The Iceberg catalog: the one place table metadata is committed (REST API and engine alike). */
export { IcebergCatalog, type IcebergCatalogOptions } from './iceberg-catalog.js'
export { tablePurgeFiles, type PurgeResult } from './purge.js'
export {
  namespaceDisplay,
  tableIdentDisplay,
  type CommitPlan,
  type CommitRetryOptions,
  type CreateTableRequest,
  type DropTableOptions,
  type LoadedTable,
  type RegisterTableOptions,
  type StagedTable,
  type TableChange,
} from './types.js'
