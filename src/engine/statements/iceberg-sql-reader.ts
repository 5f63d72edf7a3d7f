/**
 * A small reader for the statement forms the Iceberg handlers parse themselves (DDL, DML, procedures).
 * It tokenizes Trino SQL (quotes, comments, nested brackets) and lets a parser take keywords, names and
 * literals, or slice out the raw text of an embedded query or expression for the engine's `bindQuery`.
 * @module
 */
import { AkkoError } from '../../core/index.js'

/** One token: `word` (unquoted identifier or keyword), `quoted` ("identifier"), `string` ('literal'), `number`, or `punct`. */
export interface SqlToken {
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'punct'
  /** Unquoted text for quoted identifiers and strings, the raw text otherwise. */
  readonly value: string
  /** Offsets into the statement text: `sql.slice(start, end)` is the token as written. */
  readonly start: number
  readonly end: number
}

/** Splits `sql` into tokens, skipping whitespace and `--` / `/* *\/` comments. SYNTAX_ERROR on an unterminated quote or comment. */
export function sqlTokenize(sql: string): SqlToken[] {
  const out: SqlToken[] = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i] as string
    if (/\s/.test(c)) {
      i++
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      if (close < 0) throw syntaxAt(sql, i, 'Unterminated comment')
      i = close + 2
    } else if (c === "'" || c === '"') {
      let j = i + 1
      let value = ''
      for (;;) {
        if (j >= sql.length) throw syntaxAt(sql, i, c === "'" ? 'Unterminated string literal' : 'Unterminated quoted identifier')
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            value += c
            j += 2
            continue
          }
          break
        }
        value += sql[j]
        j++
      }
      out.push({ kind: c === "'" ? 'string' : 'quoted', value, start: i, end: j + 1 })
      i = j + 1
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1
      while (j < sql.length && /[A-Za-z0-9_$@]/.test(sql[j] as string)) j++
      out.push({ kind: 'word', value: sql.slice(i, j), start: i, end: j })
      i = j
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      let j = i + 1
      while (j < sql.length && /[0-9.eE]/.test(sql[j] as string)) j++
      out.push({ kind: 'number', value: sql.slice(i, j), start: i, end: j })
      i = j
    } else {
      const two = sql.slice(i, i + 2)
      const len = ['=>', '<>', '!=', '<=', '>=', '||', '::'].includes(two) ? 2 : 1
      out.push({ kind: 'punct', value: sql.slice(i, i + len), start: i, end: i + len })
      i += len
    }
  }
  return out
}

/** A SYNTAX_ERROR with Trino's `line N:M:` prefix and `{line, column}` details (1-based) for the offset `at`. */
export function syntaxAt(sql: string, at: number, message: string): AkkoError {
  const before = sql.slice(0, at)
  const line = before.split('\n').length
  const column = at - before.lastIndexOf('\n')
  return new AkkoError('SYNTAX_ERROR', `line ${line}:${column}: ${message}`, { line, column })
}

/**
 * A cursor over the tokens of one statement. Keywords compare case-insensitively and never match quoted
 * identifiers, so `"where"` is a name, not a keyword.
 */
export class SqlReader {
  readonly sql: string
  readonly tokens: readonly SqlToken[]
  #pos = 0

  constructor(sql: string) {
    // A trailing semicolon is harmless; anything after it is a second statement, which the engine refuses.
    this.sql = sql
    const tokens = sqlTokenize(sql)
    const semi = tokens.findIndex(t => t.kind === 'punct' && t.value === ';')
    if (semi >= 0 && semi < tokens.length - 1) throw syntaxAt(sql, (tokens[semi + 1] as SqlToken).start, 'Only one statement can run at a time')
    this.tokens = semi >= 0 ? tokens.slice(0, semi) : tokens
  }

  get pos(): number {
    return this.#pos
  }

  set pos(p: number) {
    this.#pos = p
  }

