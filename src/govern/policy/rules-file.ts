/**
 * The rules file: Trino's file-based access-control JSON, parsed into compiled rules. Validation walks the whole
 * document and collects every problem with its JSON path, then throws once (INVALID_CONFIG), so a user fixes a
 * file in one pass. Patterns are Java-style regexes matched against the whole string, as Trino does.
 */
import { readFileSync } from 'node:fs'
import { AkkoError } from '../../core/index.js'
import { TABLE_PRIVILEGES, type CatalogAccess, type TablePrivilege } from './policy.js'

/** One problem found in a rules file: where (`$.tables[2].privileges[0]`) and what. */
export interface RulesProblem {
  readonly path: string
  readonly message: string
}

/** Matchers on the identity shared by most rule kinds; absent means "any". */
export interface SubjectMatch {
  readonly user?: RegExp
  readonly role?: RegExp
  readonly group?: RegExp
}

export interface CatalogRule extends SubjectMatch {
  readonly index: number
  readonly catalog?: RegExp
  readonly allow: CatalogAccess
}

export interface SchemaRule extends SubjectMatch {
  readonly index: number
  readonly catalog?: RegExp
  readonly schema?: RegExp
  readonly owner: boolean
}

/** A column entry of a table rule: by `name` (Trino) or by `tag` (our extension). */
export interface ColumnRule {
  readonly name?: string
  readonly tag?: string
  readonly allow: boolean
  readonly mask?: string
  readonly maskEnvironment?: { readonly user?: string }
}

export interface TableRule extends SubjectMatch {
  readonly index: number
  readonly catalog?: RegExp
  readonly schema?: RegExp
  readonly table?: RegExp
  readonly privileges: ReadonlySet<TablePrivilege>
  readonly columns: readonly ColumnRule[]
  readonly filter?: string
  readonly filterEnvironment?: { readonly user?: string }
}

export interface PropertyRule extends SubjectMatch {
  readonly index: number
  readonly catalog?: RegExp
  readonly property?: RegExp
  readonly allow: boolean
}

export type QueryAction = 'execute' | 'view' | 'kill'
export interface QueryRule extends SubjectMatch {
  readonly index: number
  readonly queryOwner?: RegExp
  readonly allow: ReadonlySet<QueryAction>
}

export interface ImpersonationRule {
  readonly index: number
  readonly originalUser?: RegExp
  readonly originalRole?: RegExp
  /** Kept as source text: `$1`… refer to the groups captured by `original_user`. */
  readonly newUser: string
  readonly allow: boolean
}

export interface SystemInformationRule extends SubjectMatch {
  readonly index: number
  readonly allow: ReadonlySet<'read' | 'write'>
}

/**
 * A parsed rules file. A section that is absent is `undefined` (Trino: allow for that check, except
 * `system_information` and `impersonation`, which deny); an empty list denies everything it covers.
 */
export interface Rules {
  readonly catalogs?: readonly CatalogRule[]
  readonly schemas?: readonly SchemaRule[]
  readonly tables?: readonly TableRule[]
  readonly systemSessionProperties?: readonly PropertyRule[]
  readonly catalogSessionProperties?: readonly PropertyRule[]
  readonly queries?: readonly QueryRule[]
  readonly impersonation?: readonly ImpersonationRule[]
  readonly systemInformation?: readonly SystemInformationRule[]
  /** Accepted for compatibility with Trino files, not evaluated yet (functions, procedures, authorization). */
  readonly unevaluated: readonly string[]
}

const SUBJECT_KEYS = ['user', 'role', 'group'] as const

/** Parses rules from JSON text; throws INVALID_CONFIG listing every problem with its path. */
export function rulesParseText(text: string, source = 'rules file'): Rules {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    const problems = [{ path: '$', message: `not valid JSON: ${(e as Error).message}` }]
    throw rulesInvalid(source, problems)
  }
  return rulesParse(doc, source)
}

