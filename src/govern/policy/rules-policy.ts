/**
 * Evaluation of a parsed rules file for one identity, with Trino's file-based semantics: per section the first
 * matching rule wins, no match denies, an absent section allows (except impersonation and system information).
 * Everything here is synchronous and pure over (rules, identity, tags), so the binder can ask per table reference.
 */
import { type Logger, silentLogger } from '../../core/index.js'
import {
  columnName,
  emptyTagSource,
  policyTableDenied,
  TABLE_PRIVILEGES,
  type AccessPolicy,
  type CatalogAccess,
  type ColumnAccess,
  type ColumnRef,
  type Identity,
  type PolicyProvider,
  type TablePrivilege,
  type TagSource,
} from './policy.js'
import type { ColumnRule, QueryAction, Rules, SubjectMatch, TableRule } from './rules-file.js'

const ALL_PRIVILEGES: ReadonlySet<TablePrivilege> = new Set(TABLE_PRIVILEGES)
const WRITE_PRIVILEGES: ReadonlySet<TablePrivilege> = new Set(['INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'])
const NO_PRIVILEGES: ReadonlySet<TablePrivilege> = new Set()
const SELECT_ONLY: ReadonlySet<TablePrivilege> = new Set(['SELECT'])

/** Does a rule's user/role/group matchers accept this identity? (absent matcher = any) */
export function subjectMatches(rule: SubjectMatch, id: Identity): boolean {
  if (rule.user && !rule.user.test(id.user)) return false
  if (rule.role && !id.roles.some(r => rule.role!.test(r))) return false
  if (rule.group && !id.groups.some(g => rule.group!.test(g))) return false
  return true
}

const test = (re: RegExp | undefined, value: string): boolean => re === undefined || re.test(value)

/** Object names are matched lower-cased, as Trino stores them, so quoting or case tricks select the same rule. */
const norm = (name: string): string => name.toLowerCase()

/** How one table's access was decided: the basis of `akko rules explain`. */
export interface TableExplanation {
  readonly catalogAccess: CatalogAccess
  /** Index in `catalogs` of the rule that decided, or undefined (section absent, default, or no match). */
  readonly catalogRule?: number
  readonly schemaOwner: boolean
  readonly schemaRule?: number
  /** Index in `tables` of the first matching rule; undefined when the section is absent or nothing matched. */
  readonly tableRule?: number
  readonly tablesSectionPresent: boolean
  readonly privileges: readonly TablePrivilege[]
  readonly columns: ColumnAccess & { readonly rules: ReadonlyMap<string, ColumnRule> }
  readonly filter?: string
  readonly filterEnvironment?: { readonly user?: string }
}

/** The decisions of a rules file for one identity. Methods are synchronous; the interface allows awaiting them. */
export class RulesPolicy implements AccessPolicy {
  private readonly tableRuleMemo = new Map<string, TableRule | null>()

  constructor(
    readonly rules: Rules,
    readonly identity: Identity,
    private readonly tags: TagSource = emptyTagSource,
  ) {}

  catalogAccess(catalog: string): CatalogAccess {
    return this.catalogDecision(norm(catalog)).access
  }

  private catalogDecision(catalog: string): { access: CatalogAccess; rule?: number } {
    if (!this.rules.catalogs) return { access: 'all' }
    for (const r of this.rules.catalogs) {
      if (subjectMatches(r, this.identity) && test(r.catalog, catalog)) return { access: r.allow, rule: r.index }
    }
    // Trino: the system catalog stays readable unless a rule says otherwise.
    return { access: catalog === 'system' ? 'read-only' : 'none' }
  }

  /** Whether the caller owns the schema (may create/drop it); never in a catalog the caller cannot write. */
  schemaOwner(catalog: string, schema: string): boolean {
    if (this.catalogAccess(catalog) !== 'all') return false
    return this.schemaDecision(norm(catalog), norm(schema)).owner
  }

  canViewQueryOwnedBy(owner: string): boolean {
    return this.canQuery('view', owner)
  }

  metadataTableGranted(catalog: string, schema: string, table: string): boolean {
    const at = table.lastIndexOf('$')
    if (at <= 0 || !this.tablePrivileges(catalog, schema, table).has('SELECT')) return false
    if (!this.rules.tables) return true
    const rule = this.tableRule(catalog, schema, table)
    // Written for it: the deciding rule names tables, and not the base table (`.*\$.*`, `transactions\$files`).
    return rule?.table !== undefined && !rule.table.test(norm(table.slice(0, at)))
  }

  private schemaDecision(catalog: string, schema: string): { owner: boolean; rule?: number } {
    if (!this.rules.schemas) return { owner: true }
    for (const r of this.rules.schemas) {
      if (subjectMatches(r, this.identity) && test(r.catalog, catalog) && test(r.schema, schema)) return { owner: r.owner, rule: r.index }
    }
    return { owner: false }
  }

