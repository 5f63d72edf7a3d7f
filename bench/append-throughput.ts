/**
 * Append throughput: rows/s written into an Iceberg table by `tableAppend` (Parquet files with field ids and
 * column metrics, manifest, manifest list, metadata file, pointer swap), against DuckDB writing the same rows
 * with a plain `COPY … TO '….parquet' (FORMAT parquet, COMPRESSION zstd)` in the same DuckDB instance.
 * Two cases: an unpartitioned table, and a table partitioned by region (identity) whose baseline is DuckDB's
 * own `PARTITION_BY (region)` copy, so both sides fan out to the same directories.
 * @module
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AkkoError } from '../src/core/index.js'
import { tableAppend } from '../src/storage/table/index.js'
import type { TableIdent } from '../src/storage/metastore/metastore.js'
import { openTestTables, type TestTables } from '../test/support/table-context.js'
import { rowsLabel, type BenchCase, type BenchOptions, type LoadedScenario, type Scenario } from './scenario.js'
import { TX_SCHEMA, TX_SPEC_BY_REGION, txRowsSql } from './transactions.js'

const NS = ['bench']

export const appendThroughput: Scenario = {
  name: 'append',
  description: 'rows/s appended to an Iceberg table vs DuckDB COPY to Parquet (zstd) of the same rows',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const t = await openTestTables()
    await t.catalog.createNamespace(NS)
    const repeat = opts.quick ? { warmup: 1, iterations: 3 } : opts.rows > 2_000_000 ? { warmup: 1, iterations: 3 } : { warmup: 1, iterations: 5 }
    return {
      cases: [
        appendCase(t, opts.rows, false, repeat),
        appendCase(t, opts.rows, true, repeat),
      ],
      close: () => t.close(),
    }
  },
}

function appendCase(t: TestTables, rows: number, partitioned: boolean, repeat: { warmup: number; iterations: number }): BenchCase {
  const name = partitioned ? 'tx_by_region' : 'tx'
  const ident: TableIdent = { namespace: NS, name }
  const source = txRowsSql(0, rows)
  const out = join(t.home, 'baseline', partitioned ? 'by_region' : 'tx.parquet')
  const copyOptions = partitioned ? 'FORMAT parquet, COMPRESSION zstd, PARTITION_BY (region)' : 'FORMAT parquet, COMPRESSION zstd'
  return {
    label: `append ${rowsLabel(rows)} rows${partitioned ? ' by region' : ''}`,
    measure: 'throughput',
    rows,
    ...repeat,
    baseline: {
      label: `duckdb COPY${partitioned ? ' PARTITION_BY' : ''}`,
      run: () => t.duck.withConnection(async conn => {
        await conn.run(`COPY (${source}) TO '${out}' (${copyOptions})`)
      }),
    },
    // A fresh table each time, so every run writes into the same state; dropping with purge also frees the disk.
    async prepare() {
      if (await t.catalog.tableExists(ident)) await t.catalog.dropTable(ident, { purge: true })
      await t.catalog.createTable(ident, { name, schema: TX_SCHEMA, ...(partitioned ? { 'partition-spec': TX_SPEC_BY_REGION } : {}) })
      await rm(out, { recursive: true, force: true })
      await mkdir(join(t.home, 'baseline'), { recursive: true })
    },
    async run() {
      const result = await tableAppend(t, ident, { sql: source })
      if (!result || result.rows !== rows) throw new AkkoError('INTERNAL', `The append wrote ${result?.rows ?? 0} rows, expected ${rows} (this is a bug)`)
      const s = result.snapshot.summary
      return { dataFiles: Number(s['added-data-files']), bytes: Number(s['added-files-size']) }
    },
  }
}
