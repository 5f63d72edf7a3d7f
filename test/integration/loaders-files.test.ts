import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { badRowLine, loadFiles } from '../../src/ingest/loaders/index.js'
import { tableReadAll, type TableIdent } from '../../src/storage/index.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const ORDERS: TableIdent = { namespace: ['shop'], name: 'orders' }

/** id bigint required, amount decimal(12,2), customer varchar, paid boolean, ts timestamp with time zone. */
async function ordersCreate(t: TestTables, ident: TableIdent = ORDERS): Promise<void> {
  if (!(await t.catalog.namespaceExists(ident.namespace))) await t.catalog.createNamespace(ident.namespace)
  await t.catalog.createTable(ident, {
    name: ident.name,
    schema: {
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'amount', required: false, type: 'decimal(12, 2)' },
        { id: 3, name: 'customer', required: false, type: 'string' },
        { id: 4, name: 'paid', required: false, type: 'boolean' },
        { id: 5, name: 'ts', required: false, type: 'timestamptz' },
      ],
    },
  })
}

describe('loading files into Iceberg tables', () => {
  let t: TestTables
  let dir: string
  const file = (name: string, text: string): string => {
    const p = join(dir, name)
    writeFileSync(p, text)
    return p
  }
  const snapshotOf = async (ident: TableIdent = ORDERS) => (await t.catalog.loadTable(ident)).metadata['current-snapshot-id']
  const rowsOf = async (ident: TableIdent = ORDERS) => (await tableReadAll(t, ident, { orderBy: 'id' })).map(r => ({ ...r }))
  const plain = (v: unknown): unknown => (v !== null && typeof v === 'object' && 'toString' in v ? String(v) : v)

  before(async () => {
    t = await openTestTables()
    dir = join(t.home, 'files')
    mkdirSync(dir)
    await ordersCreate(t)
  })
  after(async () => t?.close())

  test('CSV into an existing table: values converted to the column types, one snapshot', async () => {
    const f = file('orders.csv', 'id,amount,customer,paid,ts\n1,10.50,Ann,true,2025-01-02T03:04:05Z\n2,7,"Bob, Jr.",false,2025-01-02 10:00:00+02\n3,,,,\n')
    const r = await loadFiles(t, { table: 'shop.orders', files: [f] })
    assert.equal(r.rows, 3)
    assert.equal(r.files, 1)
    assert.equal(r.created, false)
    assert.deepEqual(r.badRows, [])
    assert.equal(r.snapshotId, await snapshotOf())
    const rows = await rowsOf()
    assert.deepEqual(rows.map(x => [x.id, plain(x.amount), x.customer, x.paid]), [[1n, '10.50', 'Ann', true], [2n, '7.00', 'Bob, Jr.', false], [3n, null, null, null]])
    assert.equal(String(rows[1]!.ts), '2025-01-02 08:00:00+00')
  })

  test('a bad value fails the load with its exact row number, and nothing is written', async () => {
    const before = await snapshotOf()
    const lines = ['id,amount,customer']
    for (let i = 1; i <= 20; i++) lines.push(`${100 + i},${i === 17 ? 'abc' : `${i}.25`},c${i}`)
    const f = file('bad.csv', `${lines.join('\n')}\n`)
    await assert.rejects(loadFiles(t, { table: 'shop.orders', files: [f] }), (e: Error & { code?: string; details?: { badRows?: unknown[]; badRowCount?: number } }) => {
      assert.equal(e.code, 'INVALID_ARGUMENT')
      assert.match(e.message, /row 17: column amount: 'abc' is not a decimal\(12,2\)/)
      assert.match(e.message, /Nothing was loaded into shop\.orders/)
      assert.equal(e.details?.badRowCount, 1)
      assert.deepEqual(e.details?.badRows, [{ file: f, row: 17, column: 'amount', reason: "column amount: 'abc' is not a decimal(12,2)" }])
      return true
    })
    assert.equal(await snapshotOf(), before)
    assert.equal((await rowsOf()).length, 3)
  })

  test('every kind of bad value is caught with its row: whole numbers, scale, booleans, required values, zones, malformed records', async () => {
    await ordersCreate(t, { namespace: ['shop'], name: 'strict' })
    const f = file('many.csv', [
      'id,amount,paid,ts',
      '1,1.5,true,2025-01-01T00:00:00Z', // row 1 fine
      '2.5,1,true,', // row 2: id not a whole number
      '3,1.234,true,', // row 3: too many decimals
      '4,1,maybe,', // row 4: not a boolean
      ',1,true,', // row 5: required id missing
      '6,1,true,2025-13-45', // row 6: not a timestamp
      '7,1', // row 7: too few fields
      '8,"multi', 'line",true,', // row 8: a quoted field spanning lines, then a bad amount
      '9,99999999999.99,true,', // row 9: precision overflow
      '10,2,false,', // row 10 fine
    ].join('\n') + '\n')
    await assert.rejects(loadFiles(t, { table: 'shop.strict', files: [f] }), (e: Error & { details?: { badRows?: { row: number; reason: string }[] } }) => {
      assert.deepEqual(e.details?.badRows?.map(b => [b.row, b.reason]), [
        [2, "column id: '2.5' is not a bigint"],
        [3, "column amount: '1.234' is not a decimal(12,2) (more than 2 decimal places)"],
        [4, "column paid: 'maybe' is not a boolean"],
        [5, 'column id: no value, but the column is required'],
        [6, "column ts: '2025-13-45' is not a timestamp(6) with time zone"],
        [7, 'malformed CSV record: Expected Number of Columns: 4 Found: 2'],
        [8, "column amount: 'multi\nline' is not a decimal(12,2)"],
        [9, "column amount: '99999999999.99' is not a decimal(12,2)"],
      ])
      return true
    })
    assert.equal(await snapshotOf({ namespace: ['shop'], name: 'strict' }), null)
  })

  test('a timestamp without time zone refuses values that carry an offset', async () => {
    const ident = { namespace: ['shop'], name: 'local_times' }
    await t.catalog.createTable(ident, { name: 'local_times', schema: { type: 'struct', fields: [{ id: 1, name: 'at', required: false, type: 'timestamp' }] } })
    const f = file('local.csv', 'at\n2025-01-01 10:00:00\n2025-01-01T10:00:00+02:00\n2025-01-01 10:00:00.5Z\n')
    await assert.rejects(loadFiles(t, { table: ident, files: [f] }), (e: Error & { details?: { badRows?: { row: number; reason: string }[] } }) => {
      assert.deepEqual(e.details?.badRows?.map(b => b.row), [2, 3])
      assert.match(e.details!.badRows![0]!.reason, /is not a timestamp\(6\) \(it has a time zone offset\)/)
      return true
    })
  })

  test('skip mode loads the good rows in one commit and reports what it left out', async () => {
    const ident = { namespace: ['shop'], name: 'skipping' }
    await ordersCreate(t, ident)
    const f = file('skip.csv', 'id,amount\n1,1\n2,x\n3\n4,4\n')
    const r = await loadFiles(t, { table: ident, files: [f], onBadRows: 'skip' })
    assert.equal(r.rows, 2)
    assert.equal(r.badRowCount, 2)
    assert.deepEqual(r.badRows.map(badRowLine), [`${f} row 2: column amount: 'x' is not a decimal(12,2)`, `${f} row 3: malformed CSV record: Expected Number of Columns: 2 Found: 1`])
    assert.deepEqual((await rowsOf(ident)).map(x => x.id), [1n, 4n])
    const { metadata } = await t.catalog.loadTable(ident)
    assert.equal(metadata.snapshots.length, 1)
    assert.equal(metadata['current-snapshot-id'], r.snapshotId)
    const few = await loadFiles(t, { table: ident, files: [f], onBadRows: 'skip', maxBadRowsReported: 1 })
    assert.equal(few.badRows.length, 1)
    assert.equal(few.badRowCount, 2)
  })

  test('JSON lines: keys by name, strings and numbers converted, bad records located', async () => {
    const ident = { namespace: ['shop'], name: 'json_orders' }
    await ordersCreate(t, ident)
    const f = file('orders.jsonl', [
      '{"id": 1, "amount": 12.5, "customer": "Ann", "paid": true, "ts": "2025-02-03T04:05:06Z"}',
      '{"id": "2", "amount": "3.10", "customer": null}',
      '[1, 2]',
      '{"id": 4, "amount": {"value": 1}}',
      '{oops',
      '{"id": 6}',
    ].join('\n') + '\n')
    await assert.rejects(loadFiles(t, { table: ident, files: [f] }), (e: Error & { details?: { badRows?: { row: number; reason: string }[] } }) => {
      assert.deepEqual(e.details?.badRows?.map(b => [b.row, b.reason]), [
        [3, 'not a JSON object'],
        [4, `column amount: '{"value":1}' is not a decimal(12,2)`],
        [5, 'not valid JSON'],
      ])
      return true
    })
    const r = await loadFiles(t, { table: ident, files: [f], onBadRows: 'skip' })
    assert.equal(r.rows, 3)
    assert.deepEqual((await rowsOf(ident)).map(x => [x.id, plain(x.amount), x.customer, x.paid]), [[1n, '12.50', 'Ann', true], [2n, '3.10', null, null], [6n, null, null, null]])
  })

  test('Parquet: typed columns converted, lossy numbers rejected by row, from an object-store location', async () => {
    const ident = { namespace: ['shop'], name: 'pq_orders' }
    await ordersCreate(t, ident)
    const p = join(dir, 'orders.parquet')
    await t.duck.withConnection(async conn => {
      await conn.run(`COPY (SELECT i AS id, CASE WHEN i = 3 THEN 1.005 ELSE i * 1.5 END::DOUBLE AS amount, 'c' || i AS customer FROM range(1, 6) t(i)) TO '${p}' (FORMAT parquet)`)
    })
    const location = pathToFileURL(p).toString()
    await assert.rejects(loadFiles(t, { table: ident, files: [location] }), /row 3: column amount: '1\.005' is not a decimal\(12,2\)/)
    const r = await loadFiles(t, { table: ident, files: [location], onBadRows: 'skip' })
    assert.equal(r.rows, 4)
    assert.deepEqual(r.badRows, [{ file: location, row: 3, column: 'amount', reason: "column amount: '1.005' is not a decimal(12,2)" }])
    assert.deepEqual((await rowsOf(ident)).map(x => [x.id, plain(x.amount)]), [[1n, '1.50'], [2n, '3.00'], [4n, '6.00'], [5n, '7.50']])
    const wrong = join(dir, 'wrong.parquet')
    await t.duck.withConnection(c => c.run(`COPY (SELECT 1 AS id, true AS amount) TO '${wrong}' (FORMAT parquet)`))
    await assert.rejects(loadFiles(t, { table: ident, files: [wrong] }), /Column 'amount' of .*wrong\.parquet is BOOLEAN, which does not convert to decimal\(12,2\)/)
  })

  test('several files in one commit; a bad row names its file', async () => {
    const ident = { namespace: ['shop'], name: 'multi' }
    await ordersCreate(t, ident)
    const a = file('a.csv', 'id,amount\n1,1\n2,2\n')
    const b = file('b.csv', 'amount,id\n3,3\nfour,4\n')
    await assert.rejects(loadFiles(t, { table: ident, files: [a, b] }), new RegExp(`${b.replaceAll('/', '\\/')} row 2: column amount: 'four'`))
    const r = await loadFiles(t, { table: ident, files: [a, b], onBadRows: 'skip' })
    assert.deepEqual([r.rows, r.files, r.badRows[0]?.file], [3, 2, b])
    assert.equal((await t.catalog.loadTable(ident)).metadata.snapshots.length, 1)
  })

  test('schema inference on create: CSV, JSON lines and Parquet types, partitioning, then appends', async () => {
    const csv = file('infer.csv', 'id,price,name,when,ok\n1,2.5,a,2025-01-01 10:00:00+00,true\n2,3,b,2025-01-02 11:00:00+00,false\n')
    const r = await loadFiles(t, { table: 'auto.csv_t', files: [csv], create: true, partitionBy: ['day(when)'] })
    assert.equal(r.created, true)
    assert.equal(r.rows, 2)
    const { metadata } = await t.catalog.loadTable({ namespace: ['auto'], name: 'csv_t' })
    assert.deepEqual(metadata.schemas[0]!.fields.map(f => [f.name, f.type]), [['id', 'long'], ['price', 'double'], ['name', 'string'], ['when', 'timestamptz'], ['ok', 'boolean']])
    assert.deepEqual(metadata['partition-specs'].at(-1)!.fields.map(f => [f.name, f.transform]), [['when_day', 'day']])
    const again = await loadFiles(t, { table: 'auto.csv_t', files: [csv], create: true })
    assert.equal(again.created, false)
    assert.equal((await tableReadAll(t, { namespace: ['auto'], name: 'csv_t' })).length, 4)

    const jl = file('infer.jsonl', '{"id": 1, "tags": ["a"], "geo": {"lat": 1.5, "lon": 2}, "at": "2025-03-04T05:06:07Z", "day": "2025-03-04"}\n{"id": 2, "tags": [], "geo": null, "at": null, "day": "2025-03-05"}\n')
    await loadFiles(t, { table: 'auto.json_t', files: [jl], create: true })
    const j = (await t.catalog.loadTable({ namespace: ['auto'], name: 'json_t' })).metadata.schemas[0]!
    assert.deepEqual(j.fields.map(f => [f.name, typeof f.type === 'string' ? f.type : f.type.type]), [['id', 'long'], ['tags', 'list'], ['geo', 'struct'], ['at', 'timestamptz'], ['day', 'date']])
    const rows = await tableReadAll(t, { namespace: ['auto'], name: 'json_t' }, { orderBy: 'id' })
    assert.equal(String(rows[0]!.day), '2025-03-04')
    assert.equal(rows[1]!.geo, null)

    const pq = join(dir, 'infer.parquet')
    await t.duck.withConnection(c => c.run(`COPY (SELECT 1::INTEGER AS i, 2.50::DECIMAL(9,2) AS d, DATE '2025-01-01' AS dt) TO '${pq}' (FORMAT parquet)`))
    await loadFiles(t, { table: 'auto.pq_t', files: [pq], create: true })
    const p = (await t.catalog.loadTable({ namespace: ['auto'], name: 'pq_t' })).metadata.schemas[0]!
    assert.deepEqual(p.fields.map(f => [f.name, f.type]), [['i', 'int'], ['d', 'decimal(9, 2)'], ['dt', 'date']])
  })

  test('create with bad rows in fail mode creates nothing', async () => {
    const f = file('bad-create.jsonl', '{"id": 1}\nnot json\n')
    await assert.rejects(loadFiles(t, { table: 'auto.never', files: [f], create: true }), /row 2: not valid JSON/)
    assert.equal(await t.catalog.tableExists({ namespace: ['auto'], name: 'never' }), false)
  })

  test('columns: unknown ones fail or are ignored; a required one missing fails before reading rows', async () => {
    const extra = file('extra.csv', 'id,amount,coupon\n1,1,X\n')
    await assert.rejects(loadFiles(t, { table: ORDERS, files: [extra] }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'COLUMN_NOT_FOUND')
      assert.match(e.message, /column 'coupon' that table shop\.orders does not have/)
      return true
    })
    const ident = { namespace: ['shop'], name: 'ignoring' }
    await ordersCreate(t, ident)
    const r = await loadFiles(t, { table: ident, files: [extra], onUnknownColumns: 'ignore' })
    assert.deepEqual([r.rows, r.ignoredColumns], [1, ['coupon']])
    const noId = file('noid.csv', 'amount\n1\n')
    await assert.rejects(loadFiles(t, { table: ident, files: [noId] }), /Column 'id' of table shop\.ignoring is required, but .*noid\.csv has no such column/)
    const upper = file('upper.csv', 'ID,Amount\n9,9\n')
    assert.equal((await loadFiles(t, { table: ident, files: [upper] })).rows, 1)
  })

  test('headerless CSV maps columns by position; TSV and custom delimiters', async () => {
    const ident = { namespace: ['shop'], name: 'positional' }
    await ordersCreate(t, ident)
    const f = file('nohdr.csv', '1;2.50;Ann\n2;3;Bob\n')
    const r = await loadFiles(t, { table: ident, files: [f], csv: { header: false, delimiter: ';' } })
    assert.equal(r.rows, 2)
    const tsv = file('t.tsv', 'id\tcustomer\n3\tCé\n')
    assert.equal((await loadFiles(t, { table: ident, files: [tsv] })).rows, 1)
    assert.deepEqual((await rowsOf(ident)).map(x => [x.id, x.customer]), [[1n, 'Ann'], [2n, 'Bob'], [3n, 'Cé']])
  })

  test('errors: a missing table without create, a missing file, an unknown format, a bad table name', async () => {
    const f = file('x.csv', 'id\n1\n')
    await assert.rejects(loadFiles(t, { table: 'shop.nope', files: [f] }), { code: 'TABLE_NOT_FOUND' })
    await assert.rejects(loadFiles(t, { table: ORDERS, files: [join(dir, 'missing.csv')] }), { code: 'FILE_NOT_FOUND' })
    await assert.rejects(loadFiles(t, { table: ORDERS, files: [file('x.xlsx', '')] }), /Cannot tell the format/)
    await assert.rejects(loadFiles(t, { table: 'orders', files: [f] }), /must be written 'namespace\.table'/)
    await assert.rejects(loadFiles(t, { table: ORDERS, files: [file('empty.csv', '')] }), { code: 'INVALID_ARGUMENT' })
  })
})

