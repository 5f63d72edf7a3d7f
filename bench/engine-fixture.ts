/**
 * The prepared warehouse the SQL engine benchmarks query: an AKKO_HOME holding `iceberg.bench.transactions`
 * (N generated card payments, identity-partitioned by region, timestamps spread over the 90 days before the
 * table was built so "last week" filters select a realistic slice) and `iceberg.bench.merchants` (a small
 * dimension). Building 10M rows takes minutes, so the home is kept under `bench/results/` (or at
 * `AKKO_BENCH_HOME`) and reused by every engine scenario and every run while it holds the same row count.
 * @module
 */
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { AkkoError, loadConfig, silentLogger, type AkkoConfig } from '../src/core/index.js'
import { createPlatform, type Platform } from '../src/platform.js'
import type { Session } from '../src/engine/index.js'
import { scanPlan, tableAppend, tableLoad, type TableIdent } from '../src/storage/index.js'
import { rowsLabel } from './scenario.js'
import { TX_SCHEMA, TX_SPEC_BY_REGION, txRowsSql } from './transactions.js'

export const BENCH_NS = ['bench']
export const TX_IDENT: TableIdent = { namespace: BENCH_NS, name: 'transactions' }
export const MERCHANTS_IDENT: TableIdent = { namespace: BENCH_NS, name: 'merchants' }
/** Distinct merchants in the generated feed (`'merchant_' || hash % 20000`). */
const MERCHANTS = 20_000
const SPAN_DAYS = 90

const MERCHANTS_SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'merchant', required: true, type: 'string' },
    { id: 2, name: 'segment', required: true, type: 'string' },
    { id: 3, name: 'risk_tier', required: true, type: 'int' },
    { id: 4, name: 'country', required: true, type: 'string' },
  ],
}

/** The session every engine benchmark query runs in. */
export const BENCH_SESSION: Session = { user: 'bench', catalog: 'iceberg', schema: 'bench', properties: {}, preparedStatements: {} }

/** `AKKO_BENCH_HOME`, else `bench/results/engine-home-<rows>` (git-ignored). */
export function engineHome(rows: number): string {
  return process.env.AKKO_BENCH_HOME ?? join(dirname(fileURLToPath(import.meta.url)), 'results', `engine-home-${rowsLabel(rows)}`)
}

/** The configuration of a prepared home: a free port on loopback. */
export function engineConfig(home: string): AkkoConfig {
  return loadConfig({ AKKO_HOME: home, AKKO_PORT: '0', AKKO_HOST: '127.0.0.1' }, home)
}

/**
 * The transactions of `txRowsSql` with timestamps moved so the last row is at `endMicros` and rows are evenly
 * spread over the 90 days before it (ids still rise with time).
 */
function txRecentRowsSql(rows: number, endMicros: bigint): string {
  const step = (BigInt(SPAN_DAYS) * 86_400_000_000n) / BigInt(rows)
  return `SELECT * REPLACE (make_timestamp(${endMicros} - (${rows - 1} - transaction_id) * ${step})::TIMESTAMPTZ AS ts)
    FROM (${txRowsSql(0, rows)})`
}

function merchantsSql(): string {
  return `SELECT 'merchant_' || i::VARCHAR AS merchant,
    ['retail', 'online', 'travel', 'services', 'gaming'][(hash(i) % 5)::INTEGER + 1] AS segment,
    (hash(i * 3) % 5)::INTEGER AS risk_tier,
    ['FR', 'DE', 'US', 'BR', 'JP', 'IN', 'NG'][(hash(i * 7) % 7)::INTEGER + 1] AS country
  FROM range(0, ${MERCHANTS}) t(i)`
}

/** What a prepared home holds, for baselines that read the same files without the engine. */
export interface PreparedTables {
  readonly home: string
  readonly rows: number
  /** Local paths of the current data files of each table. */
  readonly txFiles: readonly string[]
  readonly merchantFiles: readonly string[]
  /** True when this call generated the tables (false: reused from an earlier run). */
  readonly built: boolean
  /** When the transactions were generated (the newest `ts`). */
  readonly builtAt: string
}

/**
 * Makes sure `platform`'s home holds both tables with `rows` transactions (rebuilding them otherwise) and
 * lists their data files.
 */
