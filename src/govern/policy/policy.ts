/**
 * The contract every access-rules backend implements (the rules file, OPA), shaped for the engine's binder:
 * one `AccessPolicy` per identity, asked about catalogs, schemas, tables, columns, row filters and impersonation.
 * Answers may be synchronous (rules file) or asynchronous (OPA); callers always `await` them.
 */
import { AkkoError } from '../../core/index.js'

/** Who is asking: the user name and the groups and roles the identity provider vouches for. */
export interface Identity {
  readonly user: string
  readonly groups: readonly string[]
  readonly roles: readonly string[]
}

/** Trino's table privileges, as written in the rules file. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP', 'GRANT_SELECT'] as const
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number]

/** Catalog access levels: `read-only` allows SELECT but no writes or DDL. */
export type CatalogAccess = 'all' | 'read-only' | 'none'

/** A column as the binder knows it; the type is passed on to OPA's column resource when known. */
export type ColumnRef = string | { readonly name: string; readonly type?: string }

/** What the caller may see of a table's columns. */
export interface ColumnAccess {
  /** Columns the caller may read (masked or not), in the table's order. */
  readonly visible: readonly string[]
  /** Column → Trino SQL expression over the table's columns that replaces the value. */
  readonly masks: ReadonlyMap<string, string>
  /** Columns the caller may not reference at all. */
  readonly denied: readonly string[]
}

export type Awaitable<T> = T | Promise<T>

/** The decisions for one identity. Mask and filter expressions are Trino SQL for the binder to parse. */
export interface AccessPolicy {
  readonly identity: Identity
  catalogAccess(catalog: string): Awaitable<CatalogAccess>
  schemaVisible(catalog: string, schema: string): Awaitable<boolean>
  tablePrivileges(catalog: string, schema: string, table: string): Awaitable<ReadonlySet<TablePrivilege>>
  /** Throws PERMISSION_DENIED with Trino's message (`Access Denied: Cannot select from table c.s.t`) when not held. */
  checkTable(catalog: string, schema: string, table: string, privilege: TablePrivilege): Awaitable<void>
  columns(catalog: string, schema: string, table: string, allColumns: readonly ColumnRef[]): Awaitable<ColumnAccess>
  rowFilter(catalog: string, schema: string, table: string): Awaitable<string | undefined>
  canImpersonate(user: string): Awaitable<boolean>
  /** Whether the caller owns the schema: may create and drop it (Trino's `schemas` rules). */
  schemaOwner(catalog: string, schema: string): Awaitable<boolean>
  /** Whether the caller may see queries run by `owner` (`system.runtime.queries`); everyone sees their own. */
  canViewQueryOwnedBy(owner: string): Awaitable<boolean>
  /**
   * Whether SELECT on the metadata table `table` (`t$snapshots`, `t$files`…) is granted by a rule written for it:
   * one that does not also decide the base table `t`. Metadata tables expose row counts and partition values of
   * every row, so the engine serves them to a caller whose reads of `t` are filtered or masked only on such a grant.
   */
  metadataTableGranted(catalog: string, schema: string, table: string): Awaitable<boolean>
  /** Batch forms for SHOW and information_schema: the subset the caller may see, in input order. */
  filterCatalogs(catalogs: readonly string[]): Awaitable<string[]>
  filterSchemas(catalog: string, schemas: readonly string[]): Awaitable<string[]>
  filterTables(catalog: string, schema: string, tables: readonly string[]): Awaitable<string[]>
}

/** Hands out the policy of an identity (cached by the implementation). */
export interface PolicyProvider {
  readonly kind: 'rules' | 'opa'
  policyFor(identity: Identity): AccessPolicy
  close(): void
}

/**
 * Where column tags come from (the metadata catalog, later). Synchronous on purpose: rule evaluation is on
 * the hot path of every bound table, so a tag source keeps its own in-memory view and refreshes it itself.
 */
export interface TagSource {
  /** Column name → its tags, for one table; columns without tags may be absent. */
  tagsFor(catalog: string, schema: string, table: string): ReadonlyMap<string, readonly string[]>
}

/** A tag source that knows no tags (until the metadata catalog provides them). */
export const emptyTagSource: TagSource = { tagsFor: () => new Map() }

/** A tag source over a fixed map keyed `catalog.schema.table` (tests, static configuration). */
export function tagSourceStatic(tags: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>): TagSource {
  return {
    tagsFor(c, s, t) {
      const entry = tags[`${c}.${s}.${t}`]
      return new Map(entry ? Object.entries(entry) : [])
    },
  }
}

const DENIED_VERB: Record<TablePrivilege, string> = {
  SELECT: 'select from table',
  INSERT: 'insert into table',
  DELETE: 'delete from table',
  UPDATE: 'update table',
  OWNERSHIP: 'change (drop, alter, comment on) table',
  GRANT_SELECT: 'grant select on (create a view over) table',
}

/** The PERMISSION_DENIED error for a missing table privilege, in Trino's message shape. */
export function policyTableDenied(catalog: string, schema: string, table: string, privilege: TablePrivilege): AkkoError {
  const name = `${catalog}.${schema}.${table}`
  return new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot ${DENIED_VERB[privilege]} ${name}`, { table: name, privilege })
}

/**
 * The PERMISSION_DENIED error for any other refused action, in Trino's message shape
 * (`Access Denied: Cannot drop table c.s.t`); `details.privilege` names what was missing when one applies.
 */
export function policyDenied(action: string, object: string, details: Readonly<Record<string, unknown>> = {}): AkkoError {
  return new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot ${action} ${object}`, { object, ...details })
}

/** The PERMISSION_DENIED error for referencing denied columns, in Trino's message shape. */
export function policyColumnsDenied(catalog: string, schema: string, table: string, columns: readonly string[]): AkkoError {
  const name = `${catalog}.${schema}.${table}`
  return new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot select from columns [${columns.join(', ')}] in table or view ${name}`, {
    table: name,
    columns: [...columns],
  })
}

/** The name of a column reference. */
export const columnName = (c: ColumnRef): string => (typeof c === 'string' ? c : c.name)
