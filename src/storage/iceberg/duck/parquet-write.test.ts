import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { DuckDBConnection } from '@duckdb/node-api'
import { tmpHome } from '../../../../test/support/paths.js'
import { LocalObjectStore } from '../../object-store/local-object-store.js'
import type { DataFile, PartitionSpec, Schema } from '../spec.js'
import { transformApply } from '../transforms.js'
import { valueFromBytes, valueTruncateLower, valueTruncateUpper } from '../values.js'
import { DuckRuntime } from './duck-runtime.js'
import { duckValueToIceberg } from './duck-values.js'
import { dataFilesWrite } from './parquet-write.js'
import { positionDeletesWrite } from './position-deletes-write.js'
import { scanSql, type FileScanTask } from './scan-sql.js'
import { sqlStringList } from './sql-text.js'

const SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'amount', required: false, type: 'decimal(10,2)' },
    { id: 5, name: 'score', required: false, type: 'double' },
    { id: 6, name: "note it's", required: false, type: 'string' },
    { id: 7, name: 'day', required: false, type: 'date' },
    { id: 8, name: 'pt', required: false, type: { type: 'struct', fields: [{ id: 9, name: 'x', required: false, type: 'int' }] } },
    { id: 10, name: 'tags', required: false, type: { type: 'list', 'element-id': 11, element: 'string', 'element-required': false } },
  ],
}
const SPEC: PartitionSpec = {
  'spec-id': 0, fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' },
    { 'source-id': 3, 'field-id': 1001, name: 'ts_day', transform: 'day' },
    { 'source-id': 1, 'field-id': 1002, name: 'id_bucket', transform: 'bucket[8]' },
  ],
}
const ROWS = 100_000

let rt: DuckRuntime
let conn: DuckDBConnection
let store: LocalObjectStore
let root: string
let files: DataFile[]

before(async () => {
  const home = tmpHome()
  root = join(home, 'warehouse')
  rt = await DuckRuntime.create({ home, threads: 2 })
  conn = await rt.connect()
  store = new LocalObjectStore(root)
  // Timestamps straddle the epoch (negative day values); region is NULL for some rows; score has NaNs.
  await conn.run(`CREATE TABLE src AS SELECT i AS id,
      CASE WHEN i % 97 = 0 THEN NULL ELSE ['EU', 'US', 'APAC'][i % 3 + 1] END AS region,
      TIMESTAMPTZ '1969-12-31 12:00:00+00' + to_seconds(i) AS ts,
      CAST(i / 100 - 300 AS DECIMAL(10,2)) AS amount,
      CASE WHEN i % 1000 = 7 THEN 'NaN'::DOUBLE WHEN i % 11 = 0 THEN NULL ELSE (i % 500) - 250.5 END AS score,
      'note number ' || lpad(CAST(i AS VARCHAR), 6, '0') || ' with a long tail' AS "note it's",
      DATE '1969-12-25' + CAST(i % 20 AS INTEGER) AS day,
      {'x': CAST(i % 13 AS INTEGER)} AS pt,
      ['t' || (i % 5), 'u'] AS tags
    FROM range(${ROWS}) t(i)`)
  files = await dataFilesWrite(conn, { sourceSql: 'SELECT * FROM src', schema: SCHEMA, spec: SPEC, store, dataLocation: `file://${root}/db/t/data` })
})
after(() => rt.close())

const localOf = (f: DataFile): string => f.file_path.slice('file://'.length)

async function rows(sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql)).getRows().map((r) => r.map((v) => duckValueToIceberg(v as never)))
}

