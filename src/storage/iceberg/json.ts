/**
 * Lossless JSON for Iceberg metadata. Snapshot ids are random 63-bit longs (Spark writes ids such as
 * 7505300640432048841) and `JSON.parse` silently rounds them to the nearest double, which points a table at a
 * snapshot that does not exist. This module parses such integers as `bigint` and writes `bigint` back as bare
 * JSON numbers. It is a small single-pass scanner (no regex over the text), so 1 MB documents parse in
 * milliseconds.
 * @module
 */
import { AkkoError } from '../../core/index.js'

// Character codes used by the scanner.
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39

/** Numbers with at most this many digits are always exact doubles, so they skip the bigint check. */
const SAFE_DIGITS = 15

class Scanner {
  pos = 0
  constructor(readonly text: string) {}

  fail(what: string, at = this.pos): never {
    let line = 1, col = 1
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 0x0a) { line++; col = 1 } else col++
    }
    const found = at >= this.text.length ? 'end of input' : JSON.stringify(this.text[at])
    throw new AkkoError('INVALID_REQUEST', `Malformed JSON at position ${at} (line ${line}, column ${col}): ${what}, found ${found}`,
      { position: at, line, column: col })
  }

  skipWs(): void {
    const t = this.text
    let p = this.pos
    for (;;) {
      const c = t.charCodeAt(p)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++
      else break
    }
    this.pos = p
  }

  value(depth: number): unknown {
    if (depth > 512) this.fail('nesting deeper than 512 levels')
    this.skipWs()
    const c = this.text.charCodeAt(this.pos)
    if (c === LBRACE) return this.object(depth)
    if (c === LBRACKET) return this.array(depth)
    if (c === QUOTE) return this.string()
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number()
    if (this.text.startsWith('true', this.pos)) { this.pos += 4; return true }
    if (this.text.startsWith('false', this.pos)) { this.pos += 5; return false }
    if (this.text.startsWith('null', this.pos)) { this.pos += 4; return null }
    return this.fail('expected a value')
  }

  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    this.pos++
    this.skipWs()
    if (this.text.charCodeAt(this.pos) === RBRACE) { this.pos++; return out }
    for (;;) {
      this.skipWs()
      if (this.text.charCodeAt(this.pos) !== QUOTE) this.fail('expected a string key')
      const key = this.string()
      this.skipWs()
      if (this.text.charCodeAt(this.pos) !== COLON) this.fail("expected ':' after an object key")
      this.pos++
      const v = this.value(depth + 1)
      // A plain assignment of "__proto__" would replace the prototype instead of adding a key.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
      else out[key] = v
      this.skipWs()
      const c = this.text.charCodeAt(this.pos)
      this.pos++
      if (c === COMMA) continue
      if (c === RBRACE) return out
      this.fail("expected ',' or '}' in an object", this.pos - 1)
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = []
    this.pos++
    this.skipWs()
    if (this.text.charCodeAt(this.pos) === RBRACKET) { this.pos++; return out }
    for (;;) {
      out.push(this.value(depth + 1))
      this.skipWs()
      const c = this.text.charCodeAt(this.pos)
      this.pos++
      if (c === COMMA) continue
      if (c === RBRACKET) return out
      this.fail("expected ',' or ']' in an array", this.pos - 1)
    }
  }

  string(): string {
    const t = this.text
    const start = this.pos + 1
    let p = start, escaped = false
    for (;;) {
      const c = t.charCodeAt(p)
      if (c === QUOTE) break
      if (c === BACKSLASH) { escaped = true; p += 2; continue }
      if (Number.isNaN(c)) this.fail('unterminated string', start - 1)
      if (c < 0x20) this.fail('control character inside a string', p)
      p++
    }
    this.pos = p + 1
    if (!escaped) return t.slice(start, p)
    // Escapes are rare in metadata; the built-in parser decodes them correctly and fast on a short slice.
    try {
      return JSON.parse(t.slice(start - 1, p + 1)) as string
    } catch {
      return this.fail('invalid escape sequence in a string', start - 1)
    }
  }

  number(): number | bigint {
    const t = this.text
    const start = this.pos
    let p = start, integral = true
    if (t.charCodeAt(p) === MINUS) p++
    const digitsStart = p
    const first = t.charCodeAt(p)
    if (first === ZERO) p++
    else if (first >= ZERO && first <= NINE) while (isDigit(t.charCodeAt(p))) p++
    else this.fail('expected a digit', p)
    if (t.charCodeAt(p) === DOT) {
      integral = false
      p++
      if (!isDigit(t.charCodeAt(p))) this.fail('expected a digit after the decimal point', p)
      while (isDigit(t.charCodeAt(p))) p++
    }
    const e = t.charCodeAt(p)
    if (e === 0x65 || e === 0x45) {
      integral = false
      p++
      const s = t.charCodeAt(p)
      if (s === PLUS || s === MINUS) p++
      if (!isDigit(t.charCodeAt(p))) this.fail('expected a digit in the exponent', p)
      while (isDigit(t.charCodeAt(p))) p++
    }
    this.pos = p
    const lexeme = t.slice(start, p)
    const n = Number(lexeme)
    if (!integral || p - digitsStart <= SAFE_DIGITS || Number.isSafeInteger(n)) return n
    return BigInt(lexeme)
  }
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE

