/**
 * The query engine's contract: what the Trino protocol gateway (src/serve/trino), `akko sql` in-process,
 * dashboards, dbt and the agent call. SQL is Trino's dialect; execution is DuckDB.
 */
import type { AuditSource } from '../govern/index.js'

/** Request-scoped state of one client session (Trino's X-Trino-* headers travel here). */
export interface Session {
  readonly user: string
  readonly catalog?: string
  readonly schema?: string
  /** Session properties (`SET SESSION a = b`, X-Trino-Session). */
  readonly properties: Readonly<Record<string, string>>
  /** Prepared statements by name (X-Trino-Prepared-Statement), SQL text. */
  readonly preparedStatements: Readonly<Record<string, string>>
  readonly source?: string
  readonly clientTags?: readonly string[]
  readonly timeZone?: string
  /** Groups and roles of the user: the identity the access rules are evaluated for. */
  readonly groups?: readonly string[]
  readonly roles?: readonly string[]
  /** The authenticated user when the statement runs as another (`user`, impersonated): the audit trail's actor. */
  readonly authenticatedUser?: string
  /** The entry point that received the statement, for the audit trail (default `engine`). */
  readonly auditSource?: AuditSource
  /** The client's address, for the audit trail. */
  readonly remote?: string
}

/** A result column: its name and Trino type signature (`bigint`, `varchar`, `decimal(12,2)`, `array(varchar)`, `row(a bigint, b varchar)`…). */
export interface ColumnMeta {
  readonly name: string
  /** Trino's type string as the protocol's `columns[].type` carries it. */
  readonly type: string
}

/**
 * What a statement changes in the client's session, returned to Trino clients as response headers
 * (X-Trino-Set-Catalog, -Set-Schema, -Set-Session, -Clear-Session, -Added-Prepare, -Deallocated-Prepare).
 */
export interface SessionChanges {
  readonly setCatalog?: string
  readonly setSchema?: string
  readonly setSession?: Readonly<Record<string, string>>
  readonly resetSession?: readonly string[]
  readonly addedPrepare?: Readonly<Record<string, string>>
  readonly deallocatedPrepare?: readonly string[]
}

/**
 * A statement's result. `rows` streams batches of rows whose values are ALREADY in Trino's JSON wire encoding
 * for the column's type, as a Trino server sends them: boolean, integer types and double as JSON numbers
 * (bigint beyond 2^53 loses precision in JS clients exactly as it does against Trino); decimal as a string;
 * varchar/char as strings; varbinary as base64; date 'YYYY-MM-DD'; time 'HH:MM:SS.fff'; timestamp(p)
 * 'YYYY-MM-DD HH:MM:SS.ffffff'; timestamp(p) with time zone '… UTC' (or the zone); uuid as a string; json as its
 * text; array as a JSON array; map as a JSON object; row as a JSON array; NaN/Infinity as the strings Trino uses;
 * NULL as null. The engine does the encoding so every consumer (gateway, in-process CLI, dashboards) sees the same.
 */
export interface QueryResult {
  readonly queryId: string
  readonly columns: readonly ColumnMeta[]
  readonly rows: AsyncIterable<readonly (readonly unknown[])[]>
  /** For DDL/DML: Trino's updateType ('INSERT', 'DELETE', 'UPDATE', 'MERGE', 'CREATE TABLE', 'SET SESSION', …). */
  readonly updateType?: string
  /** For INSERT/UPDATE/DELETE/MERGE/CTAS: rows affected (Trino's updateCount). */
  readonly updateCount?: number
  readonly sessionChanges?: SessionChanges
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal
  /** The id the caller already gave the query (the Trino gateway's), so logs, the audit trail and system.runtime.queries agree. */
  readonly queryId?: string
  /** Called with progress (rows processed so far, state) for protocol stats. */
  readonly onProgress?: (p: { readonly state: QueryState; readonly processedRows: number }) => void
}

export type QueryState = 'QUEUED' | 'PLANNING' | 'RUNNING' | 'FINISHING' | 'FINISHED' | 'FAILED'

/**
 * Runs one SQL statement for a session. Errors are AkkoError with stable codes (SYNTAX_ERROR with
 * `details.line`/`details.column` for Trino's errorLocation, NOT_SUPPORTED naming the construct,
 * PERMISSION_DENIED, TABLE_NOT_FOUND, …). Cancel with `opts.signal`.
 */
export interface QueryEngine {
  execute(sql: string, session: Session, opts?: ExecuteOptions): Promise<QueryResult>
  close(): Promise<void>
}
