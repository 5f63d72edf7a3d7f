/**
 * The statements the engine core answers itself: SHOW CATALOGS/SCHEMAS/TABLES/COLUMNS/CREATE TABLE/SESSION,
 * DESCRIBE, USE, SET SESSION, RESET SESSION, PREPARE, DEALLOCATE PREPARE. (Queries, EXPLAIN and EXECUTE need
 * the binder and live in query-engine.ts.) Results are small and computed in JS.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { ColumnMeta, QueryResult, Session, SessionChanges } from '../engine.js'
import type { Connector, TableRef } from '../connectors/connector.js'
import type { QueryAccess } from '../governance/query-access.js'
import { positionOf, unquote, type Token } from '../sql/tokenizer.js'

/** What core statements need from the engine. */
export interface CoreContext {
  readonly queryId: string
  readonly sql: string
  readonly session: Session
  readonly tokens: readonly Token[]
  connectors(): readonly Connector[]
  connector(catalog: string): Connector | undefined
  resolveName(parts: readonly string[]): TableRef
  /** The caller's access rules: listings show only what the caller may see. Absent: everything is shown. */
  readonly access?: QueryAccess
}

/** A result whose rows are already known. */
export function staticResult(queryId: string, columns: readonly ColumnMeta[], rows: readonly (readonly unknown[])[], extra: Partial<QueryResult> = {}): QueryResult {
  return {
    queryId,
    columns,
    rows: (async function* () { if (rows.length > 0) yield rows })(),
    ...extra,
  }
}

const varchar = (name: string): ColumnMeta => ({ name, type: 'varchar' })

/** A cursor over the statement's tokens. */
class Cursor {
  i = 0
  constructor(readonly c: CoreContext) {}
  peek(): string { const t = this.c.tokens[this.i]; return t && t.kind === 'word' ? t.text.toUpperCase() : t?.text ?? '' }
  accept(...words: string[]): boolean {
    if (!words.includes(this.peek())) return false
    this.i++
    return true
  }
  expect(word: string): void {
    if (!this.accept(word)) throw this.error(`expected ${word}`)
  }
  done(): boolean { return this.i >= this.c.tokens.length }
  end(): void { if (!this.done()) throw this.error(`unexpected '${this.c.tokens[this.i]?.text}'`) }
  error(what: string): AkkoError {
    const pos = positionOf(this.c.sql, this.c.tokens[this.i]?.start ?? this.c.sql.length)
    return new AkkoError('SYNTAX_ERROR', `line ${pos.line}:${pos.column}: ${what}`, pos)
  }
  identifier(): string {
    const t = this.c.tokens[this.i]
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) throw this.error('expected a name')
    this.i++
    return t.kind === 'quoted' ? unquote(t.text) : t.text.toLowerCase()
  }
  name(): string[] {
    const parts = [this.identifier()]
    while (this.c.tokens[this.i]?.text === '.') { this.i++; parts.push(this.identifier()) }
    return parts
  }
  string(): string {
    const t = this.c.tokens[this.i]
    if (t?.kind !== 'string') throw this.error('expected a string literal')
    this.i++
    return unquote(t.text)
  }
  /** The rest of the statement as written (from the current token). */
  rest(): string {
    const t = this.c.tokens[this.i]
    return t ? this.c.sql.slice(t.start) : ''
  }
  like(): RegExp | undefined {
    if (!this.accept('LIKE')) return undefined
    const pattern = this.string()
    let escape: string | undefined
    if (this.accept('ESCAPE')) escape = this.string()
    let re = ''
    for (let k = 0; k < pattern.length; k++) {
      const ch = pattern[k] as string
      if (escape && ch === escape) { re += (pattern[++k] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue }
      re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }
    return new RegExp(`^${re}$`, 's')
  }
}