/**
 * Parses JSON like `JSON.parse`, except that integer literals outside the safe-integer range (|n| > 2^53 - 1)
 * become `bigint`, so 64-bit ids keep every digit. Numbers with a fraction or an exponent stay `number`.
 * Malformed input fails with INVALID_REQUEST giving the position, line and column.
 * @example jsonParseLossless('{"snapshot-id": 7505300640432048841}') // { 'snapshot-id': 7505300640432048841n }
 */
export function jsonParseLossless(text: string): unknown {
  // Fast path: one linear pre-scan finds the big integers, the native parser does the rest (several times faster
  // than a JS scanner on large documents). The scanner handles the rare texts the fast path cannot, and errors.
  const big = bigIntegerTokens(text)
  if (big !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(big.length ? quoteTokens(text, big) : text)
    } catch {
      return scanAll(text)
    }
    if (big.length === 0) return parsed
    const revived = reviveBig(parsed)
    if (revived !== INVALID) return revived
  }
  return scanAll(text)
}

function scanAll(text: string): unknown {
  const s = new Scanner(text)
  const v = s.value(0)
  s.skipWs()
  if (s.pos < text.length) s.fail('unexpected content after the JSON value')
  return v
}

/** Marks a quoted big integer; a NUL can only appear in a JSON string escaped, so real strings are told apart. */
const BIG_MARK = '\\u0000B'
const INVALID = Symbol('invalid')

/**
 * [start, end) of every integer literal outside strings that is not a safe integer, or undefined when the text
 * already holds an escaped NUL (which could collide with the marker).
 */
function bigIntegerTokens(t: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = []
  const n = t.length
  for (let p = 0; p < n; p++) {
    const c = t.charCodeAt(p)
    if (c === QUOTE) {
      for (p++; p < n; p++) {
        const d = t.charCodeAt(p)
        if (d === QUOTE) break
        if (d === BACKSLASH) {
          if (t.startsWith('u0000', p + 1)) return undefined
          p++
        }
      }
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const start = p
      let integral = true
      for (p++; p < n; p++) {
        const d = t.charCodeAt(p)
        if (isDigit(d)) continue
        if (d === DOT || d === 0x65 || d === 0x45 || d === PLUS || d === MINUS) integral = false
        else break
      }
      if (integral && p - start > SAFE_DIGITS && !Number.isSafeInteger(Number(t.slice(start, p)))) out.push([start, p])
      p--
    }
  }
  return out
}

function quoteTokens(t: string, tokens: Array<[number, number]>): string {
  let out = ''
  let last = 0
  for (const [a, b] of tokens) {
    out += t.slice(last, a) + '"' + BIG_MARK + t.slice(a, b) + '"'
    last = b
  }
  return out + t.slice(last)
}

/** Replaces marked strings by bigint in place; INVALID if a marker ended up as a key (the text was not valid JSON). */
function reviveBig(v: unknown): unknown {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 && v.charCodeAt(1) === 0x42 ? BigInt(v.slice(2)) : v
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = reviveBig(v[i])
      if (r === INVALID) return INVALID
      v[i] = r
    }
    return v
  }
  const o = v as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (k.charCodeAt(0) === 0) return INVALID
    const r = reviveBig(o[k])
    if (r === INVALID) return INVALID
    o[k] = r
  }
  return o
}

/**
 * Serializes like `JSON.stringify`, writing `bigint` as a bare JSON number (never a string), so ids read with
 * `jsonParseLossless` round-trip exactly. `undefined` and functions in objects are skipped, non-finite numbers
 * become null, `toJSON()` is honoured, as in `JSON.stringify`.
 */
export function jsonStringifyLossless(v: unknown, indent?: number): string {
  const parts: string[] = []
  const pad = indent && indent > 0 ? ' '.repeat(Math.min(indent, 10)) : ''
  writeValue(v, parts, pad, '\n', new Set())
  return parts.join('')
}

function writeValue(v: unknown, out: string[], pad: string, nl: string, seen: Set<object>): boolean {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(): unknown }).toJSON()
  }
  switch (typeof v) {
    case 'string': out.push(JSON.stringify(v)); return true
    case 'number': out.push(Number.isFinite(v) ? String(v) : 'null'); return true
    case 'bigint': out.push(v.toString()); return true
    case 'boolean': out.push(v ? 'true' : 'false'); return true
    case 'undefined': case 'function': case 'symbol': return false
  }
  if (v === null) { out.push('null'); return true }
  const obj = v as object
  if (seen.has(obj)) throw new AkkoError('INVALID_ARGUMENT', 'Cannot serialize a value that contains itself (circular reference)')
  seen.add(obj)
  const inner = pad ? nl + pad : ''
  if (Array.isArray(obj)) {
    if (obj.length === 0) out.push('[]')
    else {
      out.push('[')
      obj.forEach((item, i) => {
        if (i > 0) out.push(',')
        out.push(inner)
        if (!writeValue(item, out, pad, inner, seen)) out.push('null')
      })
      out.push(pad ? nl + ']' : ']')
    }
  } else {
    out.push('{')
    let n = 0
    for (const key of Object.keys(obj)) {
      const item = (obj as Record<string, unknown>)[key]
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
      out.push(n++ > 0 ? ',' : '', inner, JSON.stringify(key), pad ? ': ' : ':')
      writeValue(item, out, pad, inner, seen)
    }
    out.push(n > 0 && pad ? nl + '}' : '}')
  }
  seen.delete(obj)
  return true
}
