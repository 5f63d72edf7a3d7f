/**
 * The Iceberg side of replication: the target table created from the source's columns (key columns required
 * and declared as Iceberg identifier fields), columns added at the source carried over as a new schema (add-schema
 * + set-current-schema, under the catalog's compare-and-set), and the replication state read back from the
 * snapshot summaries of the table's main branch.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import {
  currentSchema, tableLoad,
  type IcebergType, type Schema, type Snapshot, type StructField, type TableContext, type TableIdent, type TableMetadata, type TableState,
} from '../../storage/index.js'
import { icebergTypesMatch, type PgColumnType } from './pg-types.js'

/** A column the target must have. */
export interface TargetColumn {
  readonly name: string
  readonly type: PgColumnType
}

/** `ns.table` for messages. */
export const targetName = (ident: TableIdent): string => [...ident.namespace, ident.name].join('.')

/** Gives nested types (lists) fresh field ids from `next`. */
function withIds(t: IcebergType, next: () => number): IcebergType {
  if (typeof t === 'string') return t
  if (t.type === 'list') return { ...t, 'element-id': next(), element: withIds(t.element, next) }
  if (t.type === 'map') return { ...t, 'key-id': next(), 'value-id': next(), key: withIds(t.key, next), value: withIds(t.value, next) }
  return { ...t, fields: t.fields.map(f => ({ ...f, id: next(), type: withIds(f.type, next) })) }
}

function maxFieldId(t: IcebergType, id: number): number {
  if (typeof t === 'string') return id
  if (t.type === 'list') return Math.max(id, t['element-id'], maxFieldId(t.element, t['element-id']))
  if (t.type === 'map') return Math.max(id, t['key-id'], t['value-id'], maxFieldId(t.key, 0), maxFieldId(t.value, 0))
  return Math.max(id, ...t.fields.map(f => maxFieldId(f.type, f.id)))
}

/**
 * Loads the target table, creating it (and its namespace) when missing, and adds the source columns it lacks.
 * Throws INVALID_SCHEMA when a column exists with another type. Columns only the table has are left alone
 * (a column dropped at the source keeps its history; new rows get NULL there).
 */
export async function targetEnsure(ctx: TableContext, ident: TableIdent, columns: readonly TargetColumn[], key: readonly string[]): Promise<TableState> {
  let state: TableState | undefined
  try {
    state = await tableLoad(ctx, ident)
  } catch (e) {
    if (!(e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND')) throw e
  }
  if (!state) return targetCreate(ctx, ident, columns, key)
  return targetColumnsAdd(ctx, state, columns)
}

async function targetCreate(ctx: TableContext, ident: TableIdent, columns: readonly TargetColumn[], key: readonly string[]): Promise<TableState> {
  let id = 0
  const next = () => ++id
  const fields: StructField[] = columns.map(c => {
    const fid = next()
    return { id: fid, name: c.name, required: key.includes(c.name), type: withIds(c.type.iceberg, next) }
  })
  const ids = key.map(k => fields.find(f => f.name === k)!.id)
  const schema = { type: 'struct', 'schema-id': 0, fields, ...(ids.length ? { 'identifier-field-ids': ids } : {}) }
  try {
    await ctx.catalog.createNamespace(ident.namespace)
  } catch (e) {
    if (!(e instanceof AkkoError && e.code === 'NAMESPACE_ALREADY_EXISTS')) throw e
  }
  try {
    await ctx.catalog.createTable(ident, { name: ident.name, schema, properties: { 'akko.replication': 'postgresql' } })
  } catch (e) {
    if (!(e instanceof AkkoError && e.code === 'TABLE_ALREADY_EXISTS')) throw e
  }
  return targetColumnsAdd(ctx, await tableLoad(ctx, ident), columns)
}

/** The columns of `columns` the schema lacks; throws INVALID_SCHEMA on a type mismatch. */
function missingColumns(ident: TableIdent, schema: Schema, columns: readonly TargetColumn[]): TargetColumn[] {
  const missing: TargetColumn[] = []
  for (const c of columns) {
    const f = schema.fields.find(x => x.name === c.name)
    if (!f) {
      missing.push(c)
      continue
    }
    if (!icebergTypesMatch(f.type, c.type.iceberg)) {
      throw new AkkoError('INVALID_SCHEMA', `Column '${c.name}' of ${targetName(ident)} is ${JSON.stringify(f.type)} in Iceberg but ${JSON.stringify(c.type.iceberg)} at the source: replicate into a new table, or change the column back`, { table: targetName(ident), column: c.name })
    }
  }
  return missing
}

/** Adds the missing columns as optional fields in one new current schema (no-op when none is missing). */
export async function targetColumnsAdd(ctx: TableContext, state: TableState, columns: readonly TargetColumn[]): Promise<TableState> {
  if (missingColumns(state.ident, currentSchema(state.metadata), columns).length === 0) return state
  const loaded = await ctx.catalog.commitWithRetry(state.ident, async current => {
    const m = current.metadata
    const schema = currentSchema(m)
    let id = m['last-column-id']
    const next = () => ++id
    const added: StructField[] = missingColumns(state.ident, schema, columns).map(c => {
      const fid = next()
      return { id: fid, name: c.name, required: false, type: withIds(c.type.iceberg, next) }
    })
    const fields = [...schema.fields, ...added]
    const lastId = Math.max(m['last-column-id'], ...fields.map(f => maxFieldId(f.type, f.id)))
    return {
      requirements: [
        { type: 'assert-current-schema-id', 'current-schema-id': m['current-schema-id'] },
        { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': m['last-column-id'] },
      ],
      updates: [
        { action: 'add-schema', schema: { type: 'struct', fields, ...(schema['identifier-field-ids'] ? { 'identifier-field-ids': schema['identifier-field-ids'] } : {}) }, 'last-column-id': lastId },
        { action: 'set-current-schema', 'schema-id': -1 },
      ],
    }
  })
  ctx.log.emit({ code: 'I101', level: 'info', msg: 'replication added columns to the target table', table: targetName(state.ident) })
  return { ident: state.ident, metadataLocation: loaded.metadataLocation, metadata: loaded.metadata }
}

/** Snapshots of the main branch, newest first (following parent ids while they are still in the metadata). */
export function* mainLineage(m: TableMetadata): Generator<Snapshot> {
  const byId = new Map(m.snapshots.map(s => [s['snapshot-id'], s]))
  const head = m.refs.main?.['snapshot-id'] ?? (m['current-snapshot-id'] !== undefined && m['current-snapshot-id'] !== null && m['current-snapshot-id'] >= 0n ? m['current-snapshot-id'] : undefined)
  let s = head === undefined ? undefined : byId.get(head)
  while (s) {
    yield s
    s = s['parent-snapshot-id'] === undefined ? undefined : byId.get(s['parent-snapshot-id'])
  }
}

/**
 * The summary of the newest main-branch snapshot that has `marker` (e.g. `akko.cdc.lsn`): commits by other
 * writers (compaction, a user's DELETE) do not hide the replication's state.
 */
export function summaryFind(m: TableMetadata, marker: string): Readonly<Record<string, string>> | undefined {
  for (const s of mainLineage(m)) if (s.summary[marker] !== undefined) return s.summary
  return undefined
}
