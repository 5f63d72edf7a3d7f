import type { DuckDBConnection } from '@duckdb/node-api'
import type { Session } from '../engine.js'

/** A column as catalogs describe it (SHOW COLUMNS, DESCRIBE, information_schema.columns). */
export interface ColumnInfo {
  readonly name: string
  /** Trino type string. */
  readonly type: string
  readonly nullable: boolean
  readonly comment?: string
}

/** A fully qualified table reference after name resolution. */
export interface TableRef {
  readonly catalog: string
  readonly schema: string
  readonly table: string
}

/** A simple predicate the engine could extract from WHERE/ON for one table: `column op literal(s)`. */
export interface PushdownPredicate {
  readonly column: string
  readonly op: '=' | '<>' | '<' | '<=' | '>' | '>=' | 'in' | 'is null' | 'is not null'
  /** JS values: number | bigint | string | boolean | Date; an array for 'in'. */
  readonly value?: unknown
}

/** Time travel: Trino's `FOR VERSION AS OF n` / `FOR TIMESTAMP AS OF ts`. */
export interface TableVersion {
  readonly snapshotId?: bigint
  readonly ref?: string
  readonly asOfMs?: number
}

/**
 * What the caller may see, for connectors that list metadata (information_schema, `system`): answers of the
 * access rules for this query. Absent: no access rules apply.
 */
export interface ScanAccess {
  filterCatalogs(catalogs: readonly string[]): Promise<string[]>
  filterSchemas(catalog: string, schemas: readonly string[]): Promise<string[]>
  filterTables(catalog: string, schema: string, tables: readonly string[]): Promise<string[]>
  /** The columns the caller may reference (denied ones left out, masked ones kept). */
  visibleColumns(ref: TableRef, columns: readonly ColumnInfo[]): Promise<ColumnInfo[]>
  /** Whether the caller may see a query run by `owner`. */
  canViewQuery(owner: string): Promise<boolean>
}

/** What a connector gets when the engine binds one table reference of one query. */
export interface ScanContext {
  /** The query's DuckDB connection (sandboxed); a connector may create TEMP tables on it, named with `tempName()`. */
  readonly conn: DuckDBConnection
  readonly session: Session
  readonly signal?: AbortSignal
  tempName(): string
  /** The caller's access, for metadata a connector lists itself. */
  readonly access?: ScanAccess
  /** Per-statement memo a connector may use (e.g. a table's metadata loaded once for its columns and its scan). */
  readonly memo?: Map<string, unknown>
}

export interface ScanRequest {
  /** Columns the query needs (all when absent). */
  readonly columns?: readonly string[]
  /** Conjuncts the connector MAY use to skip data; the engine still applies the full WHERE on top. */
  readonly filters: readonly PushdownPredicate[]
  readonly version?: TableVersion
  /**
   * Also produce the hidden columns `_file` (VARCHAR) and `_pos` (BIGINT) identifying each row's physical position
   * (Iceberg: the data file location and row number): what UPDATE, DELETE and MERGE turn into position deletes.
   * Connectors that cannot (postgresql, system) throw NOT_SUPPORTED.
   */
  readonly withRowIds?: boolean
}

/** Table statistics as Trino's SHOW STATS reports them (estimates from metadata; absent means unknown). */
export interface TableStats {
  readonly rowCount: number
  readonly columns: ReadonlyArray<{
    readonly name: string
    readonly dataSize?: number
    readonly distinctValues?: number
    readonly nullsFraction?: number
    readonly low?: string
    readonly high?: string
  }>
}

/**
 * A catalog of tables (Trino's "connector"): `iceberg`, `postgresql` (one per configured database), `system`.
 * Table rows are exposed to the engine as a DuckDB SQL relation that the binder substitutes for the table
 * reference, so the governance layer can wrap it (row filters, column masks) at that one place.
 */
export interface Connector {
  readonly catalog: string
  readonly kind: 'iceberg' | 'postgresql' | 'system'
  listSchemas(session: Session): Promise<string[]>
  listTables(session: Session, schema: string): Promise<string[]>
  /** Columns of a table, or undefined when it does not exist. */
  describeTable(session: Session, ref: TableRef): Promise<ColumnInfo[] | undefined>
  /**
   * The columns a scan of `ref` yields in this statement (sharing what the scan loads through `ctx.memo`), or
   * undefined when no such table exists (views included: they are not scanned). Optional: the engine falls back
   * to `describeTable`.
   */
  scanColumns?(ctx: ScanContext, ref: TableRef): Promise<ColumnInfo[] | undefined>
  /** DuckDB SQL producing the table's rows with columns named as `describeTable` names them. */
  scan(ctx: ScanContext, ref: TableRef, req: ScanRequest): Promise<{ readonly sql: string }>
  /** Table properties as Trino's SHOW CREATE TABLE prints them in `WITH (…)` (values already SQL literals); optional. */
  tableProperties?(session: Session, ref: TableRef): Promise<Readonly<Record<string, string>> | undefined>
  /** Statistics from the catalog's metadata, without scanning data (SHOW STATS); optional. */
  stats?(session: Session, ref: TableRef): Promise<TableStats | undefined>
}
