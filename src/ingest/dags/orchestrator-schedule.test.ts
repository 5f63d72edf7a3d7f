import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { PgliteMetastore, type Metastore } from '../../storage/index.js'
import { tmpHome } from '../../../test/support/paths.js'
import { defineDag, task, type DagDefinition } from './dag.js'
import { orchestratorCreate, type Orchestrator } from './orchestrator.js'

let home: string
let metastore: Metastore

before(async () => {
  home = tmpHome('akko-dags-schedule-')
  metastore = await PgliteMetastore.open(home)
})
after(async () => {
  await metastore.close()
  await rm(home, { recursive: true, force: true })
})

/** A clock the test moves by hand. */
function fakeClock(iso: string): { now: () => Date; set(iso: string): void } {
  let t = new Date(iso)
  return { now: () => new Date(t), set: s => (t = new Date(s)) }
}

const daily = (id: string, over: Partial<DagDefinition> = {}): DagDefinition =>
  defineDag({ id, schedule: '@daily', startDate: '2024-01-01', tasks: [task({ id: 'work', run: ctx => ctx.dataInterval.start.toISOString() })], ...over })

/** The runs as [type, logical date, interval start, interval end], oldest first. */
async function runList(orch: Orchestrator, dagId: string): Promise<string[][]> {
  return (await orch.runs(dagId, { limit: 1000 })).reverse().map(r => [r.runType, r.logicalDate.toISOString(), r.dataInterval.start.toISOString(), r.dataInterval.end.toISOString()])
}

const day = (d: string): string[] => {
  const start = new Date(`${d}T00:00:00Z`)
  return [start.toISOString(), start.toISOString(), new Date(start.getTime() + 86_400_000).toISOString()]
}

