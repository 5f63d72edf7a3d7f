/**
 * Scan planning over a table of many small files: 10,000 data files in 100 partitions (5 regions x 20 days,
 * identity(region) and day(ts)), committed as 100 appends of 100 files, one partition per append as a daily
 * per-region load would, so the snapshot has 100 manifests. The files do not exist: planning reads only the
 * manifest list and manifests, whose entries carry realistic partition values and bounds on all ten columns.
 * The selective filter is `region = 'EU' AND transaction_id in a two-day id range`. Planning keeps decoded manifests in memory (they are immutable); the cold case clears that cache first. The baseline decodes the
 * same manifest list and every manifest without pruning, which is the floor a planner that prunes nothing pays.
 * @module
 */
import { AkkoError } from '../src/core/index.js'
import { exprAnd, exprEq, exprGtEq, exprLt, type Expr } from '../src/storage/iceberg/expressions.js'
import { manifestCacheClear, manifestEntries, manifestListRead, valueToBytes, type DataFile, type TableMetadata } from '../src/storage/iceberg/index.js'
import type { TableIdent } from '../src/storage/metastore/metastore.js'
import { scanPlan, snapshotCommit, tableLoad, type ScanPlan } from '../src/storage/table/index.js'
import { openTestTables, type TestTables } from '../test/support/table-context.js'
import type { BenchCase, BenchOptions, LoadedScenario, Scenario } from './scenario.js'
import { REGIONS, TX_EPOCH_MICROS, TX_FIELD, TX_SCHEMA, TX_STEP_MICROS } from './transactions.js'

const NS = ['bench']
const IDENT: TableIdent = { namespace: NS, name: 'tx_many_files' }
const SPEC = {
  'spec-id': 0,
  fields: [
    { 'source-id': TX_FIELD.region, 'field-id': 1000, name: 'region', transform: 'identity' },
    { 'source-id': TX_FIELD.ts, 'field-id': 1001, name: 'ts_day', transform: 'day' },
  ],
}
/** Transactions per day at one every 50 ms. */
const IDS_PER_DAY = 1_728_000
const EPOCH_DAY = Number(TX_EPOCH_MICROS / 86_400_000_000n)

interface Layout {
  readonly days: number
  readonly filesPerPartition: number
}

export const scanPlanning: Scenario = {
  name: 'scan-planning',
  description: 'scanPlan with a selective filter over 10,000 files in 100 partitions vs decoding every manifest',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const layout: Layout = opts.quick ? { days: 4, filesPerPartition: 50 } : { days: 20, filesPerPartition: 100 }
    const t = await openTestTables()
    try {
      await t.catalog.createNamespace(NS)
      await t.catalog.createTable(IDENT, { name: IDENT.name, schema: TX_SCHEMA, 'partition-spec': SPEC })
      for (let day = 0; day < layout.days; day++) {
        for (let r = 0; r < REGIONS.length; r++) {
          await snapshotCommit(t, IDENT, { operation: 'append', added: partitionFiles(layout, day, r) })
        }
      }
      const { metadata } = await tableLoad(t, IDENT)
      // Two days from the middle of the table, not aligned on day boundaries.
      const from = Math.floor(layout.days / 2) * IDS_PER_DAY + IDS_PER_DAY / 4
      const filter = exprAnd(exprEq('region', 'EU'), exprGtEq('transaction_id', from), exprLt('transaction_id', from + 2 * IDS_PER_DAY))
      const files = layout.days * REGIONS.length * layout.filesPerPartition
      const repeat = opts.quick ? { warmup: 1, iterations: 5 } : { warmup: 1, iterations: 20 }
      const baseline = { label: 'decode all manifests', run: () => manifestsDecodeAll(t, metadata) }
      const cases: BenchCase[] = [
        {
          label: `plan ${files} files, selective filter`,
          measure: 'latency', ...repeat, baseline,
          run: async () => planFacts(await scanPlan(t, metadata, { filter }), filter, from, from + 2 * IDS_PER_DAY, layout),
        },
        {
          label: `plan ${files} files, selective filter, cold cache`,
          measure: 'latency', ...repeat, baseline,
          run: async () => {
            manifestCacheClear()
            return planFacts(await scanPlan(t, metadata, { filter }), filter, from, from + 2 * IDS_PER_DAY, layout)
          },
        },
        {
          label: `plan ${files} files, no filter`,
          measure: 'latency', ...repeat, baseline,
          run: async () => planFacts(await scanPlan(t, metadata), undefined, 0, Infinity, layout),
        },
      ]
      return { cases, close: () => t.close() }
    } catch (e) {
      await t.close()
      throw e
    }
  },
}

