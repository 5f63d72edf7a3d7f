/**
 * Iceberg DDL, DML and procedures through the statement handlers, checked row by row through the storage API.
 * Until the engine core lands, the handlers run on a minimal StatementContext whose `bindQuery` substitutes
 * `iceberg.<schema>.<table> [AS alias]` by the table's scan SQL (no safety checks: the real binder does those).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../src/core/index.js'
import { currentSchema, scanPlan, scanSql, tableLoad, tableReadAll, type TableContext } from '../../src/storage/index.js'
import type { Connector, TableRef } from '../../src/engine/connectors/connector.js'
import type { QueryResult, Session } from '../../src/engine/engine.js'
import type { StatementContext, StatementHandler } from '../../src/engine/statements/statement.js'
import { icebergDdlHandler } from '../../src/engine/statements/iceberg-ddl.js'
import { icebergDmlHandler } from '../../src/engine/statements/iceberg-dml.js'
import { openTestTables, type TestTables } from '../support/table-context.js'
import { silentLogger } from '../../src/core/index.js'
import { createQueryEngine, icebergConnector, sandboxDefaults, type AkkoQueryEngine } from '../../src/engine/index.js'

const NAME = /(?:"iceberg"|\biceberg)\.(?:"([^"]+)"|(\w+))\.(?:"([^"]+)"|(\w+))(?:\s+AS\s+(?:"([^"]+)"|(\w+)))?/gi

function duckToTrino(t: string): string {
  const u = t.toUpperCase()
  const m: Record<string, string> = { BIGINT: 'bigint', INTEGER: 'integer', VARCHAR: 'varchar', DOUBLE: 'double', BOOLEAN: 'boolean', DATE: 'date', 'TIMESTAMP': 'timestamp(6)', 'TIMESTAMP WITH TIME ZONE': 'timestamp(6) with time zone', FLOAT: 'real', SMALLINT: 'smallint' }
  if (u.startsWith('DECIMAL')) return t.toLowerCase().replace(/\s/g, '')
  return m[u] ?? 'varchar'
}

function miniContext(tables: TableContext, conn: DuckDBConnection, session: Partial<Session> = {}): StatementContext & { execute(sql: string): Promise<QueryResult> } {
  const full: Session = { user: 'tester', catalog: 'iceberg', schema: 'shop', properties: {}, preparedStatements: {}, ...session }
  const connector = { catalog: 'iceberg', kind: 'iceberg' } as unknown as Connector
  const handlers: StatementHandler[] = [icebergDdlHandler, icebergDmlHandler]
  const ctx: StatementContext & { execute(sql: string): Promise<QueryResult> } = {
    queryId: 'q1',
    session: full,
    conn,
    iceberg: { catalog: tables.catalog, tables },
    resolveName(parts: readonly string[]): TableRef {
      const p = [...parts]
      while (p.length < 3) p.unshift(p.length === 2 ? (full.catalog as string) : (full.schema as string))
      return { catalog: p[0] as string, schema: p[1] as string, table: p[2] as string }
    },
    connector: c => (c === 'iceberg' ? connector : undefined),
    async bindQuery(sql, opts) {
      const matches = [...sql.matchAll(NAME)]
      let out = ''
      let last = 0
      for (const m of matches) {
        const schema = (m[1] ?? m[2]) as string
        const table = (m[3] ?? m[4]) as string
        const alias = m[5] ?? m[6] ?? table
        const state = await tableLoad(tables, { namespace: [schema], name: table })
        const plan = await scanPlan(tables, state.metadata)
        const rowIds = opts?.rowIdsFor?.schema === schema && opts.rowIdsFor.table === table
        const { sql: scan } = await scanSql({ schema: plan.schema, tableSchema: currentSchema(state.metadata), tasks: plan.tasks, store: tables.store, withFilePos: rowIds })
        out += `${sql.slice(last, m.index)}(${scan}) AS "${alias}"`
        last = (m.index as number) + m[0].length
      }
      out += sql.slice(last)
      const d = await conn.runAndReadAll(`DESCRIBE ${out}`)
      const columns = d.getRowObjects().map(r => ({ name: String(r.column_name), type: duckToTrino(String(r.column_type)) }))
      return { sql: out, columns }
    },
    async run(duckSql) {
      const r = await conn.runAndReadAll(duckSql)
      const rows = r.getRows().map(row => row.map(v => (typeof v === 'bigint' ? Number(v) : v)))
      return { queryId: 'q1', columns: [], rows: (async function* () { yield rows })() }
    },
    async execute(sql: string) {
      const h = handlers.find(x => x.matches('', sql))
      if (!h) throw new Error(`no handler for ${sql}`)
      return h.execute(sql, ctx)
    },
  }
  return ctx
}

/** Collects all rows of a result. */
async function resultRows(r: QueryResult): Promise<unknown[][]> {
  const out: unknown[][] = []
  for await (const b of r.rows) out.push(...b.map(x => [...x]))
  return out
}

