// Reads the Iceberg tables written by Spark and the Iceberg Java library (shared fixtures) through
// scanSql: their Parquet column names differ from the table's (`Breed_x20Name`), so only field ids work.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../../core/index.js'
import { sharedDir, tmpHome } from '../../../../test/support/paths.js'
import type { ObjectStore } from '../../object-store/object-store.js'
import { jsonParseLossless } from '../json.js'
import { manifestListRead } from '../manifest-list.js'
import { manifestDecode } from '../manifest-read.js'
import type { ManifestEntry, Schema, TableMetadata } from '../spec.js'
import { DuckRuntime } from './duck-runtime.js'
import { scanSql, type FileScanTask } from './scan-sql.js'

const FIXTURES = join(sharedDir(), 'fixtures', 'iceberg')

/** Serves `s3a://hyperparam-iceberg/<prefix>/…` from a fixture folder: just what scanning needs. */
function fixtureStore(folder: string, prefix: string): ObjectStore {
  const base = `s3a://hyperparam-iceberg/${prefix}/`
  const path = (location: string): string => {
    if (!location.startsWith(base)) throw new AkkoError('FILE_NOT_FOUND', `Not in the fixture: ${location}`)
    return join(folder, location.slice(base.length))
  }
  const unsupported = (): never => { throw new Error('read-only fixture store') }
  return {
    kind: 's3', root: base, handles: (l) => l.startsWith(base),
    get: async (l) => new Uint8Array(await readFile(path(l))),
    head: unsupported, put: unsupported, putFile: unsupported, delete: unsupported, list: unsupported,
    localPath: async (l) => path(l), scratchDir: unsupported, close: async () => {},
  }
}

/** A plain scan plan at the current snapshot: live data files with the deletes the spec's sequence rules allow. */
async function fixturePlan(table: string, prefix: string): Promise<{ store: ObjectStore; schema: Schema; tasks: FileScanTask[] }> {
  const folder = join(FIXTURES, table)
  const store = fixtureStore(folder, prefix)
  const hint = (await readFile(join(folder, 'metadata', 'version-hint.text'), 'utf8')).trim()
  const meta = jsonParseLossless(await readFile(join(folder, 'metadata', `v${hint}.metadata.json`), 'utf8')) as TableMetadata
  const schema = meta.schemas.find((s) => s['schema-id'] === meta['current-schema-id'])!
  const snap = meta.snapshots.find((s) => s['snapshot-id'] === meta['current-snapshot-id'])!
  const entries: ManifestEntry[] = []
  for (const mf of await manifestListRead(store, snap['manifest-list'])) entries.push(...manifestDecode(await store.get(mf.manifest_path), mf))
  const deletes = entries.filter((e) => e.data_file.content !== 0)
  const tasks = entries.filter((e) => e.data_file.content === 0).map((e) => ({
    dataFile: e.data_file,
    dataSequenceNumber: e.sequence_number,
    deletes: deletes
      .filter((d) => (d.data_file.content === 1 ? d.sequence_number >= e.sequence_number : d.sequence_number > e.sequence_number))
      .map((d) => ({ file: d.data_file, sequenceNumber: d.sequence_number })),
  }))
  return { store, schema, tasks }
}

let rt: DuckRuntime
let conn: DuckDBConnection
before(async () => {
  rt = await DuckRuntime.create({ home: tmpHome(), threads: 1 })
  conn = await rt.connect()
})
after(() => rt.close())

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]
}

describe('scanSql on tables written by other engines', () => {
  test('spark_bunnies: renamed Parquet columns, an added column, a position delete', async () => {
    const plan = await fixturePlan('spark_bunnies', 'spark/bunnies')
    const { sql } = await scanSql(plan)
    const [r] = await query(`SELECT count(*) AS n, sum("Popularity Rank") AS rank, sum(breed_name_length) AS len,
      count(breed_name_length) AS len_n, round(sum("Average Weight"), 2) AS weight,
      count(*) FILTER (WHERE "Breed Name" = 'Holland Lop') AS holland FROM (${sql})`)
    assert.deepEqual(r, { n: 20n, rank: 230n, len: 205n, len_n: 20n, weight: 51.4, holland: 0n })
  })

  test('java_bunnies: an equality delete does not remove the row re-inserted at its sequence number', async () => {
    const plan = await fixturePlan('java_bunnies', 'java/bunnies')
    const { sql } = await scanSql(plan)
    const [r] = await query(`SELECT count(*) AS n, count("__happy__") AS happy, sum("Popularity Rank") AS rank,
      round(sum("Average Weight"), 2) AS weight FROM (${sql})`)
    assert.deepEqual(r, { n: 15n, happy: 1n, rank: 173n, weight: 35.6 })
    const nz = await query(`SELECT "Popularity Rank" AS rank, "__happy__" AS happy FROM (${sql}) WHERE "Breed Name" = 'New Zealand'`)
    assert.deepEqual(nz, [{ rank: 0n, happy: true }])
  })

  test('spark_rename_column: a renamed column, decimals and non-ASCII strings', async () => {
    const plan = await fixturePlan('spark_rename_column', 'spark/rename_column')
    const { sql } = await scanSql(plan)
    const [r] = await query(`SELECT count(*) AS n, sum(id) AS ids, CAST(sum(price) AS VARCHAR) AS price, count(event_date) AS dates FROM (${sql})`)
    assert.deepEqual(r, { n: 4n, ids: 10n, price: '100000004.98', dates: 3n })
  })

  test('a projection reads only the chosen columns, by their current names', async () => {
    const plan = await fixturePlan('spark_bunnies', 'spark/bunnies')
    const schema = { ...plan.schema, fields: plan.schema.fields.filter((f) => f.id === 1 || f.id === 8).reverse() }
    const { sql } = await scanSql({ ...plan, schema })
    const rows = await query(`SELECT * FROM (${sql}) ORDER BY "Popularity Rank" LIMIT 1`)
    assert.deepEqual(Object.keys(rows[0]!), ['Popularity Rank', 'Breed Name'])
  })
})
