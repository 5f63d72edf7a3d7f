/**
 * The configured platform end to end: `createPlatform` from configuration builds the engine with the `iceberg`
 * catalog and the PostgreSQL catalogs the configuration names, so a cross-catalog join works through the same
 * path `akko serve` uses. Run against the embedded PGlite database and against a real PostgreSQL server.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { loadConfig, silentLogger } from '../../src/core/index.js'
import { createPlatform, type Platform } from '../../src/platform.js'
import { allRows, testSession } from '../support/engine.js'
import { tmpHome } from '../support/paths.js'

export interface PostgresSetup {
  /** Extra environment for the platform (e.g. AKKO_POSTGRESQL_URL, AKKO_POSTGRESQL… catalogs). */
  env(home: string): Promise<Record<string, string>>
  /** Runs SQL on the database behind catalog `postgresql` before the platform starts. */
  seed(home: string, statements: readonly string[]): Promise<void>
  cleanup(): Promise<void>
}

export function platformSqlContract(name: string, setup: () => Promise<PostgresSetup>): void {
  describe(`platform SQL over iceberg + postgresql (${name})`, () => {
    let home: string
    let p: Platform
    let pg: PostgresSetup
    const session = testSession({ catalog: 'iceberg', schema: 'shop' })
    const run = async (sql: string) => allRows(await p.engine!.execute(sql, session))

    before(async () => {
      home = tmpHome('akko-platform-sql-')
      pg = await setup()
      await pg.seed(home, [
        'CREATE SCHEMA crm',
        'CREATE TABLE crm.customers (id bigint PRIMARY KEY, name text NOT NULL, country text, vip boolean)',
        "INSERT INTO crm.customers VALUES (1, 'Ada', 'FR', true), (2, 'Bo', 'DE', false), (3, 'Ché', 'FR', NULL)",
      ])
      p = await createPlatform(loadConfig({ AKKO_HOME: home, ...(await pg.env(home)) }, home), silentLogger)
      await run('CREATE SCHEMA iceberg.shop')
      await run(`CREATE TABLE orders (id bigint, customer_id bigint, amount decimal(10,2)) WITH (partitioning = ARRAY['bucket(customer_id, 4)'])`)
      await run('INSERT INTO orders VALUES (1, 1, 10.50), (2, 1, 4.50), (3, 2, 7.00), (4, 3, 1.25), (5, 9, 99.99)')
    })
    after(async () => {
      await p?.close()
      await pg?.cleanup()
      rmSync(home, { recursive: true, force: true })
    })

    test('SHOW CATALOGS lists iceberg, postgresql and system', async () => {
      const cats = (await run('SHOW CATALOGS')).map(r => r[0])
      for (const c of ['iceberg', 'postgresql', 'system']) assert.ok(cats.includes(c), `${c} in ${cats}`)
    })

    test('a join of an Iceberg fact table with a PostgreSQL dimension', async () => {
      const rows = await run(`SELECT c.name, sum(o.amount) AS total, count(*) AS n
        FROM orders o JOIN postgresql.crm.customers c ON c.id = o.customer_id
        WHERE c.country = 'FR' GROUP BY c.name ORDER BY c.name`)
      assert.deepEqual(rows, [['Ada', '15.00', 2], ['Ché', '1.25', 1]])
    })

    test('a filter on the PostgreSQL side and an outer join keep unmatched rows', async () => {
      const rows = await run(`SELECT o.id, c.name FROM orders o LEFT JOIN postgresql.crm.customers c ON c.id = o.customer_id ORDER BY o.id`)
      assert.deepEqual(rows.map(r => r[1]), ['Ada', 'Ada', 'Bo', 'Ché', null])
      const vip = await run(`SELECT name FROM postgresql.crm.customers WHERE vip IS NULL`)
      assert.deepEqual(vip, [['Ché']])
    })

    test('DESCRIBE maps PostgreSQL types to Trino types', async () => {
      const cols = await run('DESCRIBE postgresql.crm.customers')
      assert.deepEqual(cols.map(r => [r[0], r[1]]), [['id', 'bigint'], ['name', 'varchar'], ['country', 'varchar'], ['vip', 'boolean']])
    })

    test('CREATE TABLE AS from a PostgreSQL table lands in Iceberg', async () => {
      await run('CREATE TABLE iceberg.shop.customers_copy AS SELECT id, name FROM postgresql.crm.customers')
      const rows = await run('SELECT count(*), min(name) FROM iceberg.shop.customers_copy')
      assert.deepEqual(rows, [[3, 'Ada']])
    })

    test('an unknown PostgreSQL table is TABLE_NOT_FOUND', async () => {
      await assert.rejects(p.engine!.execute('SELECT * FROM postgresql.crm.nope', session), { code: 'TABLE_NOT_FOUND' })
    })
  })
}
