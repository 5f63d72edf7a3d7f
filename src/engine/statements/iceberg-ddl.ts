/**
 * Iceberg DDL in Trino's syntax: CREATE/DROP SCHEMA, CREATE TABLE (with Trino's Iceberg table properties),
 * CREATE TABLE AS, DROP TABLE, ALTER TABLE (columns, rename, SET PROPERTIES with partition evolution),
 * COMMENT ON, CREATE/DROP VIEW. Each change is one catalog commit; bad input changes nothing.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { currentSchema, tableAppend, type IcebergType, type Schema, type StructField, type TableMetadata, type TableUpdate } from '../../storage/index.js'
import type { QueryResult } from '../engine.js'
import type { StatementContext, StatementHandler } from './statement.js'
import { ddlResult, dmlResult, icebergSchema, icebergTarget, isCode, schemaOwnerCheck, targetCheck, type IcebergTarget } from './iceberg-common.js'
import { icebergProcedureExecute } from './iceberg-procedures.js'
import { columnFind, partitionSpecFields, propertiesRead, sortOrderFrom, tablePropertiesCheck, type PropertyValue } from './iceberg-properties.js'
import { quoteIdent, sqlHead, SqlReader } from './iceberg-sql-reader.js'
import { fieldIdsFrom, trinoTypeParse, trinoTypeRead, type FieldIds } from './iceberg-types.js'
import { withStage } from './iceberg-stage.js'
import { viewCreate, viewDrop } from './iceberg-views.js'

/** Handles CREATE SCHEMA/TABLE/VIEW, DROP SCHEMA/TABLE/VIEW, ALTER TABLE (including EXECUTE procedures) and COMMENT ON. */
export const icebergDdlHandler: StatementHandler = {
  name: 'iceberg-ddl',
  matches(_head: string, sql: string): boolean {
    let h: string[]
    try {
      h = sqlHead(sql, 4)
    } catch {
      return false
    }
    const [a, b, c, d] = h
    if (a === 'CREATE') return b === 'SCHEMA' || b === 'TABLE' || b === 'VIEW' || (b === 'OR' && c === 'REPLACE' && d === 'VIEW')
    if (a === 'DROP') return b === 'SCHEMA' || b === 'TABLE' || b === 'VIEW'
    if (a === 'ALTER') return b === 'TABLE'
    return a === 'COMMENT' && b === 'ON'
  },
  execute(sql: string, ctx: StatementContext): Promise<QueryResult> {
    const r = new SqlReader(sql)
    if (r.acceptKw('CREATE', 'SCHEMA')) return createSchema(r, ctx)
    if (r.acceptKw('DROP', 'SCHEMA')) return dropSchema(r, ctx)
    if (r.acceptKw('CREATE', 'TABLE')) return createTable(r, ctx)
    if (r.acceptKw('DROP', 'TABLE')) return dropTable(r, ctx)
    if (r.acceptKw('CREATE', 'OR', 'REPLACE', 'VIEW')) return createView(r, ctx, true)
    if (r.acceptKw('CREATE', 'VIEW')) return createView(r, ctx, false)
    if (r.acceptKw('DROP', 'VIEW')) return dropView(r, ctx)
    if (r.acceptKw('ALTER', 'TABLE')) return alterTable(r, ctx)
    if (r.acceptKw('COMMENT', 'ON')) return commentOn(r, ctx)
    throw r.error('expected an Iceberg DDL statement')
  },
}

// ------------------------------------------------------------------ schemas