const ident = (name: string) => ({ namespace: ['shop'], name })
const plain = (rows: Record<string, unknown>[]) => rows.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v && typeof v === 'object' && 'toString' in v && !(v instanceof Date) ? String(v) : v])))

describe('Iceberg statements on a minimal statement context', () => {
  let t: TestTables
  let conn: DuckDBConnection
  let ctx: ReturnType<typeof miniContext>
  const read = async (name: string, orderBy = 'id') => plain(await tableReadAll(t, ident(name), { orderBy }))
  before(async () => {
    t = await openTestTables()
    conn = await t.duck.connect()
    ctx = miniContext(t, conn)
    const r = await ctx.execute('CREATE SCHEMA iceberg.shop')
    assert.equal(r.updateType, 'CREATE SCHEMA')
  })
  after(async () => {
    t.duck.release(conn)
    await t.close()
  })

  test('INSERT → UPDATE → MERGE → DELETE, row by row, with Trino update counts', async () => {
    const c = await ctx.execute(`CREATE TABLE accounts (id bigint NOT NULL, owner varchar COMMENT 'who', balance decimal(12,2), region varchar)`)
    assert.equal(c.updateType, 'CREATE TABLE')
    assert.deepEqual(await resultRows(c), [[true]])

    const ins = await ctx.execute(`INSERT INTO accounts VALUES (1, 'ann', 10.50, 'EU'), (2, 'bob', 20, 'US'), (3, 'cy', 30, 'EU')`)
    assert.equal(ins.updateType, 'INSERT')
    assert.equal(ins.updateCount, 3)
    assert.deepEqual(await resultRows(ins), [[3]])
    const ins2 = await ctx.execute(`INSERT INTO accounts (region, id) SELECT 'APAC', 4`)
    assert.equal(ins2.updateCount, 1)
    assert.deepEqual(await read('accounts'), [
      { id: 1, owner: 'ann', balance: '10.50', region: 'EU' },
      { id: 2, owner: 'bob', balance: '20.00', region: 'US' },
      { id: 3, owner: 'cy', balance: '30.00', region: 'EU' },
      { id: 4, owner: null, balance: null, region: 'APAC' },
    ])

    const upd = await ctx.execute(`UPDATE accounts SET balance = balance * 2, owner = upper(owner) WHERE region = 'EU'`)
    assert.equal(upd.updateType, 'UPDATE')
    assert.equal(upd.updateCount, 2)
    assert.deepEqual(await read('accounts'), [
      { id: 1, owner: 'ANN', balance: '21.00', region: 'EU' },
      { id: 2, owner: 'bob', balance: '20.00', region: 'US' },
      { id: 3, owner: 'CY', balance: '60.00', region: 'EU' },
      { id: 4, owner: null, balance: null, region: 'APAC' },
    ])

    await ctx.execute(`CREATE TABLE changes (id bigint, op varchar, amount decimal(12,2))`)
    await ctx.execute(`INSERT INTO changes VALUES (1, 'add', 1), (2, 'close', NULL), (5, 'add', 50), (4, 'skip', 0)`)
    const merge = await ctx.execute(`MERGE INTO accounts a USING iceberg.shop.changes AS c ON a.id = c.id
      WHEN MATCHED AND c.op = 'close' THEN DELETE
      WHEN MATCHED AND c.op = 'add' THEN UPDATE SET balance = a.balance + c.amount
      WHEN NOT MATCHED THEN INSERT (id, owner, balance, region) VALUES (c.id, 'new', c.amount, 'US')`)
    assert.equal(merge.updateType, 'MERGE')
    // id 1 updated, id 2 deleted, id 5 inserted; id 4 matched no clause.
    assert.equal(merge.updateCount, 3)
    assert.deepEqual(await read('accounts'), [
      { id: 1, owner: 'ANN', balance: '22.00', region: 'EU' },
      { id: 3, owner: 'CY', balance: '60.00', region: 'EU' },
      { id: 4, owner: null, balance: null, region: 'APAC' },
      { id: 5, owner: 'new', balance: '50.00', region: 'US' },
    ])

    const del = await ctx.execute(`DELETE FROM accounts WHERE balance > 50 OR balance IS NULL`)
    assert.equal(del.updateType, 'DELETE')
    assert.equal(del.updateCount, 2)
    assert.deepEqual((await read('accounts')).map(r => r.id), [1, 5])
    const all = await ctx.execute(`DELETE FROM accounts`)
    assert.equal(all.updateCount, 2)
    assert.deepEqual(await read('accounts'), [])
    const none = await ctx.execute(`DELETE FROM accounts WHERE id = 1`)
    assert.equal(none.updateCount, 0)
  })

  test('MERGE where one target row matches two source rows fails and changes nothing', async () => {
    await ctx.execute(`CREATE TABLE m_target (id bigint, v varchar)`)
    await ctx.execute(`INSERT INTO m_target VALUES (1, 'a'), (2, 'b')`)
    await ctx.execute(`CREATE TABLE m_source (id bigint, v varchar)`)
    await ctx.execute(`INSERT INTO m_source VALUES (1, 'x'), (1, 'y'), (3, 'z')`)
    const before = await tableLoad(t, ident('m_target'))
    await assert.rejects(
      ctx.execute(`MERGE INTO m_target t USING iceberg.shop.m_source AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`),
      (e: unknown) => e instanceof AkkoError && e.code === 'MERGE_TARGET_ROW_MULTIPLE_MATCHES' && e.message === 'One MERGE target table row matched more than one source row',
    )
    const afterState = await tableLoad(t, ident('m_target'))
    assert.equal(afterState.metadataLocation, before.metadataLocation)
    assert.deepEqual(await read('m_target'), [{ id: 1, v: 'a' }, { id: 2, v: 'b' }])
  })

  test('CREATE TABLE AS SELECT takes the query types; WITH NO DATA creates an empty table', async () => {
    const r = await ctx.execute(`CREATE TABLE ctas WITH (partitioning = ARRAY['region']) AS SELECT CAST(id AS bigint) AS id, region, CAST(1.5 AS double) AS score, DATE '2024-01-02' AS d FROM (VALUES (1, 'EU'), (2, 'US')) AS v(id, region)`)
    assert.equal(r.updateType, 'CREATE TABLE')
    assert.equal(r.updateCount, 2)
    const m = (await tableLoad(t, ident('ctas'))).metadata
    assert.deepEqual(currentSchema(m).fields.map(f => [f.name, f.type]), [['id', 'long'], ['region', 'string'], ['score', 'double'], ['d', 'date']])
    assert.deepEqual((await read('ctas')).map(x => [x.id, x.region]), [[1, 'EU'], [2, 'US']])
    const empty = await ctx.execute(`CREATE TABLE ctas_empty (a, b) AS SELECT 1, 'x' WITH NO DATA`)
    assert.equal(empty.updateCount, 0)
    assert.deepEqual(currentSchema((await tableLoad(t, ident('ctas_empty'))).metadata).fields.map(f => [f.name, f.type]), [['a', 'int'], ['b', 'string']])
    assert.deepEqual(await read('ctas_empty', 'a'), [])
    await assert.rejects(ctx.execute(`CREATE TABLE ctas AS SELECT 1 AS x`), (e: unknown) => e instanceof AkkoError && e.code === 'TABLE_ALREADY_EXISTS')
    const skipped = await ctx.execute(`CREATE TABLE IF NOT EXISTS ctas AS SELECT 1 AS x`)
    assert.equal(skipped.updateCount, 0)
  })

  test('partitioned CREATE TABLE writes partitioned files; partition evolution reads across both specs', async () => {
    await ctx.execute(`CREATE TABLE events (id bigint, region varchar, ts timestamp(6) with time zone, kind varchar)
      COMMENT 'clicks' WITH (partitioning = ARRAY['region', 'day(ts)', 'bucket(id, 4)'], format_version = 2, sorted_by = ARRAY['id DESC'])`)
    let m = (await tableLoad(t, ident('events'))).metadata
    assert.equal(m.properties.comment, 'clicks')
    const spec0 = m['partition-specs'][0]!
    assert.deepEqual(spec0.fields.map(f => [f.name, f.transform]), [['region', 'identity'], ['ts_day', 'day'], ['id_bucket', 'bucket[4]']])
    assert.equal(m['sort-orders'].find(o => o['order-id'] === m['default-sort-order-id'])?.fields[0]?.direction, 'desc')
    await ctx.execute(`INSERT INTO events VALUES (1, 'EU', TIMESTAMP '2024-01-01 10:00:00 UTC', 'a'), (2, 'US', TIMESTAMP '2024-01-02 10:00:00 UTC', 'b')`)
    let plan = await scanPlan(t, m = (await tableLoad(t, ident('events'))).metadata)
    assert.deepEqual(plan.tasks.map(x => x.dataFile.partition.region).sort(), ['EU', 'US'])
    assert.ok(plan.tasks.every(x => x.dataFile.spec_id === 0 && typeof x.dataFile.partition.ts_day === 'number'))

    const alter = await ctx.execute(`ALTER TABLE events SET PROPERTIES partitioning = ARRAY['kind']`)
    assert.equal(alter.updateType, 'SET PROPERTIES')
    m = (await tableLoad(t, ident('events'))).metadata
    assert.equal(m['default-spec-id'], 1)
    assert.deepEqual(m['partition-specs'][1]!.fields.map(f => [f.name, f.transform]), [['kind', 'identity']])
    await ctx.execute(`INSERT INTO events VALUES (3, 'EU', TIMESTAMP '2024-01-03 10:00:00 UTC', 'c')`)
    plan = await scanPlan(t, (await tableLoad(t, ident('events'))).metadata)
    assert.deepEqual(plan.tasks.map(x => x.dataFile.spec_id).sort(), [0, 0, 1])
    assert.deepEqual((await read('events')).map(x => [x.id, x.kind]), [[1, 'a'], [2, 'b'], [3, 'c']])
    // A row-level change across both specs: one file per spec gets a delete.
    const upd = await ctx.execute(`UPDATE events SET kind = 'z' WHERE id IN (1, 3)`)
    assert.equal(upd.updateCount, 2)
    assert.deepEqual((await read('events')).map(x => [x.id, x.kind]), [[1, 'z'], [2, 'b'], [3, 'z']])
  })

  test('ALTER TABLE column operations, COMMENT ON, RENAME TO show in the table metadata', async () => {
    await ctx.execute(`CREATE TABLE people (id bigint, name varchar)`)
    await ctx.execute(`INSERT INTO people VALUES (1, 'ann')`)
    assert.equal((await ctx.execute(`ALTER TABLE people ADD COLUMN age integer COMMENT 'years'`)).updateType, 'ADD COLUMN')
    await ctx.execute(`ALTER TABLE people ADD COLUMN IF NOT EXISTS age integer`)
    await ctx.execute(`ALTER TABLE people ADD COLUMN tags array(varchar)`)
    assert.equal((await ctx.execute(`ALTER TABLE people RENAME COLUMN name TO full_name`)).updateType, 'RENAME COLUMN')
    assert.equal((await ctx.execute(`ALTER TABLE people DROP COLUMN tags`)).updateType, 'DROP COLUMN')
    assert.equal((await ctx.execute(`COMMENT ON TABLE people IS 'humans'`)).updateType, 'COMMENT')
    await ctx.execute(`COMMENT ON COLUMN people.id IS 'key'`)
    let m = (await tableLoad(t, ident('people'))).metadata
    const fields = currentSchema(m).fields
    assert.deepEqual(fields.map(f => [f.id, f.name, f.type, f.doc]), [[1, 'id', 'long', 'key'], [2, 'full_name', 'string', undefined], [3, 'age', 'int', 'years']])
    assert.equal(m.properties.comment, 'humans')
    await ctx.execute(`INSERT INTO people VALUES (2, 'bob', 40)`)
    assert.deepEqual(await read('people'), [{ id: 1, full_name: 'ann', age: null }, { id: 2, full_name: 'bob', age: 40 }])
    await assert.rejects(ctx.execute(`ALTER TABLE people ADD COLUMN age bigint`), (e: unknown) => e instanceof AkkoError && e.code === 'INVALID_SCHEMA')
    await assert.rejects(ctx.execute(`ALTER TABLE people DROP COLUMN nope`), (e: unknown) => e instanceof AkkoError && e.code === 'COLUMN_NOT_FOUND')
    assert.equal((await ctx.execute(`ALTER TABLE people RENAME TO humans`)).updateType, 'RENAME TABLE')
    m = (await tableLoad(t, ident('humans'))).metadata
    assert.equal(currentSchema(m).fields.length, 3)
    await assert.rejects(tableLoad(t, ident('people')), (e: unknown) => e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND')
    assert.equal((await ctx.execute(`DROP TABLE humans`)).updateType, 'DROP TABLE')
    await ctx.execute(`DROP TABLE IF EXISTS humans`)
    await assert.rejects(ctx.execute(`DROP TABLE humans`), (e: unknown) => e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND')
  })

  test('bad statements get clear errors and change nothing', async () => {
    await assert.rejects(ctx.execute(`CREATE TABLE bad1 (id bigint) WITH (partitioning = ARRAY['nope'])`), (e: unknown) => e instanceof AkkoError && e.code === 'COLUMN_NOT_FOUND')
    await assert.rejects(ctx.execute(`CREATE TABLE bad2 (id bigint) WITH (colour = 'red')`), (e: unknown) => e instanceof AkkoError && e.code === 'INVALID_ARGUMENT' && /table property 'colour' does not exist/.test(e.message))
    await assert.rejects(ctx.execute(`CREATE TABLE bad3 (id bigint, t time with time zone)`), (e: unknown) => e instanceof AkkoError && e.code === 'NOT_SUPPORTED')
    await assert.rejects(ctx.execute(`CREATE TABLE bad4 (id bigint,)`), (e: unknown) => e instanceof AkkoError && e.code === 'SYNTAX_ERROR')
    assert.deepEqual((await t.catalog.listTables(['shop'])).map(x => x.name).filter(n => n.startsWith('bad')), [])
    await ctx.execute(`CREATE TABLE strict_t (id bigint NOT NULL, v varchar)`)
    await assert.rejects(ctx.execute(`INSERT INTO strict_t (v) VALUES ('x')`), (e: unknown) => e instanceof AkkoError && /NOT NULL column: id/.test(e.message))
    await assert.rejects(ctx.execute(`INSERT INTO strict_t VALUES (1)`), (e: unknown) => e instanceof AkkoError && /mismatched column/.test(e.message))
    await assert.rejects(ctx.execute(`UPDATE strict_t SET nope = 1`), (e: unknown) => e instanceof AkkoError && e.code === 'COLUMN_NOT_FOUND')
    assert.equal((await tableLoad(t, ident('strict_t'))).metadata.snapshots.length, 0)
  })

  test('views are stored in the catalog with their SQL and columns', async () => {
    const { viewDefinition } = await import('../../src/engine/statements/iceberg-views.js')
    await ctx.execute(`CREATE TABLE vbase (id bigint, v varchar)`)
    assert.equal((await ctx.execute(`CREATE VIEW v1 COMMENT 'ids' AS SELECT id FROM iceberg.shop.vbase`)).updateType, 'CREATE VIEW')
    let def = await viewDefinition(t.catalog, { catalog: 'iceberg', schema: 'shop', table: 'v1' })
    assert.equal(def?.sql, 'SELECT id FROM iceberg.shop.vbase')
    assert.deepEqual(def?.columns.map(c => [c.name, c.type]), [['id', 'bigint']])
    assert.equal(def?.comment, 'ids')
    await assert.rejects(ctx.execute(`CREATE VIEW v1 AS SELECT 1 AS x`), (e: unknown) => e instanceof AkkoError && e.code === 'TABLE_ALREADY_EXISTS')
    await ctx.execute(`CREATE OR REPLACE VIEW v1 AS SELECT v FROM iceberg.shop.vbase`)
    def = await viewDefinition(t.catalog, { catalog: 'iceberg', schema: 'shop', table: 'v1' })
    assert.deepEqual(def?.columns.map(c => c.name), ['v'])
    await assert.rejects(ctx.execute(`CREATE TABLE v1 (a bigint)`), (e: unknown) => e instanceof AkkoError && e.code === 'TABLE_ALREADY_EXISTS')
    assert.equal((await ctx.execute(`DROP VIEW v1`)).updateType, 'DROP VIEW')
    assert.equal(await viewDefinition(t.catalog, { catalog: 'iceberg', schema: 'shop', table: 'v1' }), undefined)
    await assert.rejects(ctx.execute(`DROP VIEW v1`), (e: unknown) => e instanceof AkkoError && e.code === 'VIEW_NOT_FOUND')
    await ctx.execute(`DROP VIEW IF EXISTS v1`)
  })

  test('procedures: optimize compacts small files, expire_snapshots honours the minimum retention', async () => {
    await ctx.execute(`CREATE TABLE small (id bigint)`)
    for (let i = 0; i < 3; i++) await ctx.execute(`INSERT INTO small VALUES (${i})`)
    let plan = await scanPlan(t, (await tableLoad(t, ident('small'))).metadata)
    assert.equal(plan.tasks.length, 3)
    const opt = await ctx.execute(`ALTER TABLE small EXECUTE optimize(file_size_threshold => '10MB')`)
    assert.equal(opt.updateType, 'ALTER TABLE EXECUTE')
    let m = (await tableLoad(t, ident('small'))).metadata
    plan = await scanPlan(t, m)
    assert.equal(plan.tasks.length, 1)
    assert.deepEqual((await read('small')).map(r => r.id), [0, 1, 2])
    assert.equal(m.snapshots.length, 4)
    await assert.rejects(ctx.execute(`ALTER TABLE small EXECUTE expire_snapshots(retention_threshold => '1s')`), (e: unknown) => e instanceof AkkoError && /shorter than the minimum retention/.test(e.message))
    const relaxed = miniContext(t, conn, { properties: { 'iceberg.expire_snapshots_min_retention': '0s', 'iceberg.remove_orphan_files_min_retention': '0s' } })
    await new Promise(r => setTimeout(r, 5))
    await relaxed.execute(`ALTER TABLE small EXECUTE expire_snapshots(retention_threshold => '0s')`)
    m = (await tableLoad(t, ident('small'))).metadata
    assert.equal(m.snapshots.length, 1)
    assert.deepEqual((await read('small')).map(r => r.id), [0, 1, 2])
    await relaxed.execute(`ALTER TABLE small EXECUTE remove_orphan_files(retention_threshold => '0s')`)
    assert.deepEqual((await read('small')).map(r => r.id), [0, 1, 2])
    await assert.rejects(ctx.execute(`ALTER TABLE small EXECUTE vacuum`), (e: unknown) => e instanceof AkkoError && e.code === 'NOT_SUPPORTED')
  })

  test('DROP SCHEMA refuses a non-empty schema unless CASCADE', async () => {
    await ctx.execute(`CREATE SCHEMA IF NOT EXISTS iceberg.tmp`)
    await ctx.execute(`CREATE SCHEMA IF NOT EXISTS iceberg.tmp`)
    await ctx.execute(`CREATE TABLE iceberg.tmp.x (id bigint)`)
    await assert.rejects(ctx.execute(`DROP SCHEMA iceberg.tmp`), (e: unknown) => e instanceof AkkoError && e.code === 'NAMESPACE_NOT_EMPTY')
    assert.equal((await ctx.execute(`DROP SCHEMA iceberg.tmp CASCADE`)).updateType, 'DROP SCHEMA')
    assert.equal(await t.catalog.namespaceExists(['tmp']), false)
    await ctx.execute(`DROP SCHEMA IF EXISTS tmp`)
  })
})

describe('Iceberg statements through the query engine', () => {
  let t: TestTables
  let engine: AkkoQueryEngine
  const session: Session = { user: 'tester', catalog: 'iceberg', schema: 'shop', properties: {}, preparedStatements: {} }
  const sql = (text: string) => engine.execute(text, session)
  const select = async (text: string) => resultRows(await sql(text))
  before(async () => {
    t = await openTestTables()
    engine = await createQueryEngine({
      connectors: [icebergConnector({ catalog: t.catalog, tables: t })],
      iceberg: { catalog: t.catalog, tables: t },
      handlers: [icebergDdlHandler, icebergDmlHandler],
      sandbox: sandboxDefaults(t.home),
      log: silentLogger,
    })
  })
  after(async () => {
    await engine.close()
    await t.close()
  })

  test('INSERT → UPDATE → MERGE → DELETE checked with SELECT after each statement', async () => {
    assert.equal((await sql('CREATE SCHEMA iceberg.shop')).updateType, 'CREATE SCHEMA')
    await sql(`CREATE TABLE orders (id bigint, region varchar, amount double, day date) WITH (partitioning = ARRAY['region'])`)
    const ins = await sql(`INSERT INTO orders VALUES (1, 'EU', 10, DATE '2024-01-01'), (2, 'US', 20, DATE '2024-01-02'), (3, 'EU', 30, DATE '2024-01-03')`)
    assert.equal(ins.updateCount, 3)
    assert.deepEqual(await resultRows(ins), [[3]])
    assert.deepEqual(await select('SELECT id, region, amount, day FROM orders ORDER BY id'), [[1, 'EU', 10, '2024-01-01'], [2, 'US', 20, '2024-01-02'], [3, 'EU', 30, '2024-01-03']])

    const upd = await sql(`UPDATE orders SET amount = amount + 1, day = date_add('day', 1, day) WHERE region = 'EU'`)
    assert.equal(upd.updateCount, 2)
    assert.deepEqual(await select('SELECT id, amount, day FROM orders ORDER BY id'), [[1, 11, '2024-01-02'], [2, 20, '2024-01-02'], [3, 31, '2024-01-04']])

    await sql(`CREATE TABLE incoming AS SELECT * FROM (VALUES (CAST(2 AS bigint), 'close'), (CAST(3 AS bigint), 'bump'), (CAST(9 AS bigint), 'new')) AS v(id, op)`)
    const merge = await sql(`MERGE INTO orders o USING incoming i ON o.id = i.id
      WHEN MATCHED AND i.op = 'close' THEN DELETE
      WHEN MATCHED THEN UPDATE SET amount = o.amount * 10
      WHEN NOT MATCHED THEN INSERT (id, region, amount) VALUES (i.id, 'APAC', 0)`)
    assert.equal(merge.updateType, 'MERGE')
    assert.equal(merge.updateCount, 3)
    assert.deepEqual(await select('SELECT id, region, amount FROM orders ORDER BY id'), [[1, 'EU', 11], [3, 'EU', 310], [9, 'APAC', 0]])

    await sql(`INSERT INTO incoming VALUES (3, 'again')`)
    await assert.rejects(sql(`MERGE INTO orders o USING incoming i ON o.id = i.id WHEN MATCHED THEN UPDATE SET amount = 0`),
      (e: unknown) => e instanceof AkkoError && e.code === 'MERGE_TARGET_ROW_MULTIPLE_MATCHES')
    assert.deepEqual(await select('SELECT id, amount FROM orders ORDER BY id'), [[1, 11], [3, 310], [9, 0]])

    const del = await sql(`DELETE FROM orders WHERE id IN (SELECT id FROM incoming)`)
    assert.equal(del.updateCount, 2)
    assert.deepEqual(await select('SELECT id FROM orders ORDER BY id'), [[1]])
    assert.deepEqual(plain(await tableReadAll(t, ident('orders'), { orderBy: 'id' })).map(r => r.id), [1])
  })
})
