export type {
  Metastore,
  Migration,
  Namespace,
  NamespaceRecord,
  PointerSwap,
  PropertyUpdateResult,
  SqlClient,
  TableIdent,
  TableRecord,
} from './metastore.js'
export { SqlMetastore, type SqlMetastoreParts } from './sql-metastore.js'
export { PgliteMetastore } from './pglite-metastore.js'
export { PostgresMetastore } from './postgres-metastore.js'
export type { PostgresClientOptions } from './postgres-client.js'
export { openMetastore } from './open-metastore.js'
export { STORAGE_MIGRATIONS, migrationsApply, migrationsOrder } from './migrations.js'
export { identText, namespaceText, NAMESPACE_SEPARATOR } from './identifiers.js'
export { sqlStateOf } from './sql-client.js'
