import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { dagDownstream, dagUpstream, defineDag, retryBackoffMs, task, type DagDefinition } from './dag.js'
import { sqlTask, sqlTemplate } from './sql-task.js'
import { triggerRuleDecide } from './trigger-rules.js'
import type { TaskState } from './types.js'

const noop = (): null => null

describe('DAG definitions', () => {
  test('defineDag lists every problem: ids, unknown dependencies, cycles, settings', () => {
    assert.throws(
      () => defineDag({
        id: 'bad id',
        maxActiveRuns: 0,
        tasks: [
          task({ id: 'a', dependsOn: ['c'], run: noop }),
          task({ id: 'b', dependsOn: ['a', 'ghost'], retries: -1, run: noop }),
          task({ id: 'c', dependsOn: ['b'], timeoutMs: 0, run: noop }),
          task({ id: 'a', run: noop }),
        ],
      }),
      (e: Error & { code?: string; details?: { problems?: string[] } }) => {
        assert.equal(e.code, 'INVALID_ARGUMENT')
        const p = e.details!.problems!.join('\n')
        for (const m of [/^id must be/m, /task a is defined twice/, /depends on "ghost"/, /cycle: a -> c -> b -> a/, /retries must be a non-negative integer/, /timeoutMs must be a positive number/, /maxActiveRuns must be a positive integer/]) assert.match(p, m)
        return true
      },
    )
    assert.throws(() => defineDag({ id: 'empty', tasks: [] }), /tasks must be a non-empty array/)
  })

  test('a valid DAG comes back frozen; upstream and downstream follow the dependencies', () => {
    const dag: DagDefinition = defineDag({
      id: 'shape',
      tasks: [
        task({ id: 'a', run: noop }),
        task({ id: 'b', dependsOn: ['a'], run: noop }),
        task({ id: 'c', dependsOn: ['b'], run: noop }),
        task({ id: 'd', dependsOn: ['a'], run: noop }),
        task({ id: 'e', run: noop }),
      ],
    })
    assert.ok(Object.isFrozen(dag) && Object.isFrozen(dag.tasks))
    assert.deepEqual([...dagUpstream(dag, 'c')].sort(), ['a', 'b'])
    assert.deepEqual([...dagDownstream(dag, ['a'])].sort(), ['b', 'c', 'd'])
    assert.deepEqual([...dagDownstream(dag, ['e'])], [])
  })

  test('retry backoff doubles from the base delay and stops at the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(n => retryBackoffMs(n, 1000, 5000)), [1000, 2000, 4000, 5000, 5000])
  })
})

describe('trigger rules', () => {
  const cases: Array<[Parameters<typeof triggerRuleDecide>[0], TaskState[], string]> = [
    ['all_success', [], 'run'],
    ['all_success', ['success', 'success'], 'run'],
    ['all_success', ['success', 'running'], 'wait'],
    ['all_success', ['up_for_retry', 'success'], 'wait'],
    ['all_success', ['failed', 'running'], 'upstream_failed'],
    ['all_success', ['upstream_failed'], 'upstream_failed'],
    ['all_success', ['skipped', 'success'], 'skip'],
    ['all_done', ['failed', 'skipped', 'success'], 'run'],
    ['all_done', ['failed', 'queued'], 'wait'],
    ['none_failed', ['skipped', 'success'], 'run'],
    ['none_failed', ['skipped', 'failed'], 'upstream_failed'],
    ['one_success', ['success', 'running'], 'run'],
    ['one_success', ['skipped', 'skipped'], 'skip'],
    ['one_success', ['failed', 'skipped'], 'upstream_failed'],
    ['one_failed', ['failed', 'running'], 'run'],
    ['one_failed', ['success', 'skipped'], 'skip'],
    ['one_failed', ['success', 'queued'], 'wait'],
  ]
  for (const [rule, states, want] of cases) {
    test(`${rule} with [${states.join(', ')}] -> ${want}`, () => assert.equal(triggerRuleDecide(rule, states), want))
  }
})

describe('SQL task', () => {
  const ctx = { logicalDate: new Date('2024-03-05T00:00:00Z'), dataInterval: { start: new Date('2024-03-05T00:00:00Z'), end: new Date('2024-03-06T00:00:00Z') } }

  test('date placeholders are replaced; an unknown one is an error', () => {
    assert.equal(
      sqlTemplate("DELETE FROM t WHERE day = DATE '{{ ds }}' AND ts >= TIMESTAMP '{{data_interval_start}}' -- {{ ds_nodash }}", ctx),
      "DELETE FROM t WHERE day = DATE '2024-03-05' AND ts >= TIMESTAMP '2024-03-05T00:00:00.000Z' -- 20240305",
    )
    assert.throws(() => sqlTemplate('SELECT {{ params.x }}', ctx), { code: 'INVALID_ARGUMENT', message: /Unknown placeholder \{\{ params\.x \}\}/ })
  })

  test('runs the statement on the engine from the services, with the run\'s dates, and returns a small result', async () => {
    const seen: Array<{ sql: string; user: string; aborted: boolean }> = []
    const engine = {
      async execute(sql: string, session: { user: string }, opts?: { signal?: AbortSignal }) {
        seen.push({ sql, user: session.user, aborted: opts?.signal?.aborted ?? true })
        return { queryId: 'q', columns: [{ name: 'n', type: 'bigint' }], rows: (async function* () { yield [[1], [2]]; yield [[3]] })() }
      },
    }
    const lines: string[] = []
    const t = sqlTask({ id: 'count', sql: "SELECT n FROM t WHERE day = DATE '{{ ds }}'", user: 'etl', maxRows: 2 })
    const value = await t.run({
      ...ctx, dagId: 'd', runId: 1, runType: 'manual', taskId: 'count', taskInstanceId: 1, attempt: 1, maxAttempts: 1, params: {}, conf: {},
      log: { debug: () => {}, info: m => lines.push(m), warn: () => {}, error: () => {} },
      signal: new AbortController().signal, services: { engine: engine as never }, pull: () => undefined, skip: () => { throw new Error('unused') },
    })
    assert.deepEqual(seen, [{ sql: "SELECT n FROM t WHERE day = DATE '2024-03-05'", user: 'etl', aborted: false }])
    assert.deepEqual(value, { columns: ['n'], rows: [[1], [2]], rowCount: 3, updateType: null, updateCount: null })
    assert.deepEqual(lines, ["running SQL: SELECT n FROM t WHERE day = DATE '2024-03-05'", '3 rows'])
  })
})
