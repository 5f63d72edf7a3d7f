/**
 * The query engine: admits a statement (bounded concurrency, FIFO queue, registry), tokenizes it, and
 * dispatches by its leading keywords: queries through the binder onto the sandboxed DuckDB, core statements
 * (SHOW, DESCRIBE, USE, EXPLAIN, SET/RESET SESSION, PREPARE/EXECUTE/DEALLOCATE) here, everything else to the
 * registered statement handlers (Iceberg DDL/DML) or NOT_SUPPORTED.
 * @module
 */
import { dirname } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError, type Logger } from '../core/index.js'
import { auditNone, type AuditReader, type AuditRecorder, type PolicyProvider } from '../govern/index.js'
import type { IcebergCatalog, TableContext } from '../storage/index.js'
import type { Connector, ScanContext, TableRef } from './connectors/connector.js'
import { systemConnector, withInformationSchema, type RuntimeTables } from './connectors/system-connector.js'
import type { ExecuteOptions, QueryEngine, QueryResult, Session } from './engine.js'
import { GOVERNED_SOURCE } from './governance/governed-relation.js'
import { AccessRecord, QueryAccess, type IdentityResolver } from './governance/query-access.js'
import { statementAuditEvent, type StatementEnd } from './governance/statement-audit.js'
import { errorForUser } from './session/errors.js'
import { QueryRegistry, type QueryInfo, type RegistryOptions } from './session/query-registry.js'
import { runStreamed, type QueryLimits } from './session/run.js'
import { sandboxCreate, type Sandbox, type SandboxOptions } from './session/sandbox.js'
import { nameResolve, queryBind, type ViewExpansion } from './sql/bind.js'
import type { PredicateRisk } from './sql/predicate-risk.js'
import { trinoSyntaxRewrite } from './sql/trino-syntax.js'
import { singleStatement, sqlTokenize, positionOf, statementHead, timeTravelRewrite, type Token } from './sql/tokenizer.js'
import { coreStatement, executeExpand, staticResult, type CoreContext } from './statements/core-statements.js'
import { ROW_OK } from './statements/iceberg-common.js'
import { viewDefinition } from './statements/iceberg-views.js'
import type { StatementContext, StatementHandler } from './statements/statement.js'
import { trinoType } from './types.js'

export interface QueryEngineOptions {
  /** Catalogs besides `system` (added by the engine). Each gets an `information_schema`. */
  readonly connectors: readonly Connector[]
  readonly iceberg: { readonly catalog: IcebergCatalog; readonly tables: TableContext }
  readonly handlers?: readonly StatementHandler[]
  readonly limits?: QueryLimits & RegistryOptions
  readonly sandbox: SandboxOptions
  readonly log: Logger
  /**
   * The access rules, evaluated for each statement's Session identity (`user`, `groups`, `roles`): privileges,
   * row filters and column masks in the binder, privileges of DDL and DML, what SHOW and information_schema list.
   * Absent: nothing is enforced.
   */
  readonly policy?: PolicyProvider
  /** Where each statement's audit event goes (absent: recorded nowhere). */
  readonly audit?: AuditRecorder
  /** The trail `system.audit.events` reads (absent: the table is empty). */
  readonly auditReader?: AuditReader
  /**
   * Groups and roles of a user by name: the owner of a SECURITY DEFINER view reads with the rules of this identity.
   * Absent (or unknown user): the owner is known by name only, so rules matching roles or groups do not apply to it.
   */
  readonly resolveIdentity?: IdentityResolver
  /** Rows of `system.runtime` tables other layers provide (`cdc_pipelines`). */
  readonly runtimeTables?: RuntimeTables
}

/** The engine with its operational extras (cancel by id, the query list). */
export interface AkkoQueryEngine extends QueryEngine {
  cancel(queryId: string): boolean
  queries(): readonly QueryInfo[]
}

