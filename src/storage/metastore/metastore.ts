import type { IoOptions } from '../../core/index.js'

/** A namespace is a list of levels, e.g. ['banking'] or ['a', 'b']. */
export type Namespace = readonly string[]

export interface TableIdent {
  readonly namespace: Namespace
  readonly name: string
}

export interface NamespaceRecord {
  readonly namespace: Namespace
  readonly properties: Readonly<Record<string, string>>
}

export interface TableRecord {
  readonly ident: TableIdent
  readonly metadataLocation: string
  /** Increases by one at every pointer swap. */
  readonly version: number
  readonly kind: 'table' | 'view'
}

/** One pointer swap of a (multi-table) commit. */
export interface PointerSwap {
  readonly ident: TableIdent
  /** The metadata location the caller based its change on; null means "the table must not exist yet". */
  readonly expected: string | null
  readonly next: string
}

export interface PropertyUpdateResult {
  readonly updated: readonly string[]
  readonly removed: readonly string[]
  readonly missing: readonly string[]
}

/** A versioned schema migration; layers register their own and all run at start-up, in order, once. */
export interface Migration {
  /** Unique, e.g. 'storage/001-catalog'. Ordered by `seq` then id. */
  readonly id: string
  readonly seq: number
  readonly sql: string
}

/** Minimal SQL access for the layers that keep their state in the metastore. */
export interface SqlClient {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>
  /** Runs `fn` in one transaction; a throw rolls back. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>
}

/**
 * The platform's own state in PostgreSQL: PGlite embedded by default, a real server by URL.
 * Errors: NAMESPACE_NOT_FOUND, NAMESPACE_ALREADY_EXISTS, NAMESPACE_NOT_EMPTY, TABLE_NOT_FOUND,
 * TABLE_ALREADY_EXISTS, COMMIT_CONFLICT (a stale pointer swap), METASTORE_ERROR.
 */
export interface Metastore {
  readonly kind: 'pglite' | 'postgres'
  readonly sql: SqlClient

  createNamespace(ns: Namespace, properties?: Readonly<Record<string, string>>, o?: IoOptions): Promise<NamespaceRecord>
  loadNamespace(ns: Namespace, o?: IoOptions): Promise<NamespaceRecord>
  namespaceExists(ns: Namespace, o?: IoOptions): Promise<boolean>
  /** Direct children of `parent` (top level when absent or empty). */
  listNamespaces(parent?: Namespace, o?: IoOptions): Promise<NamespaceRecord[]>
  /** Fails with NAMESPACE_NOT_EMPTY when it holds tables, views or child namespaces. */
  dropNamespace(ns: Namespace, o?: IoOptions): Promise<void>
  updateNamespaceProperties(ns: Namespace, removals: readonly string[], updates: Readonly<Record<string, string>>, o?: IoOptions): Promise<PropertyUpdateResult>

  /** Registers a new table (or view) pointing at `metadataLocation`; TABLE_ALREADY_EXISTS if the name is taken. */
  createTable(ident: TableIdent, metadataLocation: string, kind?: 'table' | 'view', o?: IoOptions): Promise<TableRecord>
  loadTable(ident: TableIdent, kind?: 'table' | 'view', o?: IoOptions): Promise<TableRecord>
  tableExists(ident: TableIdent, kind?: 'table' | 'view', o?: IoOptions): Promise<boolean>
  listTables(ns: Namespace, kind?: 'table' | 'view', o?: IoOptions): Promise<TableIdent[]>
  /** Removes the pointer and returns the last record (the caller purges files if asked). */
  dropTable(ident: TableIdent, kind?: 'table' | 'view', o?: IoOptions): Promise<TableRecord>
  renameTable(from: TableIdent, to: TableIdent, kind?: 'table' | 'view', o?: IoOptions): Promise<void>
  /**
   * Atomically swaps metadata pointers for one or more tables (Iceberg REST "commitTable" and
   * "commitTransaction"): all swaps apply or none. A swap whose `expected` is no longer current fails the
   * whole call with COMMIT_CONFLICT. `expected: null` creates the table (staged create).
   */
  swapPointers(swaps: readonly PointerSwap[], o?: IoOptions): Promise<void>

  /** Runs the registered migrations not yet applied. Called by open/connect. */
  migrate(migrations: readonly Migration[]): Promise<string[]>
  close(): Promise<void>
}