describe('schedules', () => {
  test('catch-up on: one run per missed interval, with its logical date and data interval; then one per new interval', async () => {
    const clock = fakeClock('2024-01-05T10:00:00Z')
    const orch = await orchestratorCreate({ metastore, dags: [daily('catchup_on', { catchup: true })], now: clock.now })
    await orch.tick()
    assert.deepEqual(await runList(orch, 'catchup_on'), ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'].map(d => ['scheduled', ...day(d)]))
    await orch.tick()
    assert.equal((await orch.runs('catchup_on')).length, 4, 'a second pass at the same time creates nothing')
    const [info] = await orch.dags()
    assert.equal(info!.nextRunAt?.toISOString(), '2024-01-06T00:00:00.000Z')
    assert.equal(info!.nextDataInterval?.start.toISOString(), '2024-01-05T00:00:00.000Z')
    clock.set('2024-01-06T00:00:00Z')
    await orch.tick()
    assert.deepEqual((await runList(orch, 'catchup_on')).at(-1), ['scheduled', ...day('2024-01-05')])
    assert.equal((await orch.runs('catchup_on')).length, 5)
    orch.start({ schedule: false })
    for (const r of await orch.runs('catchup_on')) assert.equal((await orch.waitForRun(r.id)).state, 'success')
    await orch.stop()
  })

  test('catch-up off: only the latest complete interval, also after a gap', async () => {
    const clock = fakeClock('2024-01-05T10:00:00Z')
    const orch = await orchestratorCreate({ metastore, dags: [daily('catchup_off')], now: clock.now })
    await orch.tick()
    assert.deepEqual(await runList(orch, 'catchup_off'), [['scheduled', ...day('2024-01-04')]])
    clock.set('2024-01-08T03:00:00Z')
    await orch.tick()
    assert.deepEqual(await runList(orch, 'catchup_off'), [['scheduled', ...day('2024-01-04')], ['scheduled', ...day('2024-01-07')]])
    await orch.idle()
  })

  test('a paused DAG gets no scheduled runs; unpaused, it catches up', async () => {
    const clock = fakeClock('2024-01-03T10:00:00Z')
    const orch = await orchestratorCreate({ metastore, dags: [daily('paused_sched', { catchup: true, paused: true })], now: clock.now })
    await orch.tick()
    assert.equal((await orch.runs('paused_sched')).length, 0)
    assert.equal((await orch.dag('paused_sched')).paused, true)
    await orch.unpause('paused_sched')
    await orch.tick()
    assert.deepEqual(await runList(orch, 'paused_sched'), [['scheduled', ...day('2024-01-01')], ['scheduled', ...day('2024-01-02')]])
    await orch.idle()
  })

  test('the time zone decides the intervals, across a daylight-saving change', async () => {
    const clock = fakeClock('2024-04-01T12:00:00Z')
    const orch = await orchestratorCreate({ metastore, dags: [daily('paris', { timezone: 'Europe/Paris', startDate: '2024-03-30', catchup: true })], now: clock.now })
    await orch.tick()
    assert.deepEqual(await runList(orch, 'paris'), [
      ['scheduled', '2024-03-29T23:00:00.000Z', '2024-03-29T23:00:00.000Z', '2024-03-30T23:00:00.000Z'],
      ['scheduled', '2024-03-30T23:00:00.000Z', '2024-03-30T23:00:00.000Z', '2024-03-31T22:00:00.000Z'],
    ])
    await orch.idle()
  })

  test('backfill creates exactly the intervals of the range; running it again creates none', async () => {
    const clock = fakeClock('2024-01-01T12:00:00Z')
    const orch = await orchestratorCreate({ metastore, dags: [daily('backfilled', { paused: true })], now: clock.now })
    const first = await orch.backfill('backfilled', '2024-02-01', '2024-02-03', { triggeredBy: 'bob' })
    assert.deepEqual(first.created.map(r => [r.runType, r.logicalDate.toISOString(), r.dataInterval.end.toISOString(), r.triggeredBy]), [
      ['backfill', '2024-02-01T00:00:00.000Z', '2024-02-02T00:00:00.000Z', 'bob'],
      ['backfill', '2024-02-02T00:00:00.000Z', '2024-02-03T00:00:00.000Z', 'bob'],
      ['backfill', '2024-02-03T00:00:00.000Z', '2024-02-04T00:00:00.000Z', 'bob'],
    ])
    assert.equal(first.existing, 0)
    const again = await orch.backfill('backfilled', '2024-02-01', '2024-02-03')
    assert.deepEqual([again.created.length, again.existing], [0, 3])
    const overlap = await orch.backfill('backfilled', '2024-02-02T00:00:00Z', '2024-02-05')
    assert.deepEqual(overlap.created.map(r => r.logicalDate.toISOString()), ['2024-02-04T00:00:00.000Z', '2024-02-05T00:00:00.000Z'])
    assert.equal(overlap.existing, 2)
    assert.equal((await orch.runs('backfilled')).length, 5)
    await assert.rejects(orch.backfill('backfilled', '2024-02-05', '2024-02-01'), { code: 'INVALID_ARGUMENT' })
    await assert.rejects(orch.backfill('backfilled', 'yesterday', '2024-02-01'), { code: 'INVALID_ARGUMENT' })
    await orch.unpause('backfilled')
    orch.start({ schedule: false })
    for (const r of await orch.runs('backfilled')) assert.equal((await orch.waitForRun(r.id)).state, 'success')
    await orch.stop()
  })

  test('a DAG without a schedule runs only when triggered, and cannot be backfilled', async () => {
    const clock = fakeClock('2024-01-05T10:00:00Z')
    const orch = await orchestratorCreate({ metastore, dags: [defineDag({ id: 'manual_only', tasks: [task({ id: 't', run: () => null })] })], now: clock.now })
    await orch.tick()
    assert.equal((await orch.runs('manual_only')).length, 0)
    assert.equal((await orch.dag('manual_only')).nextRunAt, null)
    await assert.rejects(orch.backfill('manual_only', '2024-01-01', '2024-01-02'), { code: 'INVALID_ARGUMENT', message: /no schedule/ })
    const run = await orch.trigger('manual_only')
    assert.deepEqual([run.runType, run.logicalDate.toISOString(), run.dataInterval.start.toISOString(), run.dataInterval.end.toISOString()], ['manual', '2024-01-05T10:00:00.000Z', '2024-01-05T10:00:00.000Z', '2024-01-05T10:00:00.000Z'])
    await orch.tick()
    await orch.idle()
  })
})
