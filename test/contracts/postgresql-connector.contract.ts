import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import type { Session } from '../../src/engine/engine.js'
import type { PushdownPredicate, ScanContext, ScanRequest, TableRef } from '../../src/engine/connectors/connector.js'
import {
  postgresqlConnectorCreate,
  type PostgresqlClient,
  type PostgresqlConnector,
  type PostgresqlRemoteQuery,
} from '../../src/engine/connectors/postgresql/index.js'

/** What a backend's test file hands to the contract: a client on a fresh, empty database. */
export interface OpenedPostgresql {
  readonly client: PostgresqlClient
  /** Closes the client and removes the database. */
  cleanup(): Promise<void>
}

const session: Session = { user: 'alice', properties: {}, preparedStatements: {} }
const ref = (schema: string, table: string): TableRef => ({ catalog: 'pgcat', schema, table })

const FIXTURE = [
  'CREATE SCHEMA shop',
  "CREATE TYPE shop.mood AS ENUM ('sad', 'ok', 'happy')",
  'CREATE DOMAIN shop.posint AS integer CHECK (VALUE > 0)',
  `CREATE TABLE shop.all_types (
    id integer PRIMARY KEY, c_smallint smallint, c_bigint bigint, c_numeric numeric(20,4), c_real real,
    c_double double precision, c_bool boolean, c_text text, c_varchar varchar(10), c_char char(4), c_bytea bytea,
    c_date date, c_time time, c_ts timestamp, c_tstz timestamptz, c_uuid uuid, c_json json, c_jsonb jsonb,
    c_int_arr integer[], c_text_arr text[], c_num_arr numeric(10,2)[], c_mood shop.mood, c_dom shop.posint,
    c_unbounded numeric, c_interval interval, c_inet inet)`,
  "COMMENT ON COLUMN shop.all_types.c_text IS 'free text'",
  `INSERT INTO shop.all_types VALUES (1, -32768, 9223372036854775807, 1234567890123456.1234, 0.1, 0.30000000000000004,
    true, 'it''s "quoted" é 🎉', 'short', 'ab', '\\x00ff10'::bytea, '2024-02-29', '23:59:59.999999',
    '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123456+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '{"a": [1, 2.50]}', '{"b": "x"}', '{1,NULL,3}', ARRAY['a,b', 'c"d', NULL], '{1.10,2}', 'happy', 5, 1.5, '1 day', '10.0.0.1')`,
  'INSERT INTO shop.all_types (id) VALUES (2)',
  'CREATE VIEW shop.v_ids AS SELECT id FROM shop.all_types',
  `CREATE TABLE shop.nums (id integer NOT NULL, name text, grp text, amount numeric(10,2), d date, ts timestamp,
    flag boolean, f double precision, u uuid)`,
  `INSERT INTO shop.nums SELECT g, 'n' || g, CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN 'A' WHEN 2 THEN 'b' ELSE 'B' END,
    g * 1.25, DATE '2024-01-01' + g, TIMESTAMP '2024-01-01' + g * INTERVAL '1 hour', g % 2 = 0, g / 3.0,
    ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid FROM generate_series(1, 100) g`,
  'CREATE TABLE shop.big (id bigint, label text)',
  "INSERT INTO shop.big SELECT g, md5(g::text) FROM generate_series(1, 100000) g",
  'CREATE SCHEMA empty_one',
  'CREATE TABLE shop."MixedCase" ("CustomerId" integer, "Name" text)',
  `INSERT INTO shop."MixedCase" VALUES (1, 'ann'), (2, 'bob')`,
]

/**
 * The behaviour of the `postgresql` catalog connector, run against embedded PGlite and a real PostgreSQL
 * server alike: catalog listing, type mapping, exact values, column pruning, predicate pushdown, batching, errors.
 */
