/**
 * Token-level rewrites of Trino syntax that DuckDB's parser reads differently or not at all, applied to a
 * query before it is parsed:
 * - `VALUES 1, 2, 3` (rows without parentheses) becomes `VALUES (1), (2), (3)`;
 * - `X'00ff'` (a varbinary literal; DuckDB reads it as a string) becomes `unhex('00ff')`;
 * - `DECIMAL '12.34'` becomes a cast to the literal's own precision and scale, `decimal(4,2)`, as in Trino;
 * - `TIMESTAMP '…'` with a zone (`UTC`, `Z`, `+02:00`, `Europe/Paris`) becomes `timestamp with time zone`;
 *   without a zone, its precision is the literal's fractional digits rounded up to what DuckDB stores
 *   (3, 6 or 9: `TIMESTAMP '2024-01-01 10:00:00'` and `'… 10:00:00.123'` are timestamp(3));
 * - `timestamp(p) with time zone` in casts becomes DuckDB's `TIMESTAMPTZ` (which keeps microseconds, so a
 *   value with a zone is always reported as timestamp(6) with time zone).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { positionOf, sqlTokenize, unquote, type Token } from './tokenizer.js'

interface Edit { readonly start: number; readonly end: number; readonly text: string }

/** Keywords that end a VALUES list at its own nesting level. */
const VALUES_END = new Set(['ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT', 'INTERSECT', 'ON', 'RETURNING'])

/** Applies every rewrite of this module to one query's text. */
export function trinoSyntaxRewrite(sql: string, tokens: readonly Token[] = sqlTokenize(sql)): string {
  const edits: Edit[] = []
  const up = (i: number): string => (tokens[i]?.kind === 'word' ? (tokens[i] as Token).text.toUpperCase() : '')
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token
    const next = tokens[i + 1]
    if (t.kind !== 'word') continue
    const word = t.text.toUpperCase()
    if (word === 'VALUES') valuesRows(tokens, i + 1, edits)
    else if (word === 'X' && next?.kind === 'string' && next.start === t.end) edits.push({ start: t.start, end: next.end, text: `unhex(${binaryLiteral(sql, next)})` })
    else if (word === 'DECIMAL' && next?.kind === 'string') edits.push({ start: t.start, end: next.end, text: decimalLiteral(sql, next) })
    else if (word === 'TIMESTAMP' && next?.kind === 'string') edits.push({ start: t.start, end: next.end, text: timestampLiteral(next) })
    else if (word === 'TIMESTAMP' && next?.text === '(' && tokens[i + 2]?.kind === 'number' && tokens[i + 3]?.text === ')' && up(i + 4) === 'WITH' && up(i + 5) === 'TIME' && up(i + 6) === 'ZONE') {
      edits.push({ start: t.start, end: (tokens[i + 6] as Token).end, text: 'TIMESTAMPTZ' })
      i += 6
    }
  }
  let out = sql
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return out
}

/** Wraps each item of a VALUES list that is not already one parenthesised group in parentheses. */
function valuesRows(tokens: readonly Token[], from: number, edits: Edit[]): void {
  const items: { first: number; last: number }[] = []
  let depth = 0
  let first = from
  let i = from
  for (; i < tokens.length; i++) {
    const t = tokens[i] as Token
    if (t.kind === 'symbol' && (t.text === '(' || t.text === '[')) depth++
    else if (t.kind === 'symbol' && (t.text === ')' || t.text === ']')) {
      if (depth === 0) break
      depth--
    } else if (depth === 0 && t.kind === 'symbol' && t.text === ',') {
      items.push({ first, last: i - 1 })
      first = i + 1
    } else if (depth === 0 && ((t.kind === 'word' && VALUES_END.has(t.text.toUpperCase())) || (t.kind === 'symbol' && t.text === ';'))) break
  }
  items.push({ first, last: i - 1 })
  for (const it of items) {
    if (it.last < it.first) return
    const a = tokens[it.first] as Token
    const b = tokens[it.last] as Token
    if (a.text === '(' && groupEnd(tokens, it.first) === it.last) continue
    edits.push({ start: a.start, end: a.start, text: '(' }, { start: b.end, end: b.end, text: ')' })
  }
}

/** Index of the parenthesis closing the one at `open`. */
function groupEnd(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    const s = tokens[i]?.kind === 'symbol' ? tokens[i]?.text : ''
    if (s === '(') depth++
    else if (s === ')' && --depth === 0) return i
  }
  return -1
}

function binaryLiteral(sql: string, lit: Token): string {
  const hex = unquote(lit.text).replace(/\s+/g, '')
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw syntaxAt(sql, lit.start, `Binary literal can only contain hexadecimal digits`)
  if (hex.length % 2 !== 0) throw syntaxAt(sql, lit.start, 'Binary literal must contain an even number of digits')
  return `'${hex}'`
}

function decimalLiteral(sql: string, lit: Token): string {
  const text = unquote(lit.text).trim()
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text)
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw syntaxAt(sql, lit.start, `'${text}' is not a valid decimal literal`)
  const whole = (m[2] as string).replace(/^0+/, '')
  const scale = (m[3] ?? '').length
  const precision = Math.max(whole.length + scale, 1)
  if (precision > 38) throw syntaxAt(sql, lit.start, `Decimal literal '${text}' has more than 38 digits`)
  return `CAST('${text}' AS DECIMAL(${precision},${scale}))`
}

function timestampLiteral(lit: Token): string {
  const text = unquote(lit.text).trim()
  const m = /^\d{4,}-\d\d?-\d\d?(?:[ T]\d\d?:\d\d(?::\d\d(?:\.(\d+))?)?)?(.*)$/.exec(text)
  const quoted = `'${text.replaceAll("'", "''")}'`
  // Not a shape we recognise: let DuckDB's own cast report it.
  if (!m) return `CAST(${quoted} AS TIMESTAMP)`
  if ((m[2] ?? '').trim() !== '') return `CAST(${quoted} AS TIMESTAMPTZ)`
  const digits = (m[1] ?? '').length
  return `CAST(${quoted} AS ${digits <= 3 ? 'TIMESTAMP_MS' : digits <= 6 ? 'TIMESTAMP' : 'TIMESTAMP_NS'})`
}

function syntaxAt(sql: string, offset: number, what: string): AkkoError {
  const pos = positionOf(sql, offset)
  return new AkkoError('SYNTAX_ERROR', `line ${pos.line}:${pos.column}: ${what}`, pos)
}
