/**
 * The orchestrator's state on a PostgreSQL server metastore: a small DAG with a retry and values passed
 * downstream, and two orchestrators sharing the database, which must run every task once and keep the DAG's run
 * limit between them.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defineDag, orchestratorCreate, task } from '../../src/ingest/index.js'
import { PostgresMetastore } from '../../src/storage/index.js'
import { pgFreshDatabase } from '../support/postgres.js'

let db: { url: string; drop: () => Promise<void> }
let metastores: PostgresMetastore[] = []

before(async () => {
  db = await pgFreshDatabase('akko_dags')
  metastores = [await PostgresMetastore.connect(db.url), await PostgresMetastore.connect(db.url)]
})
after(async () => {
  await Promise.all(metastores.map(m => m.close()))
  await db.drop()
})

test('a DAG with a retry and values passed downstream runs to success with its state on PostgreSQL', async () => {
  const orch = await orchestratorCreate({
    metastore: metastores[0]!, pollMs: 20,
    dags: [defineDag({
      id: 'pg_small', params: { factor: 2 },
      tasks: [
        task({ id: 'extract', retries: 1, retryDelayMs: 1, run: ctx => { if (ctx.attempt === 1) throw new Error('flaky source'); ctx.log.info('extracted'); return [1, 2, 3] } }),
        task({ id: 'transform', dependsOn: ['extract'], run: ctx => (ctx.pull<number[]>('extract') ?? []).map(n => n * Number(ctx.params.factor)) }),
        task({ id: 'load', dependsOn: ['transform'], run: ctx => ({ loaded: ctx.pull<number[]>('transform')!.length }) }),
      ],
    })],
  })
  orch.start({ schedule: false })
  try {
    const run = await orch.trigger('pg_small', { conf: { factor: 10 }, triggeredBy: 'carol' })
    const done = await orch.waitForRun(run.id)
    assert.equal(done.state, 'success')
    assert.equal(done.triggeredBy, 'carol')
    const tis = await orch.tasks(run.id)
    assert.deepEqual(tis.map(t => [t.taskId, t.state, t.tryNumber]), [['extract', 'success', 2], ['transform', 'success', 1], ['load', 'success', 1]])
    const { rows } = await metastores[1]!.sql.query<{ task_id: string; value: unknown }>('SELECT task_id, value FROM ingest_task_instances WHERE run_id = $1 ORDER BY id', [run.id])
    assert.deepEqual(rows, [{ task_id: 'extract', value: [1, 2, 3] }, { task_id: 'transform', value: [10, 20, 30] }, { task_id: 'load', value: { loaded: 3 } }])
    const extract = tis[0]!
    assert.deepEqual((await orch.attempts(extract.id)).map(a => [a.state, a.error]), [['failed', 'flaky source'], ['success', null]])
    assert.ok((await orch.logs(extract.id, 2)).lines.some(l => l.message === 'extracted'))
  } finally {
    await orch.stop()
  }
})

test('two orchestrators sharing the database run each task once and hold the run limit together', async () => {
  const ran = new Map<string, number>()
  let activeRuns = 0
  let peakRuns = 0
  const dags = () => [
    defineDag({ id: 'pg_wide', tasks: Array.from({ length: 8 }, (_, i) => task({ id: `t${i}`, run: async ctx => { ran.set(`${ctx.runId}:${ctx.taskId}`, (ran.get(`${ctx.runId}:${ctx.taskId}`) ?? 0) + 1); await new Promise(r => setTimeout(r, 20)); return i } })) }),
    defineDag({
      id: 'pg_serial', maxActiveRuns: 1,
      tasks: [task({ id: 'only', run: async () => { peakRuns = Math.max(peakRuns, ++activeRuns); await new Promise(r => setTimeout(r, 30)); activeRuns--; return null } })],
    }),
  ]
  const a = await orchestratorCreate({ metastore: metastores[0]!, dags: dags(), pollMs: 10, ownerId: 'orchestrator-a' })
  const b = await orchestratorCreate({ metastore: metastores[1]!, dags: dags(), pollMs: 10, ownerId: 'orchestrator-b' })
  a.start({ schedule: false })
  b.start({ schedule: false })
  try {
    const wide = [await a.trigger('pg_wide'), await b.trigger('pg_wide')]
    const serial = [await a.trigger('pg_serial'), await b.trigger('pg_serial'), await a.trigger('pg_serial')]
    for (const r of [...wide, ...serial]) assert.equal((await a.waitForRun(r.id)).state, 'success')
    assert.equal(ran.size, 16)
    assert.ok([...ran.values()].every(n => n === 1), 'every task ran exactly once')
    assert.equal(peakRuns, 1, 'maxActiveRuns held across both orchestrators')
    const owners = new Set<string>()
    for (const r of wide) for (const t of await a.tasks(r.id)) for (const at of await a.attempts(t.id)) owners.add(at.owner)
    assert.ok([...owners].every(o => o === 'orchestrator-a' || o === 'orchestrator-b'))
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
})
