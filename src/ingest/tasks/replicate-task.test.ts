import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { postgresqlEmbeddedOpen, type PostgresqlClient } from '../../engine/index.js'
import { tableReadAll } from '../../storage/index.js'
import { openTestTables, type TestTables } from '../../../test/support/table-context.js'
import { tmpHome } from '../../../test/support/paths.js'
import { defineDag, orchestratorCreate, task, type Json } from '../dags/index.js'
import { replicateTask, type ReplicateTaskValue } from './replicate-task.js'
import { tableIdentParse } from './task-services.js'

let t: TestTables
let pgDir: string
let pg: PostgresqlClient
before(async () => {
  t = await openTestTables()
  pgDir = tmpHome('akko-pglite-')
  pg = await postgresqlEmbeddedOpen(pgDir)
  await pg.query('CREATE TABLE orders (id int8 PRIMARY KEY, amount numeric(10,2), updated_at timestamptz NOT NULL)')
  await pg.query(`INSERT INTO orders VALUES (1, 10.50, '2024-01-01T00:00:00Z'), (2, 20.00, '2024-01-02T00:00:00Z')`)
})
after(async () => {
  await pg.close()
  await t.close()
  rmSync(pgDir, { recursive: true, force: true })
})

test('replicateTask through an orchestrator: reads catalog postgresql, merges increments, returns a JSON summary', async () => {
  const seen: Json[] = []
  const catalogs: string[] = []
  const dag = defineDag({
    id: 'replicate_orders',
    tasks: [
      replicateTask({ id: 'orders', table: 'public.orders', target: 'raw.orders', mode: 'incremental', watermarkColumn: 'updated_at', retries: 0 }),
      task({ id: 'after', dependsOn: ['orders'], run: ctx => void seen.push(ctx.pull('orders') ?? null) }),
    ],
  })
  const orch = await orchestratorCreate({
    metastore: t.metastore, dags: [dag], pollMs: 10,
    services: { tables: t, postgresql: (catalog = 'postgresql') => (catalogs.push(catalog), { catalog, client: pg }) },
  })
  try {
    orch.start({ schedule: false })
    const first = await orch.waitForRun((await orch.trigger('replicate_orders')).id)
    assert.equal(first.state, 'success')
    const v1 = seen[0] as ReplicateTaskValue
    assert.equal(v1.target, 'raw.orders')
    assert.equal(v1.committed, true)
    assert.equal(v1.rowsWritten, 2)
    assert.match(v1.snapshotId ?? '', /^-?\d+$/, 'the snapshot id travels as a string')
    assert.equal(typeof v1.watermark, 'string')
    assert.deepEqual(catalogs, ['postgresql'])

    await pg.query(`UPDATE orders SET amount = 11.00, updated_at = '2024-01-03T00:00:00Z' WHERE id = 1`)
    await pg.query(`INSERT INTO orders VALUES (3, 30.00, '2024-01-03T00:00:00Z')`)
    const second = await orch.waitForRun((await orch.trigger('replicate_orders', { logicalDate: new Date(Date.now() + 1000) })).id)
    assert.equal(second.state, 'success')
    const v2 = seen[1] as ReplicateTaskValue
    assert.equal(v2.strategy, 'merge')
    assert.equal(v2.previousWatermark, v1.watermark)
    assert.notEqual(v2.snapshotId, v1.snapshotId)
    const rows = await tableReadAll(t, { namespace: ['raw'], name: 'orders' }, { orderBy: 'id' })
    assert.deepEqual(rows.map(r => [Number(r.id), String(r.amount)]), [[1, '11.00'], [2, '20.00'], [3, '30.00']])
  } finally {
    await orch.stop({ graceMs: 0 })
  }
})

test('a task without services.tables fails with what is missing; a target without a namespace is refused at definition', async () => {
  assert.throws(() => replicateTask({ id: 'x', table: 'orders', target: 'orders', mode: 'full' }), /namespace\.table/)
  assert.deepEqual(tableIdentParse('a.b.c'), { namespace: ['a', 'b'], name: 'c' })
  const dag = defineDag({ id: 'no_tables', tasks: [replicateTask({ id: 'orders', table: 'orders', target: 'raw.orders', mode: 'full' })] })
  const orch = await orchestratorCreate({ metastore: t.metastore, dags: [dag], pollMs: 10, services: {} })
  try {
    orch.start({ schedule: false })
    const run = await orch.waitForRun((await orch.trigger('no_tables')).id)
    assert.equal(run.state, 'failed')
    const [ti] = await orch.tasks(run.id)
    assert.match(ti!.error ?? '', /services\.tables/)
  } finally {
    await orch.stop({ graceMs: 0 })
  }
})
