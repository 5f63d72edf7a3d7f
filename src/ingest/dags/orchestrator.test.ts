import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { PgliteMetastore, type Metastore } from '../../storage/index.js'
import { tmpHome } from '../../../test/support/paths.js'
import { defineDag, task, type DagDefinition } from './dag.js'
import { orchestratorCreate, type Orchestrator, type OrchestratorOptions } from './orchestrator.js'

let home: string
let metastore: Metastore

before(async () => {
  home = tmpHome('akko-dags-')
  metastore = await PgliteMetastore.open(home)
})
after(async () => {
  await metastore.close()
  await rm(home, { recursive: true, force: true })
})

/** An orchestrator on the shared metastore with a fast loop, started without creating scheduled runs. */
async function running(dags: DagDefinition[], o: Partial<OrchestratorOptions> = {}): Promise<Orchestrator> {
  const orch = await orchestratorCreate({ metastore, dags, pollMs: 10, heartbeatMs: 50, ...o })
  orch.start({ schedule: false })
  return orch
}

const stateOf = async (orch: Orchestrator, runId: number): Promise<Record<string, string>> =>
  Object.fromEntries((await orch.tasks(runId)).map(t => [t.taskId, t.state]))

describe('task states', () => {
  test('a failing task succeeds on retry; its attempts and logs are kept', async () => {
    let calls = 0
    const orch = await running([defineDag({
      id: 'retry_ok',
      tasks: [task({
        id: 'flaky', retries: 2, retryDelayMs: 1,
        run: ctx => {
          calls++
          ctx.log.info(`attempt ${ctx.attempt} of ${ctx.maxAttempts}`)
          if (ctx.attempt === 1) throw new Error('connection reset')
          return { rows: 3 }
        },
      })],
    })])
    try {
      const run = await orch.trigger('retry_ok')
      const done = await orch.waitForRun(run.id)
      assert.equal(done.state, 'success')
      const [ti] = await orch.tasks(run.id)
      assert.equal(ti!.state, 'success')
      assert.equal(ti!.tryNumber, 2)
      assert.equal(calls, 2)
      assert.deepEqual((await orch.attempts(ti!.id)).map(a => [a.attempt, a.state, a.error]), [[1, 'failed', 'connection reset'], [2, 'success', null]])
      const first = await orch.logs(ti!.id, 1)
      assert.ok(first.lines.some(l => l.message === 'attempt 1 of 3'), 'the task\'s own line is in attempt 1\'s log')
      assert.ok(first.lines.some(l => l.level === 'error' && /attempt 1 failed: connection reset; next attempt in 1 ms/.test(l.message)))
      const latest = await orch.logs(ti!.id)
      assert.equal(latest.attempt, 2)
      assert.ok(latest.lines.some(l => l.message === 'attempt 2 of 3'))
    } finally {
      await orch.stop()
    }
  })

  test('a task that times out on every attempt fails; downstream is upstream_failed; the run fails', async () => {
    let aborts = 0
    const orch = await running([defineDag({
      id: 'timeout_fail',
      tasks: [
        task({
          id: 'slow', retries: 1, retryDelayMs: 1, timeoutMs: 30,
          run: ctx => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => { aborts++; reject(ctx.signal.reason) })),
        }),
        task({ id: 'after', dependsOn: ['slow'], run: () => 'never' }),
        task({ id: 'after_after', dependsOn: ['after'], run: () => 'never' }),
        task({ id: 'independent', run: () => 'ran' }),
      ],
    })])
    try {
      const run = await orch.trigger('timeout_fail')
      assert.equal((await orch.waitForRun(run.id)).state, 'failed')
      assert.deepEqual(await stateOf(orch, run.id), { slow: 'failed', after: 'upstream_failed', after_after: 'upstream_failed', independent: 'success' })
      const slow = (await orch.tasks(run.id)).find(t => t.taskId === 'slow')!
      assert.equal(slow.tryNumber, 2)
      assert.match(slow.error!, /timed out after 30 ms/)
      await orch.idle()
      assert.equal(aborts, 2, 'each attempt saw its signal aborted')
    } finally {
      await orch.stop()
    }
  })

  test('a skipped task skips its downstream; all_done still runs; the run succeeds', async () => {
    const ran: string[] = []
    const orch = await running([defineDag({
      id: 'skips',
      tasks: [
        task({ id: 'check', run: ctx => ctx.skip('no new rows') }),
        task({ id: 'load', dependsOn: ['check'], run: () => void ran.push('load') }),
        task({ id: 'thrown', run: ctx => { throw ctx.skip('nothing to do') } }),
        task({ id: 'report', dependsOn: ['load', 'thrown'], run: () => void ran.push('report') }),
        task({ id: 'cleanup', dependsOn: ['report'], triggerRule: 'all_done', run: () => void ran.push('cleanup') }),
      ],
    })])
    try {
      const run = await orch.trigger('skips')
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      assert.deepEqual(await stateOf(orch, run.id), { check: 'skipped', load: 'skipped', thrown: 'skipped', report: 'skipped', cleanup: 'success' })
      assert.deepEqual(ran, ['cleanup'])
      const check = (await orch.tasks(run.id)).find(t => t.taskId === 'check')!
      assert.ok((await orch.logs(check.id)).lines.some(l => l.message === 'skipped: no new rows'))
    } finally {
      await orch.stop()
    }
  })

  test('values pass downstream; params take run overrides; the run knows its logical date and interval', async () => {
    const seen: unknown[] = []
    const orch = await running([defineDag({
      id: 'xcom',
      schedule: '@daily',
      startDate: '2024-01-01',
      params: { region: 'eu', limit: 10 },
      tasks: [
        task({ id: 'extract', run: ctx => ({ region: ctx.params.region ?? null, n: 3 }) }),
        task({ id: 'transform', dependsOn: ['extract'], run: ctx => ({ doubled: (ctx.pull<{ n: number }>('extract')?.n ?? 0) * 2 }) }),
        task({ id: 'silent', run: () => undefined }),
        task({
          id: 'load', dependsOn: ['transform', 'silent'],
          run: ctx => {
            seen.push(ctx.pull('silent') === undefined ? 'nothing' : 'something', ctx.pull('extract'), ctx.pull('transform'), ctx.params, ctx.conf, ctx.logicalDate.toISOString(), ctx.dataInterval.start.toISOString(), ctx.dataInterval.end.toISOString())
            return null
          },
        }),
      ],
    })])
    try {
      const run = await orch.trigger('xcom', { conf: { region: 'us', note: 'rerun' }, params: { limit: 5 }, logicalDate: '2024-03-05', triggeredBy: 'alice' })
      assert.equal(run.triggeredBy, 'alice')
      assert.equal((await orch.waitForRun(run.id)).state, 'success')
      assert.deepEqual(seen, [
        'nothing', { region: 'us', n: 3 }, { doubled: 6 }, { region: 'us', limit: 5 }, { region: 'us', note: 'rerun' },
        '2024-03-05T00:00:00.000Z', '2024-03-05T00:00:00.000Z', '2024-03-06T00:00:00.000Z',
      ])
      await assert.rejects(orch.trigger('xcom', { logicalDate: '2024-03-05' }), { code: 'DAG_RUN_ALREADY_EXISTS' })
      await assert.rejects(orch.trigger('xcom', { params: { nope: 1 } }), { code: 'INVALID_ARGUMENT', message: /no parameter nope/ })
    } finally {
      await orch.stop()
    }
  })

  test('pulling a task that is not upstream, or returning something that is not JSON, fails the task', async () => {
    const orch = await running([defineDag({
      id: 'bad_values',
      tasks: [
        task({ id: 'a', run: () => 1 }),
        task({ id: 'b', run: ctx => ctx.pull('a') ?? null }),
        task({ id: 'c', run: () => ({ big: 1n }) as never }),
      ],
    })])
    try {
      const run = await orch.trigger('bad_values')
      assert.equal((await orch.waitForRun(run.id)).state, 'failed')
      const tis = await orch.tasks(run.id)
      assert.match(tis.find(t => t.taskId === 'b')!.error!, /\[INVALID_ARGUMENT\] Task b cannot pull a/)
      assert.match(tis.find(t => t.taskId === 'c')!.error!, /not JSON-serializable/)
    } finally {
      await orch.stop()
    }
  })
})
