/**
 * The binder: turns a Trino query into DuckDB SQL that can only read what the connectors hand out.
 * Every table reference is resolved (CTE names shadow tables) and replaced by its connector's relation in
 * `relationFor`, every function and table function is checked against the allow-list and mapped to DuckDB,
 * and simple `column op literal` conjuncts are passed to the connector for pruning. Anything the binder does
 * not recognise as safe is refused: DuckDB's sandbox settings are the second line of defence, not the first.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import type { Session } from '../engine.js'
import type { Connector, PushdownPredicate, ScanContext, ScanRequest, TableRef, TableVersion } from '../connectors/connector.js'
import { astWalk, columnRefParts, constantValue, isBaseTable, isConstant, isFunction, isObject, isTableFunction, type BaseTableNode } from './ast.js'
import { functionBind, tableFunctionCheck } from './functions.js'
import { sqlDeparse, sqlParse, type AstNode } from './parse.js'
import { TIME_TRAVEL_MARK } from './tokenizer.js'

/** What the binder needs from the engine for one query. */
export interface BindContext {
  readonly conn: DuckDBConnection
  readonly session: Session
  readonly scan: ScanContext
  /** Trino name resolution with the session's catalog and schema. */
  resolveName(parts: readonly string[]): TableRef
  connector(catalog: string): Connector | undefined
  /** Versions from `FOR VERSION/TIMESTAMP AS OF`, by the index the tokenizer put in the table name. */
  readonly versions?: readonly TableVersion[]
  /** Values for `?` placeholders (EXECUTE … USING), as tree nodes. */
  readonly parameters?: readonly AstNode[]
  /** This table's scan also yields `_file` and `_pos`. */
  readonly rowIdsFor?: TableRef
  /**
   * The bound DuckDB SQL of view `ref` (its query bound with the view's own catalog and schema as defaults,
   * through every check of this binder), or undefined when no such view exists.
   */
  view?(ref: TableRef): Promise<string | undefined>
}

/** One table reference found in the query. */
export interface BoundTable {
  readonly ref: TableRef
  readonly alias: string
  readonly request: ScanRequest
}

const REFUSED_TABLE_REFS = new Set(['SHOW_REF', 'COLUMN_DATA', 'DELIM_GET', 'BOUND_REF'])

/** Binds a parsed-able Trino query (text after the tokenizer's rewrites) to DuckDB SQL. */
export async function queryBind(ctx: BindContext, sql: string): Promise<{ sql: string; tables: readonly BoundTable[] }> {
  const tree = await sqlParse(ctx.conn, sql)
  const found: { node: BaseTableNode; ref: TableRef; version?: TableVersion; filters: PushdownPredicate[] }[] = []
  const filtersOf = new Map<AstNode, PushdownPredicate[]>()
  const params = ctx.parameters ?? []
  let paramCount = 0
  astWalk<ReadonlySet<string>>(tree, new Set(), (n, scope, parent, key) => {
    if (n.class === 'PARAMETER') {
      const i = Number(String(n.identifier ?? '').replace(/\D/g, '') || paramCount + 1) - 1
      paramCount++
      const value = params[i]
      if (!value || !parent) throw new AkkoError('INVALID_REQUEST', `The query has a ? parameter without a value: run it with EXECUTE … USING`, { parameter: i + 1 })
      replaceChild(parent, key, n, structuredClone(value))
      return false
    }
    let next = scope
    if (isObject(n.cte_map) && Array.isArray(n.cte_map.map)) {
      next = new Set([...scope, ...(n.cte_map.map as AstNode[]).map(e => String(e.key).toLowerCase())])
    }
    if (n.type === 'SELECT_NODE' && isObject(n.from_table) && isBaseTable(n.from_table)) filtersOf.set(n.from_table, pushdownFilters(n.where_clause, n.from_table))
    if (typeof n.type === 'string' && REFUSED_TABLE_REFS.has(n.type)) throw new AkkoError('NOT_SUPPORTED', `${n.type} is not supported in queries`, {})
    if (isBaseTable(n)) {
      if (n.at_clause !== null && n.at_clause !== undefined) throw new AkkoError('NOT_SUPPORTED', 'AT (…) clauses are not supported: use FOR VERSION AS OF or FOR TIMESTAMP AS OF', {})
      const { name, version } = versionMarker(n.table_name, ctx.versions ?? [])
      if (!n.schema_name && !n.catalog_name && version === undefined && next.has(name.toLowerCase())) return false
      const parts = [n.catalog_name, n.schema_name, name].filter(p => p !== '')
      found.push({ node: n, ref: ctx.resolveName(parts), version, filters: filtersOf.get(n) ?? [] })
      return false
    }
    if (isConstant(n) && n.value.type.id === 'DOUBLE' && !n.value.is_null && parent) {
      // DuckDB prints a double constant as `1.5`, which it would read back as a decimal: keep it a double.
      replaceChild(parent, key, n, { class: 'CAST', type: 'OPERATOR_CAST', alias: n.alias, query_location: n.query_location, child: { ...n, alias: '' }, cast_type: { id: 'DOUBLE', type_info: null }, try_cast: false })
      return false
    }
    if (isTableFunction(n)) tableFunctionCheck(n.function)
    if (isFunction(n)) functionBind(n)
    return next
  })
  trinoColumnNames(tree)
  const nonce = randomBytes(6).toString('hex')
  const relations: string[] = []
  const tables: BoundTable[] = []
  for (const f of found) {
    const alias = f.node.alias || f.ref.table
    const rowIds = ctx.rowIdsFor !== undefined && sameRef(ctx.rowIdsFor, f.ref)
    const request: ScanRequest = { filters: f.filters, ...(f.version ? { version: f.version } : {}), ...(rowIds ? { withRowIds: true } : {}) }
    relations.push(await relationOrView(ctx, f.ref, alias, request))
    tables.push({ ref: f.ref, alias, request })
    f.node.table_name = `__akko_${nonce}_${relations.length - 1}`
    f.node.schema_name = ''
    f.node.catalog_name = ''
    f.node.alias = alias
  }
  const text = await sqlDeparse(ctx.conn, tree)
  const placeholder = new RegExp(`"?__akko_${nonce}_(\\d+)"?`, 'g')
  return { sql: text.replace(placeholder, (_m, i: string) => `(${relations[Number(i)] as string})`), tables }
}

