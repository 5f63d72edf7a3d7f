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
import type { ColumnInfo, Connector, PushdownPredicate, ScanContext, ScanRequest, TableRef, TableVersion } from '../connectors/connector.js'
import { metadataTableParse } from '../connectors/iceberg-metadata-tables.js'
import { filterPushdown, governedFill, governedTemplate, governedText, GOVERNED_SENTINEL, GOVERNED_SOURCE } from '../governance/governed-relation.js'
import { tableName, type QueryAccess } from '../governance/query-access.js'
import { astWalk, columnRefParts, constantString, constantValue, isBaseTable, isConstant, isFunction, isObject, isTableFunction, type BaseTableNode } from './ast.js'
import { functionBind, tableFunctionCheck } from './functions.js'
import { predicateRisk, type PredicateRisk } from './predicate-risk.js'
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
  /** The view `ref`, to expand where a table reference names no table; undefined when no such view exists. */
  view?(ref: TableRef): Promise<ViewExpansion | undefined>
  /** The access rules of this binding (the caller's, or a definer view owner's); absent: nothing is enforced. */
  readonly access?: QueryAccess
  /** Set only while binding a governance wrapper: the SQL that `__akko_source` stands for. */
  readonly source?: string
  /** Tables whose wrappers are being bound (a row filter reading its own table is refused, not looped). */
  readonly governing?: readonly string[]
  /** The predicate risk of the statements this one is nested in (a view's query inside the query reading it). */
  readonly outerRisk?: PredicateRisk
}

/** A view found where a query names a table. */
export interface ViewExpansion {
  readonly columns: readonly ColumnInfo[]
  /** The user who created it; a SECURITY DEFINER view reads with this user's rights. */
  readonly owner?: string
  readonly security: 'DEFINER' | 'INVOKER'
  /**
   * The view's query bound (with its own catalog and schema as defaults, through every check) under `access`;
   * `risk` is that of the query reading the view (its predicates may be evaluated inside the view).
   */
  body(access: QueryAccess | undefined, risk: PredicateRisk): Promise<string>
}

/** One table reference turned into rows: the relation's SQL and the columns the caller may not reference. */
interface BoundRelation {
  readonly sql: string
  readonly denied?: { readonly ref: TableRef; readonly columns: readonly string[] }
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
  const sources: BaseTableNode[] = []
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
      if (ctx.source !== undefined && !n.schema_name && !n.catalog_name && name === GOVERNED_SOURCE) {
        sources.push(n)
        return false
      }
      const parts = [n.catalog_name, n.schema_name, name].filter(p => p !== '')
      found.push({ node: n, ref: ctx.resolveName(parts), version, filters: filtersOf.get(n) ?? [] })
      return false
    }
    if (isConstant(n) && n.value.type.id === 'DOUBLE' && !n.value.is_null && parent) {
      // DuckDB prints a double constant as `1.5`, which it would read back as a decimal: keep it a double.
      replaceChild(parent, key, n, { class: 'CAST', type: 'OPERATOR_CAST', alias: n.alias, query_location: n.query_location, child: { ...n, alias: '' }, cast_type: { id: 'DOUBLE', type_info: null }, try_cast: false })
      return false
    }
    const ref = columnRefParts(n)
    if (ref && ref.length === 1 && (ref[0] as string).toLowerCase() === 'current_user' && parent) {
      // Trino's current_user: the user whose rules apply (a definer view's owner inside its view).
      replaceChild(parent, key, n, { ...constantString(ctx.access?.identity.user ?? ctx.session.user), alias: n.alias })
      return false
    }
    if (isTableFunction(n)) tableFunctionCheck(n.function)
    if (isFunction(n)) functionBind(n)
    return next
  })
  trinoColumnNames(tree)
  const risk = predicateRisk(tree, ctx.outerRisk)
  const tableCtx: BindContext = { ...ctx, outerRisk: risk }
  const nonce = randomBytes(6).toString('hex')
  const relations: string[] = []
  const tables: BoundTable[] = []
  const denied: NonNullable<BoundRelation['denied']>[] = []
  for (const f of found) {
    const alias = f.node.alias || f.ref.table
    const rowIds = ctx.rowIdsFor !== undefined && sameRef(ctx.rowIdsFor, f.ref)
    const request: ScanRequest = { filters: f.filters, ...(f.version ? { version: f.version } : {}), ...(rowIds ? { withRowIds: true } : {}) }
    const bound = await relationOrView(tableCtx, f.ref, alias, request)
    relations.push(bound.sql)
    if (bound.denied) denied.push(bound.denied)
    tables.push({ ref: f.ref, alias, request })
    f.node.table_name = `__akko_${nonce}_${relations.length - 1}`
    f.node.schema_name = ''
    f.node.catalog_name = ''
    f.node.alias = alias
  }
  for (const n of sources) {
    relations.push(ctx.source as string)
    n.table_name = `__akko_${nonce}_${relations.length - 1}`
  }
  if (denied.length > 0) deniedColumnsCheck(tree, denied, ctx.access)
  const text = await sqlDeparse(ctx.conn, tree)
  const placeholder = new RegExp(`"?__akko_${nonce}_(\\d+)"?`, 'g')
  return { sql: text.replace(placeholder, (_m, i: string) => `(${relations[Number(i)] as string})`), tables }
}

