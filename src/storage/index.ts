/**
 * Layer 2, lakehouse storage: object stores, the metastore, the Iceberg format, table operations and the
 * catalog service. Other layers import storage only through this file.
 * @module
 */
export * from './iceberg/index.js'
export type { ObjectStore, ObjectInfo, ByteRange, PutOptions } from './object-store/index.js'
export { LocalObjectStore, S3ObjectStore, openObjectStore } from './object-store/index.js'
export type { Metastore, Namespace, TableIdent, TableRecord, Migration, SqlClient, PointerSwap } from './metastore/metastore.js'
export { PgliteMetastore, PostgresMetastore, openMetastore, STORAGE_MIGRATIONS } from './metastore/index.js'
export * from './catalog/index.js'
export * from './table/index.js'