/** The files of one (region, day) partition: consecutive id slices of that day, a fifth of the rows each. */
function partitionFiles(layout: Layout, day: number, r: number): DataFile[] {
  const region = REGIONS[r] as string
  const perFile = IDS_PER_DAY / layout.filesPerPartition
  const files: DataFile[] = []
  for (let k = 0; k < layout.filesPerPartition; k++) {
    const lo = day * IDS_PER_DAY + k * perFile
    const hi = lo + perFile - 1
    const rows = Math.round(perFile / REGIONS.length)
    const bounds: [number, string, unknown, unknown][] = [
      [TX_FIELD.transaction_id, 'long', lo + r, hi - (REGIONS.length - 1 - r)],
      [TX_FIELD.ts, 'timestamptz', TX_EPOCH_MICROS + BigInt(lo + r) * TX_STEP_MICROS, TX_EPOCH_MICROS + BigInt(hi) * TX_STEP_MICROS],
      [TX_FIELD.customer_id, 'long', (k * 37) % 1000, 999_000 + (k % 1000)],
      [TX_FIELD.account_id, 'long', (k * 53) % 2500, 2_497_500 + (k % 2500)],
      [TX_FIELD.merchant, 'string', 'merchant_0', 'merchant_9999'],
      [TX_FIELD.category, 'string', 'electronics', 'utilities'],
      [TX_FIELD.amount, 'decimal(12,2)', BigInt(k), 4_999_900n + BigInt(k)],
      [TX_FIELD.currency, 'string', 'BRL', 'USD'],
      [TX_FIELD.region, 'string', region, region],
      [TX_FIELD.is_fraud, 'boolean', false, k % 3 === 0],
    ]
    const ids = bounds.map(b => b[0])
    files.push({
      content: 0,
      file_path: `file:///bench/tx_many_files/data/region=${region}/ts_day=${dayText(day)}/${String(k).padStart(5, '0')}-synthetic.parquet`,
      file_format: 'PARQUET',
      partition: { region, ts_day: EPOCH_DAY + day },
      record_count: rows,
      file_size_in_bytes: rows * 38,
      column_sizes: new Map(ids.map(id => [id, rows * 4])),
      value_counts: new Map(ids.map(id => [id, rows])),
      null_value_counts: new Map(ids.map(id => [id, 0])),
      lower_bounds: new Map(bounds.map(([id, type, low]) => [id, valueToBytes(type, low)])),
      upper_bounds: new Map(bounds.map(([id, type, , high]) => [id, valueToBytes(type, high)])),
      split_offsets: [4],
      sort_order_id: 0,
    })
  }
  return files
}

function dayText(day: number): string {
  return new Date((EPOCH_DAY + day) * 86_400_000).toISOString().slice(0, 10)
}

/** Reads the current snapshot's manifest list and every manifest in it, eight at a time as the planner does. */
async function manifestsDecodeAll(t: TestTables, m: TableMetadata): Promise<void> {
  const snapshot = m.snapshots.find(s => s['snapshot-id'] === m['current-snapshot-id'])
  if (!snapshot) throw new AkkoError('INTERNAL', 'The benchmark table has no current snapshot (this is a bug)')
  const manifests = await manifestListRead(t.store, snapshot['manifest-list'])
  let next = 0
  let entries = 0
  const worker = async () => {
    while (next < manifests.length) {
      const mf = manifests[next++]
      if (mf) for await (const _ of manifestEntries(t.store, mf)) entries++
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  if (entries === 0) throw new AkkoError('INTERNAL', 'Decoded no manifest entries (this is a bug)')
}

/**
 * What the plan kept and pruned, checked against the layout: every file kept must be in a matching partition
 * and overlap the id range, and every file that does must be kept (pruning may never drop a match).
 */
function planFacts(plan: ScanPlan, filter: Expr | undefined, idFrom: number, idTo: number, layout: Layout): Record<string, number> {
  const m = plan.metrics
  const keptPartitions = new Set<string>()
  for (const task of plan.tasks) {
    const p = task.dataFile.partition
    if (filter && p.region !== 'EU') throw new AkkoError('INTERNAL', `The plan kept a file of partition region=${String(p.region)} (this is a bug)`)
    keptPartitions.add(`${String(p.region)}/${String(p.ts_day)}`)
  }
  const perFile = IDS_PER_DAY / layout.filesPerPartition
  let expected = 0
  for (let day = 0; day < layout.days; day++) {
    for (let k = 0; k < layout.filesPerPartition; k++) {
      const lo = day * IDS_PER_DAY + k * perFile
      if (lo < idTo && lo + perFile > idFrom) expected += filter ? 1 : REGIONS.length
    }
  }
  if (plan.tasks.length !== expected) throw new AkkoError('INTERNAL', `The plan kept ${plan.tasks.length} files, expected ${expected} (this is a bug)`)
  const partitions = layout.days * REGIONS.length
  return {
    files: m.dataFiles,
    filesKept: plan.tasks.length,
    filesPrunedFraction: m.dataFiles ? m.dataFilesPruned / m.dataFiles : 0,
    manifests: m.manifests,
    manifestsPrunedFraction: m.manifests ? m.manifestsPruned / m.manifests : 0,
    partitions,
    partitionsKept: keptPartitions.size,
  }
}
