/**
 * Views of the Iceberg catalog: a metastore record of kind 'view' pointing at an Iceberg view metadata file
 * (spec "Iceberg View Spec", format version 1) whose current version holds the Trino SQL, the catalog and
 * schema it was created in, and its output schema. The binder expands a view through `viewDefinition`.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { AkkoError } from '../../core/index.js'
import type { IcebergCatalog, Schema, StructField } from '../../storage/index.js'
import type { ColumnInfo, TableRef } from '../connectors/connector.js'
import type { ColumnMeta } from '../engine.js'
import { isCode, type IcebergTarget } from './iceberg-common.js'
import { fieldIdsFrom, icebergToTrinoType, trinoTypeParse } from './iceberg-types.js'

/** What the binder needs to expand a view: its SQL and the catalog/schema its unqualified names resolve in. */
export interface ViewDefinition {
  readonly sql: string
  readonly catalog: string
  readonly schema: string
  readonly columns: readonly ColumnInfo[]
  readonly comment?: string
  readonly owner?: string
  /** Trino's SECURITY clause: DEFINER (the default) reads with the owner's rights, INVOKER with the caller's. */
  readonly security: 'DEFINER' | 'INVOKER'
}

interface ViewVersion {
  readonly 'version-id': number
  readonly 'timestamp-ms': number
  readonly 'schema-id': number
  readonly summary: Record<string, string>
  readonly representations: readonly { type: 'sql'; sql: string; dialect: string }[]
  readonly 'default-catalog'?: string
  readonly 'default-namespace': readonly string[]
}

interface ViewMetadata {
  readonly 'view-uuid': string
  readonly 'format-version': 1
  readonly location: string
  readonly 'current-version-id': number
  readonly versions: readonly ViewVersion[]
  readonly 'version-log': readonly { 'version-id': number; 'timestamp-ms': number }[]
  readonly schemas: readonly Schema[]
  readonly properties: Record<string, string>
}

/**
 * The definition of view `ref`, or undefined when no such view exists. This is what the engine's binder calls
 * when a table reference is not a table, before reporting TABLE_NOT_FOUND.
 */
export async function viewDefinition(catalog: IcebergCatalog, ref: TableRef): Promise<ViewDefinition | undefined> {
  const ident = { namespace: [ref.schema], name: ref.table }
  let location: string
  try {
    location = (await catalog.metastore.loadTable(ident, 'view')).metadataLocation
  } catch (e) {
    if (isCode(e, 'TABLE_NOT_FOUND') || isCode(e, 'VIEW_NOT_FOUND') || isCode(e, 'NAMESPACE_NOT_FOUND')) return undefined
    throw e
  }
  const m = JSON.parse(new TextDecoder().decode(await catalog.store.get(location))) as ViewMetadata
  const version = m.versions.find(v => v['version-id'] === m['current-version-id'])
  const sql = version?.representations.find(r => r.type === 'sql' && r.dialect === 'trino')?.sql
  if (!version || sql === undefined) throw new AkkoError('INVALID_METADATA', `View ${ref.catalog}.${ref.schema}.${ref.table} has no Trino SQL representation`, { location })
  const schema = m.schemas.find(s => s['schema-id'] === version['schema-id'])
  return {
    sql,
    catalog: version['default-catalog'] ?? ref.catalog,
    schema: version['default-namespace'][0] ?? ref.schema,
    columns: (schema?.fields ?? []).map(f => ({ name: f.name, type: icebergToTrinoType(f.type), nullable: !f.required, comment: f.doc })),
    comment: m.properties.comment,
    owner: m.properties.owner,
    security: m.properties[SECURITY_PROPERTY]?.toUpperCase() === 'INVOKER' ? 'INVOKER' : 'DEFINER',
  }
}

/** The view property holding the SECURITY mode (absent: DEFINER, Trino's default). */
const SECURITY_PROPERTY = 'security'

/** Creates (or with `replace`, atomically replaces) the view. TABLE_ALREADY_EXISTS when a table or view holds the name. */
export async function viewCreate(
  catalog: IcebergCatalog,
  target: IcebergTarget,
  def: { sql: string; columns: readonly ColumnMeta[]; replace: boolean; comment?: string; owner: string; security?: 'DEFINER' | 'INVOKER'; defaultCatalog?: string; defaultSchema?: string },
): Promise<void> {
  const { ident } = target
  if (await catalog.tableExists(ident)) throw new AkkoError('TABLE_ALREADY_EXISTS', `Table already exists: '${target.display}'`, { table: target.display })
  const existing = await catalog.metastore.loadTable(ident, 'view').catch(e => (isCode(e, 'TABLE_NOT_FOUND') || isCode(e, 'VIEW_NOT_FOUND') ? undefined : Promise.reject(e)))
  if (existing && !def.replace) throw new AkkoError('TABLE_ALREADY_EXISTS', `View already exists: '${target.display}'`, { view: target.display })
  const ids = fieldIdsFrom(1)
  const fields: StructField[] = def.columns.map(c => {
    const id = ids.next()
    return { id, name: c.name, required: false, type: trinoTypeParse(c.type, ids) }
  })
  const now = Date.now()
  const base = `${catalog.store.root}/${ident.namespace.join('/')}/_views/${ident.name}`
  const properties: Record<string, string> = { owner: def.owner }
  if (def.comment !== undefined) properties.comment = def.comment
  if (def.security !== undefined) properties[SECURITY_PROPERTY] = def.security
  const metadata: ViewMetadata = {
    'view-uuid': randomUUID(),
    'format-version': 1,
    location: base,
    'current-version-id': 1,
    versions: [{
      'version-id': 1,
      'timestamp-ms': now,
      'schema-id': 0,
      summary: { 'engine-name': 'akko' },
      representations: [{ type: 'sql', sql: def.sql, dialect: 'trino' }],
      'default-catalog': def.defaultCatalog,
      'default-namespace': def.defaultSchema ? [def.defaultSchema] : ident.namespace,
    }],
    'version-log': [{ 'version-id': 1, 'timestamp-ms': now }],
    schemas: [{ type: 'struct', 'schema-id': 0, fields }],
    properties,
  }
  const location = `${base}/metadata/${randomUUID()}.metadata.json`
  await catalog.store.put(location, new TextEncoder().encode(JSON.stringify(metadata, null, 2)))
  try {
    if (existing) await catalog.metastore.swapPointers([{ ident, expected: existing.metadataLocation, next: location }])
    else await catalog.metastore.createTable(ident, location, 'view')
  } catch (e) {
    await catalog.store.delete(location).catch(() => undefined)
    throw e
  }
}

/** Drops the view; VIEW_NOT_FOUND (Trino: "View 'c.s.v' does not exist") unless `ifExists`. */
export async function viewDrop(catalog: IcebergCatalog, target: IcebergTarget, ifExists: boolean): Promise<void> {
  try {
    const rec = await catalog.metastore.dropTable(target.ident, 'view')
    await catalog.store.delete(rec.metadataLocation).catch(() => undefined)
  } catch (e) {
    if (!(isCode(e, 'TABLE_NOT_FOUND') || isCode(e, 'VIEW_NOT_FOUND'))) throw e
    if (!ifExists) throw new AkkoError('VIEW_NOT_FOUND', `View '${target.display}' does not exist`, { view: target.display })
  }
}
