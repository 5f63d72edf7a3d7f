import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DuckDBConnection } from '@duckdb/node-api'
import { tmpHome } from '../../../../test/support/paths.js'
import { transformApply } from '../transforms.js'
import { DuckRuntime } from './duck-runtime.js'
import { duckValueToIceberg } from './duck-values.js'
import { partitionExprSql } from './partition-sql.js'
import { sqlLiteral } from './sql-literal.js'

let rt: DuckRuntime
let conn: DuckDBConnection

before(async () => {
  rt = await DuckRuntime.create({ home: tmpHome(), threads: 1 })
  conn = await rt.connect()
  // A non-UTC session zone must not change temporal transforms of timestamptz values.
  await conn.run("SET TimeZone = 'America/Los_Angeles'")
})
after(() => rt.close())

/** Evaluates the transform in DuckDB for each value and returns the in-memory results. */
async function duckApply(transform: string, type: string, values: readonly unknown[]): Promise<unknown[]> {
  const rows = values.map((v, i) => `SELECT ${i} AS i, ${sqlLiteral(type, v)} AS v`).join(' UNION ALL ')
  const reader = await conn.runAndReadAll(`SELECT ${partitionExprSql(transform, type, 'v')} FROM (${rows}) ORDER BY i`)
  return reader.getRows().map((r) => duckValueToIceberg(r[0] ?? null))
}

const SAMPLES: Record<string, unknown[]> = {
  int: [0, 1, -1, 34, -7, 2147483647, -2147483640, 12345, null],
  long: [0n, 1n, -1n, 34n, -7n, 9007199254740993n, -9223372036854775800n, 4611686018427387904n, null],
  'decimal(9,2)': [0n, 1420n, -1420n, -1n, 99999n, -99999n, 5n, null],
  'decimal(38,4)': [123456789012345678901234567890n, -123456789012345678901234567890n, -3n, null],
  date: [0, 1, -1, 17486, -365, -719162, 2932896, null],
  time: [0n, 1n, 81068000000n, 86399999999n, null],
  timestamp: [0n, -1n, 1n, 1510871468000000n, -86400000001n, -31536000000000n, 3600000000n, -3600000000n, null],
  timestamptz: [0n, -1n, 1510871468123456n, -86400000000n, -3599999999n, -3600000001n, null],
  timestamp_ns: [0n, -1n, 1n, 1510871468123456789n, -3600000000001n, -999n, null],
  string: ['', 'iceberg', 'a', 'é', '😀😀x', 'e\u0301abc', 'a much longer string value', null],
  uuid: ['f79c3e09-677c-4bbd-a479-3f349cb785e7', '00000000-0000-0000-0000-000000000000', null],
  binary: [new Uint8Array([0, 1, 2, 3]), new Uint8Array([]), new Uint8Array([255, 0, 128]), null],
}

const TRANSFORMS: Record<string, string[]> = {
  int: ['identity', 'bucket[16]', 'truncate[10]', 'truncate[3]', 'void'],
  long: ['identity', 'bucket[16]', 'truncate[10]', 'truncate[7]'],
  'decimal(9,2)': ['bucket[8]', 'truncate[50]', 'truncate[3]'],
  'decimal(38,4)': ['bucket[8]', 'truncate[100]'],
  date: ['identity', 'bucket[10]', 'year', 'month', 'day'],
  time: ['identity', 'bucket[10]'],
  timestamp: ['bucket[10]', 'year', 'month', 'day', 'hour'],
  timestamptz: ['identity', 'bucket[10]', 'year', 'month', 'day', 'hour'],
  timestamp_ns: ['bucket[10]', 'year', 'month', 'day', 'hour'],
  string: ['identity', 'bucket[32]', 'truncate[1]', 'truncate[2]', 'truncate[5]'],
  uuid: ['identity', 'bucket[32]'],
  binary: ['bucket[32]', 'truncate[2]'],
}

describe('partitionExprSql agrees with transformApply', () => {
  for (const [type, transforms] of Object.entries(TRANSFORMS)) {
    for (const transform of transforms) {
      test(`${transform} of ${type}`, async () => {
        const values = SAMPLES[type]!
        const expected = values.map((v) => transformApply(transform, type, v))
        assert.deepEqual(await duckApply(transform, type, values), expected)
      })
    }
  }
})

describe('akko_iceberg_bucket', () => {
  test('matches the spec test vectors', async () => {
    // Spec Appendix B: hash values modulo a large bucket count recover (hash & MAX) % N.
    const n = 2147483647
    const cases: Array<[string, string, number]> = [
      ['CAST(34 AS INTEGER)', 'int', 2017239379],
      ['CAST(34 AS BIGINT)', 'long', 2017239379],
      ["CAST('14.20' AS DECIMAL(9,2))", 'decimal', -500754589],
      ["DATE '2017-11-16'", 'date', -653330422],
      ["TIMESTAMP '2017-11-16 22:31:08'", 'timestamp', -2047944441],
      ["'iceberg'", 'string', 1210000089],
      ["CAST('f79c3e09-677c-4bbd-a479-3f349cb785e7' AS UUID)", 'uuid', 1488055340],
      ["from_hex('00010203')", 'binary', -188683207],
    ]
    for (const [literal, type, hash] of cases) {
      const reader = await conn.runAndReadAll(`SELECT akko_iceberg_bucket(${literal}, ${n})`)
      assert.equal(reader.getRows()[0]![0], (hash & 0x7fffffff) % n, `${type} ${literal}`)
    }
  })

  test('buckets a large column identically to transformApply', async () => {
    const reader = await conn.runAndReadAll('SELECT i, akko_iceberg_bucket(i, 7), akko_iceberg_bucket(CAST(i AS VARCHAR), 7) FROM range(-5000, 5000) t(i)')
    for (const [i, b, s] of reader.getRows()) {
      assert.equal(b, transformApply('bucket[7]', 'long', i))
      assert.equal(s, transformApply('bucket[7]', 'string', String(i)))
    }
  })

  test('rejects types Iceberg cannot bucket, and non-positive counts', async () => {
    await assert.rejects(conn.run('SELECT akko_iceberg_bucket(1.5::DOUBLE, 4)'), /cannot bucket/)
    await assert.rejects(conn.run('SELECT akko_iceberg_bucket(1, 0)'), /must be positive/)
  })
})

describe('partitionExprSql errors', () => {
  test('unknown transforms and wrong source types fail with INVALID_ARGUMENT', () => {
    assert.throws(() => partitionExprSql('week', 'date', 'v'), { code: 'INVALID_ARGUMENT' })
    assert.throws(() => partitionExprSql('hour', 'date', 'v'), { code: 'INVALID_ARGUMENT' })
    assert.throws(() => partitionExprSql('truncate[4]', 'double', 'v'), { code: 'INVALID_ARGUMENT' })
    assert.throws(() => partitionExprSql('bucket[4]', 'boolean', 'v'), { code: 'INVALID_ARGUMENT' })
  })
})
