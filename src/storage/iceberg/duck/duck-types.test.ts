import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DuckDBConnection } from '@duckdb/node-api'
import { tmpHome } from '../../../../test/support/paths.js'
import type { IcebergType } from '../spec.js'
import { DuckRuntime } from './duck-runtime.js'
import { duckToIcebergType, icebergToDuckType } from './duck-types.js'

let rt: DuckRuntime
let conn: DuckDBConnection
before(async () => {
  rt = await DuckRuntime.create({ home: tmpHome(), threads: 1, memoryLimit: '256MB' })
  conn = await rt.connect()
})
after(() => rt.close())

const NESTED: IcebergType = {
  type: 'struct', fields: [
    { id: 1, name: 'a b', required: false, type: 'decimal(10, 2)' },
    { id: 2, name: 'q"x', required: false, type: { type: 'list', 'element-id': 3, element: 'uuid', 'element-required': false } },
    { id: 4, name: 'm', required: false, type: { type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: 'timestamptz', 'value-required': false } },
  ],
}

describe('icebergToDuckType', () => {
  test('maps primitives and nested types to types DuckDB accepts', async () => {
    const cases: Array<[IcebergType, string]> = [
      ['boolean', 'BOOLEAN'], ['int', 'INTEGER'], ['long', 'BIGINT'], ['float', 'FLOAT'], ['double', 'DOUBLE'],
      ['decimal(38, 9)', 'DECIMAL(38,9)'], ['date', 'DATE'], ['time', 'TIME'], ['timestamp', 'TIMESTAMP'],
      ['timestamptz', 'TIMESTAMP WITH TIME ZONE'], ['timestamp_ns', 'TIMESTAMP_NS'], ['string', 'VARCHAR'],
      ['uuid', 'UUID'], ['binary', 'BLOB'], ['fixed[16]', 'BLOB'],
      [NESTED, 'STRUCT("a b" DECIMAL(10,2), "q""x" UUID[], "m" MAP(VARCHAR, TIMESTAMP WITH TIME ZONE))'],
    ]
    for (const [iceberg, duck] of cases) {
      const reader = await conn.runAndReadAll(`SELECT CAST(NULL AS ${icebergToDuckType(iceberg)})`)
      assert.equal(reader.columnTypes()[0]!.toString(), duck)
    }
  })

  test('rejects types DuckDB cannot hold', () => {
    assert.throws(() => icebergToDuckType('variant'), { code: 'NOT_SUPPORTED' })
  })
})

describe('duckToIcebergType', () => {
  test('turns query column types into Iceberg types with fresh nested ids', async () => {
    const reader = await conn.runAndReadAll(`SELECT 1::TINYINT a, 2::UINTEGER b, 3::HUGEINT c, 1.5::DECIMAL(9,3) d, 'x'::VARCHAR e,
      TIMESTAMPTZ '2020-01-01 00:00:00+00' f, NOW()::TIMESTAMP_MS g, {'p': [1, 2], 'q': MAP {'k': 1.5::DOUBLE}} h`)
    let next = 100
    const types = reader.columnTypes().map((t) => duckToIcebergType(t, () => next++))
    assert.deepEqual(types.slice(0, 7), ['int', 'long', 'decimal(38, 0)', 'decimal(9, 3)', 'string', 'timestamptz', 'timestamp'])
    assert.deepEqual(types[7], {
      type: 'struct', fields: [
        { id: 100, name: 'p', required: false, type: { type: 'list', 'element-id': 102, element: 'int', 'element-required': false } },
        { id: 101, name: 'q', required: false, type: { type: 'map', 'key-id': 103, key: 'string', 'value-id': 104, value: 'double', 'value-required': false } },
      ],
    })
    const round = await conn.runAndReadAll(`SELECT CAST(NULL AS ${icebergToDuckType(types[7]!)})`)
    assert.equal(round.columnTypes()[0]!.toString(), 'STRUCT("p" INTEGER[], "q" MAP(VARCHAR, DOUBLE))')
  })

  test('rejects types Iceberg cannot store, naming them', async () => {
    const reader = await conn.runAndReadAll("SELECT INTERVAL 1 DAY")
    assert.throws(() => duckToIcebergType(reader.columnTypes()[0]!, () => 1), { code: 'NOT_SUPPORTED', message: /INTERVAL/ })
  })
})

describe('DuckRuntime', () => {
  test('keeps extensions from loading on their own and closes its connections', async () => {
    const r = await DuckRuntime.create({ home: tmpHome(), threads: 1 })
    const c = await r.connect()
    const settings = await c.runAndReadAll("SELECT current_setting('autoload_known_extensions'), current_setting('autoinstall_known_extensions'), current_setting('threads')")
    assert.deepEqual(settings.getRowsJS()[0], [false, false, 1n])
    assert.deepEqual(await r.withConnection(async (x) => (await x.runAndReadAll('SELECT akko_iceberg_bucket(34, 2147483647)')).getRowsJS()[0]), [2017239379])
    r.close()
    await assert.rejects(r.connect(), { code: 'INTERNAL' })
  })

  test('a malformed setting fails with INVALID_CONFIG', async () => {
    await assert.rejects(DuckRuntime.create({ home: tmpHome(), memoryLimit: 'lots' }), { code: 'INVALID_CONFIG' })
  })
})