describe('dataFilesWrite', () => {
  test('writes every row once, one partition tuple per file, in hive-style folders', async () => {
    assert.equal(files.reduce((n, f) => n + f.record_count, 0), ROWS)
    assert.ok(files.length > 10)
    for (const f of files) {
      assert.equal(f.content, 0)
      assert.equal(f.file_format, 'PARQUET')
      const p = f.partition
      const day = new Date(Number(p.ts_day) * 86_400_000).toISOString().slice(0, 10)
      assert.ok(f.file_path.startsWith(`file://${root}/db/t/data/region=${p.region ?? 'null'}/ts_day=${day}/id_bucket=${p.id_bucket}/`), f.file_path)
      const tuples = await rows(`SELECT DISTINCT region, CAST(ts AS DATE), id FROM read_parquet('${localOf(f)}')`)
      for (const [region, days, id] of tuples) {
        assert.deepEqual([region, days, transformApply('bucket[8]', 'long', id)], [p.region, p.ts_day, p.id_bucket])
      }
    }
    assert.ok(files.some((f) => f.partition.region === null))
    assert.ok(files.some((f) => (f.partition.ts_day as number) < 0))
  })

  test('record counts, sizes, split offsets and field ids match the files', async () => {
    const meta = await rows(`SELECT file_name, num_rows, file_size_bytes FROM parquet_file_metadata(${sqlStringList(files.map(localOf))})`)
    const byPath = new Map(meta.map(([f, n, s]) => [f, [Number(n), Number(s)]]))
    for (const f of files) {
      assert.deepEqual(byPath.get(localOf(f)), [f.record_count, f.file_size_in_bytes])
      assert.equal(f.split_offsets?.[0], 4)
    }
    const ids = await rows(`SELECT name, field_id FROM parquet_schema('${localOf(files[0]!)}') WHERE field_id IS NOT NULL ORDER BY field_id`)
    assert.deepEqual(ids.map(([, id]) => Number(id)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    const kv = await rows(`SELECT decode(value) FROM parquet_kv_metadata('${localOf(files[0]!)}') WHERE decode(key) = 'iceberg.schema'`)
    assert.equal(JSON.parse(kv[0]![0] as string).fields[5].name, "note it's")
  })

  test('metrics: counts, NaN counts and bounds decode to each file\'s true values', async () => {
    const actual = await rows(`SELECT filename, count(id), count(region), count(score),
        count(*) FILTER (WHERE isnan(score)), min(id), max(id), min(region), max(region), min(ts), max(ts),
        min(amount), max(amount), min(score) FILTER (WHERE NOT isnan(score)), max(score) FILTER (WHERE NOT isnan(score)),
        min("note it's"), max("note it's"), min(day), max(day), min(pt.x), max(pt.x)
      FROM read_parquet(${sqlStringList(files.map(localOf))}, filename = true) GROUP BY filename`)
    const byPath = new Map(actual.map((r) => [r[0], r.slice(1)]))
    const bound = (m: ReadonlyMap<number, Uint8Array> | null | undefined, id: number, type: string): unknown => {
      const b = m?.get(id)
      return b === undefined ? undefined : valueFromBytes(type, b)
    }
    for (const f of files) {
      const [nId, nRegion, nScore, nan, ...mm] = byPath.get(localOf(f))!
      const n = f.record_count
      assert.equal(f.value_counts?.get(1), n)
      assert.equal(f.null_value_counts?.get(1), n - Number(nId))
      assert.equal(f.null_value_counts?.get(2), n - Number(nRegion))
      assert.equal(f.null_value_counts?.get(5), n - Number(nScore), "NaN is not null")
      assert.equal(f.nan_value_counts?.get(5), Number(nan))
      assert.ok(f.column_sizes?.get(1)! > 0)
      const expect: Array<[number, string, unknown, unknown]> = [
        [1, 'long', mm[0], mm[1]], [2, 'string', mm[2], mm[3]], [3, 'timestamptz', mm[4], mm[5]],
        [4, 'decimal(10,2)', mm[6], mm[7]], [5, 'double', mm[8], mm[9]],
        [6, 'string', valueTruncateLower('string', mm[10], 16), valueTruncateUpper('string', mm[11], 16)],
        [7, 'date', mm[12], mm[13]], [9, 'int', mm[14], mm[15]],
      ]
      for (const [id, type, lo, hi] of expect) {
        const l = bound(f.lower_bounds, id, type), u = bound(f.upper_bounds, id, type)
        if (lo === null) {
          assert.equal(l, undefined)
          continue
        }
        // Zero bounds of doubles are widened to -0.0 / +0.0, which compare equal to 0.
        assert.ok(l === lo || (l === 0 && lo === 0), `lower ${id} ${String(l)} vs ${String(lo)}`)
        assert.ok(u === hi || (u === 0 && hi === 0), `upper ${id} ${String(u)} vs ${String(hi)}`)
      }
      assert.equal(f.lower_bounds?.has(11), false, 'no bounds for list elements')
    }
  })

  test('an unpartitioned write, optional columns left out, required ones enforced', async () => {
    const spec: PartitionSpec = { 'spec-id': 0, fields: [] }
    const written = await dataFilesWrite(conn, { sourceSql: 'SELECT id, region FROM src WHERE id < 10', schema: SCHEMA, spec, store, dataLocation: `file://${root}/db/u/data` })
    assert.equal(written.length, 1)
    assert.deepEqual(written[0]!.partition, {})
    assert.equal(written[0]!.null_value_counts?.get(3), 10)
    await assert.rejects(dataFilesWrite(conn, { sourceSql: 'SELECT region FROM src', schema: SCHEMA, spec, store, dataLocation: `file://${root}/db/u/data` }), { code: 'INVALID_ARGUMENT', message: /Required column 'id'/ })
    await assert.rejects(dataFilesWrite(conn, { sourceSql: 'SELECT NULL::BIGINT AS id', schema: SCHEMA, spec, store, dataLocation: `file://${root}/db/u/data` }), { code: 'INVALID_ARGUMENT', message: /'id' is required/ })
    await assert.rejects(dataFilesWrite(conn, { sourceSql: 'SELECT 1 AS id, 2 AS nope', schema: SCHEMA, spec, store, dataLocation: `file://${root}/db/u/data` }), { code: 'COLUMN_NOT_FOUND' })
    assert.deepEqual(await dataFilesWrite(conn, { sourceSql: 'SELECT id FROM src WHERE false', schema: SCHEMA, spec, store, dataLocation: `file://${root}/db/u/data` }), [])
  })
})

const task = (f: DataFile, seq: number, deletes: Array<[DataFile, number]> = []): FileScanTask =>
  ({ dataFile: f, dataSequenceNumber: seq, deletes: deletes.map(([file, sequenceNumber]) => ({ file, sequenceNumber })) })

describe('scanSql over written files', () => {
  test('reads back exactly the rows written', async () => {
    const { sql } = await scanSql({ schema: SCHEMA, tasks: files.map((f) => task(f, 1)), store })
    const diff = await rows(`SELECT count(*) FROM ((SELECT * FROM (${sql}) EXCEPT ALL SELECT * FROM src) UNION ALL (SELECT * FROM src EXCEPT ALL SELECT * FROM (${sql})))`)
    assert.equal(diff[0]![0], 0n)
    const [[n]] = await rows(`SELECT count(*) FROM (${sql})`)
    assert.equal(n, BigInt(ROWS))
  })

  test('a renamed column keeps its values; an added column reads NULL or its initial-default', async () => {
    const schema: Schema = {
      type: 'struct', 'schema-id': 1, fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'the "area"', required: false, type: 'string' },
        { id: 50, name: 'added', required: false, type: 'long' },
        { id: 51, name: 'with default', required: false, type: 'date', 'initial-default': '2024-02-29' },
      ],
    }
    const { sql } = await scanSql({ schema, tasks: files.map((f) => task(f, 1)), store })
    const got = await rows(`SELECT "the ""area""", count(*), count(added), min("with default"), max("with default") FROM (${sql}) GROUP BY ALL ORDER BY 1 NULLS LAST`)
    const expected = await rows(`SELECT region, count(*), 0, 19782, 19782 FROM src GROUP BY ALL ORDER BY 1 NULLS LAST`)
    assert.deepEqual(got.map((r) => r.map(String)), expected.map((r) => r.map(String)))
  })

  test('position deletes remove exactly the listed rows, only for data files not newer than them', async () => {
    const located = files.map((f) => `('${localOf(f)}', '${f.file_path}')`).join(', ')
    await conn.run(`CREATE TABLE pos AS SELECT m.location AS file_path, d.file_row_number AS pos, d.id
      FROM read_parquet(${sqlStringList(files.map(localOf))}, filename = true, file_row_number = true) d
      JOIN (VALUES ${located}) m(local, location) ON d.filename = m.local WHERE d.id % 10 = 3`)
    const del = await positionDeletesWrite(conn, { sourceSql: 'SELECT file_path, pos FROM pos', store, location: `file://${root}/db/t/data` })
    assert.equal(del.content, 1)
    const [[deleted]] = await rows('SELECT count(*) FROM pos')
    assert.equal(del.record_count, Number(deleted))
    const paths = files.map((f) => f.file_path).sort()
    assert.equal(valueFromBytes('string', del.lower_bounds!.get(2147483546)!), paths[0])
    assert.equal(valueFromBytes('string', del.upper_bounds!.get(2147483546)!), paths.at(-1))
    const ids = await rows(`SELECT field_id FROM parquet_schema('${localOf(del)}') WHERE field_id IS NOT NULL ORDER BY 1`)
    assert.deepEqual(ids.flat().map(Number), [2147483545, 2147483546])

    const { sql } = await scanSql({ schema: SCHEMA, tasks: files.map((f) => task(f, 1, [[del, 2]])), store })
    const [[n, left]] = await rows(`SELECT count(*), count(*) FILTER (WHERE id % 10 = 3) FROM (${sql})`)
    assert.deepEqual([n, left], [BigInt(ROWS) - (deleted as bigint), 0n])
    // A delete file older than the data file does not apply to it.
    const older = await scanSql({ schema: SCHEMA, tasks: files.map((f) => task(f, 3, [[del, 2]])), store })
    assert.deepEqual((await rows(`SELECT count(*) FROM (${older.sql})`))[0], [BigInt(ROWS)])
  })

  test('equality deletes apply to data with a lower sequence number only, NULL matching NULL', async () => {
    const eqPath = join(store.scratchDir(), 'eq-region.parquet')
    await conn.run(`COPY (SELECT * FROM (VALUES ('EU'), (NULL)) v(region)) TO '${eqPath}' (FORMAT parquet, FIELD_IDS {region: 2})`)
    const eqLocation = `file://${root}/db/t/data/eq-region.parquet`
    await store.putFile(eqLocation, eqPath)
    const eq: DataFile = { content: 2, file_path: eqLocation, file_format: 'PARQUET', partition: {}, record_count: 2, file_size_in_bytes: 1, equality_ids: [2] }
    const later = await dataFilesWrite(conn, { sourceSql: "SELECT -1 AS id, 'EU' AS region", schema: SCHEMA, spec: SPEC, store, dataLocation: `file://${root}/db/t/data` })
    const schema: Schema = { ...SCHEMA, fields: SCHEMA.fields.filter((f) => f.id === 1) }
    const tasks = [...files.map((f) => task(f, 1, [[eq, 2]])), ...later.map((f) => task(f, 2, [[eq, 2]]))]
    const { sql } = await scanSql({ schema, tableSchema: SCHEMA, tasks, store })
    const got = await rows(`SELECT count(*), count(*) FILTER (WHERE id = -1) FROM (${sql})`)
    const [[kept]] = await rows(`SELECT count(*) FROM src WHERE region <> 'EU'`)
    assert.deepEqual(got[0], [(kept as bigint) + 1n, 1n])
    await assert.rejects(scanSql({ schema, tasks, store }), { code: 'INVALID_ARGUMENT' })
  })

  test('an empty plan is an empty typed SELECT; an empty projection still counts rows', async () => {
    const { sql } = await scanSql({ schema: SCHEMA, tasks: [], store })
    const reader = await conn.runAndReadAll(sql)
    assert.equal(reader.currentRowCount, 0)
    assert.deepEqual(reader.columnNames(), SCHEMA.fields.map((f) => f.name))
    assert.equal(reader.columnTypes()[3]!.toString(), 'DECIMAL(10,2)')
    const none = await scanSql({ schema: { ...SCHEMA, fields: [] }, tasks: files.map((f) => task(f, 1)), store })
    assert.deepEqual((await rows(`SELECT count(*) FROM (${none.sql})`))[0], [BigInt(ROWS)])
  })
})