/** Access Denied unless the caller may use the catalog (Trino: `Cannot access catalog c`). */
async function catalogAccessCheck(c: CoreContext, catalog: string): Promise<void> {
  if (c.access && !(await c.access.catalogVisible(catalog))) throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot access catalog ${catalog}`, { catalog })
}

/** Access Denied unless the caller holds some privilege on the table (Trino's rule for SHOW COLUMNS and DESCRIBE). */
async function tableVisibleCheck(c: CoreContext, ref: TableRef): Promise<void> {
  if (!c.access?.enabled) return
  c.access.touch(ref)
  if ((await c.access.privileges(ref)).size === 0) {
    throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot show columns of table ${ref.catalog}.${ref.schema}.${ref.table}`, { table: `${ref.catalog}.${ref.schema}.${ref.table}` })
  }
}

function catalogOf(c: CoreContext, name: string): Connector {
  const conn = c.connector(name)
  if (!conn) throw new AkkoError('NOT_FOUND', `Catalog '${name}' does not exist`, { catalog: name })
  return conn
}

async function schemaCheck(c: CoreContext, connector: Connector, schema: string): Promise<void> {
  if (!(await connector.listSchemas(c.session)).includes(schema)) throw new AkkoError('NAMESPACE_NOT_FOUND', `Schema '${connector.catalog}.${schema}' does not exist`, { catalog: connector.catalog, schema })
}

async function describe(c: CoreContext, parts: readonly string[]) {
  const ref = c.resolveName(parts)
  const cols = await catalogOf(c, ref.catalog).describeTable(c.session, ref)
  if (!cols) throw new AkkoError('TABLE_NOT_FOUND', `Table '${ref.catalog}.${ref.schema}.${ref.table}' does not exist`, { ...ref })
  return { ref, cols }
}

