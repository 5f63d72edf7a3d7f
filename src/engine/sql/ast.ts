/**
 * Typed views over DuckDB's JSON syntax tree: what the binder needs to recognise table references,
 * function calls, constants and column references, and a generic walk that visits every node.
 * @module
 */
import type { AstNode } from './parse.js'
import { numberText } from './parse.js'

/** A `FROM` entry naming a table: `catalog.schema.table [AS alias]`. */
export interface BaseTableNode extends AstNode {
  type: 'BASE_TABLE'
  catalog_name: string
  schema_name: string
  table_name: string
  alias: string
  at_clause: unknown
}

/** A table function in `FROM` (`range(3)`, `read_csv(…)`). */
export interface TableFunctionNode extends AstNode {
  type: 'TABLE_FUNCTION'
  function: FunctionNode
}

/** A function call, aggregate or window expression. */
export interface FunctionNode extends AstNode {
  class: 'FUNCTION' | 'WINDOW'
  function_name: string
  schema: string
  catalog: string
  children: AstNode[]
}

/** A literal: `value.value` is a string, a number kept as text, a boolean or null. */
export interface ConstantNode extends AstNode {
  class: 'CONSTANT'
  value: { type: { id: string }; is_null: boolean; value: unknown }
}

export const isObject = (v: unknown): v is AstNode => typeof v === 'object' && v !== null && !Array.isArray(v)
export const isBaseTable = (n: AstNode): n is BaseTableNode => n.type === 'BASE_TABLE' && typeof n.table_name === 'string'
export const isTableFunction = (n: AstNode): n is TableFunctionNode => n.type === 'TABLE_FUNCTION'
export const isFunction = (n: AstNode): n is FunctionNode => (n.class === 'FUNCTION' || n.class === 'WINDOW') && typeof n.function_name === 'string'
export const isConstant = (n: unknown): n is ConstantNode => isObject(n) && n.class === 'CONSTANT' && isObject(n.value)

/** Column reference parts (`["t", "a"]` for `t.a`), or undefined when `n` is not a column reference. */
export function columnRefParts(n: unknown): string[] | undefined {
  return isObject(n) && n.class === 'COLUMN_REF' && Array.isArray(n.column_names) ? (n.column_names as string[]) : undefined
}

/** The JS value of a constant: number, bigint, string, boolean or null; undefined when not a plain literal. */
export function constantValue(n: unknown): unknown {
  if (!isConstant(n)) return undefined
  if (n.value.is_null) return null
  const v = n.value.value
  const num = numberText(v)
  if (num !== undefined) {
    if (/^-?\d+$/.test(num)) {
      const b = BigInt(num)
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b
    }
    return Number(num)
  }
  return typeof v === 'string' || typeof v === 'boolean' ? v : undefined
}

/** A VARCHAR constant node for the tree. */
export function constantString(s: string): ConstantNode {
  return { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', query_location: numberNodeZero, value: { type: { id: 'VARCHAR', type_info: null }, is_null: false, value: s } } as unknown as ConstantNode
}
const numberNodeZero = '\u0001N0'

/**
 * Visits every object node depth-first. `visit` returns false to skip a node's children. `scope` is threaded
 * through: when a node carries a `cte_map`, `enter` can derive the scope its children see.
 */
export function astWalk<S>(node: unknown, scope: S, visit: (n: AstNode, scope: S, parent: AstNode | undefined, key: string) => S | false, parent?: AstNode, key = ''): void {
  if (Array.isArray(node)) {
    for (const x of node) astWalk(x, scope, visit, parent, key)
    return
  }
  if (!isObject(node)) return
  const next = visit(node, scope, parent, key)
  if (next === false) return
  for (const [k, v] of Object.entries(node)) if (typeof v === 'object' && v !== null) astWalk(v, next, visit, node, k)
}
