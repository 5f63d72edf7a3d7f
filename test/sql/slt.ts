/**
 * The sqllogictest dialect of test/sql/**.slt (STYLE.md §3.14): a header of `# name:`, `# description:`,
 * `# group:` comments, then records separated by blank lines:
 *
 *   statement ok                 the statement must succeed
 *   statement error <expected>   it must fail; <expected> is an error code (UPPER_SNAKE) or a /regex/ on the message
 *   query <types> [rowsort]      a query; one type letter per column (I integer, R real/decimal, T text, B boolean,
 *                                D date/time, J json/array/map); the SQL, `----`, then the rows, columns separated
 *                                by tabs, NULL as `NULL`, the empty string as `(empty)`
 *   user <name>                  the following records run as this user
 *
 * `${name}` in SQL is replaced by the data set's variables (snapshot ids).
 */

export interface SltRecord {
  readonly kind: 'statement' | 'query' | 'user'
  /** Line of the record's first line, for messages. */
  readonly line: number
  readonly sql: string
  /** statement: 'ok' or the expected error; query: the type letters; user: the name. */
  readonly arg: string
  readonly rowsort?: boolean
  readonly expected?: readonly string[]
}

export interface SltFile {
  readonly name?: string
  readonly description?: string
  readonly group?: string
  readonly records: readonly SltRecord[]
}

/** Parses one .slt file; throws on a malformed record, naming its line. */
export function sltParse(text: string, file: string): SltFile {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''))
  const header: Record<string, string> = {}
  const records: SltRecord[] = []
  let i = 0
  const fail = (msg: string): never => {
    throw new Error(`${file}:${i + 1}: ${msg}`)
  }
  while (i < lines.length) {
    const line = lines[i]!
    const h = /^#\s*(name|description|group):\s*(.*)$/.exec(line)
    if (h) header[h[1]!] = h[2]!.trim()
    if (line.trim() === '' || line.startsWith('#')) {
      i++
      continue
    }
    const start = i
    const [word, ...rest] = line.trim().split(/\s+/)
    if (word === 'user') {
      if (rest.length !== 1) fail('user takes one name')
      records.push({ kind: 'user', line: start + 1, sql: '', arg: rest[0]! })
      i++
      continue
    }
    if (word !== 'statement' && word !== 'query') fail(`unknown record "${line}"`)
    i++
    const sql: string[] = []
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i] !== '----') sql.push(lines[i++]!)
    if (sql.length === 0) fail('record without SQL')
    if (word === 'statement') {
      const arg = rest.join(' ')
      if (arg !== 'ok' && !/^error\s+\S/.test(arg)) fail('statement ok | statement error <CODE or /regex/>')
      if (lines[i] === '----') fail('statement records have no results')
      records.push({ kind: 'statement', line: start + 1, sql: sql.join('\n'), arg })
      continue
    }
    const types = rest[0] ?? fail('query needs its column types')
    if (!/^[IRTBDJ]+$/.test(types)) fail(`bad column types "${types}"`)
    if (rest.length > 2 || (rest[1] !== undefined && rest[1] !== 'rowsort')) fail('query <types> [rowsort]')
    const expected: string[] = []
    if (lines[i] === '----') {
      i++
      while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!)
    }
    records.push({ kind: 'query', line: start + 1, sql: sql.join('\n'), arg: types, rowsort: rest[1] === 'rowsort', expected })
  }
  return { name: header.name, description: header.description, group: header.group, records }
}

/** Renders one value of a result (Trino's JSON wire encoding) the way expected rows are written. */
export function sltValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'string') return v === '' ? '(empty)' : v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  return JSON.stringify(v)
}

/** Replaces `${name}` by the variable's value; an unknown name is an error in the test file. */
export function sltSubstitute(sql: string, vars: Readonly<Record<string, string>>, where: string): string {
  return sql.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    const v = vars[name]
    if (v === undefined) throw new Error(`${where}: unknown variable \${${name}}`)
    return v
  })
}
