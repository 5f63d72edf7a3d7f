/**
 * The table a load writes to: parsing `ns.table`, Trino-style partitioning for tables created by a load, and
 * creating the table (and its namespace) from an inferred schema.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { tableLoad, tableName, type IcebergType, type Schema, type StructField, type TableContext, type TableIdent, type TableState } from '../../storage/index.js'

/** `sales.orders` → `{ namespace: ['sales'], name: 'orders' }`; a TableIdent is returned as is. */
export function loadTargetIdent(table: TableIdent | string): TableIdent {
  if (typeof table !== 'string') return table
  const parts = table.split('.')
  if (parts.length < 2 || parts.some(p => p.trim() === '')) {
    throw new AkkoError('INVALID_ARGUMENT', `Table '${table}' must be written 'namespace.table'`, { table })
  }
  return { namespace: parts.slice(0, -1), name: parts.at(-1)! }
}

/** The table's current state, or undefined when it does not exist. */
export async function loadTargetState(ctx: TableContext, ident: TableIdent): Promise<TableState | undefined> {
  if (!(await ctx.catalog.tableExists(ident))) return undefined
  return tableLoad(ctx, ident)
}

/** The current schema of a loaded table. */
export function loadTargetSchema(state: TableState): Schema {
  const m = state.metadata
  const s = m.schemas.find(x => x['schema-id'] === m['current-schema-id'])
  if (!s) throw new AkkoError('INTERNAL', `Table ${tableName(state.ident)} has no current schema (this is a bug)`)
  return s
}

/** A schema for a new table: optional columns named and typed as inferred, ids assigned in order. */
export function loadSchemaBuild(columns: readonly { readonly name: string; readonly type: IcebergType }[]): Schema {
  const fields: StructField[] = columns.map((c, i) => ({ id: i + 1, name: c.name, required: false, type: c.type }))
  return { type: 'struct', 'schema-id': 0, fields }
}

/**
 * Creates the namespace when missing, then the table. TABLE_ALREADY_EXISTS when another writer created it
 * meanwhile (the caller's load then fails and can be retried as an append).
 */
export async function loadTargetCreate(ctx: TableContext, ident: TableIdent, schema: Schema, partitionBy: readonly string[]): Promise<TableState> {
  if (!(await ctx.catalog.namespaceExists(ident.namespace))) {
    await ctx.catalog.createNamespace(ident.namespace).catch((e: unknown) => {
      if (!(e instanceof AkkoError && e.code === 'NAMESPACE_ALREADY_EXISTS')) throw e
    })
  }
  await ctx.catalog.createTable(ident, { name: ident.name, schema, 'partition-spec': { fields: partitionFields(schema, partitionBy) } })
  return tableLoad(ctx, ident)
}

/** Trino partitioning entries → client-form partition fields (ids assigned by the catalog). */
function partitionFields(schema: Schema, partitionBy: readonly string[]): { 'source-id': number; name: string; transform: string }[] {
  return partitionBy.map(text => {
    const m = /^\s*(?:(year|month|day|hour)\s*\(\s*([^,()]+?)\s*\)|(bucket|truncate)\s*\(\s*(\d+)\s*,\s*([^,()]+?)\s*\)|([^,()]+?))\s*$/i.exec(text)
    if (!m) throw new AkkoError('INVALID_ARGUMENT', `Unable to parse partitioning value: ${text}`, { partitioning: text })
    const column = (m[2] ?? m[5] ?? m[6])!.replace(/^"(.*)"$/, '$1')
    const field = schema.fields.find(f => f.name === column)
    if (!field) throw new AkkoError('COLUMN_NOT_FOUND', `Column '${column}' named in partitioning does not exist`, { column })
    if (m[1]) {
      const unit = m[1].toLowerCase()
      return { 'source-id': field.id, name: `${column}_${unit}`, transform: unit }
    }
    if (m[3]) {
      const kind = m[3].toLowerCase()
      return { 'source-id': field.id, name: `${column}_${kind === 'bucket' ? 'bucket' : 'trunc'}`, transform: `${kind}[${m[4]}]` }
    }
    return { 'source-id': field.id, name: column, transform: 'identity' }
  })
}