async function createSchema(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const ifNotExists = r.acceptKw('IF', 'NOT', 'EXISTS')
  const { catalog, schema } = icebergSchema(ctx, r.qualifiedName('schema name'), 'CREATE SCHEMA')
  await schemaOwnerCheck(ctx, catalog, schema, 'create schema')
  const props: Record<string, string> = {}
  if (r.acceptKw('WITH')) {
    for (const [k, v] of propertiesRead(r, true)) {
      if (k !== 'location') throw new AkkoError('INVALID_ARGUMENT', `Catalog '${catalog}' schema property '${k}' does not exist`, { property: k })
      if (typeof v !== 'string') throw new AkkoError('INVALID_ARGUMENT', "Schema property 'location' must be a string", { property: k })
      props.location = v
    }
  }
  r.expectEnd()
  try {
    await ctx.iceberg.catalog.createNamespace([schema], props)
  } catch (e) {
    if (!isCode(e, 'NAMESPACE_ALREADY_EXISTS')) throw e
    if (!ifNotExists) throw new AkkoError('NAMESPACE_ALREADY_EXISTS', `Schema '${catalog}.${schema}' already exists`, { schema: `${catalog}.${schema}` })
  }
  return ddlResult(ctx, 'CREATE SCHEMA')
}

async function dropSchema(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const ifExists = r.acceptKw('IF', 'EXISTS')
  const { catalog, schema } = icebergSchema(ctx, r.qualifiedName('schema name'), 'DROP SCHEMA')
  await schemaOwnerCheck(ctx, catalog, schema, 'drop schema')
  const cascade = r.acceptKw('CASCADE')
  if (!cascade) r.acceptKw('RESTRICT')
  r.expectEnd()
  const cat = ctx.iceberg.catalog
  const name = `${catalog}.${schema}`
  if (!(await cat.namespaceExists([schema]))) {
    if (ifExists) return ddlResult(ctx, 'DROP SCHEMA')
    throw new AkkoError('NAMESPACE_NOT_FOUND', `Schema '${name}' does not exist`, { schema: name })
  }
  const tables = await cat.listTables([schema])
  const views = await cat.metastore.listTables([schema], 'view')
  if (!cascade && tables.length + views.length > 0) {
    throw new AkkoError('NAMESPACE_NOT_EMPTY', `Cannot drop non-empty schema '${schema}'`, { schema: name })
  }
  for (const t of tables) await cat.dropTable(t, { purge: true })
  for (const v of views) await cat.metastore.dropTable(v, 'view')
  await cat.dropNamespace([schema])
  return ddlResult(ctx, 'DROP SCHEMA')
}

// ------------------------------------------------------------------ tables

interface ColumnDef {
  readonly name: string
  readonly type: IcebergType
  readonly required: boolean
  readonly comment?: string
}

