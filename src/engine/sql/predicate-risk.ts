/**
 * Whether a query's predicates could fail on a value. DuckDB may evaluate a query's WHERE, ON, HAVING and QUALIFY
 * conditions below a table's row filter (filter pushdown; conjunctions reordered at run time), so a predicate that
 * raises an error for some values (a cast, arithmetic overflow, `error()`) would act as an oracle over rows the caller
 * may not read, or print one of their values. Predicates that only compare a column with constants (`=`, `<`, `IN`,
 * `BETWEEN`, `LIKE`, `IS NULL`), combined with AND, OR and NOT, cannot fail on a value; anything else is a risk, and
 * the governance wrapper then makes every column NULL outside the row filter (which costs DuckDB its statistics
 * on those columns, so it is done only when needed). DuckDB 1.5 itself keeps expressions that can throw above the
 * filters beneath them; this holds whatever a later optimizer does.
 * @module
 */
import { columnRefParts, isObject } from './ast.js'
import type { AstNode } from './parse.js'

/** What the predicates of one statement (and of the statements it is nested in) do with columns. */
export interface PredicateRisk {
  /** Some predicate could fail on a value. */
  readonly risky: boolean
  /** Lower-cased last parts of every column a predicate names. */
  readonly columns: ReadonlySet<string>
}

export const NO_PREDICATE_RISK: PredicateRisk = Object.freeze({ risky: false, columns: new Set<string>() })

/** Keywords DuckDB's parser reports as column references. */
const KEYWORD_VALUES = new Set(['current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime', 'current_user', 'current_role', 'user'])
const COMPARISONS = new Set(['COMPARE_EQUAL', 'COMPARE_NOTEQUAL', 'COMPARE_LESSTHAN', 'COMPARE_GREATERTHAN', 'COMPARE_LESSTHANOREQUALTO', 'COMPARE_GREATERTHANOREQUALTO', 'COMPARE_DISTINCT_FROM', 'COMPARE_NOT_DISTINCT_FROM'])
const LIKE_FUNCTIONS = new Set(['~~', '!~~', '~~*', '!~~*', 'like_escape', 'not_like_escape', 'ilike_escape', 'not_ilike_escape'])
/** Aggregates (DuckDB names, after the binder's renames): in HAVING they are computed after every row filter. */
const AGGREGATES = new Set([
  'count', 'count_star', 'sum', 'avg', 'mean', 'min', 'max', 'count_if', 'countif', 'any_value', 'first', 'last', 'arg_max', 'arg_min', 'max_by', 'min_by',
  'bool_and', 'bool_or', 'approx_count_distinct', 'approx_quantile', 'quantile_cont', 'quantile_disc', 'median', 'mode', 'stddev_samp', 'stddev_pop',
  'var_samp', 'var_pop', 'list', 'array_agg', 'string_agg', 'listagg', 'histogram', 'product', 'corr', 'covar_samp', 'covar_pop', 'entropy',
])

/** The predicate risk of a statement tree, merged with that of the statement it is nested in. */
export function predicateRisk(tree: AstNode, outer: PredicateRisk = NO_PREDICATE_RISK): PredicateRisk {
  const columns = new Set(outer.columns)
  let risky = outer.risky
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit)
    if (!isObject(node)) return
    for (const key of ['where_clause', 'having', 'qualify'] as const) {
      if (isObject(node[key]) && !safe(node[key], columns)) risky = true
    }
    if (node.type === 'JOIN' && isObject(node.condition) && !safe(node.condition, columns)) risky = true
    for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) visit(v)
  }
  visit(tree)
  return { risky, columns }
}

function column(e: AstNode, columns: Set<string>): boolean {
  const parts = columnRefParts(e)
  if (!parts) return false
  const name = (parts[parts.length - 1] as string).toLowerCase()
  if (!(parts.length === 1 && KEYWORD_VALUES.has(name))) columns.add(name)
  return true
}

/** No column and no subquery anywhere inside (keywords such as current_timestamp are values). */
function constant(e: unknown): boolean {
  if (Array.isArray(e)) return e.every(constant)
  if (!isObject(e)) return true
  if (e.class === 'SUBQUERY' || e.class === 'LAMBDA' || e.class === 'WINDOW') return false
  const parts = columnRefParts(e)
  if (parts) return parts.length === 1 && KEYWORD_VALUES.has((parts[0] as string).toLowerCase())
  return Object.values(e).every(constant)
}

/**
 * A column, a constant expression, a subquery (whose own predicates are judged where they are), or a value computed
 * after every row filter: an aggregate (HAVING) or a window function (QUALIFY).
 */
function operand(e: unknown, columns: Set<string>): boolean {
  if (!isObject(e)) return false
  if (e.class === 'WINDOW' || (e.class === 'FUNCTION' && AGGREGATES.has(String(e.function_name).toLowerCase()))) return true
  return column(e, columns) || e.class === 'SUBQUERY' || constant(e)
}

function safe(e: AstNode, columns: Set<string>): boolean {
  const kids = (Array.isArray(e.children) ? e.children : []) as AstNode[]
  switch (e.class) {
    case 'CONSTANT':
      return true
    case 'COLUMN_REF':
      return column(e, columns)
    case 'CONJUNCTION':
      return kids.every(k => safe(k, columns))
    case 'COMPARISON':
      return COMPARISONS.has(String(e.type)) && operand(e.left, columns) && operand(e.right, columns)
    case 'BETWEEN':
      return operand(e.input, columns) && operand(e.lower, columns) && operand(e.upper, columns)
    case 'OPERATOR':
      if (e.type === 'OPERATOR_NOT') return kids.length === 1 && safe(kids[0] as AstNode, columns)
      if (e.type === 'OPERATOR_IS_NULL' || e.type === 'OPERATOR_IS_NOT_NULL' || e.type === 'COMPARE_IN' || e.type === 'COMPARE_NOT_IN') return kids.every(k => operand(k, columns))
      return false
    case 'FUNCTION':
      return LIKE_FUNCTIONS.has(String(e.function_name)) && kids.every(k => operand(k, columns))
    case 'SUBQUERY':
      return e.child === null || e.child === undefined || operand(e.child, columns)
    default:
      return constant(e)
  }
}