/** The table's relation or, when there is no such table, the bound query of the view of that name. */
async function relationOrView(ctx: BindContext, ref: TableRef, alias: string, request: ScanRequest): Promise<string> {
  try {
    return await relationFor(ctx, ref, alias, request)
  } catch (e) {
    if (!(e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND') || !ctx.view) throw e
    const sql = await ctx.view(ref)
    if (sql === undefined) throw e
    const name = `${ref.catalog}.${ref.schema}.${ref.table}`
    if (request.version) throw new AkkoError('NOT_SUPPORTED', `View ${name} cannot be read FOR VERSION/TIMESTAMP AS OF: only tables have versions`, { view: name })
    if (request.withRowIds) throw new AkkoError('NOT_SUPPORTED', `View ${name} cannot be modified: UPDATE, DELETE and MERGE need a table`, { view: name })
    return sql
  }
}

/**
 * THE place where a table reference becomes rows: the connector's relation for this query. Governance (row
 * filters, column masks) wraps the relation here and nowhere else.
 */
export async function relationFor(ctx: BindContext, ref: TableRef, _alias: string, request: ScanRequest): Promise<string> {
  const connector = ctx.connector(ref.catalog)
  if (!connector) throw new AkkoError('NOT_FOUND', `Catalog '${ref.catalog}' does not exist`, { catalog: ref.catalog })
  const { sql } = await connector.scan(ctx.scan, ref, request)
  return sql
}

function versionMarker(tableName: string, versions: readonly TableVersion[]): { name: string; version?: TableVersion } {
  const at = tableName.indexOf(TIME_TRAVEL_MARK)
  if (at < 0) return { name: tableName }
  const version = versions[Number(tableName.slice(at + TIME_TRAVEL_MARK.length))]
  if (!version) throw new AkkoError('SYNTAX_ERROR', `Malformed table name ${tableName}`, { line: 1, column: 1 })
  return { name: tableName.slice(0, at), version }
}

/** Trino names unaliased expression columns `_col0`, `_col1`… by position (DuckDB uses the expression text). */
function trinoColumnNames(statement: AstNode): void {
  let node = statement.node as AstNode | undefined
  while (node && node.type === 'SET_OPERATION_NODE') node = node.left as AstNode
  if (!node || node.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return
  ;(node.select_list as AstNode[]).forEach((e, i) => {
    if (e.alias === '' && e.class !== 'COLUMN_REF' && e.class !== 'STAR') e.alias = `_col${i}`
  })
}

const sameRef = (a: TableRef, b: TableRef): boolean => a.catalog === b.catalog && a.schema === b.schema && a.table === b.table

function replaceChild(parent: AstNode, key: string, old: AstNode, value: AstNode): void {
  const slot = parent[key]
  if (Array.isArray(slot)) slot[slot.indexOf(old)] = value
  else parent[key] = value
}

const COMPARISONS: Readonly<Record<string, PushdownPredicate['op']>> = {
  COMPARE_EQUAL: '=', COMPARE_NOTEQUAL: '<>', COMPARE_LESSTHAN: '<', COMPARE_LESSTHANOREQUALTO: '<=', COMPARE_GREATERTHAN: '>', COMPARE_GREATERTHANOREQUALTO: '>=',
}
const FLIPPED: Readonly<Record<string, PushdownPredicate['op']>> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' }

/** `col op literal` conjuncts of a WHERE over a single table (the engine still applies the full WHERE). */
export function pushdownFilters(where: unknown, table: BaseTableNode): PushdownPredicate[] {
  const out: PushdownPredicate[] = []
  const qualifiers = new Set([table.alias, table.table_name.split(TIME_TRAVEL_MARK)[0] as string].filter(Boolean).map(s => s.toLowerCase()))
  const column = (n: unknown): string | undefined => {
    const parts = columnRefParts(n)
    if (!parts) return undefined
    if (parts.length === 1) return (parts[0] as string).toLowerCase()
    if (parts.length === 2 && qualifiers.has((parts[0] as string).toLowerCase())) return (parts[1] as string).toLowerCase()
    return undefined
  }
  const literal = (n: unknown): unknown => (isConstant(n) ? constantValue(n) : undefined)
  const visit = (e: unknown): void => {
    if (!isObject(e)) return
    if (e.class === 'CONJUNCTION' && e.type === 'CONJUNCTION_AND') return (e.children as unknown[]).forEach(visit)
    const op = typeof e.type === 'string' ? COMPARISONS[e.type] : undefined
    if (op && e.class === 'COMPARISON') {
      const [lc, rc] = [column(e.left), column(e.right)]
      const [lv, rv] = [literal(e.right), literal(e.left)]
      if (lc && lv !== undefined && lv !== null) out.push({ column: lc, op, value: lv })
      else if (rc && rv !== undefined && rv !== null) out.push({ column: rc, op: FLIPPED[op] as PushdownPredicate['op'], value: rv })
      return
    }
    if (e.class === 'OPERATOR' && (e.type === 'OPERATOR_IS_NULL' || e.type === 'OPERATOR_IS_NOT_NULL')) {
      const c = column((e.children as unknown[])[0])
      if (c) out.push({ column: c, op: e.type === 'OPERATOR_IS_NULL' ? 'is null' : 'is not null' })
      return
    }
    if (e.class === 'OPERATOR' && e.type === 'COMPARE_IN') {
      const [first, ...rest] = e.children as unknown[]
      const c = column(first)
      const values = rest.map(literal)
      if (c && values.every(v => v !== undefined && v !== null)) out.push({ column: c, op: 'in', value: values })
    }
  }
  visit(where)
  return out
}

/** The Trino rule for 1-, 2- and 3-part names. */
export function nameResolve(session: Session, parts: readonly string[]): TableRef {
  const p = parts.map(s => s.toLowerCase())
  if (p.length === 3) return { catalog: p[0] as string, schema: p[1] as string, table: p[2] as string }
  if (p.length === 2) {
    if (!session.catalog) throw new AkkoError('INVALID_REQUEST', `Catalog must be specified when session catalog is not set (table ${p.join('.')})`, { table: p.join('.') })
    return { catalog: session.catalog, schema: p[0] as string, table: p[1] as string }
  }
  if (p.length === 1) {
    if (!session.catalog || !session.schema) throw new AkkoError('INVALID_REQUEST', `Schema must be specified when session schema is not set (table ${p[0]})`, { table: p[0] })
    return { catalog: session.catalog, schema: session.schema, table: p[0] as string }
  }
  throw new AkkoError('SYNTAX_ERROR', `Too many dots in table name ${parts.join('.')}`, { line: 1, column: 1 })
}
