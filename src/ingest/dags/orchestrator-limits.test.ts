import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { PgliteMetastore, type Metastore } from '../../storage/index.js'
import { tmpHome } from '../../../test/support/paths.js'
import { defineDag, task } from './dag.js'
import { orchestratorCreate, type Orchestrator } from './orchestrator.js'
import type { TaskState } from './types.js'

let home: string
let metastore: Metastore

before(async () => {
  home = tmpHome('akko-dags-limits-')
  metastore = await PgliteMetastore.open(home)
})
after(async () => {
  await metastore.close()
  await rm(home, { recursive: true, force: true })
})

/** A promise tasks wait on until the test opens it. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void
  const wait = new Promise<void>(r => (open = r))
  return { wait, open }
}

/** Polls `cond` until it holds (the test runner's timeout bounds the wait). */
async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise(r => setTimeout(r, 10))
}

async function countIn(orch: Orchestrator, runIds: number[], state: TaskState): Promise<number> {
  let n = 0
  for (const id of runIds) n += (await orch.tasks(id)).filter(t => t.state === state).length
  return n
}

describe('limits, pause and clear', () => {
  test('no more task attempts run at once than maxActiveTasks', async () => {
    const g = gate()
    let active = 0
    let peak = 0
    const body = async (): Promise<null> => {
      peak = Math.max(peak, ++active)
      await g.wait
      active--
      return null
    }
    const orch = await orchestratorCreate({ metastore, maxActiveTasks: 2, pollMs: 10, dags: [defineDag({ id: 'wide', tasks: ['a', 'b', 'c', 'd'].map(id => task({ id, run: body })) })] })
    orch.start({ schedule: false })
    try {
      const run = await orch.trigger('wide')
      await until(async () => (await countIn(orch, [run.id], 'running')) === 2)
      for (let i = 0; i < 3; i++) await orch.tick()
      assert.equal(await countIn(orch, [run.id], 'running'), 2)
      assert.equal(await countIn(orch, [run.id], 'queued'), 2)
      g.open()
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      assert.equal(peak, 2)
    } finally {
      await orch.stop()
    }
  })

  test('no more runs of a DAG run at once than maxActiveRuns; queued runs start oldest first', async () => {
    const g = gate()
    const order: string[] = []
    const orch = await orchestratorCreate({
      metastore, pollMs: 10,
      dags: [defineDag({ id: 'one_at_a_time', maxActiveRuns: 1, tasks: [task({ id: 't', run: async ctx => { order.push(ctx.logicalDate.toISOString().slice(0, 10)); await g.wait; return null } })] })],
    })
    orch.start({ schedule: false })
    try {
      const runs = [
        await orch.trigger('one_at_a_time', { logicalDate: '2024-01-03' }),
        await orch.trigger('one_at_a_time', { logicalDate: '2024-01-01' }),
        await orch.trigger('one_at_a_time', { logicalDate: '2024-01-02' }),
      ]
      await until(async () => (await countIn(orch, runs.map(r => r.id), 'running')) === 1)
      for (let i = 0; i < 3; i++) await orch.tick()
      const states = await Promise.all(runs.map(async r => (await orch.run(r.id)).state))
      assert.deepEqual(states.sort(), ['queued', 'queued', 'running'])
      g.open()
      for (const r of runs) assert.equal((await orch.waitForRun(r.id)).state, 'success')
      assert.deepEqual(order, ['2024-01-01', '2024-01-02', '2024-01-03'])
    } finally {
      await orch.stop()
    }
  })

  test('pause holds new runs and new tasks (running ones finish); unpause resumes', async () => {
    const g = gate()
    const ran: string[] = []
    const orch = await orchestratorCreate({
      metastore, pollMs: 10,
      dags: [defineDag({ id: 'pausable', tasks: [
        task({ id: 'first', run: async () => { ran.push('first'); await g.wait; return null } }),
        task({ id: 'second', dependsOn: ['first'], run: () => void ran.push('second') }),
      ] })],
    })
    orch.start({ schedule: false })
    try {
      const run = await orch.trigger('pausable')
      await until(async () => (await countIn(orch, [run.id], 'running')) === 1)
      await orch.pause('pausable')
      g.open()
      await until(async () => (await countIn(orch, [run.id], 'success')) === 1)
      const held = await orch.trigger('pausable', { logicalDate: '2024-01-01' })
      for (let i = 0; i < 3; i++) await orch.tick()
      assert.deepEqual(ran, ['first'])
      assert.equal((await orch.run(held.id)).state, 'queued')
      assert.equal((await orch.tasks(run.id)).find(t => t.taskId === 'second')!.state, 'queued')
      await orch.unpause('pausable')
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      assert.equal((await orch.waitForRun(held.id)).state, 'success')
      assert.deepEqual(ran.sort(), ['first', 'first', 'second', 'second'])
    } finally {
      await orch.stop()
    }
  })

  test('clear reruns a task and, with downstream, what follows it; a running task cannot be cleared', async () => {
    const calls: Record<string, number> = { extract: 0, transform: 0, load: 0, other: 0 }
    let g = gate()
    g.open()
    const orch = await orchestratorCreate({
      metastore, pollMs: 10,
      dags: [defineDag({ id: 'clearable', tasks: [
        task({ id: 'extract', run: async () => { calls.extract!++; await g.wait; return calls.extract! } }),
        task({ id: 'transform', dependsOn: ['extract'], run: ctx => { calls.transform!++; return ctx.pull<number>('extract')! * 10 } }),
        task({ id: 'load', dependsOn: ['transform'], run: ctx => { calls.load!++; return ctx.pull<number>('transform') ?? null } }),
        task({ id: 'other', run: () => { calls.other!++; return null } }),
      ] })],
    })
    orch.start({ schedule: false })
    try {
      const run = await orch.trigger('clearable')
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      const byTask = async () => Object.fromEntries((await orch.tasks(run.id)).map(t => [t.taskId, t]))
      const transform = (await byTask()).transform!
      const cleared = await orch.clear(transform.id)
      assert.deepEqual(cleared.map(t => t.taskId), ['transform'])
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      assert.deepEqual(calls, { extract: 1, transform: 2, load: 1, other: 1 })

      g = gate()
      const extract = (await byTask()).extract!
      const all = await orch.clear(extract.id, { downstream: true })
      assert.deepEqual(all.map(t => t.taskId).sort(), ['extract', 'load', 'transform'])
      await until(async () => (await byTask()).extract!.state === 'running')
      await assert.rejects(orch.clear(extract.id), { code: 'INVALID_REQUEST' })
      g.open()
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      assert.deepEqual(calls, { extract: 2, transform: 3, load: 2, other: 1 })
      const after = await byTask()
      assert.equal(after.extract!.tryNumber, 2)
      assert.equal(after.load!.tryNumber, 2)
      assert.equal(after.other!.tryNumber, 1)
      assert.deepEqual((await orch.attempts(after.load!.id)).map(a => a.state), ['success', 'success'])
    } finally {
      await orch.stop()
    }
  })

  test('clearing a failed task reruns it with fresh attempts and the run can then succeed', async () => {
    let fail = true
    const orch = await orchestratorCreate({
      metastore, pollMs: 10,
      dags: [defineDag({ id: 'fix_and_clear', tasks: [
        task({ id: 'load', run: () => { if (fail) throw new Error('table missing'); return 'ok' } }),
        task({ id: 'publish', dependsOn: ['load'], run: () => 'published' }),
      ] })],
    })
    orch.start({ schedule: false })
    try {
      const run = await orch.trigger('fix_and_clear')
      assert.equal((await orch.waitForRun(run.id)).state, 'failed')
      const load = (await orch.tasks(run.id)).find(t => t.taskId === 'load')!
      fail = false
      await orch.clear(load.id, { downstream: true })
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      const tis = await orch.tasks(run.id)
      assert.deepEqual(tis.map(t => [t.taskId, t.state, t.tryNumber, t.maxTries]), [['load', 'success', 2, 2], ['publish', 'success', 1, 1]])
    } finally {
      await orch.stop()
    }
  })
})
