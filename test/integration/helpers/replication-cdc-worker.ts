/**
 * Runs one CDC pipeline until killed, for the restart test: prints `STATUS <json>` every 100 ms; SIGTERM stops
 * it cleanly. The metastore is a PostgreSQL database, so the test process can read the tables meanwhile.
 * With `crashAfterBatches`, the process kills itself right after that many Iceberg commits, before acknowledging
 * them to the server: the next process receives those transactions again and must skip them.
 * Usage: node --import tsx replication-cdc-worker.ts '<json: sourceUrl, metastoreUrl, home, name, table, namespace, target, crashAfterBatches?>'
 */
import { join } from 'node:path'
import { silentLogger } from '../../../src/core/index.js'
import { cdcPipeline } from '../../../src/ingest/postgres/index.js'
import { DuckRuntime, IcebergCatalog, LocalObjectStore, PostgresMetastore } from '../../../src/storage/index.js'

const cfg = JSON.parse(process.argv[2]!) as { sourceUrl: string; metastoreUrl: string; home: string; name: string; table: string; namespace: string; target: string; crashAfterBatches?: number }
const metastore = await PostgresMetastore.connect(cfg.metastoreUrl)
const store = new LocalObjectStore(join(cfg.home, 'warehouse'), { scratchDir: join(cfg.home, 'tmp', String(process.pid)) })
const catalog = new IcebergCatalog({ metastore, store, log: silentLogger })
const duck = await DuckRuntime.create({ home: join(cfg.home, `duck-${process.pid}`), threads: 1 })
const pipeline = cdcPipeline({
  tables: { catalog, store, duck, log: silentLogger },
  source: { url: cfg.sourceUrl },
  name: cfg.name,
  streams: [{ table: cfg.table, target: { namespace: [cfg.namespace], name: cfg.target } }],
  flushIntervalMs: 250,
  onApplied: () => {
    if (cfg.crashAfterBatches !== undefined && --cfg.crashAfterBatches <= 0) {
      report()
      process.kill(process.pid, 'SIGKILL')
    }
  },
})
const report = () => process.stdout.write(`STATUS ${JSON.stringify(pipeline.status())}\n`)
const timer = setInterval(report, 100)
process.on('SIGTERM', () => {
  void pipeline.stop().then(async () => {
    clearInterval(timer)
    report()
    duck.close()
    await metastore.close()
    process.exit(0)
  })
})
try {
  await pipeline.start()
  report()
  await pipeline.done
} catch (e) {
  process.stdout.write(`FAILED ${JSON.stringify(String((e as Error).message))}\n`)
  process.exit(1)
}
