import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Secret, silentLogger } from '../../core/index.js'
import type { TableContext } from '../../storage/index.js'
import type { CdcPipeline, CdcPipelineOptions, CdcStatus } from '../postgres/index.js'
import { CdcManager } from './cdc-manager.js'

/** A pipeline that streams, applies `rows`, and fails when told to. */
function fakePipeline(log: string[], opts: CdcPipelineOptions, failStart: boolean): CdcPipeline & { fail(msg: string): void } {
  let state: CdcStatus['state'] = 'idle'
  let error: string | undefined
  let streamed = false
  let settle!: { resolve: () => void; reject: (e: unknown) => void }
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
  done.catch(() => undefined)
  const status = (): CdcStatus => ({
    pipeline: opts.name, slot: `akko_${opts.name}`, publication: `akko_${opts.name}`, state, ...(error ? { error } : {}), lagMs: 5,
    pendingTransactions: 0, rowsApplied: streamed ? 3 : 0, transactionsApplied: streamed ? 1 : 0, transactionsSkipped: 0, commits: 1, snapshotRows: 0,
    lastAppliedLsn: '0/10', lastAppliedCommitTime: '2024-01-01T00:00:00.000Z',
  })
  return {
    done,
    status,
    async start() {
      log.push('start')
      if (failStart) {
        state = 'failed'
        error = 'connection refused'
        settle.reject(new Error(error))
        throw new Error(error)
      }
      state = 'streaming'
      streamed = true
    },
    async stop() {
      log.push('stop')
      state = 'stopped'
      settle.resolve()
    },
    fail(msg: string) {
      state = 'failed'
      error = msg
      settle.reject(new Error(msg))
    },
  }
}

test('the manager starts pipelines only when asked, restarts a failed one with growing delays, sums counters, stops on close', async () => {
  const log: string[] = []
  const made: ReturnType<typeof fakePipeline>[] = []
  let n = 0
  const m = new CdcManager({
    tables: { log: silentLogger } as unknown as TableContext, log: silentLogger, restartDelayMs: 20, maxRestartDelayMs: 1000,
    pipelines: [{ name: 'orders', url: new Secret('postgres://u:pw@db/x'), tables: [{ table: 'public.orders', target: 'raw.orders' }] }],
    create: o => {
      assert.equal(o.source && 'url' in o.source && o.source.url, 'postgres://u:pw@db/x')
      assert.deepEqual(o.streams, [{ table: 'public.orders', target: { namespace: ['raw'], name: 'orders' } }])
      // The second pipeline cannot connect; the others stream.
      const p = fakePipeline(log, o, n++ === 1)
      made.push(p)
      return p
    },
  })
  assert.equal(m.status()[0]!.state, 'configured')
  assert.equal(made.length, 0, 'nothing runs before start()')
  m.start()
  await waitFor(() => m.status()[0]!.state === 'streaming')
  made[0]!.fail('walsender went away')
  // Failed, then failed to start, then streaming again.
  await waitFor(() => made.length === 3 && m.status()[0]!.state === 'streaming')
  const s = m.status()[0]!
  assert.equal(s.restarts, 2)
  assert.equal(s.error, null, 'the error is cleared once the pipeline streams again')
  assert.equal(s.rowsApplied, 6, 'rows of the failed pipelines are kept in the sum')
  assert.equal(s.transactionsApplied, 2)
  assert.equal(s.lagMs, 5)
  assert.equal(s.lastAppliedCommitTime, '2024-01-01T00:00:00.000Z')
  await m.close()
  assert.deepEqual(log, ['start', 'start', 'start', 'stop'])
  assert.equal(m.status()[0]!.state, 'stopped')
  await m.close()
})

test('a target without a namespace fails when the manager is created', () => {
  assert.throws(() => new CdcManager({
    tables: {} as TableContext,
    pipelines: [{ name: 'x', url: new Secret('postgres://db/x'), tables: [{ table: 'orders', target: 'orders' }] }],
  }), /namespace\.table/)
})

async function waitFor(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(r => setTimeout(r, 5))
  }
}