export function postgresqlConnectorContract(name: string, open: () => Promise<OpenedPostgresql>): void {
  describe(`PostgreSQL connector contract: ${name}`, () => {
    let opened: OpenedPostgresql
    let duck: DuckDBInstance
    let conn: DuckDBConnection
    let connector: PostgresqlConnector
    let remote: PostgresqlRemoteQuery[] = []
    let batches: number[] = []
    let temp = 0
    const ctx = (signal?: AbortSignal): ScanContext => ({ conn, session, signal, tempName: () => `pg_scan_${++temp}` })
    const rows = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS() as unknown[][]
    const scan = async (table: string, req: Partial<ScanRequest> = {}) => {
      remote = []
      batches = []
      return connector.scan(ctx(), ref('shop', table), { filters: [], ...req })
    }
    const fetched = () => batches.reduce((a, b) => a + b, 0)

    before(async () => {
      opened = await open()
      for (const sql of FIXTURE) await opened.client.query(sql)
      duck = await DuckDBInstance.create(':memory:')
      conn = await duck.connect()
      connector = postgresqlConnectorCreate({
        catalog: 'pgcat',
        client: opened.client,
        batchRows: 5000,
        onRemoteQuery: (q) => remote.push(q),
        onBatch: (n) => batches.push(n),
      })
    })
    after(async () => {
      conn?.closeSync()
      duck?.closeSync()
      await opened?.cleanup()
    })

    test('lists schemas without the system ones, and tables and views of a schema', async () => {
      const schemas = await connector.listSchemas(session)
      assert.ok(schemas.includes('shop') && schemas.includes('empty_one') && schemas.includes('public'))
      for (const sys of ['pg_catalog', 'information_schema', 'pg_toast']) assert.ok(!schemas.includes(sys), sys)
      assert.deepEqual(await connector.listTables(session, 'shop'), ['MixedCase', 'all_types', 'big', 'nums', 'v_ids'])
      assert.deepEqual(await connector.listTables(session, 'empty_one'), [])
      await assert.rejects(connector.listTables(session, 'nope'), { code: 'NAMESPACE_NOT_FOUND' })
    })

    test('describes columns with Trino types, skipping types Trino does not map', async () => {
      const cols = await connector.describeTable(session, ref('shop', 'all_types'))
      assert.ok(cols)
      assert.deepEqual(cols.map((c) => [c.name, c.type]), [
        ['id', 'integer'], ['c_smallint', 'smallint'], ['c_bigint', 'bigint'], ['c_numeric', 'decimal(20,4)'],
        ['c_real', 'real'], ['c_double', 'double'], ['c_bool', 'boolean'], ['c_text', 'varchar'], ['c_varchar', 'varchar'],
        ['c_char', 'varchar'], ['c_bytea', 'varbinary'], ['c_date', 'date'], ['c_time', 'time(6)'], ['c_ts', 'timestamp(6)'],
        ['c_tstz', 'timestamp(6) with time zone'], ['c_uuid', 'uuid'], ['c_json', 'json'], ['c_jsonb', 'json'],
        ['c_int_arr', 'array(integer)'], ['c_text_arr', 'array(varchar)'], ['c_num_arr', 'array(decimal(10,2))'],
        ['c_mood', 'varchar'], ['c_dom', 'integer'],
      ])
      assert.equal(cols[0]!.nullable, false)
      assert.equal(cols[1]!.nullable, true)
      assert.equal(cols.find((c) => c.name === 'c_text')!.comment, 'free text')
      assert.deepEqual(await connector.describeTable(session, ref('shop', 'v_ids')), [{ name: 'id', type: 'integer', nullable: true }])
      assert.equal(await connector.describeTable(session, ref('shop', 'missing')), undefined)
      assert.equal(await connector.describeTable(session, ref('nope', 'all_types')), undefined)
    })

    test('values of every mapped type survive exactly', async () => {
      const { sql } = await scan('all_types')
      const got = await rows(`SELECT id, c_smallint::VARCHAR, c_bigint::VARCHAR, c_numeric::VARCHAR, typeof(c_numeric), c_real::VARCHAR,
        c_double::VARCHAR, c_bool, c_text, c_varchar, c_char, hex(c_bytea), c_date::VARCHAR, c_time::VARCHAR, c_ts::VARCHAR,
        epoch_us(c_tstz)::VARCHAR, c_uuid::VARCHAR, c_json::VARCHAR, c_jsonb::VARCHAR, to_json(c_int_arr)::VARCHAR,
        to_json(c_text_arr)::VARCHAR, c_num_arr::VARCHAR, typeof(c_num_arr), c_mood, c_dom FROM (${sql}) ORDER BY id`)
      assert.deepEqual(got[0], [
        1, '-32768', '9223372036854775807', '1234567890123456.1234', 'DECIMAL(20,4)', '0.1',
        '0.30000000000000004', true, 'it\'s "quoted" é 🎉', 'short', 'ab', '00FF10', '2024-02-29', '23:59:59.999999',
        '2024-01-02 03:04:05.123456', String(Date.UTC(2024, 0, 2, 1, 4, 5) * 1000 + 123456), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '{"a": [1, 2.50]}', '{"b": "x"}', '[1,null,3]', '["a,b","c\\"d",null]', '[1.10, 2.00]', 'DECIMAL(10,2)[]', 'happy', 5,
      ])
      // char(n) reads as varchar without its padding, as PostgreSQL's own char → text cast gives it.
      const nulls: unknown[] = [2, ...Array<null>(24).fill(null)]
      nulls[4] = 'DECIMAL(20,4)' // typeof() names the type even of a NULL
      nulls[22] = 'DECIMAL(10,2)[]'
      assert.deepEqual(got[1], nulls)
    })

    test('sends only the needed columns', async () => {
      const { sql } = await scan('nums', { columns: ['amount', 'id'] })
      assert.equal(remote.length, 1)
      assert.match(remote[0]!.sql, /^SELECT "amount"::text, "id"::text FROM "shop"\."nums"$/)
      const got = await rows(`SELECT * FROM (${sql}) ORDER BY id LIMIT 2`)
      assert.deepEqual(got.map((r) => r.length), [2, 2])
      assert.equal((await rows(`SELECT sum(amount)::VARCHAR FROM (${sql})`))[0]![0], '6312.50')
      const none = await scan('nums', { columns: [] })
      assert.equal((await rows(`SELECT count(*) FROM (${none.sql})`))[0]![0], 100n)
    })

    // Each predicate: PostgreSQL must return exactly the rows the engine keeps when it applies the same condition.
    const pushCases: Array<[string, PushdownPredicate, string]> = [
      ['= on integer', { column: 'id', op: '=', value: 5 }, 'id = 5'],
      ['<> on text', { column: 'grp', op: '<>', value: 'A' }, "grp <> 'A'"],
      ['< on integer', { column: 'id', op: '<', value: 10 }, 'id < 10'],
      ['<= on decimal', { column: 'amount', op: '<=', value: 12.5 }, 'amount <= 12.5'],
      ['> on date', { column: 'd', op: '>', value: '2024-03-01' }, "d > DATE '2024-03-01'"],
      ['>= on timestamp', { column: 'ts', op: '>=', value: '2024-01-04 12:00:00' }, "ts >= TIMESTAMP '2024-01-04 12:00:00'"],
      ['in on integer (bigint values)', { column: 'id', op: 'in', value: [1n, 2n, 50n, 1000n] }, 'id IN (1, 2, 50, 1000)'],
      ['in on uuid', { column: 'u', op: 'in', value: ['00000000-0000-0000-0000-000000000007'] }, "u IN ('00000000-0000-0000-0000-000000000007')"],
      ['= on boolean', { column: 'flag', op: '=', value: true }, 'flag = true'],
      ['is null', { column: 'grp', op: 'is null' }, 'grp IS NULL'],
      ['is not null', { column: 'grp', op: 'is not null' }, 'grp IS NOT NULL'],
      ['text range in code-point order', { column: 'grp', op: '<', value: 'a' }, "grp < 'a'"],
      ['text range on names', { column: 'name', op: '<', value: 'n2' }, "name < 'n2'"],
    ]
    for (const [label, pred, duckWhere] of pushCases) {
      test(`pushes down ${label}`, async () => {
        const all = await scan('nums')
        const expected = await rows(`SELECT id FROM (${all.sql}) WHERE ${duckWhere} ORDER BY id`)
        const { sql } = await scan('nums', { filters: [pred] })
        assert.deepEqual(remote[0]!.pushed, [pred])
        assert.match(remote[0]!.sql, / WHERE /)
        assert.equal(fetched(), expected.length, 'PostgreSQL returned only the matching rows')
        assert.deepEqual(await rows(`SELECT id FROM (${sql}) ORDER BY id`), expected)
      })
    }

    test('leaves to the engine what PostgreSQL would evaluate differently or cannot take', async () => {
      const keep: PushdownPredicate[] = [
        { column: 'f', op: '<', value: 3 }, // double: float semantics differ
        { column: 'id', op: '=', value: 2.5 }, // not an integer
        { column: 'id', op: '<', value: 10n ** 20n }, // out of int4 range
        { column: 'd', op: '=', value: 7 }, // not a date
        { column: 'missing', op: '=', value: 1 },
        { column: 'grp', op: 'in', value: [] },
        { column: 'amount', op: '>', value: 12.345678901234567 }, // may be a rounded longer literal
      ]
      await scan('nums', { filters: keep })
      assert.deepEqual(remote[0]!.pushed, [])
      assert.doesNotMatch(remote[0]!.sql, /WHERE/)
      assert.equal(fetched(), 100)
    })

    test('finds mixed-case PostgreSQL names from the lower-case names the engine folds to', async () => {
      const cols = await connector.describeTable(session, ref('shop', 'mixedcase'))
      assert.deepEqual(cols?.map((c) => c.name), ['CustomerId', 'Name'])
      const { sql } = await scan('mixedcase', { columns: ['customerid', 'name'], filters: [{ column: 'customerid', op: '=', value: 2 }] })
      assert.equal(fetched(), 1)
      assert.deepEqual(await rows(`SELECT customerid, name FROM (${sql})`), [[2, 'bob']])
    })

    test('sends values as parameters, never as SQL text', async () => {
      const evil = "x' OR '1'='1"
      const { sql } = await scan('nums', { filters: [{ column: 'grp', op: '=', value: evil }, { column: 'id', op: '>', value: 0 }] })
      assert.ok(!remote[0]!.sql.includes(evil))
      assert.deepEqual(remote[0]!.params, [evil, '0'])
      assert.equal(fetched(), 0)
      assert.equal((await rows(`SELECT count(*) FROM (${sql})`))[0]![0], 0n)
    })

    test('streams a 100,000-row table in batches', async () => {
      const { sql } = await scan('big')
      assert.ok(batches.length >= 20, `${batches.length} batches`)
      assert.ok(batches.every((n) => n <= 5000))
      assert.equal(fetched(), 100000)
      const [[count, sum, distinct]] = (await rows(`SELECT count(*), sum(id), count(DISTINCT label) FROM (${sql})`)) as [[bigint, bigint, bigint]]
      assert.deepEqual([count, sum, distinct], [100000n, 5000050000n, 100000n])
    })

    test('errors: unknown schema, table, column; row ids and time travel; cancellation', async () => {
      await assert.rejects(connector.scan(ctx(), ref('nope', 'x'), { filters: [] }), { code: 'NAMESPACE_NOT_FOUND' })
      await assert.rejects(connector.scan(ctx(), ref('shop', 'nope'), { filters: [] }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'TABLE_NOT_FOUND')
        assert.match(e.message, /pgcat\.shop\.nope/)
        return true
      })
      await assert.rejects(scan('nums', { columns: ['id', 'nope'] }), { code: 'COLUMN_NOT_FOUND' })
      await assert.rejects(scan('nums', { withRowIds: true }), { code: 'NOT_SUPPORTED' })
      await assert.rejects(scan('nums', { version: { snapshotId: 1n } }), { code: 'NOT_SUPPORTED' })
      const ac = new AbortController()
      ac.abort()
      const name = `pg_scan_${temp + 1}`
      await assert.rejects(connector.scan(ctx(ac.signal), ref('shop', 'big'), { filters: [] }), { code: 'CANCELLED' })
      const left = await rows(`SELECT count(*) FROM duckdb_tables() WHERE table_name = '${name}'`)
      assert.equal(left[0]![0], 0n, 'the TEMP table of a failed scan is dropped')
      // A failed scan leaves the client usable.
      const { sql } = await scan('nums', { columns: ['id'], filters: [{ column: 'id', op: '=', value: 1 }] })
      assert.deepEqual(await rows(`SELECT id FROM (${sql})`), [[1]])
    })
  })
}
