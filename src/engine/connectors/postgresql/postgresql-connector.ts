import { AkkoError, silentLogger, type Logger } from '../../../core/index.js'
import type { Session } from '../../engine.js'
import type { ColumnInfo, Connector, PushdownPredicate, ScanContext, ScanRequest, TableRef } from '../connector.js'
import { postgresqlWrapError, type PostgresqlClient } from './postgresql-client.js'
import { duckIdent, postgresqlLoad, POSTGRESQL_ROW_MARKER } from './postgresql-load.js'
import { postgresqlWhere } from './postgresql-pushdown.js'
import { postgresqlColumnMap, postgresqlIdent, postgresqlReadExpr, type PgAttributeRow, type PostgresqlColumn } from './postgresql-types.js'

/** What the connector sent to PostgreSQL for one scan (for tests, EXPLAIN and debugging). */
export interface PostgresqlRemoteQuery {
  readonly table: TableRef
  readonly sql: string
  readonly params: readonly string[]
  /** The predicates sent to PostgreSQL; the others are left to the engine. */
  readonly pushed: readonly PushdownPredicate[]
}

/** Options of {@link postgresqlConnectorCreate}. */
export interface PostgresqlConnectorOptions {
  /** The catalog's name as users write it (`postgresql`, `crm`, …). */
  readonly catalog: string
  readonly client: PostgresqlClient
  readonly log?: Logger
  /** Rows per cursor FETCH (default 5000). */
  readonly batchRows?: number
  /** Observes each SELECT sent to PostgreSQL. */
  readonly onRemoteQuery?: (q: PostgresqlRemoteQuery) => void
  /** Observes each FETCH batch's row count. */
  readonly onBatch?: (rows: number) => void
}

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast']

const SCHEMAS_SQL = `SELECT nspname FROM pg_catalog.pg_namespace
 WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
   AND has_schema_privilege(oid, 'USAGE')
 ORDER BY nspname COLLATE "C"`

// Tables, views, materialized views, foreign and partitioned tables: what Trino's PostgreSQL connector lists.
const RELKINDS = `('r', 'v', 'm', 'f', 'p')`

const TABLES_SQL = `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relkind IN ${RELKINDS} ORDER BY c.relname COLLATE "C"`

const FOLDED_SQL = `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE lower(n.nspname) = lower($1) AND lower(c.relname) = lower($2) AND c.relkind IN ${RELKINDS}`

// Domains are resolved to their base type; for arrays the element type comes along (with the column's typmod).
const COLUMNS_SQL = `SELECT a.attname, a.attnotnull, a.attndims, b.typname, b.typtype,
   format_type(b.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
   e.typname, e.typtype, CASE WHEN e.oid IS NULL THEN NULL ELSE format_type(e.oid, a.atttypmod) END,
   col_description(c.oid, a.attnum)
 FROM pg_catalog.pg_class c
 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
 JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
 JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
 LEFT JOIN pg_catalog.pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ${RELKINDS} AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`

/**
 * Creates the connector of one PostgreSQL-backed catalog.
 * @example postgresqlConnectorCreate({ catalog: 'postgresql', client: await postgresqlEmbeddedOpen(join(home, 'postgresql')) })
 */
export function postgresqlConnectorCreate(opts: PostgresqlConnectorOptions): PostgresqlConnector {
  return new PostgresqlConnector(opts)
}

/**
 * A catalog over one PostgreSQL database (Trino's PostgreSQL connector): schemas are PostgreSQL schemas, and a
 * scan sends PostgreSQL only the columns the query needs and the predicates it can evaluate exactly as the
 * engine would, then streams the rows into a DuckDB TEMP table on the query's connection.
 */
export class PostgresqlConnector implements Connector {
  readonly kind = 'postgresql' as const
  readonly catalog: string
  readonly #opts: PostgresqlConnectorOptions
  readonly #client: PostgresqlClient
  readonly #log: Logger

  constructor(opts: PostgresqlConnectorOptions) {
    this.catalog = opts.catalog
    this.#opts = opts
    this.#client = opts.client
    this.#log = opts.log ?? silentLogger
  }

  /** Schemas the connecting role may use, without PostgreSQL's system schemas. */
  async listSchemas(_session: Session): Promise<string[]> {
    const { rows } = await this.#query('listing schemas', SCHEMAS_SQL, [])
    return rows.map((r) => String(r[0]))
  }

