/**
 * What a user sees when a query goes wrong: Trino's error codes for unknown columns and unknown statements, no
 * internal names (`__akko_…`, temporary tables) or warehouse paths in any message, and views whose stored SQL
 * is unsafe are refused when read, exactly as the same query typed directly.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../../src/core/index.js'
import { createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, sandboxDefaults, type AkkoQueryEngine, type Session } from '../../src/engine/index.js'
import { viewCreate } from '../../src/engine/statements/iceberg-views.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const session: Session = { user: 'test', properties: {}, preparedStatements: {}, catalog: 'iceberg', schema: 'shop' }

async function failure(engine: AkkoQueryEngine, sql: string): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    const r = await engine.execute(sql, session)
    for await (const _b of r.rows) { /* drain */ }
  } catch (e) {
    return e as { code: string; message: string; details: Record<string, unknown> }
  }
  assert.fail(`expected ${sql} to fail`)
}

describe('engine errors as a Trino user sees them', () => {
  let tables: TestTables
  let engine: AkkoQueryEngine
  before(async () => {
    tables = await openTestTables()
    engine = await createQueryEngine({
      connectors: [icebergConnector({ catalog: tables.catalog, tables })],
      iceberg: { catalog: tables.catalog, tables },
      handlers: [icebergDdlHandler, icebergDmlHandler],
      sandbox: { ...sandboxDefaults(tables.home), threads: 1 },
      log: silentLogger,
    })
    for (const sql of [
      'CREATE SCHEMA iceberg.shop',
      'CREATE TABLE iceberg.shop.items (item_id integer, name varchar)',
      "INSERT INTO iceberg.shop.items VALUES (1, 'a'), (2, 'b')",
    ]) for await (const _b of (await engine.execute(sql, session)).rows) { /* drain */ }
  })
  after(async () => {
    await engine?.close()
    await tables?.close()
  })

  test('an unknown column is COLUMN_NOT_FOUND with the name the user wrote', async () => {
    const e = await failure(engine, 'SELECT nope FROM iceberg.shop.items')
    assert.equal(e.code, 'COLUMN_NOT_FOUND')
    assert.equal(e.message, "Column 'nope' cannot be resolved")
    const q = await failure(engine, 'SELECT i.nope FROM items i WHERE item_id > 0')
    assert.equal(q.code, 'COLUMN_NOT_FOUND')
    assert.equal(q.message, "Column 'i.nope' cannot be resolved")
  })

  test('a misspelt statement is a syntax error at line 1, column 1', async () => {
    const e = await failure(engine, 'SELEC 1')
    assert.equal(e.code, 'SYNTAX_ERROR')
    assert.deepEqual([e.details.line, e.details.column], [1, 1])
    assert.match(e.message, /mismatched input 'SELEC'/)
  })

  test('no error message shows internal names or private paths', async () => {
    const queries = [
      'SELECT nope FROM iceberg.shop.items',
      'SELECT item_id + DATE \'2024-01-01\' + name FROM items',
      'SELECT items.nope, x.y FROM items',
      'SELECT * FROM items i JOIN items j ON i.item_id = j.nothing',
      'SELECT CAST(name AS integer) FROM items',
      'SELECT item_id FROM items GROUP BY name',
      "SELECT * FROM items FOR VERSION AS OF 'nobranch'",
      'INSERT INTO items SELECT name, item_id FROM items',
      'UPDATE items SET item_id = name',
      'DELETE FROM items WHERE nope = 1',
    ]
    for (const sql of queries) {
      const e = await failure(engine, sql)
      assert.doesNotMatch(e.message, /__akko|akko_tmp_|#akko_version#/, `${sql}: ${e.message}`)
      assert.ok(!e.message.includes(tables.home), `${sql} shows the home directory: ${e.message}`)
      assert.doesNotMatch(e.message, /\nLINE \d+:/, `${sql} echoes rewritten SQL: ${e.message}`)
    }
  })

  test('a view whose stored SQL reads files is refused when read, like the same query typed directly', async () => {
    const ident = { namespace: ['shop'], name: 'sneaky' }
    const target = { ref: { catalog: 'iceberg', schema: 'shop', table: 'sneaky' }, ident, sqlName: '"iceberg"."shop"."sneaky"', display: 'iceberg.shop.sneaky' }
    await viewCreate(tables.catalog, target, { sql: "SELECT * FROM read_csv('/etc/passwd')", columns: [{ name: 'x', type: 'varchar' }], replace: false, owner: 'test' })
    const e = await failure(engine, 'SELECT * FROM iceberg.shop.sneaky')
    assert.equal(e.code, 'NOT_SUPPORTED')
    assert.match(e.message, /read_csv/)
  })

  test('a view that refers to itself is refused, not expanded forever', async () => {
    const ident = { namespace: ['shop'], name: 'loop' }
    const target = { ref: { catalog: 'iceberg', schema: 'shop', table: 'loop' }, ident, sqlName: '"iceberg"."shop"."loop"', display: 'iceberg.shop.loop' }
    await viewCreate(tables.catalog, target, { sql: 'SELECT * FROM loop', columns: [{ name: 'x', type: 'integer' }], replace: false, owner: 'test' })
    const e = await failure(engine, 'SELECT * FROM iceberg.shop.loop')
    assert.equal(e.code, 'NOT_SUPPORTED')
    assert.match(e.message, /iceberg\.shop\.loop/)
  })
})
