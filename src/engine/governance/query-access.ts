/**
 * The access rules as one statement sees them: the caller's `AccessPolicy`, asked at most once per question and
 * table (answers are memoized for the statement), and the record of what the statement touched and which rules
 * applied, for the audit trail. Without a policy every check passes and nothing is filtered or masked.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import {
  expressionLexicalIssue,
  policyColumnsDenied,
  policyDenied,
  policyTableDenied,
  type AccessPolicy,
  type PolicyIdentity,
  type PolicyProvider,
  type TablePrivilege,
} from '../../govern/index.js'
import type { ColumnInfo, ScanAccess, TableRef } from '../connectors/connector.js'

/** What the rules do to one table's rows and columns for the caller. */
export interface TableGovernance {
  /** Trino SQL over the table's columns; rows where it is not true are invisible. */
  readonly filter?: string
  /** Lower-cased column name → Trino SQL expression that replaces the value. */
  readonly masks: ReadonlyMap<string, string>
  /** Lower-cased names of the columns the caller may not reference. */
  readonly denied: ReadonlySet<string>
  /** True when any of the above applies (the relation must be wrapped). */
  readonly governed: boolean
}

type Awaitable<T> = T | Promise<T>

const UNGOVERNED: TableGovernance = Object.freeze({ masks: new Map<string, string>(), denied: new Set<string>(), governed: false })

/** What one statement touched and which rules applied: names only, never the filter or mask expressions. */
export class AccessRecord {
  readonly catalogs = new Set<string>()
  readonly tables = new Set<string>()
  readonly rules = new Set<string>()
  /** Tables whose rows or columns were filtered or masked for the caller (EXPLAIN refuses to show their plans). */
  readonly governed = new Set<string>()
}

/** Resolves a user's groups and roles (the owner of a SECURITY DEFINER view), or undefined when unknown. */
export type IdentityResolver = (user: string) => Awaitable<PolicyIdentity | undefined>

export const tableName = (ref: TableRef): string => `${ref.catalog}.${ref.schema}.${ref.table}`
const key = (ref: TableRef): string => `${ref.catalog}\u0000${ref.schema}\u0000${ref.table}`.toLowerCase()

/** One statement's view of the access rules for one identity (the caller, or a definer view's owner). */
export class QueryAccess implements ScanAccess {
  private readonly memo = new Map<string, Promise<unknown>>()
  readonly policy: AccessPolicy | undefined

  constructor(
    private readonly provider: PolicyProvider | undefined,
    readonly identity: PolicyIdentity,
    readonly record: AccessRecord = new AccessRecord(),
    private readonly opts: { readonly resolveIdentity?: IdentityResolver; readonly viewOwner?: boolean } = {},
  ) {
    this.policy = provider?.policyFor(identity)
  }

  /** True when access rules apply to this statement. */
  get enabled(): boolean {
    return this.policy !== undefined
  }

  private once<T>(k: string, f: () => Awaitable<T>): Promise<T> {
    let hit = this.memo.get(k) as Promise<T> | undefined
    if (!hit) {
      hit = Promise.resolve().then(f)
      this.memo.set(k, hit)
    }
    return hit
  }

  /** Notes a table the statement reads or changes. */
  touch(ref: TableRef): void {
    this.record.catalogs.add(ref.catalog)
    this.record.tables.add(tableName(ref))
  }

  /**
   * SELECT on `ref`, with Trino's message when not held. As the owner of a SECURITY DEFINER view read by someone
   * else, SELECT is not enough: the owner must be allowed to pass it on (GRANT_SELECT), as Trino requires.
   */
  checkSelect(ref: TableRef): Promise<void> {
    const p = this.policy
    if (!p) return Promise.resolve()
    return this.once(`select\u0000${key(ref)}`, async () => {
      await p.checkTable(ref.catalog, ref.schema, ref.table, 'SELECT')
      if (this.opts.viewOwner && !(await p.tablePrivileges(ref.catalog, ref.schema, ref.table)).has('GRANT_SELECT')) {
        throw new AkkoError('PERMISSION_DENIED', `Access Denied: View owner '${this.identity.user}' cannot create view that selects from ${tableName(ref)}`, {
          table: tableName(ref),
          privilege: 'GRANT_SELECT',
          owner: this.identity.user,
        })
      }
    })
  }

  /** A table privilege for a write or DDL statement; `action` words the denial as Trino does (`drop table`). */
  async check(ref: TableRef, privilege: TablePrivilege, action?: string): Promise<void> {
    const p = this.policy
    if (!p) return
    const held = await this.privileges(ref)
    if (held.has(privilege)) return
    throw action ? policyDenied(action, tableName(ref), { table: tableName(ref), privilege }) : policyTableDenied(ref.catalog, ref.schema, ref.table, privilege)
  }