/** Views over views deeper than this are refused (which also stops a view that refers to itself). */
const MAX_VIEW_DEPTH = 10
const QUERY_HEADS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'FROM'])
/** First words of every Trino statement: others are syntax errors, these are NOT_SUPPORTED when not implemented. */
const TRINO_STATEMENT_WORDS = new Set([
  'ALTER', 'ANALYZE', 'CALL', 'COMMENT', 'COMMIT', 'CREATE', 'DEALLOCATE', 'DELETE', 'DENY', 'DESC', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN',
  'FROM', 'GRANT', 'INSERT', 'MERGE', 'PREPARE', 'REFRESH', 'RESET', 'REVOKE', 'ROLLBACK', 'SELECT', 'SET', 'SHOW', 'START', 'TABLE', 'TRUNCATE',
  'UPDATE', 'USE', 'VALUES', 'WITH',
  // Not Trino, but statements of other dialects (DuckDB's file, extension and setting statements above all):
  // refusing them by name says more than a syntax error would.
  'ATTACH', 'CHECKPOINT', 'COPY', 'DETACH', 'EXPORT', 'FORCE', 'IMPORT', 'INSTALL', 'LOAD', 'PIVOT', 'PRAGMA', 'SUMMARIZE', 'UNPIVOT', 'VACUUM',
])
const EXPECTING = "'ALTER', 'ANALYZE', 'CALL', 'COMMENT', 'COMMIT', 'CREATE', 'DEALLOCATE', 'DELETE', 'DENY', 'DESC', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', 'GRANT', 'INSERT', 'MERGE', 'PREPARE', 'REFRESH', 'RESET', 'REVOKE', 'ROLLBACK', 'SELECT', 'SET', 'SHOW', 'START', 'TABLE', 'TRUNCATE', 'UPDATE', 'USE', 'VALUES', 'WITH', <query>"
const CORE_HEADS = ['SHOW', 'DESCRIBE', 'DESC', 'USE', 'SET SESSION', 'RESET SESSION', 'PREPARE', 'DEALLOCATE']

