/**
 * Access rules on the Iceberg REST catalog: the same rules the SQL engine applies, asked about the catalog
 * `iceberg` (a namespace is a schema; nested namespaces join with '.'). A REST client receives file locations,
 * not rows, so a table that carries a row filter, a column mask or a hidden column for the caller cannot be
 * handed out at all: such callers read it through the SQL endpoint, where the filter and masks apply.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { AccessPolicy, TablePrivilege } from '../../govern/index.js'
import type { Namespace, TableIdent, TableUpdate } from '../../storage/index.js'

/** The engine's name for the catalog the REST API serves. */
export const ICEBERG_CATALOG = 'iceberg'

export const schemaOf = (ns: Namespace): string => ns.join('.')

/** The privileges a commit's updates need: data changes need INSERT (and DELETE unless it only appends); anything else is DDL. */
export function commitPrivileges(updates: readonly TableUpdate[]): Set<TablePrivilege> {
  const need = new Set<TablePrivilege>()
  for (const u of updates) {
    if (u.action === 'add-snapshot') {
      need.add('INSERT')
      if (u.snapshot.summary?.operation !== 'append') need.add('DELETE')
    } else if (u.action === 'set-snapshot-ref' || u.action === 'set-statistics' || u.action === 'set-partition-statistics') {
      need.add('INSERT')
    } else {
      need.add('OWNERSHIP')
    }
  }
  return need
}

/** PERMISSION_DENIED unless the caller may see the schema and act in the catalog at the given level. */
export async function namespaceCheck(policy: AccessPolicy, ns: Namespace, write: boolean): Promise<void> {
  const schema = schemaOf(ns)
  const access = await policy.catalogAccess(ICEBERG_CATALOG)
  if (access === 'none' || (write && access !== 'all')) {
    throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot ${write ? 'change' : 'access'} catalog ${ICEBERG_CATALOG}${write ? ` schema ${schema}` : ''}`, { catalog: ICEBERG_CATALOG, schema })
  }
  if (!write && ns.length > 0 && !(await policy.schemaVisible(ICEBERG_CATALOG, schema))) {
    throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot access schema ${ICEBERG_CATALOG}.${schema}`, { catalog: ICEBERG_CATALOG, schema })
  }
}

/** Checks each privilege on the table (Trino's message names the first one missing). */
export async function tableCheck(policy: AccessPolicy, ident: TableIdent, privileges: Iterable<TablePrivilege>): Promise<void> {
  for (const p of privileges) await policy.checkTable(ICEBERG_CATALOG, schemaOf(ident.namespace), ident.name, p)
}

/**
 * Refuses handing out (or writing) a table's files to a caller who sees it only through a row filter, column
 * masks or with columns hidden: the files hold every row and every raw value.
 */
export async function unrestrictedCheck(policy: AccessPolicy, ident: TableIdent, columns: readonly string[]): Promise<void> {
  const schema = schemaOf(ident.namespace)
  const name = `${ICEBERG_CATALOG}.${schema}.${ident.name}`
  const filter = await policy.rowFilter(ICEBERG_CATALOG, schema, ident.name)
  const access = await policy.columns(ICEBERG_CATALOG, schema, ident.name, columns)
  if (filter !== undefined || access.masks.size > 0 || access.denied.length > 0) {
    throw new AkkoError(
      'PERMISSION_DENIED',
      `Access Denied: Cannot access the files of table ${name}: the access rules give user ${policy.identity.user} a row filter or column masks on it; read it through the SQL endpoint (/v1/statement), where they apply`,
      { table: name },
    )
  }
}
