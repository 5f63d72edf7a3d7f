/**
 * A small lexical pass over Trino SQL that runs before DuckDB's parser: it finds the statement's leading
 * keywords (to dispatch SHOW, USE, DDL, DML…), refuses stacked statements, and rewrites the time-travel
 * clauses DuckDB cannot parse (`t FOR VERSION AS OF 42`) into a marker in the table name the binder reads back.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { TableVersion } from '../connectors/connector.js'

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol'

/** One token with its offsets in the original text (comments and whitespace are not tokens). */
export interface Token {
  readonly kind: TokenKind
  /** Raw text as written (quotes included for 'quoted' and 'string'). */
  readonly text: string
  readonly start: number
  readonly end: number
}

/** Splits SQL into tokens, skipping `--` and `/* … *\/` comments. Unterminated quotes or comments are SYNTAX_ERROR. */
export function sqlTokenize(sql: string): Token[] {
  const out: Token[] = []
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i] as string
    if (/\s/.test(c)) { i++; continue }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      if (close < 0) throw syntaxAt(sql, i, 'Unterminated comment')
      i = close + 2
      continue
    }
    const start = i
    if (c === "'" || c === '"' || c === '`') {
      i = quoteEnd(sql, i, c)
      out.push({ kind: c === "'" ? 'string' : 'quoted', text: sql.slice(start, i), start, end: i })
      continue
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i] as string)) i++
      out.push({ kind: 'word', text: sql.slice(start, i), start, end: i })
      continue
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9.eE]/.test(sql[i] as string)) i++
      out.push({ kind: 'number', text: sql.slice(start, i), start, end: i })
      continue
    }
    i++
    out.push({ kind: 'symbol', text: c, start, end: i })
  }
  return out
}

function quoteEnd(sql: string, i: number, q: string): number {
  let j = i + 1
  for (;;) {
    const k = sql.indexOf(q, j)
    if (k < 0) throw syntaxAt(sql, i, q === "'" ? 'Unterminated string literal' : 'Unterminated quoted identifier')
    if (sql[k + 1] === q) { j = k + 2; continue }
    return k + 1
  }
}

/** The statement's first keywords, upper-cased and space-separated (up to `count` words), e.g. `SHOW TABLES`. */
export function statementHead(tokens: readonly Token[], count = 3): string {
  const words: string[] = []
  for (const t of tokens) {
    if (t.kind === 'symbol' && t.text === '(' && words.length === 0) continue
    if (t.kind !== 'word' || words.length >= count) break
    words.push(t.text.toUpperCase())
  }
  return words.join(' ')
}

/**
 * Removes trailing semicolons and refuses a second statement (`SELECT 1; DROP …`): the engine runs exactly
 * one statement per request, as Trino does. Returns the SQL without the trailing semicolons.
 */
export function singleStatement(sql: string, tokens: readonly Token[]): { sql: string; tokens: Token[] } {
  let last = tokens.length
  while (last > 0 && tokens[last - 1]?.text === ';' && tokens[last - 1]?.kind === 'symbol') last--
  const body = tokens.slice(0, last)
  const semi = body.find(t => t.kind === 'symbol' && t.text === ';')
  if (semi) throw new AkkoError('NOT_SUPPORTED', 'Only one statement per request is supported: remove everything after the first semicolon', positionOf(sql, semi.start))
  if (body.length === 0) throw new AkkoError('SYNTAX_ERROR', 'The statement is empty', { line: 1, column: 1 })
  const end = (body[body.length - 1] as Token).end
  return { sql: sql.slice(0, end), tokens: body }
}

/** Separator between a table name and its time-travel marker inside a quoted identifier. */
export const TIME_TRAVEL_MARK = '#akko_version#'

/**
 * Rewrites `name FOR VERSION AS OF <n | 'ref'>` and `name FOR TIMESTAMP AS OF <literal>` into
 * `"name#akko_version#<k>"` and returns the versions by k. The binder strips the marker and passes the version
 * to the connector. Only literals are accepted after AS OF.
 */
export function timeTravelRewrite(sql: string, tokens: readonly Token[]): { sql: string; versions: TableVersion[] } {
  const versions: TableVersion[] = []
  const edits: { start: number; end: number; text: string }[] = []
  const up = (i: number) => (tokens[i]?.kind === 'word' ? (tokens[i] as Token).text.toUpperCase() : '')
  for (let i = 1; i < tokens.length; i++) {
    if (up(i) !== 'FOR' || !['VERSION', 'TIMESTAMP'].includes(up(i + 1)) || up(i + 2) !== 'AS' || up(i + 3) !== 'OF') continue
    const name = tokens[i - 1] as Token
    if (name.kind !== 'word' && name.kind !== 'quoted') continue
    let j = i + 4
    let lit = tokens[j]
    let version: TableVersion
    if (up(i + 1) === 'VERSION') {
      if (lit?.kind === 'number' && /^\d+$/.test(lit.text)) version = { snapshotId: BigInt(lit.text) }
      else if (lit?.kind === 'string') version = { ref: unquote(lit.text) }
      else throw new AkkoError('NOT_SUPPORTED', 'FOR VERSION AS OF needs a snapshot id or a quoted branch/tag name', positionOf(sql, tokens[j]?.start ?? sql.length))
    } else {
      if (lit?.kind === 'word' && ['TIMESTAMP', 'DATE'].includes(lit.text.toUpperCase())) lit = tokens[++j]
      let text = lit?.kind === 'string' ? unquote(lit.text).trim() : ''
      if (/^\d{4}-\d\d-\d\d$/.test(text)) text += ' 00:00:00'
      const iso = text.replace(' ', 'T').replace(/\s*UTC$/i, 'Z').replace(/\s+([+-]\d\d:?\d\d)$/, '$1')
      const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
      if (!lit || Number.isNaN(ms)) throw new AkkoError('NOT_SUPPORTED', "FOR TIMESTAMP AS OF needs a timestamp literal such as TIMESTAMP '2024-05-01 10:00:00 UTC'", positionOf(sql, tokens[j]?.start ?? sql.length))
      version = { asOfMs: ms }
    }
    const bare = name.kind === 'quoted' ? unquote(name.text) : name.text
    edits.push({ start: name.start, end: (lit as Token).end, text: `"${(bare + TIME_TRAVEL_MARK + versions.length).replaceAll('"', '""')}"` })
    versions.push(version)
    i = j
  }
  let out = sql
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return { sql: out, versions }
}

/** The text of a quoted identifier or string literal without its quotes. */
export function unquote(text: string): string {
  const q = text[0] as string
  return text.slice(1, -1).replaceAll(q + q, q)
}

/** 1-based line and column of an offset, as Trino's errorLocation reports them. */
export function positionOf(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, Math.max(0, offset))
  const lines = before.split('\n')
  return { line: lines.length, column: (lines[lines.length - 1] as string).length + 1 }
}

function syntaxAt(sql: string, offset: number, what: string): AkkoError {
  const pos = positionOf(sql, offset)
  return new AkkoError('SYNTAX_ERROR', `line ${pos.line}:${pos.column}: ${what}`, pos)
}
