import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../../src/core/index.js'
import {
  createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, sandboxDefaults,
  type AkkoQueryEngine, type QueryResult, type Session,
} from '../../src/engine/index.js'
import { postgresqlConnectorCreate, postgresqlEmbeddedOpen, type PostgresqlClient, type PostgresqlRemoteQuery } from '../../src/engine/connectors/postgresql/index.js'
import { postgresqlConnectorContract } from '../contracts/postgresql-connector.contract.js'
import { tmpHome } from '../support/paths.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

// The embedded database of the `postgresql` catalog: its own PGlite under AKKO_HOME/postgresql.
postgresqlConnectorContract('embedded PGlite', async () => {
  const home = tmpHome()
  const client = await postgresqlEmbeddedOpen(join(home, 'postgresql'))
  return {
    client,
    cleanup: async () => {
      await client.close()
      rmSync(home, { recursive: true, force: true })
    },
  }
})

async function allRows(r: QueryResult): Promise<unknown[][]> {
  const out: unknown[][] = []
  for await (const b of r.rows) for (const row of b) out.push([...row])
  return out
}

describe('postgresql catalog through the engine', () => {
  let t: TestTables
  let client: PostgresqlClient
  let engine: AkkoQueryEngine
  const remote: PostgresqlRemoteQuery[] = []
  const session: Session = { user: 'alice', catalog: 'iceberg', schema: 'sales', properties: {}, preparedStatements: {} }
  const run = async (sql: string) => allRows(await engine.execute(sql, session))

  before(async () => {
    t = await openTestTables()
    client = await postgresqlEmbeddedOpen(join(t.home, 'postgresql'))
    for (const sql of [
      'CREATE SCHEMA crm',
      'CREATE TABLE crm.customers (id integer PRIMARY KEY, name text NOT NULL, country char(2), credit numeric(10,2), tags text[])',
      "INSERT INTO crm.customers VALUES (1, 'Ann', 'FR', 100.50, '{vip}'), (2, 'Bob', 'DE', NULL, '{}'), (3, 'Chloé', 'FR', 7.25, NULL)",
    ]) await client.query(sql)
    engine = await createQueryEngine({
      connectors: [
        icebergConnector({ catalog: t.catalog, tables: t }),
        postgresqlConnectorCreate({ catalog: 'postgresql', client, onRemoteQuery: (q) => remote.push(q) }),
      ],
      iceberg: { catalog: t.catalog, tables: t },
      handlers: [icebergDdlHandler, icebergDmlHandler],
      sandbox: { ...sandboxDefaults(t.home), allowedDirectories: [join(t.home, 'warehouse'), join(t.home, 'cache')], threads: 1 },
      log: silentLogger,
    })
    await run('CREATE SCHEMA iceberg.sales')
    await run('CREATE TABLE iceberg.sales.orders (id bigint, customer_id integer, amount decimal(12,2))')
    await run('INSERT INTO iceberg.sales.orders VALUES (10, 1, 12.50), (11, 3, 99.99), (12, 2, 5.00), (13, 1, 0.01)')
  })
  after(async () => {
    await engine?.close()
    await client?.close()
    await t?.close()
  })

  test('joins an Iceberg table with a PostgreSQL table', async () => {
    const r = await engine.execute(
      `SELECT c.name, count(*) AS n, sum(o.amount) AS total FROM iceberg.sales.orders o
       JOIN postgresql.crm.customers c ON o.customer_id = c.id WHERE c.country = 'FR' GROUP BY c.name ORDER BY c.name`, session)
    assert.deepEqual(r.columns.map((c) => c.type), ['varchar', 'bigint', 'decimal(38,2)'])
    assert.deepEqual(await allRows(r), [['Ann', 2, '12.51'], ['Chloé', 1, '99.99']])
  })

  test('pushes a WHERE on a PostgreSQL table down and encodes values as Trino does', async () => {
    remote.length = 0
    const r = await engine.execute(`SELECT id, credit, tags FROM postgresql.crm.customers WHERE id >= 2 ORDER BY id`, session)
    assert.deepEqual(r.columns.map((c) => c.type), ['integer', 'decimal(10,2)', 'array(varchar)'])
    assert.deepEqual(await allRows(r), [[2, null, []], [3, '7.25', null]])
    assert.equal(remote.length, 1)
    assert.deepEqual(remote[0]!.pushed, [{ column: 'id', op: '>=', value: 2 }])
  })

  test('SHOW TABLES and a missing table through the engine', async () => {
    assert.deepEqual(await run('SHOW TABLES FROM postgresql.crm'), [['customers']])
    await assert.rejects(engine.execute('SELECT * FROM postgresql.crm.nope', session), { code: 'TABLE_NOT_FOUND' })
  })
})