async function createTable(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const ifNotExists = r.acceptKw('IF', 'NOT', 'EXISTS')
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'CREATE TABLE')
  // Trino: whoever creates a table becomes its owner, so the rules must grant OWNERSHIP of the new name.
  await targetCheck(ctx, target, 'OWNERSHIP', 'create table')
  const ids = fieldIdsFrom(1)
  let columns: ColumnDef[] | undefined
  let aliases: string[] | undefined
  if (r.isPunct('(')) {
    if (columnAliasList(r)) aliases = aliasListRead(r)
    else columns = columnDefsRead(r, ids)
  }
  let comment: string | undefined
  if (r.acceptKw('COMMENT')) comment = r.stringLit('table comment')
  const props = r.isKw('WITH') && !r.isKw('WITH', 'NO') && !r.isKw('WITH', 'DATA') ? (r.pos++, propertiesRead(r, true)) : new Map<string, PropertyValue>()
  if (columns) {
    r.expectEnd()
    if (await existsCheck(ctx, target, ifNotExists)) return ddlResult(ctx, 'CREATE TABLE')
    await tableCreate(ctx, target, fieldsOf(columns, ids), props, comment)
    return ddlResult(ctx, 'CREATE TABLE')
  }
  r.expectKw('AS')
  let withData = true
  const queryStart = r.pos
  const n = r.tokens.length
  const tail = (k: number, ...w: string[]): boolean => w.every((x, i) => r.tokens[n - k + i]?.kind === 'word' && r.tokens[n - k + i]?.value.toUpperCase() === x)
  let end = n
  if (tail(3, 'WITH', 'NO', 'DATA')) {
    withData = false
    end = n - 3
  } else if (tail(2, 'WITH', 'DATA')) {
    end = n - 2
  }
  r.pos = end
  const query = r.textFrom(queryStart).replace(/^\(([\s\S]*)\)$/, '$1')
  if (query.trim() === '') throw r.error('expected a query after AS')
  const bound = await ctx.bindQuery(query)
  if (aliases && aliases.length !== bound.columns.length) {
    throw new AkkoError('INVALID_ARGUMENT', `Column alias list has ${aliases.length} entries but the query has ${bound.columns.length} columns`, {})
  }
  const names = bound.columns.map((c, i) => aliases?.[i] ?? c.name)
  const dup = names.find((x, i) => names.findIndex(y => y.toLowerCase() === x.toLowerCase()) !== i)
  if (dup) throw new AkkoError('INVALID_ARGUMENT', `Column name '${dup}' specified more than once`, { column: dup })
  if (await existsCheck(ctx, target, ifNotExists)) return dmlResult(ctx, 'CREATE TABLE', 0)
  const fields = bound.columns.map((c, i): StructField => {
    const id = ids.next()
    return { id, name: names[i] as string, required: false, type: trinoTypeParse(c.type, ids) }
  })
  await tableCreate(ctx, target, fields, props, comment)
  if (!withData) return dmlResult(ctx, 'CREATE TABLE', 0)
  const cols = names.map((_, i) => `c${i}`)
  const select = `SELECT ${names.map((nm, i) => `q.${cols[i]} AS ${quoteIdent(nm)}`).join(', ')} FROM (${bound.sql}) AS q(${cols.join(', ')})`
  try {
    const res = await withStage(ctx, select, stage => tableAppend(ctx.iceberg.tables, target.ident, { sql: `SELECT * FROM ${stage.name}` }, { signal: ctx.signal }))
    return dmlResult(ctx, 'CREATE TABLE', res?.rows ?? 0)
  } catch (e) {
    // CREATE TABLE AS is all or nothing for the user: a failed write leaves no empty table behind.
    await ctx.iceberg.catalog.dropTable(target.ident, { purge: true }).catch(() => undefined)
    throw e
  }
}

/** True when the table exists and IF NOT EXISTS was given; TABLE_ALREADY_EXISTS when it exists without it. */
async function existsCheck(ctx: StatementContext, target: IcebergTarget, ifNotExists: boolean): Promise<boolean> {
  const cat = ctx.iceberg.catalog
  const taken = (await cat.tableExists(target.ident)) || (await cat.metastore.tableExists(target.ident, 'view'))
  if (!taken) return false
  if (ifNotExists) return true
  throw new AkkoError('TABLE_ALREADY_EXISTS', `Table '${target.display}' already exists`, { table: target.display })
}

async function tableCreate(ctx: StatementContext, target: IcebergTarget, fields: StructField[], props: ReadonlyMap<string, PropertyValue>, comment: string | undefined): Promise<void> {
  const p = tablePropertiesCheck(props, target.ref.catalog)
  const schema: Schema = { type: 'struct', 'schema-id': 0, fields }
  const properties: Record<string, string> = { 'write.format.default': 'PARQUET', 'format-version': '2' }
  if (comment !== undefined) properties.comment = comment
  if (!(await ctx.iceberg.catalog.namespaceExists(target.ident.namespace))) {
    throw new AkkoError('NAMESPACE_NOT_FOUND', `Schema '${target.ref.catalog}.${target.ref.schema}' does not exist`, { schema: target.ref.schema })
  }
  await ctx.iceberg.catalog.createTable(target.ident, {
    name: target.ident.name,
    location: p.location,
    schema,
    'partition-spec': { fields: partitionSpecFields(schema, p.partitioning ?? []).map(({ name: _n, ...f }) => f) },
    'write-order': p.sortedBy ? sortOrderFrom(schema, p.sortedBy) : undefined,
    properties,
  })
}