/**
 * Refuses a query naming a column the caller may not reference (the relation leaves it out, so `*` never expands
 * to it; naming it is an access error rather than an unknown column). Conservative: any column reference whose
 * name is denied in a table of the query is refused, whatever its qualifier.
 */
function deniedColumnsCheck(tree: AstNode, denied: readonly NonNullable<BoundRelation['denied']>[], access: QueryAccess | undefined): void {
  const byName = new Map<string, TableRef>()
  for (const d of denied) for (const c of d.columns) byName.set(c.toLowerCase(), d.ref)
  astWalk<null>(tree, null, n => {
    const parts = columnRefParts(n)
    if (!parts) return null
    for (const p of parts) {
      const ref = byName.get(p.toLowerCase())
      if (ref && access) throw access.columnsDenied(ref, [p])
    }
    return false
  })
}

/** The table's relation or, when there is no such table, the bound query of the view of that name. */
async function relationOrView(ctx: BindContext, ref: TableRef, alias: string, request: ScanRequest): Promise<BoundRelation> {
  try {
    return await relationFor(ctx, ref, alias, request)
  } catch (e) {
    if (!(e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND') || !ctx.view) throw e
    const view = await ctx.view(ref)
    if (view === undefined) throw e
    const name = tableName(ref)
    if (request.version) throw new AkkoError('NOT_SUPPORTED', `View ${name} cannot be read FOR VERSION/TIMESTAMP AS OF: only tables have versions`, { view: name })
    if (request.withRowIds) throw new AkkoError('NOT_SUPPORTED', `View ${name} cannot be modified: UPDATE, DELETE and MERGE need a table`, { view: name })
    const access = ctx.access
    const risk = ctx.outerRisk ?? { risky: true, columns: new Set<string>() }
    if (!access?.enabled) return { sql: await view.body(access, risk) }
    access.touch(ref)
    await access.checkSelect(ref)
    // SECURITY DEFINER (Trino's default): the view reads with its owner's rights; INVOKER: with the caller's.
    const bodyAccess = view.security === 'INVOKER' || view.owner === undefined ? access : await access.forViewOwner(view.owner)
    return governedRelation(ctx, ref, view.columns, request, () => view.body(bodyAccess, risk))
  }
}

/**
 * THE place where a table reference becomes rows: the connector's relation for this query. Under access rules the
 * caller must hold SELECT (Trino's `Access Denied: Cannot select from table c.s.t`), and the relation is wrapped
 * with the caller's row filter and column masks, here and nowhere else: every use of a table (joins, subqueries,
 * CTEs, set operations, views, CREATE TABLE AS and INSERT sources, DML targets, time travel) passes through here.
 */
export async function relationFor(ctx: BindContext, ref: TableRef, _alias: string, request: ScanRequest): Promise<BoundRelation> {
  const connector = ctx.connector(ref.catalog)
  if (!connector) throw new AkkoError('NOT_FOUND', `Catalog '${ref.catalog}' does not exist`, { catalog: ref.catalog })
  const access = ctx.access
  const scan: ScanContext = access ? { ...ctx.scan, access } : ctx.scan
  if (!access?.enabled) return { sql: (await connector.scan(scan, ref, request)).sql }
  const columns = connector.scanColumns ? await connector.scanColumns(scan, ref) : await connector.describeTable(ctx.session, ref)
  if (!columns) throw new AkkoError('TABLE_NOT_FOUND', `Table '${tableName(ref)}' does not exist`, { ...ref })
  access.touch(ref)
  await access.checkSelect(ref)
  // information_schema lists only what the caller may see (its rows are filtered by the connector).
  if (ref.schema === 'information_schema') return { sql: (await connector.scan(scan, ref, request)).sql }
  const meta = connector.kind === 'iceberg' ? metadataTableParse(ref.table) : undefined
  if (meta) await metadataTableCheck(ctx, connector, scan, ref, meta.table)
  return governedRelation(ctx, ref, columns, request, async req => (await connector.scan(scan, ref, req)).sql)
}

/**
 * Metadata tables (`t$files`, `t$partitions`, `t$snapshots`…) count and locate every row of `t`: a caller whose
 * reads of `t` are filtered or masked gets them only from a rule written for the metadata table itself.
 */
async function metadataTableCheck(ctx: BindContext, connector: Connector, scan: ScanContext, ref: TableRef, base: string): Promise<void> {
  const access = ctx.access as QueryAccess
  const baseRef = { ...ref, table: base }
  const baseColumns = (connector.scanColumns ? await connector.scanColumns(scan, baseRef) : await connector.describeTable(ctx.session, baseRef)) ?? []
  const open = (await access.privileges(baseRef)).has('SELECT') && !(await access.governance(baseRef, baseColumns)).governed
  if (open || (await access.metadataTableGranted(ref))) return
  throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot select from table ${tableName(ref)}`, {
    table: tableName(ref),
    privilege: 'SELECT',
    reason: `rows of ${tableName(baseRef)} are filtered or masked for this user; its metadata tables need a rule of their own`,
  })
}

/** `raw`'s relation wrapped with the caller's row filter and column masks for `ref` (unchanged when none apply). */
async function governedRelation(ctx: BindContext, ref: TableRef, columns: readonly ColumnInfo[], request: ScanRequest, raw: (req: ScanRequest) => Promise<string>): Promise<BoundRelation> {
  const access = ctx.access as QueryAccess
  const g = await access.governance(ref, columns)
  if (!g.governed) return { sql: await raw(request) }
  const name = tableName(ref)
  if (ctx.governing?.includes(name)) throw new AkkoError('INVALID_CONFIG', `Row filter or column mask for '${name}' is recursive: it reads ${name} itself`, { table: name })
  const visible = columns.filter(c => !g.denied.has(c.name.toLowerCase()))
  if (visible.length === 0) throw access.columnsDenied(ref, columns.map(c => c.name))
  if (g.filter !== undefined) access.record.rules.add(`row_filter ${name}`)
  for (const c of visible) if (g.masks.has(c.name.toLowerCase())) access.record.rules.add(`mask ${name}.${c.name}`)
  for (const c of columns) if (g.denied.has(c.name.toLowerCase())) access.record.rules.add(`deny ${name}.${c.name}`)
  access.record.governed.add(name)
  // Columns are nulled outside the row filter only when a predicate could fail on a value (or reads a mask).
  const risk = ctx.outerRisk ?? { risky: true, columns: new Set<string>() }
  const nulled = risk.risky || [...g.masks.keys()].some(c => risk.columns.has(c))
  const text = governedText(columns, g, request.withRowIds === true, nulled)
  const template = await governedTemplate(
    `${access.identity.user}\u0000${text}`,
    text,
    async t => {
      const inner: BindContext = { ...ctx, source: GOVERNED_SENTINEL, parameters: undefined, versions: undefined, rowIdsFor: undefined, governing: [...(ctx.governing ?? []), name] }
      const b = await queryBind(inner, t)
      return { sql: b.sql, otherTables: b.tables.length }
    },
    async () => (g.filter !== undefined ? filterPushdown(ctx.conn, g.filter, pushdownFilters) : []),
  )
  // The query's own conjuncts on masked columns compare masked values: pruning by raw values would drop rows.
  const filters = [...request.filters.filter(f => !g.masks.has(f.column) && !g.denied.has(f.column)), ...template.pushdown]
  const sql = governedFill(template, await raw({ ...request, filters }))
  return { sql, ...(g.denied.size > 0 ? { denied: { ref, columns: columns.filter(c => g.denied.has(c.name.toLowerCase())).map(c => c.name) } } : {}) }
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