  schemaVisible(catalog: string, schema: string): boolean {
    const [c, s] = [norm(catalog), norm(schema)]
    if (this.catalogAccess(c) === 'none') return false
    if (s === 'information_schema' || this.schemaDecision(c, s).owner || !this.rules.tables) return true
    // Visible when some table of the schema can carry a privilege: walk the rules that can match a table
    // in this schema; a schema-wide rule (no table pattern) shadows everything below it.
    for (const r of this.rules.tables) {
      if (!subjectMatches(r, this.identity) || !test(r.catalog, c) || !test(r.schema, s)) continue
      if (r.privileges.size > 0) return true
      if (r.table === undefined) return false
    }
    return false
  }

  /** The first table rule matching this identity and table, or undefined (also when the section is absent). */
  tableRule(catalog: string, schema: string, table: string): TableRule | undefined {
    const [c, s, t] = [norm(catalog), norm(schema), norm(table)]
    const key = `${c}\u0000${s}\u0000${t}`
    let hit = this.tableRuleMemo.get(key)
    if (hit === undefined) {
      hit = this.rules.tables?.find(r => subjectMatches(r, this.identity) && test(r.catalog, c) && test(r.schema, s) && test(r.table, t)) ?? null
      // Bounded: a policy lives as long as its identity's cache entry, but table names come from user SQL.
      if (this.tableRuleMemo.size > 4096) this.tableRuleMemo.clear()
      this.tableRuleMemo.set(key, hit)
    }
    return hit ?? undefined
  }

  tablePrivileges(catalog: string, schema: string, table: string): ReadonlySet<TablePrivilege> {
    const access = this.catalogAccess(catalog)
    if (access === 'none') return NO_PRIVILEGES
    // information_schema is not subject to the rules (its rows are filtered instead).
    if (norm(schema) === 'information_schema') return SELECT_ONLY
    const held = this.rules.tables ? this.tableRule(catalog, schema, table)?.privileges ?? NO_PRIVILEGES : ALL_PRIVILEGES
    if (access === 'all') return held
    return new Set([...held].filter(p => !WRITE_PRIVILEGES.has(p)))
  }

  checkTable(catalog: string, schema: string, table: string, privilege: TablePrivilege): void {
    if (!this.tablePrivileges(catalog, schema, table).has(privilege)) throw policyTableDenied(catalog, schema, table, privilege)
  }

  columns(catalog: string, schema: string, table: string, allColumns: readonly ColumnRef[]): ColumnAccess {
    const { rules: _rules, ...access } = this.columnDecision(catalog, schema, table, allColumns)
    return access
  }

  private columnDecision(catalog: string, schema: string, table: string, allColumns: readonly ColumnRef[]): TableExplanation['columns'] {
    const names = allColumns.map(columnName)
    if (!this.tablePrivileges(catalog, schema, table).has('SELECT')) return { visible: [], masks: new Map(), denied: names, rules: new Map() }
    const rule = this.rules.tables ? this.tableRule(catalog, schema, table) : undefined
    if (!rule || rule.columns.length === 0) return { visible: names, masks: new Map(), denied: [], rules: new Map() }
    const tags = rule.columns.some(c => c.tag !== undefined) ? lowerKeys(this.tags.tagsFor(norm(catalog), norm(schema), norm(table))) : undefined
    const visible: string[] = []
    const denied: string[] = []
    const masks = new Map<string, string>()
    const applied = new Map<string, ColumnRule>()
    for (const name of names) {
      const lower = norm(name)
      const colTags = tags?.get(lower)?.map(t => t.toLowerCase()) ?? []
      // First entry naming the column or one of its tags wins, in the order written.
      const entry = rule.columns.find(c => (c.name !== undefined ? c.name === lower : colTags.includes(c.tag!.toLowerCase())))
      if (entry) applied.set(name, entry)
      if (entry && !entry.allow) denied.push(name)
      else {
        visible.push(name)
        if (entry?.mask !== undefined) masks.set(name, entry.mask)
      }
    }
    return { visible, masks, denied, rules: applied }
  }

  rowFilter(catalog: string, schema: string, table: string): string | undefined {
    if (this.catalogAccess(catalog) === 'none' || norm(schema) === 'information_schema') return undefined
    return this.tableRule(catalog, schema, table)?.filter
  }

  canImpersonate(user: string): boolean {
    if (user === this.identity.user) return true
    for (const r of this.rules.impersonation ?? []) {
      const m = r.originalUser ? r.originalUser.exec(this.identity.user) : ([this.identity.user] as RegExpExecArray)
      if (!m) continue
      if (r.originalRole && !this.identity.roles.some(x => r.originalRole!.test(x))) continue
      // `$1`… in new_user refer to original_user's groups; substituted as literals.
      const pattern = r.newUser.replace(/\$(\d+)/g, (_, n: string) => escapeRegex(m[Number(n)] ?? ''))
      if (new RegExp(`^(?:${pattern})$`, 'u').test(user)) return r.allow
    }
    return false
  }