/** After '(' : `(a, b)` is a CTAS column alias list, `(a bigint, …)` a column definition list. */
function columnAliasList(r: SqlReader): boolean {
  const t1 = r.peek(1)
  const t2 = r.peek(2)
  return (t1?.kind === 'word' || t1?.kind === 'quoted') && t2?.kind === 'punct' && (t2.value === ',' || t2.value === ')')
}

function aliasListRead(r: SqlReader): string[] {
  r.expectPunct('(')
  const out: string[] = []
  do out.push(r.ident('column name'))
  while (r.acceptPunct(','))
  r.expectPunct(')')
  return out
}

function columnDefsRead(r: SqlReader, ids: FieldIds): ColumnDef[] {
  r.expectPunct('(')
  const out: ColumnDef[] = []
  do {
    if (r.isKw('LIKE')) throw new AkkoError('NOT_SUPPORTED', 'CREATE TABLE … (LIKE other) is not supported', { construct: 'LIKE' })
    out.push(columnDefRead(r, ids))
  } while (r.acceptPunct(','))
  r.expectPunct(')')
  const names = out.map(c => c.name.toLowerCase())
  const dup = names.find((n, i) => names.indexOf(n) !== i)
  if (dup) throw new AkkoError('INVALID_ARGUMENT', `Column name '${dup}' specified more than once`, { column: dup })
  return out
}

function columnDefRead(r: SqlReader, ids: FieldIds): ColumnDef {
  const name = r.ident('column name')
  const type = trinoTypeRead(r, ids)
  let required = false
  let comment: string | undefined
  for (;;) {
    if (r.acceptKw('NOT', 'NULL')) required = true
    else if (r.acceptKw('NULL')) required = false
    else if (r.acceptKw('COMMENT')) comment = r.stringLit('column comment')
    else if (r.isKw('WITH')) throw new AkkoError('NOT_SUPPORTED', `Column properties are not supported (column '${name}')`, { column: name })
    else break
  }
  return { name, type, required, comment }
}

/** Top-level fields with ids: each column takes the next id, then its nested ids (assigned while its type was read). */
function fieldsOf(columns: readonly ColumnDef[], nestedIds: FieldIds): StructField[] {
  // Nested ids were drawn from `nestedIds` while reading; top-level ids continue after them so none collide.
  return columns.map(c => ({ id: nestedIds.next(), name: c.name, required: c.required, type: c.type, ...(c.comment !== undefined ? { doc: c.comment } : {}) }))
}

async function dropTable(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const ifExists = r.acceptKw('IF', 'EXISTS')
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'DROP TABLE')
  await targetCheck(ctx, target, 'OWNERSHIP', 'drop table')
  r.expectEnd()
  try {
    await ctx.iceberg.catalog.dropTable(target.ident, { purge: true })
  } catch (e) {
    if (!isCode(e, 'TABLE_NOT_FOUND') && !isCode(e, 'NAMESPACE_NOT_FOUND')) throw e
    if (!ifExists) throw new AkkoError('TABLE_NOT_FOUND', `Table '${target.display}' does not exist`, { table: target.display })
  }
  return ddlResult(ctx, 'DROP TABLE')
}

// ------------------------------------------------------------------ views

async function createView(r: SqlReader, ctx: StatementContext, replace: boolean): Promise<QueryResult> {
  const target = icebergTarget(ctx, r.qualifiedName('view name'), 'CREATE VIEW')
  await targetCheck(ctx, target, 'OWNERSHIP', 'create view')
  let comment: string | undefined
  if (r.acceptKw('COMMENT')) comment = r.stringLit('view comment')
  let security: 'DEFINER' | 'INVOKER' | undefined
  if (r.acceptKw('SECURITY')) {
    if (r.acceptKw('DEFINER')) security = 'DEFINER'
    else if (r.acceptKw('INVOKER')) security = 'INVOKER'
    else throw r.error('expected DEFINER or INVOKER')
  }
  r.expectKw('AS')
  const sql = r.rest()
  if (sql.trim() === '') throw r.error('expected a query after AS')
  // Binding proves the view's query is valid and allowed now, and gives its output columns.
  const bound = await ctx.bindQuery(sql)
  await viewCreate(ctx.iceberg.catalog, target, {
    sql,
    columns: bound.columns,
    replace,
    comment,
    owner: ctx.session.user,
    security,
    defaultCatalog: ctx.session.catalog,
    defaultSchema: ctx.session.schema,
  })
  return ddlResult(ctx, 'CREATE VIEW')
}