/** Runs a core statement, or returns undefined when `head` is not one. */
export async function coreStatement(c: CoreContext, head: string): Promise<QueryResult | undefined> {
  const cur = new Cursor(c)
  const filter = (names: readonly string[], re?: RegExp) => names.filter(n => !re || re.test(n)).sort().map(n => [n])
  if (head.startsWith('SHOW CATALOGS')) {
    cur.i = 2
    const re = cur.like()
    cur.end()
    const names = c.connectors().map(x => x.catalog)
    return staticResult(c.queryId, [varchar('Catalog')], filter(c.access ? await c.access.filterCatalogs(names) : names, re))
  }
  if (head.startsWith('SHOW SCHEMAS')) {
    cur.i = 2
    const catalog = cur.accept('FROM', 'IN') ? cur.identifier() : c.session.catalog
    if (!catalog) throw new AkkoError('INVALID_REQUEST', 'Catalog must be specified when session catalog is not set: SHOW SCHEMAS FROM <catalog>', {})
    const re = cur.like()
    cur.end()
    const connector = catalogOf(c, catalog)
    await catalogAccessCheck(c, catalog)
    const schemas = await connector.listSchemas(c.session)
    return staticResult(c.queryId, [varchar('Schema')], filter(c.access ? await c.access.filterSchemas(catalog, schemas) : schemas, re))
  }
  if (head.startsWith('SHOW TABLES')) {
    cur.i = 2
    let catalog = c.session.catalog
    let schema = c.session.schema
    if (cur.accept('FROM', 'IN')) {
      const parts = cur.name()
      if (parts.length === 2) [catalog, schema] = parts
      else if (parts.length === 1) schema = parts[0]
      else throw cur.error('expected [catalog.]schema')
    }
    if (!catalog || !schema) throw new AkkoError('INVALID_REQUEST', 'Schema must be specified when session schema is not set: SHOW TABLES FROM <catalog>.<schema>', {})
    const re = cur.like()
    cur.end()
    const connector = catalogOf(c, catalog)
    await catalogAccessCheck(c, catalog)
    if (c.access?.enabled && (await c.access.filterSchemas(catalog, [schema])).length === 0) {
      throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot show tables of schema ${catalog}.${schema}`, { schema: `${catalog}.${schema}` })
    }
    await schemaCheck(c, connector, schema)
    const tables = await connector.listTables(c.session, schema)
    return staticResult(c.queryId, [varchar('Table')], filter(c.access ? await c.access.filterTables(catalog, schema, tables) : tables, re))
  }
  if (head.startsWith('SHOW COLUMNS') || head.startsWith('DESCRIBE') || head.startsWith('DESC ')) {
    cur.i = head.startsWith('SHOW') ? 2 : 1
    if (head.startsWith('SHOW') && !cur.accept('FROM', 'IN')) throw cur.error('expected FROM')
    const parts = cur.name()
    const re = cur.like()
    cur.end()
    const { ref, cols: all } = await describe(c, parts)
    await tableVisibleCheck(c, ref)
    const cols = c.access ? await c.access.visibleColumns(ref, all) : all
    return staticResult(c.queryId, ['Column', 'Type', 'Extra', 'Comment'].map(varchar), cols.filter(x => !re || re.test(x.name)).map(x => [x.name, x.type, '', x.comment ?? '']))
  }
  if (head.startsWith('SHOW STATS')) {
    cur.i = 2
    if (!cur.accept('FOR')) throw cur.error('expected FOR')
    const parts = cur.name()
    cur.end()
    const { ref, cols } = await describe(c, parts)
    if (c.access?.enabled) {
      c.access.touch(ref)
      await c.access.checkSelect(ref)
      // Statistics hold low and high values and counts of every row: not for callers whose reads are filtered or masked.
      if ((await c.access.governance(ref, cols)).governed) {
        throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot show stats for table ${ref.catalog}.${ref.schema}.${ref.table}: row filters or column masks apply`, { table: `${ref.catalog}.${ref.schema}.${ref.table}` })
      }
    }
    const stats = await catalogOf(c, ref.catalog).stats?.(c.session, ref)
    if (!stats) throw new AkkoError('NOT_SUPPORTED', `SHOW STATS is not supported for ${ref.catalog}.${ref.schema}.${ref.table}`, { ...ref })
    const dbl = (name: string): ColumnMeta => ({ name, type: 'double' })
    const rows = [
      ...stats.columns.map(col => [col.name, col.dataSize ?? null, col.distinctValues ?? null, col.nullsFraction ?? null, null, col.low ?? null, col.high ?? null]),
      [null, null, null, null, stats.rowCount, null, null],
    ]
    return staticResult(c.queryId, [varchar('column_name'), dbl('data_size'), dbl('distinct_values_count'), dbl('nulls_fraction'), dbl('row_count'), varchar('low_value'), varchar('high_value')], rows)
  }
  if (head.startsWith('SHOW CREATE TABLE')) {
    cur.i = 3
    const parts = cur.name()
    cur.end()
    const { ref, cols } = await describe(c, parts)
    if (c.access?.enabled) {
      c.access.touch(ref)
      await c.access.check(ref, 'OWNERSHIP', 'show create table for')
    }
    const q = (s: string) => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : `"${s.replaceAll('"', '""')}"`)
    const text = `CREATE TABLE ${[ref.catalog, ref.schema, ref.table].map(q).join('.')} (\n${cols.map(x => `   ${q(x.name)} ${x.type}${x.nullable ? '' : ' NOT NULL'}${x.comment ? ` COMMENT '${x.comment.replaceAll("'", "''")}'` : ''}`).join(',\n')}\n)`
    const props = await catalogOf(c, ref.catalog).tableProperties?.(c.session, ref)
    const withClause = props && Object.keys(props).length ? `\nWITH (\n${Object.entries(props).map(([k, v]) => `   ${k} = ${v}`).join(',\n')}\n)` : ''
    return staticResult(c.queryId, [varchar('Create Table')], [[text + withClause]])
  }
  if (head.startsWith('SHOW SESSION')) {
    cur.i = 2
    const re = cur.like()
    cur.end()
    const rows = Object.entries(c.session.properties).filter(([k]) => !re || re.test(k)).sort().map(([k, v]) => [k, v, '', 'varchar', ''])
    return staticResult(c.queryId, ['Name', 'Value', 'Default', 'Type', 'Description'].map(varchar), rows)
  }
  if (head.startsWith('USE')) {
    cur.i = 1
    const parts = cur.name()
    cur.end()
    if (parts.length > 2) throw cur.error('expected USE catalog.schema or USE schema')
    const catalog = parts.length === 2 ? (parts[0] as string) : c.session.catalog
    const schema = parts[parts.length - 1] as string
    if (!catalog) throw new AkkoError('INVALID_REQUEST', 'Catalog must be specified when session catalog is not set: USE <catalog>.<schema>', {})
    const connector = catalogOf(c, catalog)
    await catalogAccessCheck(c, catalog)
    await schemaCheck(c, connector, schema)
    const changes: SessionChanges = parts.length === 2 ? { setCatalog: catalog, setSchema: schema } : { setSchema: schema }
    return staticResult(c.queryId, [], [], { updateType: 'USE', sessionChanges: changes })
  }
  if (head.startsWith('SET SESSION')) {
    cur.i = 2
    const key = cur.name().join('.')
    cur.expect('=')
    const t = c.tokens[cur.i]
    if (!t) throw cur.error('expected a value')
    const value = t.kind === 'string' ? unquote(t.text) : c.sql.slice(t.start, (c.tokens[c.tokens.length - 1] as Token).end)
    return staticResult(c.queryId, [], [], { updateType: 'SET SESSION', sessionChanges: { setSession: { [key]: value } } })
  }
  if (head.startsWith('RESET SESSION')) {
    cur.i = 2
    const key = cur.name().join('.')
    cur.end()
    return staticResult(c.queryId, [], [], { updateType: 'RESET SESSION', sessionChanges: { resetSession: [key] } })
  }
  if (head.startsWith('PREPARE')) {
    cur.i = 1
    const name = cur.identifier()
    cur.expect('FROM')
    const body = cur.rest()
    if (!body) throw cur.error('expected a statement after FROM')
    return staticResult(c.queryId, [], [], { updateType: 'PREPARE', sessionChanges: { addedPrepare: { [name]: body } } })
  }
  if (head.startsWith('DEALLOCATE')) {
    cur.i = 1
    cur.expect('PREPARE')
    const name = cur.identifier()
    cur.end()
    if (!(name in c.session.preparedStatements)) throw new AkkoError('NOT_FOUND', `Prepared statement not found: ${name}`, { name })
    return staticResult(c.queryId, [], [], { updateType: 'DEALLOCATE', sessionChanges: { deallocatedPrepare: [name] } })
  }
  return undefined
}