  /** Tables and views of a schema; NAMESPACE_NOT_FOUND when the schema does not exist. */
  async listTables(session: Session, schema: string): Promise<string[]> {
    const { rows } = await this.#query('listing tables', TABLES_SQL, [schema])
    if (rows.length === 0 && !(await this.#schemaExists(session, schema))) throw this.#schemaNotFound(schema)
    return rows.map((r) => String(r[0]))
  }

  /** Mapped columns of a table or view, or undefined when it does not exist. Unsupported columns are skipped. */
  async describeTable(_session: Session, ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const cols = (await this.#resolve(ref))?.columns
    return cols?.map((c) => Object.freeze({ name: c.name, type: c.trinoType, nullable: c.nullable, ...(c.comment ? { comment: c.comment } : {}) }))
  }

  /** Loads the needed columns of the rows passing the pushable filters into a TEMP table on `ctx.conn`. */
  async scan(ctx: ScanContext, ref: TableRef, req: ScanRequest): Promise<{ readonly sql: string }> {
    const name = `${this.catalog}.${ref.schema}.${ref.table}`
    if (req.withRowIds) throw new AkkoError('NOT_SUPPORTED', `Catalog '${this.catalog}' does not support UPDATE, DELETE or MERGE (table ${name})`, { catalog: this.catalog })
    if (req.version) throw new AkkoError('NOT_SUPPORTED', `Catalog '${this.catalog}' does not support time travel (FOR VERSION/TIMESTAMP AS OF on ${name})`, { catalog: this.catalog })
    const found = await this.#resolve(ref)
    if (!found) throw await this.#tableNotFound(ctx.session, ref)
    const all = found.columns
    const byName = columnIndex(all)
    const needed = (req.columns ?? all.map((c) => c.name)).map((n) => {
      const c = byName.get(n)
      if (!c) throw new AkkoError('COLUMN_NOT_FOUND', `Column '${n}' cannot be resolved in table ${name}`, { column: n, table: name })
      return c
    })
    const where = postgresqlWhere(req.filters, byName)
    const from = `${postgresqlIdent(found.schema)}.${postgresqlIdent(found.table)}`
    const list = needed.length ? needed.map(postgresqlReadExpr).join(', ') : 'true'
    const select = `SELECT ${list} FROM ${from}${where.sql}`
    const remote = Object.freeze({ table: ref, sql: select, params: where.params, pushed: where.pushed })
    this.#opts.onRemoteQuery?.(remote)
    this.#log.emit(() => ({ code: 'Q301', level: 'debug', msg: 'postgresql scan', catalog: this.catalog, sql: select, pushed: where.pushed.length }))
    const table = ctx.tempName()
    try {
      await postgresqlLoad({
        client: this.#client, conn: ctx.conn, table, columns: needed, select, params: where.params,
        batchRows: this.#opts.batchRows ?? 5000, signal: ctx.signal, onBatch: this.#opts.onBatch,
      })
    } catch (e) {
      throw postgresqlWrapError(e, this.catalog, this.#client.endpoint, `reading ${name}`)
    }
    const out = needed.length ? needed.map((c) => duckIdent(c.name)).join(', ') : duckIdent(POSTGRESQL_ROW_MARKER)
    return Object.freeze({ sql: `SELECT ${out} FROM ${duckIdent(table)}` })
  }

  /**
   * The table's real PostgreSQL names and mapped columns. The engine folds unquoted identifiers to lower case
   * (Trino's rule), so a mixed-case PostgreSQL name is matched case-insensitively when that is unambiguous.
   */
  async #resolve(ref: TableRef): Promise<{ schema: string; table: string; columns: PostgresqlColumn[] } | undefined> {
    const exact = await this.#columns(ref.schema, ref.table)
    if (exact) return { schema: ref.schema, table: ref.table, columns: exact }
    const { rows } = await this.#query('looking up a table', FOLDED_SQL, [ref.schema, ref.table])
    if (rows.length !== 1) return undefined
    const [schema, table] = [String(rows[0]![0]), String(rows[0]![1])]
    const columns = await this.#columns(schema, table)
    return columns ? { schema, table, columns } : undefined
  }

  async #columns(schema: string, table: string): Promise<PostgresqlColumn[] | undefined> {
    const { rows } = await this.#query('describing a table', COLUMNS_SQL, [schema, table])
    if (rows.length === 0) return undefined
    const cols: PostgresqlColumn[] = []
    for (const r of rows) {
      const mapped = postgresqlColumnMap(attributeRow(r))
      if ('skipped' in mapped) {
        this.#log.emit({ code: 'Q302', level: 'info', msg: 'postgresql column skipped', catalog: this.catalog, table: `${schema}.${table}`, column: String(r[0]), reason: mapped.skipped })
        continue
      }
      cols.push(mapped)
    }
    return cols
  }

  async #schemaExists(_session: Session, schema: string): Promise<boolean> {
    if (SYSTEM_SCHEMAS.includes(schema)) return false
    const { rows } = await this.#query('looking up a schema', 'SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema])
    return rows.length > 0
  }

  #schemaNotFound(schema: string): AkkoError {
    return new AkkoError('NAMESPACE_NOT_FOUND', `Schema '${this.catalog}.${schema}' does not exist`, { catalog: this.catalog, schema })
  }

  async #tableNotFound(session: Session, ref: TableRef): Promise<AkkoError> {
    if (!(await this.#schemaExists(session, ref.schema))) return this.#schemaNotFound(ref.schema)
    const name = `${this.catalog}.${ref.schema}.${ref.table}`
    return new AkkoError('TABLE_NOT_FOUND', `Table '${name}' does not exist`, { catalog: this.catalog, schema: ref.schema, table: ref.table })
  }

  async #query(doing: string, sql: string, params: readonly unknown[]) {
    try {
      return await this.#client.query(sql, params)
    } catch (e) {
      throw postgresqlWrapError(e, this.catalog, this.#client.endpoint, doing)
    }
  }
}

/** Columns by exact name, plus by lower-case name where that is unambiguous (see #resolve). */
function columnIndex(columns: readonly PostgresqlColumn[]): Map<string, PostgresqlColumn> {
  const folded = new Map<string, PostgresqlColumn | null>()
  for (const c of columns) {
    const k = c.name.toLowerCase()
    folded.set(k, folded.has(k) ? null : c)
  }
  const index = new Map<string, PostgresqlColumn>()
  for (const [k, c] of folded) if (c) index.set(k, c)
  for (const c of columns) index.set(c.name, c)
  return index
}

function attributeRow(r: readonly unknown[]): PgAttributeRow {
  const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))
  return {
    name: String(r[0]),
    notNull: r[1] === true || r[1] === 't',
    dims: Number(r[2] ?? 0),
    typname: String(r[3]),
    typtype: String(r[4]),
    formatted: String(r[5]),
    elemTypname: str(r[6]),
    elemTyptype: str(r[7]),
    elemFormatted: str(r[8]),
    comment: str(r[9]),
  }
}