async function dropView(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const ifExists = r.acceptKw('IF', 'EXISTS')
  const target = icebergTarget(ctx, r.qualifiedName('view name'), 'DROP VIEW')
  await targetCheck(ctx, target, 'OWNERSHIP', 'drop view')
  r.expectEnd()
  await viewDrop(ctx.iceberg.catalog, target, ifExists)
  return ddlResult(ctx, 'DROP VIEW')
}

// ------------------------------------------------------------------ ALTER TABLE, COMMENT ON

async function alterTable(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  const ifExists = r.acceptKw('IF', 'EXISTS')
  const target = icebergTarget(ctx, r.qualifiedName('table name'), 'ALTER TABLE')
  if (r.acceptKw('EXECUTE')) return icebergProcedureExecute(r, ctx, target)
  await targetCheck(ctx, target, 'OWNERSHIP', alterAction(r))
  if (!(await ctx.iceberg.catalog.tableExists(target.ident))) {
    if (ifExists) return ddlResult(ctx, 'ALTER TABLE')
    throw new AkkoError('TABLE_NOT_FOUND', `Table '${target.display}' does not exist`, { table: target.display })
  }
  if (r.acceptKw('ADD', 'COLUMN')) {
    const ifNotExists = r.acceptKw('IF', 'NOT', 'EXISTS')
    const col = columnDefRead(r, fieldIdsFrom(0))
    r.expectEnd()
    await schemaChange(ctx, target, (schema, nextId) => {
      if (columnFind(schema.fields, col.name)) {
        if (ifNotExists) return undefined
        throw new AkkoError('INVALID_SCHEMA', `Column '${col.name}' already exists`, { column: col.name })
      }
      // A column added to a table with rows cannot be required: existing rows have no value for it.
      if (col.required) throw new AkkoError('NOT_SUPPORTED', `Adding a NOT NULL column is not supported (column '${col.name}')`, { column: col.name })
      const ids = fieldIdsFrom(nextId)
      const id = ids.next()
      const type = reassignIds(col.type, ids)
      return [...schema.fields, { id, name: col.name, required: false, type, ...(col.comment !== undefined ? { doc: col.comment } : {}) }]
    })
    return ddlResult(ctx, 'ADD COLUMN')
  }
  if (r.acceptKw('DROP', 'COLUMN')) {
    const ifColExists = r.acceptKw('IF', 'EXISTS')
    const name = r.ident('column name')
    r.expectEnd()
    await schemaChange(ctx, target, (schema, _next, spec) => {
      const col = columnFind(schema.fields, name)
      if (!col) {
        if (ifColExists) return undefined
        throw new AkkoError('COLUMN_NOT_FOUND', `Column '${name}' does not exist`, { column: name })
      }
      if (spec.includes(col.id)) throw new AkkoError('NOT_SUPPORTED', `Cannot drop partition field: ${col.name}`, { column: col.name })
      if (schema.fields.length === 1) throw new AkkoError('NOT_SUPPORTED', 'Cannot drop the only column in a table', { column: col.name })
      return schema.fields.filter(f => f.id !== col.id)
    })
    return ddlResult(ctx, 'DROP COLUMN')
  }
  if (r.acceptKw('RENAME', 'COLUMN')) {
    const ifColExists = r.acceptKw('IF', 'EXISTS')
    const from = r.ident('column name')
    r.expectKw('TO')
    const to = r.ident('column name')
    r.expectEnd()
    await schemaChange(ctx, target, schema => {
      const col = columnFind(schema.fields, from)
      if (!col) {
        if (ifColExists) return undefined
        throw new AkkoError('COLUMN_NOT_FOUND', `Column '${from}' does not exist`, { column: from })
      }
      const clash = columnFind(schema.fields, to)
      if (clash && clash.id !== col.id) throw new AkkoError('INVALID_SCHEMA', `Column '${to}' already exists`, { column: to })
      return schema.fields.map(f => (f.id === col.id ? { ...f, name: to } : f))
    })
    return ddlResult(ctx, 'RENAME COLUMN')
  }
  if (r.acceptKw('RENAME', 'TO')) {
    const to = icebergTarget(ctx, r.qualifiedName('table name'), 'ALTER TABLE RENAME')
    r.expectEnd()
    await targetCheck(ctx, to, 'OWNERSHIP', 'rename table to')
    if (to.ref.catalog !== target.ref.catalog) throw new AkkoError('NOT_SUPPORTED', 'Table rename across catalogs is not supported', {})
    await ctx.iceberg.catalog.renameTable(target.ident, to.ident)
    return ddlResult(ctx, 'RENAME TABLE')
  }
  if (r.acceptKw('SET', 'PROPERTIES')) {
    const props = propertiesRead(r, false)
    r.expectEnd()
    await propertiesSet(ctx, target, props)
    return ddlResult(ctx, 'SET PROPERTIES')
  }
  if (r.isKw('ALTER', 'COLUMN')) throw new AkkoError('NOT_SUPPORTED', 'ALTER TABLE … ALTER COLUMN is not supported', { construct: 'ALTER COLUMN' })
  throw r.error('expected ADD COLUMN, DROP COLUMN, RENAME COLUMN, RENAME TO, SET PROPERTIES or EXECUTE')
}