export async function engineTablesEnsure(platform: Platform, rows: number, progress: (msg: string) => void): Promise<PreparedTables> {
  const { catalog, tables } = platform
  let built = false
  if (!(await catalog.namespaceExists(BENCH_NS))) await catalog.createNamespace(BENCH_NS)
  if (await catalog.tableExists(TX_IDENT)) {
    const { metadata } = await tableLoad(tables, TX_IDENT)
    const current = metadata.snapshots.find(s => s['snapshot-id'] === metadata['current-snapshot-id'])
    if (Number(current?.summary['total-records'] ?? -1) !== rows) await catalog.dropTable(TX_IDENT, { purge: true })
  }
  if (!(await catalog.tableExists(TX_IDENT))) {
    const endMicros = BigInt(Math.floor(Date.now() / 3_600_000) * 3_600_000) * 1000n
    progress(`generating ${rowsLabel(rows)} transactions into ${platform.cfg.home} (kept for later runs)…`)
    const t0 = performance.now()
    await catalog.createTable(TX_IDENT, { name: TX_IDENT.name, schema: TX_SCHEMA, 'partition-spec': TX_SPEC_BY_REGION })
    const r = await tableAppend(tables, TX_IDENT, { sql: txRecentRowsSql(rows, endMicros) })
    if (r?.rows !== rows) throw new AkkoError('INTERNAL', `Generated ${r?.rows ?? 0} transactions, expected ${rows} (this is a bug)`)
    progress(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    built = true
  }
  if (built && (await catalog.tableExists(MERCHANTS_IDENT))) await catalog.dropTable(MERCHANTS_IDENT, { purge: true })
  if (!(await catalog.tableExists(MERCHANTS_IDENT))) {
    await catalog.createTable(MERCHANTS_IDENT, { name: MERCHANTS_IDENT.name, schema: MERCHANTS_SCHEMA })
    await tableAppend(tables, MERCHANTS_IDENT, { sql: merchantsSql() })
  }
  const filesOf = async (ident: TableIdent): Promise<string[]> => {
    const { metadata } = await tableLoad(tables, ident)
    const plan = await scanPlan(tables, metadata)
    return Promise.all(plan.tasks.map(t => platform.store.localPath(t.dataFile.file_path)))
  }
  const { metadata } = await tableLoad(tables, TX_IDENT)
  const snap = metadata.snapshots.find(s => s['snapshot-id'] === metadata['current-snapshot-id'])
  return {
    home: platform.cfg.home, rows, built,
    txFiles: await filesOf(TX_IDENT), merchantFiles: await filesOf(MERCHANTS_IDENT),
    builtAt: new Date(Number(snap?.['timestamp-ms'] ?? 0)).toISOString(),
  }
}

/** Opens the platform on the prepared home for `rows` (creating the home and tables when needed). */
export async function enginePlatformOpen(rows: number, progress: (msg: string) => void): Promise<{ platform: Platform; tables: PreparedTables }> {
  const home = engineHome(rows)
  mkdirSync(home, { recursive: true })
  const platform = await createPlatform(engineConfig(home), silentLogger)
  try {
    return { platform, tables: await engineTablesEnsure(platform, rows, progress) }
  } catch (e) {
    await platform.close()
    throw e
  }
}

/** A plain in-memory DuckDB (default settings) with views `transactions` and `merchants` over the same Parquet files. */
export async function rawDuckOpen(t: PreparedTables): Promise<{ conn: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  const list = (files: readonly string[]) => `[${files.map(f => `'${f.replaceAll("'", "''")}'`).join(', ')}]`
  await conn.run(`CREATE VIEW transactions AS SELECT * FROM read_parquet(${list(t.txFiles)}, hive_partitioning = false)`)
  await conn.run(`CREATE VIEW merchants AS SELECT * FROM read_parquet(${list(t.merchantFiles)}, hive_partitioning = false)`)
  return {
    conn,
    close: () => {
      conn.closeSync()
      instance.closeSync()
    },
  }
}

/** A world-readable temporary folder, so the local PostgreSQL server can `COPY … FROM` files written there. */
export function sharedTmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'akko-bench-'))
  chmodSync(dir, 0o755)
  return dir
}

/** Drains a batch stream, returning the row count. */
export async function rowsDrain(rows: AsyncIterable<readonly unknown[]>): Promise<number> {
  let n = 0
  for await (const batch of rows) n += batch.length
  return n
}
