import type { DuckDBConnection } from '@duckdb/node-api'
import type { IcebergCatalog, TableContext } from '../../storage/index.js'
import type { ColumnMeta, QueryResult, Session } from '../engine.js'
import type { Connector, TableRef } from '../connectors/connector.js'
import type { QueryAccess } from '../governance/query-access.js'

/** What a statement handler gets from the engine for one statement. */
export interface StatementContext {
  readonly queryId: string
  readonly session: Session
  readonly signal?: AbortSignal
  /** The statement's DuckDB connection (sandboxed: no file, URL, extension or setting access for user SQL). */
  readonly conn: DuckDBConnection
  /** Iceberg storage: the catalog service and table operations (append, row changes, maintenance). */
  readonly iceberg: { readonly catalog: IcebergCatalog; readonly tables: TableContext }
  /** Resolves a 1-, 2- or 3-part name with the session's catalog and schema (Trino's rules); TABLE_NOT_FOUND / SCHEMA_NOT_FOUND style errors when unresolvable. */
  resolveName(parts: readonly string[]): TableRef
  connector(catalog: string): Connector | undefined
  /** The caller's access rules: handlers check privileges of the tables and schemas they change. Absent: none apply. */
  readonly access?: QueryAccess
  /**
   * Binds a Trino query (SELECT, VALUES, WITH …) to DuckDB SQL: every table reference resolved and replaced by its
   * connector's relation (with governance applied there), functions mapped to DuckDB, anything unsafe refused.
   * `rowIdsFor`: the scan of that table also yields `_file` and `_pos` (for UPDATE/DELETE/MERGE).
   */
  bindQuery(sql: string, opts?: { readonly rowIdsFor?: TableRef }): Promise<{ readonly sql: string; readonly columns: readonly ColumnMeta[] }>
  /**
   * `duckSql` (rows named like `ref`'s columns) with one more column, `__akko_row_ok`: whether each row matches the
   * caller's row filter on `ref`. Undefined when no row filter applies (or no access rules).
   */
  rowFilterGuard?(ref: TableRef, duckSql: string): Promise<string | undefined>
  /** Runs DuckDB SQL produced by bindQuery (or the handler's own SQL over it) and returns a streaming result. */
  run(duckSql: string): Promise<QueryResult>
}

/** A family of statements (e.g. Iceberg DML) the engine dispatches to by their leading keywords. */
export interface StatementHandler {
  readonly name: string
  /** True when this handler executes `sql` (called on the statement with comments stripped, leading keywords upper-cased by the caller as `head`). */
  matches(head: string, sql: string): boolean
  execute(sql: string, ctx: StatementContext): Promise<QueryResult>
}