/** Trino's wording of a refused ALTER TABLE, from the subcommand ahead. */
function alterAction(r: SqlReader): string {
  if (r.isKw('ADD')) return 'add a column to table'
  if (r.isKw('DROP')) return 'drop a column from table'
  if (r.isKw('RENAME', 'COLUMN')) return 'rename a column in table'
  if (r.isKw('RENAME')) return 'rename table from'
  if (r.isKw('SET')) return 'set table properties to'
  return 'alter table'
}

async function commentOn(r: SqlReader, ctx: StatementContext): Promise<QueryResult> {
  if (r.acceptKw('TABLE')) {
    const target = icebergTarget(ctx, r.qualifiedName('table name'), 'COMMENT ON TABLE')
    await targetCheck(ctx, target, 'OWNERSHIP', 'comment table to')
    const comment = commentValue(r)
    await ctx.iceberg.catalog.commitWithRetry(target.ident, async current => ({
      requirements: [{ type: 'assert-table-uuid', uuid: current.metadata['table-uuid'] }],
      updates: comment === null ? [{ action: 'remove-properties', removals: ['comment'] }] : [{ action: 'set-properties', updates: { comment } }],
    }))
    return ddlResult(ctx, 'COMMENT')
  }
  if (r.acceptKw('COLUMN')) {
    const parts = r.qualifiedName('column name')
    if (parts.length < 2) throw new AkkoError('SYNTAX_ERROR', 'COMMENT ON COLUMN needs table.column', {})
    const column = parts.pop() as string
    const target = icebergTarget(ctx, parts, 'COMMENT ON COLUMN')
    await targetCheck(ctx, target, 'OWNERSHIP', 'comment column to')
    const comment = commentValue(r)
    await schemaChange(ctx, target, schema => {
      const col = columnFind(schema.fields, column)
      if (!col) throw new AkkoError('COLUMN_NOT_FOUND', `Column '${column}' does not exist`, { column })
      return schema.fields.map(f => {
        if (f.id !== col.id) return f
        const { doc: _old, ...rest } = f
        return comment === null ? rest : { ...rest, doc: comment }
      })
    })
    return ddlResult(ctx, 'COMMENT')
  }
  if (r.isKw('VIEW')) throw new AkkoError('NOT_SUPPORTED', 'COMMENT ON VIEW is not supported', { construct: 'COMMENT ON VIEW' })
  throw r.error('expected TABLE or COLUMN')
}