  filterCatalogs(catalogs: readonly string[]): string[] {
    return catalogs.filter(c => this.catalogAccess(c) !== 'none')
  }

  filterSchemas(catalog: string, schemas: readonly string[]): string[] {
    return schemas.filter(s => this.schemaVisible(catalog, s))
  }

  filterTables(catalog: string, schema: string, tables: readonly string[]): string[] {
    return tables.filter(t => this.tablePrivileges(catalog, schema, t).size > 0)
  }

  /** `system_information`: absent section denies. */
  canAccessSystemInformation(kind: 'read' | 'write'): boolean {
    const r = this.rules.systemInformation?.find(x => subjectMatches(x, this.identity))
    return r?.allow.has(kind) ?? false
  }

  /** `queries`: absent section allows; everyone may view and kill their own queries. */
  canQuery(action: QueryAction, owner?: string): boolean {
    if (!this.rules.queries) return true
    if (action !== 'execute' && owner === this.identity.user) return true
    const r = this.rules.queries.find(x => subjectMatches(x, this.identity) && (action === 'execute' ? !x.queryOwner : owner !== undefined && test(x.queryOwner, owner)))
    return r?.allow.has(action) ?? false
  }

  /** `system_session_properties` (or `session_properties`): absent section allows. */
  canSetSystemSessionProperty(property: string): boolean {
    if (!this.rules.systemSessionProperties) return true
    return this.rules.systemSessionProperties.find(r => subjectMatches(r, this.identity) && test(r.property, property))?.allow ?? false
  }

  /** `catalog_session_properties`: absent section allows. */
  canSetCatalogSessionProperty(catalog: string, property: string): boolean {
    if (!this.rules.catalogSessionProperties) return true
    return this.rules.catalogSessionProperties.find(r => subjectMatches(r, this.identity) && test(r.catalog, norm(catalog)) && test(r.property, property))?.allow ?? false
  }

  /** Which rules decided a table's access, with its privileges, masks and filter. */
  explainTable(catalog: string, schema: string, table: string, allColumns: readonly ColumnRef[] = []): TableExplanation {
    const cat = this.catalogDecision(norm(catalog))
    const sch = this.schemaDecision(norm(catalog), norm(schema))
    const rule = cat.access === 'none' ? undefined : this.tableRule(catalog, schema, table)
    return {
      catalogAccess: cat.access,
      catalogRule: cat.rule,
      schemaOwner: sch.owner,
      schemaRule: sch.rule,
      tableRule: rule?.index,
      tablesSectionPresent: this.rules.tables !== undefined,
      privileges: TABLE_PRIVILEGES.filter(p => this.tablePrivileges(catalog, schema, table).has(p)),
      columns: this.columnDecision(catalog, schema, table, allColumns),
      filter: this.rowFilter(catalog, schema, table),
      filterEnvironment: rule?.filterEnvironment,
    }
  }
}

function lowerKeys(m: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  return new Map([...m].map(([k, v]) => [k.toLowerCase(), v]))
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The cache key of an identity: order of groups and roles does not matter. */
export const identityKey = (id: Identity): string =>
  JSON.stringify([id.user, [...id.groups].sort(), [...id.roles].sort()])

export interface RulesPolicyOptions {
  readonly tags?: TagSource
  readonly logger?: Logger
}

/** A provider whose rules come from `current()` (fixed rules, or a watcher's last good rules). */
export interface RulesPolicyProvider extends PolicyProvider {
  readonly kind: 'rules'
  policyFor(identity: Identity): RulesPolicy
  rules(): Rules
}

/**
 * Policies over rules that may change (reload): one `RulesPolicy` per identity, cached until the rules object
 * changes, so repeated queries of one user cost a map lookup.
 */
export function rulesPolicyProvider(current: Rules | (() => Rules), opts: RulesPolicyOptions & { onClose?: () => void } = {}): RulesPolicyProvider {
  const get = typeof current === 'function' ? current : () => current
  let cachedFor: Rules | undefined
  const cache = new Map<string, RulesPolicy>()
  return {
    kind: 'rules',
    rules: get,
    policyFor(identity) {
      const rules = get()
      if (rules !== cachedFor || cache.size > 10_000) {
        cache.clear()
        cachedFor = rules
      }
      const key = identityKey(identity)
      let p = cache.get(key)
      if (!p) {
        p = new RulesPolicy(rules, { user: identity.user, groups: [...identity.groups], roles: [...identity.roles] }, opts.tags)
        cache.set(key, p)
      }
      return p
    },
    close() {
      opts.onClose?.()
      ;(opts.logger ?? silentLogger).emit({ code: 'G101', level: 'debug', msg: 'access rules closed' })
    },
  }
}
