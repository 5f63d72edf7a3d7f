/**
 * Trino type strings (`decimal(12,2)`, `row(a bigint, b array(varchar))`, `timestamp(6) with time zone`) parsed
 * into the protocol's `typeSignature` objects. Python clients and dbt build their value converters from these,
 * so every column carries one.
 */

/** One argument of a type signature, as Trino serializes `ClientTypeSignatureParameter`. */
export type TypeArgument =
  | { readonly kind: 'LONG'; readonly value: number }
  | { readonly kind: 'TYPE'; readonly value: TypeSignature }
  | { readonly kind: 'NAMED_TYPE'; readonly value: { readonly fieldName?: { readonly name: string }; readonly typeSignature: TypeSignature } }

export interface TypeSignature {
  readonly rawType: string
  readonly arguments: readonly TypeArgument[]
}

/** Trino reports an unbounded varchar with this length argument. */
const UNBOUNDED_VARCHAR = 2147483647

/**
 * Parses a Trino type string. Unknown or malformed text still gives a signature (the text as raw type), since a
 * client can display a column it cannot convert but cannot read a result whose metadata is missing.
 */
export function typeSignatureParse(type: string): TypeSignature {
  try {
    const p = new TypeParser(type)
    const sig = p.type()
    p.end()
    return sig
  } catch {
    return { rawType: type.trim().toLowerCase(), arguments: [] }
  }
}

class TypeParser {
  private i = 0
  constructor(private readonly s: string) {}

  type(): TypeSignature {
    const name = this.words()
    if (!name) throw new Error('type name expected')
    const args: TypeArgument[] = []
    this.space()
    if (this.peek() === '(') {
      this.i++
      for (;;) {
        this.space()
        args.push(this.argument(name))
        this.space()
        const c = this.s[this.i++]
        if (c === ')') break
        if (c !== ',') throw new Error('"," or ")" expected')
      }
    }
    // `timestamp(3) with time zone`: the suffix belongs to the raw type, the precision stays an argument.
    const suffix = this.words()
    const rawType = suffix ? `${name} ${suffix}` : name
    if (rawType === 'varchar' && args.length === 0) args.push({ kind: 'LONG', value: UNBOUNDED_VARCHAR })
    return { rawType, arguments: args }
  }

  end(): void {
    this.space()
    if (this.i !== this.s.length) throw new Error('trailing text')
  }

  private argument(outer: string): TypeArgument {
    const num = /^\d+/.exec(this.s.slice(this.i))
    if (num) {
      this.i += num[0].length
      return { kind: 'LONG', value: Number(num[0]) }
    }
    if (outer !== 'row') return { kind: 'TYPE', value: this.type() }
    // A row field is `name type` or just `type`; a name is a word (or quoted) followed by more type text.
    const save = this.i
    const fieldName = this.identifier()
    if (fieldName !== undefined && /^\s+[A-Za-z"]/.test(this.s.slice(this.i))) {
      this.space()
      return { kind: 'NAMED_TYPE', value: { fieldName: { name: fieldName }, typeSignature: this.type() } }
    }
    this.i = save
    return { kind: 'NAMED_TYPE', value: { typeSignature: this.type() } }
  }

  private identifier(): string | undefined {
    if (this.peek() === '"') {
      let out = ''
      this.i++
      while (this.i < this.s.length) {
        const c = this.s[this.i++]!
        if (c === '"') {
          if (this.peek() === '"') {
            out += '"'
            this.i++
          } else return out
        } else out += c
      }
      throw new Error('unterminated quoted name')
    }
    const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(this.s.slice(this.i))
    if (!m) return undefined
    this.i += m[0].length
    return m[0]
  }

  /** Space-separated lower-case words up to a delimiter: `double`, `interval day to second`, `with time zone`. */
  private words(): string {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*)/.exec(this.s.slice(this.i))
    if (!m) return ''
    this.i += m[0].length
    return m[1]!.toLowerCase().replace(/\s+/g, ' ')
  }

  private space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++
  }

  private peek(): string | undefined {
    return this.s[this.i]
  }
}
