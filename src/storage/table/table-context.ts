import type { Logger } from '../../core/index.js'
import type { IcebergCatalog } from '../catalog/iceberg-catalog.js'
import type { DuckRuntime } from '../iceberg/duck/index.js'
import type { TableIdent } from '../metastore/metastore.js'
import type { ObjectStore } from '../object-store/object-store.js'
import type { TableMetadata } from '../iceberg/spec.js'

/** What table operations need: the catalog that commits, the store that holds files, DuckDB that reads and writes them. */
export interface TableContext {
  readonly catalog: IcebergCatalog
  readonly store: ObjectStore
  readonly duck: DuckRuntime
  readonly log: Logger
}

/** A table as loaded at one committed metadata file. */
export interface TableState {
  readonly ident: TableIdent
  readonly metadataLocation: string
  readonly metadata: TableMetadata
}

/** Loads the table's committed state. */
export async function tableLoad(ctx: TableContext, ident: TableIdent): Promise<TableState> {
  const { metadataLocation, metadata } = await ctx.catalog.loadTable(ident)
  return { ident, metadataLocation, metadata }
}

/** `ns.table` for messages and logs. */
export const tableName = (ident: TableIdent): string => [...ident.namespace, ident.name].join('.')
