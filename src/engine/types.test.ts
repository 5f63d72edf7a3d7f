import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { trinoType, trinoValue } from './types.js'

let instance: DuckDBInstance
let conn: DuckDBConnection
before(async () => {
  instance = await DuckDBInstance.create(':memory:')
  conn = await instance.connect()
})
after(() => {
  conn.closeSync()
  instance.closeSync()
})

async function encode(expr: string): Promise<{ type: string; value: unknown }> {
  const r = await conn.runAndReadAll(`SELECT ${expr} AS v`)
  const t = r.columnTypes()[0]!
  return { type: trinoType(t), value: trinoValue(t, r.getRows()[0]![0]!) }
}

const CASES: ReadonlyArray<readonly [string, string, unknown]> = [
  ['true', 'boolean', true],
  ['1::TINYINT', 'tinyint', 1],
  ['2::SMALLINT', 'smallint', 2],
  ['3::INTEGER', 'integer', 3],
  ['9007199254740993::BIGINT', 'bigint', 9007199254740992],
  ['(SELECT sum(x) FROM (VALUES (1::BIGINT), (2::BIGINT)) t(x))', 'bigint', 3],
  ['1.10::FLOAT', 'real', 1.1],
  ['2.5::DOUBLE', 'double', 2.5],
  ["'nan'::DOUBLE", 'double', 'NaN'],
  ["'-inf'::DOUBLE", 'double', '-Infinity'],
  ['12.30::DECIMAL(10,2)', 'decimal(10,2)', '12.30'],
  ["'héllo'", 'varchar', 'héllo'],
  ["'\\x00\\xFF'::BLOB", 'varbinary', 'AP8='],
  ["DATE '2024-02-29'", 'date', '2024-02-29'],
  ["TIME '01:02:03.5'", 'time(6)', '01:02:03.500000'],
  ["TIMESTAMP '2024-01-02 03:04:05'", 'timestamp(6)', '2024-01-02 03:04:05.000000'],
  ["TIMESTAMP '1969-12-31 23:59:59.123456'", 'timestamp(6)', '1969-12-31 23:59:59.123456'],
  ["TIMESTAMPTZ '2024-01-02 03:04:05.25+02'", 'timestamp(6) with time zone', '2024-01-02 01:04:05.250000 UTC'],
  ["'00000000-0000-0000-0000-000000000001'::UUID", 'uuid', '00000000-0000-0000-0000-000000000001'],
  ["'{\"a\": 1}'::JSON", 'json', '{"a": 1}'],
  ['[1, NULL, 3]', 'array(integer)', [1, null, 3]],
  ["MAP {'a': 1, 'b': 2}", 'map(varchar, integer)', { a: 1, b: 2 }],
  ["{'x': 1, 'Y z': 'q'}", 'row(x integer, "Y z" varchar)', [1, 'q']],
  ["[{'k': [DATE '2024-01-01']}]", 'array(row(k array(date)))', [[['2024-01-01']]]],
  ['INTERVAL 36 HOUR', 'interval day to second', '1 12:00:00.000'],
  ['NULL::VARCHAR', 'varchar', null],
]

for (const [expr, type, value] of CASES) {
  test(`${expr} is ${type} ${JSON.stringify(value)} on the wire`, async () => {
    assert.deepEqual(await encode(expr), { type, value })
  })
}
