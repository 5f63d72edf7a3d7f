/**
 * The SQL that puts a table's row filter and column masks between its rows and the query that reads them:
 *
 *   SELECT <col | CAST((mask) AS type) AS col, … each nulled outside the filter>
 *   FROM (SELECT *, (<filter>) AS __akko_ok FROM __akko_source) WHERE __akko_ok
 *
 * written in Trino SQL and bound by the binder itself, so filter and mask expressions pass the same function
 * allow-list as user SQL. Denied columns are left out. When the query has a predicate that could fail on a value,
 * every column is NULL on rows outside the filter: DuckDB may evaluate the query's own predicates below the filter
 * (pushdown, adaptive reordering of conjunctions), and an expression that fails on a value (a cast, an overflow)
 * must not see, or reveal through its error message, a value of a row the caller may not read. Otherwise the
 * plain `SELECT <cols> FROM __akko_source WHERE <filter>` keeps DuckDB's statistics and zone-map pruning.
 *
 * The bound text is cached by its Trino text (and the user, for `current_user`) with a placeholder for the table's
 * relation, so a repeated query pays one map lookup; expressions with subqueries are bound per statement.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { ColumnInfo, PushdownPredicate } from '../connectors/connector.js'
import { isBaseTable, isObject, type BaseTableNode } from '../sql/ast.js'
import { sqlParse } from '../sql/parse.js'
import type { TableGovernance } from './query-access.js'

/** The name the wrapper's text gives the governed table's own rows (resolved by the binder, never by user SQL). */
export const GOVERNED_SOURCE = '__akko_source'
/** Stands for the table's relation in a cached template. */
export const GOVERNED_SENTINEL = `__akko_src_${randomBytes(8).toString('hex')}`
/** The column carrying the row filter's verdict between the two levels of the wrapper. */
const OK = '__akko_ok'

/** A wrapper bound to DuckDB SQL with `GOVERNED_SENTINEL` where the relation goes. */
export interface GovernedTemplate {
  readonly sql: string
  /** `column op literal` conjuncts of the row filter, for the connector to prune with. */
  readonly pushdown: readonly PushdownPredicate[]
}