/** Creates the engine and its sandboxed DuckDB instance. */
export async function createQueryEngine(opts: QueryEngineOptions): Promise<AkkoQueryEngine> {
  const sandbox: Sandbox = await sandboxCreate(opts.sandbox)
  const registry = new QueryRegistry(opts.limits)
  const catalogs = new Map<string, Connector>()
  const all = (): Connector[] => [...catalogs.values()]
  for (const c of opts.connectors) catalogs.set(c.catalog, withInformationSchema(c))
  catalogs.set('system', withInformationSchema(systemConnector({ queries: () => registry.list(), catalogs: all, audit: opts.auditReader, runtimeTables: opts.runtimeTables })))
  const recorder = opts.audit ?? auditNone
  const handlers = opts.handlers ?? []
  // Private paths no error message may show: the sandbox's directories and the home they live in.
  const dirs = [...opts.sandbox.allowedDirectories, ...(opts.sandbox.tempDirectory ? [opts.sandbox.tempDirectory] : [])]
  const hidden = [...new Set([...dirs, ...dirs.map(d => dirname(d.replace(/\/+$/, '')))])].filter(d => d !== '/' && d !== '.')
  let closed = false

  async function execute(sql: string, session: Session, eo: ExecuteOptions = {}): Promise<QueryResult> {
    if (closed) throw new AkkoError('INTERNAL', 'Query engine used after close (this is a bug)')
    const startedMs = Date.now()
    const info = registry.register({ user: session.user, source: session.source, sql, ...(eo.queryId ? { queryId: eo.queryId } : {}) })
    const signal = info.controller.signal
    const onOuterAbort = (): void => info.controller.abort()
    eo.signal?.addEventListener('abort', onOuterAbort, { once: true })
    if (eo.signal?.aborted) info.controller.abort()
    const record = new AccessRecord()
    const access = new QueryAccess(opts.policy, { user: session.user, groups: session.groups ?? [], roles: session.roles ?? [] }, record, { resolveIdentity: opts.resolveIdentity })
    let head = ''
    let audited = false
    const audit = (end: StatementEnd): void => {
      if (audited) return
      audited = true
      try {
        recorder.record(statementAuditEvent({ session, queryId: info.queryId, sql, head, record, startedMs, end: signal.aborted && end.error === undefined && end.abandoned ? { ...end, error: new AkkoError('CANCELLED', 'Query was cancelled', {}) } : end }))
      } catch (e) {
        opts.log.emit({ code: 'Q401', level: 'warn', msg: 'audit event not recorded', queryId: info.queryId, error: (e as Error).message })
      }
    }
    let conn: DuckDBConnection | undefined
    let held = false
    const temps: string[] = []
    const release = (error?: unknown): void => {
      eo.signal?.removeEventListener('abort', onOuterAbort)
      if (conn) {
        const c = conn
        conn = undefined
        for (const t of temps) c.run(`DROP TABLE IF EXISTS ${t}; DROP VIEW IF EXISTS ${t}`).catch(() => undefined)
        sandbox.release(c, error !== undefined && signal.aborted)
      }
      registry.finish(info, error === undefined ? 'FINISHED' : 'FAILED', error === undefined ? undefined : error instanceof AkkoError ? error.code : 'INTERNAL', held)
      held = false
      eo.onProgress?.({ state: info.state, processedRows: info.rows })
    }
    try {
      await registry.admit(info)
      held = true
      info.state = 'PLANNING'
      info.started = new Date()
      eo.onProgress?.({ state: 'PLANNING', processedRows: 0 })
      conn = await sandbox.acquire()
      const c = conn
      let tempSeq = 0
      const scan: ScanContext = { conn: c, session, signal, access, memo: new Map(), tempName: () => { const n = `akko_tmp_${info.queryId}_${tempSeq++}`; temps.push(n); return n } }
      const resolveName = (parts: readonly string[]): TableRef => nameResolve(session, parts)
      const connector = (name: string) => catalogs.get(name)
      const bind = async (text: string, rowIdsFor?: TableRef, names: Session = session, viewDepth = 0, bindAccess: QueryAccess = access, outerRisk?: PredicateRisk): Promise<{ sql: string }> => {
        const tokens = singleStatement(text, sqlTokenize(text)).tokens
        const tt = timeTravelRewrite(text, tokens)
        const view = async (ref: TableRef): Promise<ViewExpansion | undefined> => {
          if (catalogs.get(ref.catalog)?.kind !== 'iceberg') return undefined
          const def = await viewDefinition(opts.iceberg.catalog, ref)
          if (!def) return undefined
          const name = `${ref.catalog}.${ref.schema}.${ref.table}`
          if (viewDepth >= MAX_VIEW_DEPTH) throw new AkkoError('NOT_SUPPORTED', `View ${name} nests views more than ${MAX_VIEW_DEPTH} deep (or refers to itself)`, { view: name })
          return {
            columns: def.columns,
            owner: def.owner,
            security: def.security,
            body: async (a, risk) => {
              // A view's unqualified names resolve in the catalog and schema it was created in, not the session's.
              const inner = await bind(def.sql, undefined, { ...names, catalog: def.catalog, schema: def.schema }, viewDepth + 1, a ?? bindAccess, risk)
              const columns = def.columns.map(col => `"${col.name.replaceAll('"', '""')}"`).join(', ')
              return def.columns.length > 0 ? `SELECT * FROM (${inner.sql}) AS akko_view(${columns})` : inner.sql
            },
          }
        }
        const resolve = (parts: readonly string[]): TableRef => nameResolve(names, parts)
        return queryBind({ conn: c, session: names, scan, resolveName: resolve, connector, versions: tt.versions, rowIdsFor, view, access: bindAccess, outerRisk }, trinoSyntaxRewrite(tt.sql))
      }
      const run = async (duckSql: string): Promise<QueryResult> => {
        info.state = 'RUNNING'
        eo.onProgress?.({ state: 'RUNNING', processedRows: 0 })
        const r = await runStreamed(c, duckSql, { limits: opts.limits, signal, onRows: n => { info.rows = n; eo.onProgress?.({ state: 'RUNNING', processedRows: n }) }, done: release })
        return { queryId: info.queryId, columns: r.columns, rows: userErrors(r.rows, hidden) }
      }
      const rowFilterGuard = async (ref: TableRef, duckSql: string): Promise<string | undefined> => {
        if (!access.enabled) return undefined
        const columns = await connector(ref.catalog)?.describeTable(session, ref)
        const g = columns ? await access.governance(ref, columns) : undefined
        if (g?.filter === undefined) return undefined
        const text = `SELECT *, (${g.filter}) AS "${ROW_OK}" FROM ${GOVERNED_SOURCE}`
        const name = `${ref.catalog}.${ref.schema}.${ref.table}`
        return (await queryBind({ conn: c, session, scan, resolveName, connector, access, source: duckSql, governing: [name] }, text)).sql
      }
      const result = await dispatch(sql, { c, session, info, bind, run, resolveName, connector, signal, access, rowFilterGuard, onHead: h => { head = h } })
      const streamed = (result as { streamed?: boolean }).streamed === true
      if (conn) {
        // Statements that did not stream (SHOW, USE, handlers' static results) are finished here.
        if (result.rows !== undefined && !streamed) release()
      }
      if (!streamed) {
        audit({ updateType: result.updateType, rows: result.updateCount })
        return result
      }
      return { ...result, rows: auditedRows(result.rows, audit) }
    } catch (raw) {
      release(raw ?? new Error('failed'))
      const e = errorForUser(raw, hidden)
      const err = e instanceof AkkoError ? e : new AkkoError('INTERNAL', `Query failed (this is a bug): ${(e as Error)?.message ?? String(e)}`, { queryId: info.queryId }, { cause: e })
      audit({ error: err })
      throw err
    }
  }

  interface DispatchContext {
    readonly c: DuckDBConnection
    readonly session: Session
    readonly info: QueryInfo
    readonly signal: AbortSignal
    bind(text: string, rowIdsFor?: TableRef): Promise<{ sql: string }>
    run(duckSql: string): Promise<QueryResult>
    resolveName(parts: readonly string[]): TableRef
    connector(name: string): Connector | undefined
    readonly access: QueryAccess
    rowFilterGuard(ref: TableRef, duckSql: string): Promise<string | undefined>
    /** Told the statement's leading keywords (for the audit trail; EXECUTE tells those of the prepared statement). */
    onHead(head: string): void
  }

  async function dispatch(rawSql: string, d: DispatchContext): Promise<QueryResult> {
    const { sql, tokens } = singleStatement(rawSql, sqlTokenize(rawSql))
    const head = statementHead(tokens)
    d.onHead(head)
    const first = head.split(' ')[0] ?? ''
    if (QUERY_HEADS.has(first) || (tokens[0]?.text === '(' && QUERY_HEADS.has(first))) {
      const bound = await d.bind(sql)
      return streamedMark(await d.run(bound.sql))
    }
    if (first === 'EXPLAIN') {
      let i = 1
      const analyze = tokens[i]?.text.toUpperCase() === 'ANALYZE'
      if (analyze) i++
      if (tokens[i]?.text === '(') while (i < tokens.length && tokens[i]?.text !== ')') i++, i === tokens.length && i--
      if (tokens[i]?.text === ')') i++
      const inner = sql.slice(tokens[i]?.start ?? sql.length)
      const bound = await d.bind(inner)
      if (d.access.record.governed.size > 0) {
        // A plan prints the filter and mask expressions with their constants: not shown to those they apply to.
        const names = [...d.access.record.governed].sort().join(', ')
        throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot explain a query over tables with row filters or column masks for this user (${names})`, { tables: [...d.access.record.governed].sort() })
      }
      const reader = await d.c.runAndReadAll(`EXPLAIN ${analyze ? 'ANALYZE ' : ''}${bound.sql}`)
      const text = reader.getRows().map(r => String(r[1] ?? '')).join('\n')
      return staticResult(d.info.queryId, [{ name: 'Query Plan', type: 'varchar' }], [[text]])
    }
    if (first === 'EXECUTE') {
      const expanded = executeExpand(coreContext(sql, tokens, d), sqlTokenize)
      if (/^\s*EXECUTE\b/i.test(expanded)) throw new AkkoError('NOT_SUPPORTED', 'A prepared statement cannot EXECUTE another one', {})
      return dispatch(expanded, d)
    }
    if (CORE_HEADS.some(h => head === h || head.startsWith(`${h} `))) {
      const r = await coreStatement(coreContext(sql, tokens, d), head)
      if (r) return r
    }
    const handler = handlers.find(h => h.matches(head, sql))
    if (handler) {
      const ctx: StatementContext = {
        queryId: d.info.queryId,
        session: d.session,
        signal: d.signal,
        conn: d.c,
        iceberg: opts.iceberg,
        resolveName: d.resolveName,
        connector: d.connector,
        access: d.access,
        rowFilterGuard: d.rowFilterGuard,
        bindQuery: async (q, o) => {
          const b = await d.bind(q, o?.rowIdsFor)
          return { sql: b.sql, columns: await columnsOf(d.c, b.sql) }
        },
        run: async s => streamedMark(await d.run(s)),
      }
      return handler.execute(sql, ctx)
    }
    const lead = tokens[0] as Token
    if (lead.kind !== 'word' || !TRINO_STATEMENT_WORDS.has(lead.text.toUpperCase())) {
      // Trino's parser rejects an unknown first word the same way: "mismatched input 'SELEC'".
      const pos = positionOf(sql, lead.start)
      throw new AkkoError('SYNTAX_ERROR', `line ${pos.line}:${pos.column}: mismatched input '${lead.text}'. Expecting: ${EXPECTING}`, pos)
    }
    throw new AkkoError('NOT_SUPPORTED', `Statement ${head || sql.slice(0, 20)} is not supported`, { statement: head })
  }

  function coreContext(sql: string, tokens: readonly Token[], d: DispatchContext): CoreContext {
    return { queryId: d.info.queryId, sql, session: d.session, tokens, connectors: all, connector: d.connector, resolveName: d.resolveName, access: d.access }
  }

  return {
    execute,
    cancel: id => registry.cancel(id),
    queries: () => registry.list(),
    async close() {
      if (closed) return
      closed = true
      sandbox.close()
    },
  }
}

/** The result stream with DuckDB errors raised while reading it turned into what the user may see. */
async function* userErrors<T>(rows: AsyncIterable<T>, hidden: readonly string[]): AsyncGenerator<T> {
  try {
    yield* rows
  } catch (e) {
    throw errorForUser(e, hidden)
  }
}

/** The result stream, counting rows for the audit event recorded when it ends, fails or is abandoned. */
async function* auditedRows<T extends readonly unknown[]>(rows: AsyncIterable<T>, audit: (end: StatementEnd) => void): AsyncGenerator<T> {
  let n = 0
  let done = false
  try {
    for await (const batch of rows) {
      n += batch.length
      yield batch
    }
    done = true
  } catch (e) {
    audit({ error: e, rows: n })
    throw e
  } finally {
    audit(done ? { rows: n } : { rows: n, abandoned: true })
  }
}

/** Marks a result whose connection is released by its stream (not by `execute`). */
function streamedMark(r: QueryResult): QueryResult {
  return Object.assign(r, { streamed: true })
}

/** A bound query's result columns, from DuckDB's prepared statement (nothing is executed). */
async function columnsOf(conn: DuckDBConnection, sql: string) {
  const p = await conn.prepare(sql)
  try {
    return Array.from({ length: p.columnCount }, (_x, i) => ({ name: p.columnName(i), type: trinoType(p.columnType(i)) }))
  } finally {
    p.destroySync()
  }
}