  privileges(ref: TableRef): Promise<ReadonlySet<TablePrivilege>> {
    const p = this.policy
    if (!p) return Promise.resolve(new Set(['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP', 'GRANT_SELECT'] as const))
    return this.once(`privileges\u0000${key(ref)}`, () => p.tablePrivileges(ref.catalog, ref.schema, ref.table))
  }

  /** Schema DDL (CREATE/DROP SCHEMA): the caller must own the schema, in a catalog they may write. */
  async checkSchemaOwner(catalog: string, schema: string, action: string): Promise<void> {
    const p = this.policy
    if (!p) return
    if ((await p.catalogAccess(catalog)) === 'all' && (await p.schemaOwner(catalog, schema))) return
    throw policyDenied(action, `${catalog}.${schema}`, { schema: `${catalog}.${schema}`, privilege: 'OWNERSHIP' })
  }

  /** Whether the caller may use the catalog at all. */
  async catalogVisible(catalog: string): Promise<boolean> {
    const p = this.policy
    return !p || (await this.once(`catalog\u0000${catalog}`, () => p.catalogAccess(catalog))) !== 'none'
  }

  /** The filter, masks and denied columns of `ref` for the caller, given the table's columns. */
  governance(ref: TableRef, columns: readonly ColumnInfo[]): Promise<TableGovernance> {
    const p = this.policy
    if (!p) return Promise.resolve(UNGOVERNED)
    return this.once(`governance\u0000${key(ref)}`, async () => {
      const [access, filter] = await Promise.all([
        p.columns(ref.catalog, ref.schema, ref.table, columns.map(c => ({ name: c.name, type: c.type }))),
        p.rowFilter(ref.catalog, ref.schema, ref.table),
      ])
      // Each expression must stay one expression inside the wrapper (a rules file is checked when loaded; OPA's are not).
      for (const [what, expr] of [['row filter', filter], ...[...access.masks].map(([c, e]) => [`mask of column ${c}`, e])] as const) {
        const issue = expr === undefined ? undefined : expressionLexicalIssue(expr)
        if (issue) throw new AkkoError('INVALID_CONFIG', `The ${what} on ${tableName(ref)} is not a valid SQL expression: ${issue}. Fix the access rules.`, { table: tableName(ref) })
      }
      const masks = new Map([...access.masks].map(([name, expr]) => [name.toLowerCase(), expr]))
      const denied = new Set(access.denied.map(n => n.toLowerCase()))
      if (filter === undefined && masks.size === 0 && denied.size === 0) return UNGOVERNED
      return { filter, masks, denied, governed: true }
    })
  }

  /** Whether a rule grants the metadata table `ref` (`t$files`) for itself. */
  async metadataTableGranted(ref: TableRef): Promise<boolean> {
    const p = this.policy
    return !p || p.metadataTableGranted(ref.catalog, ref.schema, ref.table)
  }

  /** The caller's view of a definer view's owner: the owner's rules, with GRANT_SELECT required on what it reads. */
  async forViewOwner(owner: string): Promise<QueryAccess> {
    if (!this.provider || owner === this.identity.user) return this
    const known = await this.opts.resolveIdentity?.(owner)
    // Without a resolver the owner is known by name only: rules on roles or groups do not apply to it.
    const identity: PolicyIdentity = known ?? { user: owner, groups: [], roles: [] }
    return new QueryAccess(this.provider, identity, this.record, { ...this.opts, viewOwner: true })
  }

  /** The denial for referencing denied columns. */
  columnsDenied(ref: TableRef, columns: readonly string[]): AkkoError {
    return policyColumnsDenied(ref.catalog, ref.schema, ref.table, columns)
  }

  // ------------------------------------------------------------------ listings (ScanAccess)

  async filterCatalogs(catalogs: readonly string[]): Promise<string[]> {
    return this.policy ? this.policy.filterCatalogs(catalogs) : [...catalogs]
  }

  async filterSchemas(catalog: string, schemas: readonly string[]): Promise<string[]> {
    if (!this.policy) return [...schemas]
    if (!(await this.catalogVisible(catalog))) return []
    return this.policy.filterSchemas(catalog, schemas)
  }

  async filterTables(catalog: string, schema: string, tables: readonly string[]): Promise<string[]> {
    if (!this.policy) return [...tables]
    if (!(await this.catalogVisible(catalog))) return []
    // Metadata tables are never listed; views and tables alike are shown when any privilege is held.
    return this.policy.filterTables(catalog, schema, tables)
  }

  async visibleColumns(ref: TableRef, columns: readonly ColumnInfo[]): Promise<ColumnInfo[]> {
    if (!this.policy) return [...columns]
    const g = await this.governance(ref, columns)
    return columns.filter(c => !g.denied.has(c.name.toLowerCase()))
  }

  async canViewQuery(owner: string): Promise<boolean> {
    const p = this.policy
    if (!p || owner === this.identity.user) return true
    return this.once(`query\u0000${owner}`, () => p.canViewQueryOwnedBy(owner))
  }
}