const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`

/**
 * The wrapper's Trino text for a table with these columns and rules. `nulled`: every column is NULL outside the row
 * filter (needed when the query's predicates could fail on a value; see sql/predicate-risk.ts).
 */
export function governedText(columns: readonly ColumnInfo[], g: TableGovernance, withRowIds: boolean, nulled = true): string {
  const items: string[] = []
  for (const c of columns) {
    const lower = c.name.toLowerCase()
    if (g.denied.has(lower)) continue
    const mask = g.masks.get(lower)
    let e = ident(c.name)
    if (mask !== undefined) {
      const duck = trinoToDuckType(c.type)
      e = duck ? `CAST((${mask}) AS ${duck})` : `(${mask})`
    }
    if (g.filter !== undefined && nulled) e = `CASE WHEN ${OK} THEN ${e} END`
    items.push(`${e} AS ${ident(c.name)}`)
  }
  if (withRowIds) items.push('"_file"', '"_pos"')
  if (g.filter === undefined) return `SELECT ${items.join(', ')} FROM ${GOVERNED_SOURCE}`
  if (!nulled) return `SELECT ${items.join(', ')} FROM ${GOVERNED_SOURCE} WHERE (${g.filter})`
  return `SELECT ${items.join(', ')} FROM (SELECT *, (${g.filter}) AS ${OK} FROM ${GOVERNED_SOURCE}) AS __akko_governed WHERE ${OK}`
}

const TEMPLATES = new Map<string, GovernedTemplate>()
const TEMPLATES_MAX = 2048

/**
 * The bound wrapper for `text`: from the cache, or bound with `bindText` (which resolves `GOVERNED_SOURCE` to the
 * sentinel and reports how many other tables the expressions read). `pushdownOf` extracts the filter's conjuncts.
 */
export async function governedTemplate(
  cacheKey: string,
  text: string,
  bindText: (text: string) => Promise<{ readonly sql: string; readonly otherTables: number }>,
  pushdownOf: () => Promise<readonly PushdownPredicate[]>,
): Promise<GovernedTemplate> {
  const hit = TEMPLATES.get(cacheKey)
  if (hit) return hit
  const bound = await bindText(text)
  const template = { sql: bound.sql, pushdown: await pushdownOf() }
  if (bound.otherTables === 0) {
    if (TEMPLATES.size >= TEMPLATES_MAX) TEMPLATES.delete(TEMPLATES.keys().next().value as string)
    TEMPLATES.set(cacheKey, template)
  }
  return template
}

/** The relation SQL with the template's placeholder replaced (no `$` pattern interpretation). */
export function governedFill(template: GovernedTemplate, relation: string): string {
  return template.sql.split(GOVERNED_SENTINEL).join(relation)
}

/** `column op literal` conjuncts of a row filter expression (the connector may prune files with them). */
export async function filterPushdown(
  conn: DuckDBConnection,
  filter: string,
  extract: (where: unknown, table: BaseTableNode) => PushdownPredicate[],
): Promise<PushdownPredicate[]> {
  const tree = await sqlParse(conn, `SELECT 1 FROM ${GOVERNED_SOURCE} WHERE (${filter})`)
  const node = tree.node
  if (!isObject(node) || !isObject(node.from_table) || !isBaseTable(node.from_table)) return []
  return extract(node.where_clause, node.from_table)
}

const SIMPLE_TYPES: Readonly<Record<string, string>> = {
  boolean: 'BOOLEAN', tinyint: 'TINYINT', smallint: 'SMALLINT', integer: 'INTEGER', int: 'INTEGER', bigint: 'BIGINT', real: 'FLOAT',
  double: 'DOUBLE', varchar: 'VARCHAR', char: 'VARCHAR', varbinary: 'BLOB', date: 'DATE', uuid: 'UUID', json: 'JSON',
  'interval day to second': 'INTERVAL', 'interval year to month': 'INTERVAL',
}

/** DuckDB's type for a Trino type string (as connectors describe columns), or undefined when not known. */
export function trinoToDuckType(type: string): string | undefined {
  const t = type.trim().toLowerCase()
  const simple = SIMPLE_TYPES[t]
  if (simple) return simple
  let m = /^decimal\((\d+),\s*(\d+)\)$/.exec(t)
  if (m) return `DECIMAL(${m[1]},${m[2]})`
  if (/^(var)?char\(\d+\)$/.test(t)) return 'VARCHAR'
  m = /^timestamp(?:\((\d+)\))?( with time zone)?$/.exec(t)
  if (m) return m[2] ? 'TIMESTAMPTZ' : Number(m[1] ?? 3) > 6 ? 'TIMESTAMP_NS' : 'TIMESTAMP'
  m = /^time(?:\(\d+\))?( with time zone)?$/.exec(t)
  if (m) return m[1] ? 'TIMETZ' : 'TIME'
  const inner = (prefix: string): string | undefined => (t.startsWith(`${prefix}(`) && t.endsWith(')') ? type.trim().slice(prefix.length + 1, -1) : undefined)
  const arr = inner('array')
  if (arr !== undefined) {
    const e = trinoToDuckType(arr)
    return e && `${e}[]`
  }
  const map = inner('map')
  if (map !== undefined) {
    const [k, v] = splitTop(map)
    const kd = k !== undefined ? trinoToDuckType(k) : undefined
    const vd = v !== undefined ? trinoToDuckType(v) : undefined
    return kd && vd ? `MAP(${kd}, ${vd})` : undefined
  }
  const row = inner('row')
  if (row !== undefined) {
    const fields: string[] = []
    for (const f of splitTop(row)) {
      const fm = /^\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\s+([\s\S]+)$/.exec(f)
      const ft = fm ? trinoToDuckType(fm[2] as string) : undefined
      if (!fm || !ft) return undefined
      fields.push(`${fm[1]} ${ft}`)
    }
    return `STRUCT(${fields.join(', ')})`
  }
  return undefined
}

/** Splits `a, b(c, d), e` at top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (ch === '"') quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')') depth--
    else if (!quoted && ch === ',' && depth === 0) {
      out.push(s.slice(start, i).trim())
      start = i + 1
    }
  }
  out.push(s.slice(start).trim())
  return out
}