function commentValue(r: SqlReader): string | null {
  r.expectKw('IS')
  const v = r.acceptKw('NULL') ? null : r.stringLit('comment')
  r.expectEnd()
  return v
}

/**
 * Commits a new current schema built from the current one: `build` gets the schema, the next free field id and
 * the source ids of the default partition spec, and returns the new top-level fields (undefined: nothing to do).
 */
async function schemaChange(
  ctx: StatementContext,
  target: IcebergTarget,
  build: (schema: Schema, nextId: number, partitionSources: readonly number[]) => StructField[] | undefined,
): Promise<void> {
  const plan = (m: TableMetadata): StructField[] | undefined => {
    const spec = m['partition-specs'].find(s => s['spec-id'] === m['default-spec-id'])
    return build(currentSchema(m), m['last-column-id'] + 1, (spec?.fields ?? []).map(f => f['source-id']))
  }
  // Checked once before committing so a no-op (IF [NOT] EXISTS) writes no metadata file.
  if (!plan((await ctx.iceberg.catalog.loadTable(target.ident)).metadata)) return
  await ctx.iceberg.catalog.commitWithRetry(target.ident, async current => {
    const m = current.metadata
    const schema = currentSchema(m)
    const fields = plan(m) ?? schema.fields
    const lastId = Math.max(m['last-column-id'], ...fields.map(f => maxId(f)))
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
}

/** ALTER TABLE … SET PROPERTIES: partitioning (partition evolution), sorted_by, format_version. */
async function propertiesSet(ctx: StatementContext, target: IcebergTarget, props: ReadonlyMap<string, PropertyValue>): Promise<void> {
  if (props.has('location')) throw new AkkoError('NOT_SUPPORTED', "Changing the table property 'location' is not supported", { property: 'location' })
  const p = tablePropertiesCheck(props, target.ref.catalog)
  await ctx.iceberg.catalog.commitWithRetry(target.ident, async current => {
    const m = current.metadata
    const schema = currentSchema(m)
    const updates: TableUpdate[] = []
    if (p.partitioning) {
      updates.push({ action: 'add-spec', spec: { fields: partitionSpecFields(schema, p.partitioning) } }, { action: 'set-default-spec', 'spec-id': -1 })
    }
    if (p.sortedBy) {
      updates.push({ action: 'add-sort-order', 'sort-order': sortOrderFrom(schema, p.sortedBy) }, { action: 'set-default-sort-order', 'sort-order-id': -1 })
    }
    return {
      requirements: [
        { type: 'assert-default-spec-id', 'default-spec-id': m['default-spec-id'] },
        { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': m['last-partition-id'] },
        { type: 'assert-current-schema-id', 'current-schema-id': m['current-schema-id'] },
      ],
      updates,
    }
  })
}

/** A type read for ADD COLUMN got provisional nested ids; give it ids above the table's last column id. */
function reassignIds(t: IcebergType, ids: FieldIds): IcebergType {
  if (typeof t === 'string') return t
  if (t.type === 'list') {
    const elementId = ids.next()
    return { ...t, 'element-id': elementId, element: reassignIds(t.element, ids) }
  }
  if (t.type === 'map') {
    const keyId = ids.next()
    const valueId = ids.next()
    return { ...t, 'key-id': keyId, 'value-id': valueId, key: reassignIds(t.key, ids), value: reassignIds(t.value, ids) }
  }
  return { type: 'struct', fields: t.fields.map(f => ({ ...f, id: ids.next(), type: reassignIds(f.type, ids) })) }
}

function maxId(f: StructField): number {
  const inner = (t: IcebergType): number => {
    if (typeof t === 'string') return 0
    if (t.type === 'list') return Math.max(t['element-id'], inner(t.element))
    if (t.type === 'map') return Math.max(t['key-id'], t['value-id'], inner(t.key), inner(t.value))
    return Math.max(0, ...t.fields.map(maxId))
  }
  return Math.max(f.id, inner(f.type))
}
