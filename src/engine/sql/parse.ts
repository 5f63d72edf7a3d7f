/**
 * Parsing with DuckDB's own parser: `json_serialize_sql` turns a SELECT into a JSON syntax tree and
 * `json_deserialize_sql` turns a (rewritten) tree back into SQL. Numbers in the tree are kept as their exact
 * text (JSON.parse would turn `1500.0` into `1500`, which DuckDB then rejects as an integer where a double is
 * expected, and would round 64-bit query locations), so a tree survives the round trip unchanged.
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import { positionOf } from './tokenizer.js'

/** A JSON syntax tree node as DuckDB serializes it. */
export type AstNode = { [key: string]: unknown }

/** Prefix of a number kept as text inside the tree (control character: never produced by our SQL). */
const NUM = '\u0001N'
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g

/**
 * Parse and deparse results by their exact input: both are pure functions of the text, and a repeated dashboard
 * query (or `SELECT 1` health checks) then costs no DuckDB round trip to plan. Bounded, oldest entries dropped.
 */
const PARSE_CACHE = new Map<string, string>()
const DEPARSE_CACHE = new Map<string, string>()
const CACHE_MAX = 512
const CACHE_MAX_TEXT = 64 * 1024

function cachePut(cache: Map<string, string>, key: string, value: string): void {
  if (key.length + value.length > CACHE_MAX_TEXT) return
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string)
  cache.set(key, value)
}

/** Parses one SELECT/VALUES/TABLE query into DuckDB's tree. Parser errors become SYNTAX_ERROR with line/column. */
export async function sqlParse(conn: DuckDBConnection, sql: string): Promise<AstNode> {
  if (sql.includes('\u0000') || sql.includes('\u0001')) throw new AkkoError('SYNTAX_ERROR', 'The statement contains a control character (NUL or SOH)', { line: 1, column: 1 })
  // Parsing is a pure function of the text; the binder mutates the tree, so the cache keeps the JSON text.
  let prepared = PARSE_CACHE.get(sql)
  if (prepared === undefined) {
    const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql])
    prepared = String(reader.getRows()[0]?.[0] ?? '').replace(TOKENS, m => (m.startsWith('"') ? m : `"\\u0001N${m}"`))
    cachePut(PARSE_CACHE, sql, prepared)
  }
  const tree = JSON.parse(prepared) as AstNode
  if (tree.error === true) {
    const message = String(tree.error_message ?? 'syntax error')
    if (tree.error_type === 'not implemented') throw new AkkoError('NOT_SUPPORTED', 'This statement is not supported here: only queries (SELECT, WITH, VALUES, TABLE) can be run', {})
    const pos = tree.position !== undefined ? positionOf(sql, Number(numberText(tree.position) ?? tree.position)) : { line: 1, column: 1 }
    throw new AkkoError('SYNTAX_ERROR', `line ${pos.line}:${pos.column}: ${message}`, pos)
  }
  const statements = tree.statements as AstNode[] | undefined
  if (!statements || statements.length !== 1) throw new AkkoError('NOT_SUPPORTED', 'Only one statement per request is supported', {})
  return statements[0] as AstNode
}

/** Turns a statement tree (from `sqlParse`, possibly rewritten) back into DuckDB SQL. */
export async function sqlDeparse(conn: DuckDBConnection, statement: AstNode): Promise<string> {
  const json = JSON.stringify({ error: false, statements: [statement] }).replace(/"\\u0001N([-0-9.eE+]+)"/g, '$1')
  const cached = DEPARSE_CACHE.get(json)
  if (cached !== undefined) return cached
  try {
    const reader = await conn.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [json])
    const out = String(reader.getRows()[0]?.[0] ?? '')
    cachePut(DEPARSE_CACHE, json, out)
    return out
  } catch (e) {
    throw new AkkoError('INTERNAL', `Could not render the rewritten query (this is a bug): ${(e as Error).message}`, {}, { cause: e })
  }
}

/** The exact text of a number kept in the tree, or undefined when `v` is not one. */
export function numberText(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith(NUM) ? v.slice(NUM.length) : undefined
}

/** A number for the tree (kept as text, so `2.0` stays a double). */
export function numberNode(text: string): string {
  return NUM + text
}
