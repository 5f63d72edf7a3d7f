import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { silentLogger } from '../../src/core/index.js'
import { createQueryEngine, icebergConnector, sandboxDefaults, type CdcPipelineRow } from '../../src/engine/index.js'
import { openTestTables } from '../support/table-context.js'
import { allRows, testSession } from '../support/engine.js'

test('system.runtime.cdc_pipelines lists what the runtime provides, typed as documented', async () => {
  const t = await openTestTables()
  let rows: CdcPipelineRow[] = []
  const engine = await createQueryEngine({
    connectors: [icebergConnector({ catalog: t.catalog, tables: t })],
    iceberg: { catalog: t.catalog, tables: t },
    sandbox: { ...sandboxDefaults(t.home), allowedDirectories: [join(t.home, 'warehouse'), join(t.home, 'cache')], threads: 1 },
    log: silentLogger,
    runtimeTables: { cdcPipelines: () => rows },
  })
  try {
    const q = async (sql: string) => allRows(await engine.execute(sql, testSession()))
    assert.deepEqual(await q('SELECT count(*) FROM system.runtime.cdc_pipelines'), [[0]])
    rows = [
      { name: 'orders', state: 'streaming', lagMs: 1234.4, lastAppliedLsn: '0/16B3748', lastAppliedCommitTime: '2024-05-01T10:00:00.123Z', rowsApplied: 10, transactionsApplied: 3, error: null },
      { name: 'crm', state: 'failed', lagMs: 0, lastAppliedLsn: null, lastAppliedCommitTime: null, rowsApplied: 0, transactionsApplied: 0, error: 'connection refused' },
    ]
    const described = await q("SELECT column_name, data_type FROM system.information_schema.columns WHERE table_schema = 'runtime' AND table_name = 'cdc_pipelines' ORDER BY ordinal_position")
    assert.deepEqual(described.map(([n, t]) => `${String(n)} ${String(t)}`), [
      'name varchar', 'state varchar', 'lag_ms bigint', 'last_applied_lsn varchar', 'last_applied_commit_time timestamp(3) with time zone',
      'rows_applied bigint', 'transactions_applied bigint', 'error varchar',
    ])
    const out = await q('SELECT * FROM system.runtime.cdc_pipelines ORDER BY name')
    assert.equal(out.length, 2)
    assert.deepEqual(out[0]!.slice(0, 4), ['crm', 'failed', 0, null])
    assert.equal(out[0]![7], 'connection refused')
    assert.deepEqual([out[1]![0], out[1]![2], out[1]![3], out[1]![5], out[1]![6]], ['orders', 1234, '0/16B3748', 10, 3])
    assert.deepEqual(await q("SELECT CAST(round(to_unixtime(last_applied_commit_time) * 1000) AS bigint) FROM system.runtime.cdc_pipelines WHERE name = 'orders'"), [[Date.parse('2024-05-01T10:00:00.123Z')]])
  } finally {
    await engine.close()
    await t.close()
  }
})