/** `EXECUTE name [USING a, b]` → the prepared statement's text with each `?` replaced by its argument. */
export function executeExpand(c: CoreContext, tokenize: (sql: string) => Token[]): string {
  const cur = new Cursor(c)
  cur.i = 1
  const name = cur.identifier()
  const text = c.session.preparedStatements[name]
  if (text === undefined) throw new AkkoError('NOT_FOUND', `Prepared statement not found: ${name}`, { name })
  const args: string[] = []
  if (cur.accept('USING')) {
    let depth = 0
    let start = c.tokens[cur.i]?.start ?? c.sql.length
    for (; cur.i < c.tokens.length; cur.i++) {
      const t = c.tokens[cur.i] as Token
      if (t.text === '(' && t.kind === 'symbol') depth++
      if (t.text === ')' && t.kind === 'symbol') depth--
      if (t.text === ',' && t.kind === 'symbol' && depth === 0) {
        args.push(c.sql.slice(start, t.start).trim())
        start = t.end
      }
    }
    args.push(c.sql.slice(start).trim())
  }
  const marks = tokenize(text).filter(t => t.kind === 'symbol' && t.text === '?')
  if (marks.length !== args.length) throw new AkkoError('INVALID_REQUEST', `Prepared statement ${name} has ${marks.length} parameter(s) but EXECUTE gave ${args.length}`, { name })
  let out = text
  for (let k = marks.length - 1; k >= 0; k--) {
    const m = marks[k] as Token
    out = `${out.slice(0, m.start)}(${args[k]})${out.slice(m.end)}`
  }
  return out
}