  /** The token `ahead` positions from the cursor. */
  peek(ahead = 0): SqlToken | undefined {
    return this.tokens[this.#pos + ahead]
  }

  atEnd(): boolean {
    return this.#pos >= this.tokens.length
  }

  /** True when the next tokens are the given keywords (no quoted identifiers). */
  isKw(...words: string[]): boolean {
    return words.every((w, i) => {
      const t = this.peek(i)
      return t?.kind === 'word' && t.value.toUpperCase() === w
    })
  }

  /** Consumes the keywords when they are next; returns whether it did. */
  acceptKw(...words: string[]): boolean {
    if (!this.isKw(...words)) return false
    this.#pos += words.length
    return true
  }

  expectKw(...words: string[]): void {
    if (!this.acceptKw(...words)) throw this.error(`expected ${words.join(' ')}`)
  }

  isPunct(p: string): boolean {
    const t = this.peek()
    return t?.kind === 'punct' && t.value === p
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false
    this.#pos++
    return true
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.error(`expected '${p}'`)
  }

  /** An identifier: unquoted names are lower-cased as Trino does, quoted ones are kept as written. */
  ident(what = 'identifier'): string {
    const t = this.peek()
    if (t?.kind === 'word') {
      this.#pos++
      return t.value.toLowerCase()
    }
    if (t?.kind === 'quoted') {
      if (t.value === '') throw this.error('zero-length delimited identifier not allowed')
      this.#pos++
      return t.value
    }
    throw this.error(`expected ${what}`)
  }

  /** A dotted name `a`, `a.b` or `a.b.c`. */
  qualifiedName(what = 'name'): string[] {
    const parts = [this.ident(what)]
    while (this.acceptPunct('.')) parts.push(this.ident(what))
    return parts
  }

  stringLit(what = 'string literal'): string {
    const t = this.peek()
    if (t?.kind !== 'string') throw this.error(`expected ${what}`)
    this.#pos++
    return t.value
  }

  /** Offset in the statement text where the next token starts (the text's end at the end). */
  offset(): number {
    return this.peek()?.start ?? this.sql.length
  }

  /** The statement text from token index `from` up to (not including) the cursor. */
  textFrom(from: number): string {
    const a = this.tokens[from]
    if (!a || from >= this.#pos) return ''
    const b = this.tokens[this.#pos - 1] as SqlToken
    return this.sql.slice(a.start, b.end)
  }

  /**
   * Skips tokens up to the first of `stops` (keyword sequences, or single punctuation like ',' or ')') found at
   * bracket depth 0, and returns the skipped text. Used to slice out expressions and queries.
   */
  skipUntil(stops: readonly (readonly string[])[]): string {
    const from = this.#pos
    let depth = 0
    while (!this.atEnd()) {
      const t = this.peek() as SqlToken
      if (depth === 0) {
        const hit = stops.some(s => (s.length === 1 && !/^[A-Z_]/.test(s[0] as string) ? this.isPunct(s[0] as string) : this.isKw(...s)))
        if (hit) break
      }
      if (t.kind === 'punct' && (t.value === '(' || t.value === '[')) depth++
      if (t.kind === 'punct' && (t.value === ')' || t.value === ']')) {
        if (depth === 0) break
        depth--
      }
      this.#pos++
    }
    return this.textFrom(from)
  }

  /** The rest of the statement's text. */
  rest(): string {
    const from = this.#pos
    this.#pos = this.tokens.length
    return this.textFrom(from)
  }

  expectEnd(): void {
    if (!this.atEnd()) throw this.error(`unexpected '${this.sql.slice((this.peek() as SqlToken).start, (this.peek() as SqlToken).end)}'`)
  }

  /** SYNTAX_ERROR at the cursor, worded like Trino's parser messages. */
  error(message: string): AkkoError {
    const t = this.peek()
    const near = t ? `'${this.sql.slice(t.start, t.end)}'` : '<EOF>'
    return syntaxAt(this.sql, this.offset(), `mismatched input ${near}. ${message[0]?.toUpperCase()}${message.slice(1)}`)
  }
}

/** Leading keywords of a statement, upper-cased (at most `n`), for handler dispatch. */
export function sqlHead(sql: string, n = 4): string[] {
  const out: string[] = []
  for (const t of sqlTokenize(sql)) {
    if (t.kind !== 'word' || out.length >= n) break
    out.push(t.value.toUpperCase())
  }
  return out
}

/** `"name"` with embedded quotes doubled: a DuckDB/Trino quoted identifier. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** `'text'` with embedded quotes doubled. */
export const quoteString = (text: string): string => `'${text.replaceAll("'", "''")}'`