/** Reads and parses a rules file from disk. */
export function rulesLoadFile(path: string): Rules {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new AkkoError('INVALID_CONFIG', `Cannot read the rules file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path })
  }
  return rulesParseText(text, path)
}

/** Validates a parsed JSON document and compiles it; throws INVALID_CONFIG listing every problem. */
export function rulesParse(doc: unknown, source = 'rules file'): Rules {
  const { rules, problems } = rulesCheck(doc)
  if (problems.length > 0 || !rules) throw rulesInvalid(source, problems)
  return rules
}

function rulesInvalid(source: string, problems: readonly RulesProblem[]): AkkoError {
  const lines = problems.map(p => `  ${p.path}: ${p.message}`).join('\n')
  return new AkkoError('INVALID_CONFIG', `Invalid access rules in ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`, {
    file: source,
    problems,
  })
}

/** Validates without throwing: the compiled rules (when there is no problem) and every problem found. */
export function rulesCheck(doc: unknown): { rules?: Rules; problems: RulesProblem[] } {
  const v = new Validator()
  if (!isObject(doc)) {
    v.problem('$', 'the rules file must be a JSON object')
    return { problems: v.problems }
  }
  const known = new Set([
    'catalogs', 'schemas', 'tables', 'system_session_properties', 'session_properties', 'catalog_session_properties',
    'queries', 'impersonation', 'system_information', 'functions', 'procedures', 'authorization', 'principals',
  ])
  for (const k of Object.keys(doc)) if (!known.has(k)) v.problem(`$.${k}`, `unknown section (expected one of ${[...known].join(', ')})`)
  if (doc.session_properties !== undefined && doc.system_session_properties !== undefined) {
    v.problem('$.session_properties', 'give either session_properties or system_session_properties, not both')
  }
  const sessionKey = doc.system_session_properties !== undefined ? 'system_session_properties' : 'session_properties'
  const unevaluated = ['functions', 'procedures', 'authorization', 'principals'].filter(k => doc[k] !== undefined)
  for (const k of unevaluated) v.list(doc[k], `$.${k}`, (r, p) => (isObject(r) ? r : v.problem(p, 'each rule must be an object')))
  const rules: Rules = {
    catalogs: v.list(doc.catalogs, '$.catalogs', (r, p, i) => v.catalogRule(r, p, i)),
    schemas: v.list(doc.schemas, '$.schemas', (r, p, i) => v.schemaRule(r, p, i)),
    tables: v.list(doc.tables, '$.tables', (r, p, i) => v.tableRule(r, p, i)),
    systemSessionProperties: v.list(doc[sessionKey], `$.${sessionKey}`, (r, p, i) => v.propertyRule(r, p, i, false)),
    catalogSessionProperties: v.list(doc.catalog_session_properties, '$.catalog_session_properties', (r, p, i) => v.propertyRule(r, p, i, true)),
    queries: v.list(doc.queries, '$.queries', (r, p, i) => v.queryRule(r, p, i)),
    impersonation: v.list(doc.impersonation, '$.impersonation', (r, p, i) => v.impersonationRule(r, p, i)),
    systemInformation: v.list(doc.system_information, '$.system_information', (r, p, i) => v.systemInformationRule(r, p, i)),
    unevaluated,
  }
  return v.problems.length ? { problems: v.problems } : { rules, problems: [] }
}

type Obj = Record<string, unknown>
const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x)

/** Collects problems while compiling; every method returns a best-effort value so the walk continues. */
class Validator {
  readonly problems: RulesProblem[] = []

  problem(path: string, message: string): undefined {
    this.problems.push({ path, message })
    return undefined
  }

  list<T>(x: unknown, path: string, each: (r: unknown, p: string, i: number) => T | undefined): T[] | undefined {
    if (x === undefined) return undefined
    if (!Array.isArray(x)) return this.problem(path, 'must be a list of rules')
    const out: T[] = []
    x.forEach((r, i) => {
      const v = each(r, `${path}[${i}]`, i)
      if (v !== undefined) out.push(v)
    })
    return out
  }

  private object(r: unknown, path: string, allowed: readonly string[]): Obj | undefined {
    if (!isObject(r)) return this.problem(path, 'each rule must be a JSON object')
    for (const k of Object.keys(r)) if (!allowed.includes(k)) this.problem(`${path}.${k}`, `unknown field (expected one of ${allowed.join(', ')})`)
    return r
  }

  pattern(r: Obj, key: string, path: string): RegExp | undefined {
    const x = r[key]
    if (x === undefined) return undefined
    if (typeof x !== 'string') return this.problem(`${path}.${key}`, 'must be a regular expression string')
    try {
      // Trino matches the whole string (Pattern.matches); anchoring a group keeps alternations whole.
      return new RegExp(`^(?:${x})$`, 'u')
    } catch (e) {
      return this.problem(`${path}.${key}`, `not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`)
    }
  }

  private subject(r: Obj, path: string): SubjectMatch {
    const out: { user?: RegExp; role?: RegExp; group?: RegExp } = {}
    for (const k of SUBJECT_KEYS) {
      const re = this.pattern(r, k, path)
      if (re) out[k] = re
    }
    return out
  }

  private bool(r: Obj, key: string, path: string, dflt: boolean | undefined): boolean {
    const x = r[key]
    if (x === undefined) {
      if (dflt === undefined) this.problem(`${path}.${key}`, 'is required (true or false)')
      return dflt ?? false
    }
    if (typeof x !== 'boolean') this.problem(`${path}.${key}`, 'must be true or false')
    return x === true
  }

  private expression(r: Obj, key: string, path: string): string | undefined {
    const x = r[key]
    if (x === undefined) return undefined
    if (typeof x !== 'string' || x.trim() === '') return this.problem(`${path}.${key}`, 'must be a non-empty SQL expression')
    const issue = expressionLexicalIssue(x)
    return issue ? this.problem(`${path}.${key}`, issue) : x
  }

  private environment(r: Obj, key: string, path: string): { user?: string } | undefined {
    const x = r[key]
    if (x === undefined) return undefined
    if (!isObject(x)) return this.problem(`${path}.${key}`, 'must be an object such as {"user": "system_user"}')
    for (const k of Object.keys(x)) if (k !== 'user') this.problem(`${path}.${key}.${k}`, 'unknown field (expected user)')
    if (x.user !== undefined && typeof x.user !== 'string') return this.problem(`${path}.${key}.user`, 'must be a user name')
    return x.user === undefined ? {} : { user: x.user as string }
  }

  private set<T extends string>(r: Obj, key: string, path: string, allowed: readonly T[], normalize: (s: string) => string): Set<T> {
    const x = r[key]
    const out = new Set<T>()
    if (!Array.isArray(x)) {
      this.problem(`${path}.${key}`, `is required: a list of ${allowed.join(', ')}`)
      return out
    }
    x.forEach((p, i) => {
      const n = typeof p === 'string' ? normalize(p) : undefined
      if (n !== undefined && (allowed as readonly string[]).includes(n)) out.add(n as T)
      else this.problem(`${path}.${key}[${i}]`, `unknown value ${JSON.stringify(p)} (expected one of ${allowed.join(', ')})`)
    })
    return out
  }

  catalogRule(x: unknown, path: string, index: number): CatalogRule | undefined {
    const r = this.object(x, path, [...SUBJECT_KEYS, 'catalog', 'allow'])
    if (!r) return undefined
    const a = r.allow
    let allow: CatalogAccess = 'none'
    if (a === true || a === 'all') allow = 'all'
    else if (a === 'read-only') allow = 'read-only'
    else if (a === false || a === 'none') allow = 'none'
    else this.problem(`${path}.allow`, a === undefined ? 'is required: "all", "read-only" or "none"' : `must be "all", "read-only" or "none", got ${JSON.stringify(a)}`)
    return { index, ...this.subject(r, path), catalog: this.pattern(r, 'catalog', path), allow }
  }

  schemaRule(x: unknown, path: string, index: number): SchemaRule | undefined {
    const r = this.object(x, path, [...SUBJECT_KEYS, 'catalog', 'schema', 'owner'])
    if (!r) return undefined
    return { index, ...this.subject(r, path), catalog: this.pattern(r, 'catalog', path), schema: this.pattern(r, 'schema', path), owner: this.bool(r, 'owner', path, undefined) }
  }

  tableRule(x: unknown, path: string, index: number): TableRule | undefined {
    const r = this.object(x, path, [...SUBJECT_KEYS, 'catalog', 'schema', 'table', 'privileges', 'columns', 'filter', 'filter_environment'])
    if (!r) return undefined
    const columns = this.list(r.columns, `${path}.columns`, (c, p) => this.columnRule(c, p)) ?? []
    const seen = new Set<string>()
    columns.forEach((c, i) => {
      const key = c.name !== undefined ? `name:${c.name}` : `tag:${c.tag}`
      if (seen.has(key)) this.problem(`${path}.columns[${i}]`, `${c.name !== undefined ? 'column' : 'tag'} "${c.name ?? c.tag}" appears twice in this rule`)
      seen.add(key)
    })
    return {
      index,
      ...this.subject(r, path),
      catalog: this.pattern(r, 'catalog', path),
      schema: this.pattern(r, 'schema', path),
      table: this.pattern(r, 'table', path),
      privileges: this.set(r, 'privileges', path, TABLE_PRIVILEGES, s => s.toUpperCase()),
      columns,
      filter: this.expression(r, 'filter', path),
      filterEnvironment: this.environment(r, 'filter_environment', path),
    }
  }

  private columnRule(x: unknown, path: string): ColumnRule | undefined {
    const r = this.object(x, path, ['name', 'tag', 'allow', 'mask', 'mask_environment'])
    if (!r) return undefined
    if ((r.name === undefined) === (r.tag === undefined)) return this.problem(path, 'give exactly one of "name" (a column) or "tag" (every column with that tag)')
    const id = r.name ?? r.tag
    if (typeof id !== 'string' || id === '') return this.problem(`${path}.${r.name !== undefined ? 'name' : 'tag'}`, 'must be a non-empty string')
    const allow = this.bool(r, 'allow', path, true)
    const mask = this.expression(r, 'mask', path)
    if (!allow && mask !== undefined) this.problem(`${path}.mask`, 'a column that is not allowed cannot also be masked')
    const base = r.name !== undefined ? { name: id.toLowerCase() } : { tag: id }
    return { ...base, allow, mask, maskEnvironment: this.environment(r, 'mask_environment', path) }
  }

  propertyRule(x: unknown, path: string, index: number, withCatalog: boolean): PropertyRule | undefined {
    const r = this.object(x, path, [...SUBJECT_KEYS, ...(withCatalog ? ['catalog'] : []), 'property', 'allow'])
    if (!r) return undefined
    return { index, ...this.subject(r, path), catalog: this.pattern(r, 'catalog', path), property: this.pattern(r, 'property', path), allow: this.bool(r, 'allow', path, undefined) }
  }

  queryRule(x: unknown, path: string, index: number): QueryRule | undefined {
    const r = this.object(x, path, [...SUBJECT_KEYS, 'queryOwner', 'allow'])
    if (!r) return undefined
    const allow = this.set<QueryAction>(r, 'allow', path, ['execute', 'view', 'kill'], s => s.toLowerCase())
    const queryOwner = this.pattern(r, 'queryOwner', path)
    if (queryOwner && allow.has('execute')) this.problem(`${path}.allow`, 'a rule with queryOwner cannot allow "execute" (execution has no owner)')
    return { index, ...this.subject(r, path), queryOwner, allow }
  }

  impersonationRule(x: unknown, path: string, index: number): ImpersonationRule | undefined {
    const r = this.object(x, path, ['original_user', 'original_role', 'new_user', 'allow'])
    if (!r) return undefined
    const originalUser = this.pattern(r, 'original_user', path)
    const originalRole = this.pattern(r, 'original_role', path)
    if (typeof r.new_user !== 'string') return this.problem(`${path}.new_user`, 'is required: a regular expression (may use $1… from original_user)')
    try {
      new RegExp(r.new_user.replace(/\$\d+/g, 'x'), 'u')
    } catch (e) {
      this.problem(`${path}.new_user`, `not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`)
    }
    return { index, originalUser, originalRole, newUser: r.new_user, allow: this.bool(r, 'allow', path, true) }
  }

  systemInformationRule(x: unknown, path: string, index: number): SystemInformationRule | undefined {
    const r = this.object(x, path, [...SUBJECT_KEYS, 'allow'])
    if (!r) return undefined
    return { index, ...this.subject(r, path), allow: this.set<'read' | 'write'>(r, 'allow', path, ['read', 'write'], s => s.toLowerCase()) }
  }
}

/**
 * Catches the mistakes a SQL parser would reject outright, without needing the engine's parser here:
 * unbalanced quotes or parentheses, and statement separators (an expression must stay one expression).
 */
export function expressionLexicalIssue(sql: string): string | undefined {
  let depth = 0
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i)
      if (end < 0) return `unterminated ${ch === "'" ? 'string literal' : 'quoted identifier'} in SQL expression`
      i = end
    } else if (ch === '(') depth++
    else if (ch === ')') {
      if (--depth < 0) return 'unbalanced parentheses in SQL expression'
    } else if (ch === ';') return 'a SQL expression cannot contain ";"'
    else if (ch === '-' && sql[i + 1] === '-') return 'a SQL expression cannot contain a comment'
  }
  return depth === 0 ? undefined : 'unbalanced parentheses in SQL expression'
}

function closingQuote(sql: string, start: number): number {
  const q = sql[start]
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i++
      else return i
    }
  }
  return -1
}
