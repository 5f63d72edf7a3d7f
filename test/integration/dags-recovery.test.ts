/**
 * Killing an orchestrator mid-task and starting another on the same embedded metastore: the task is not lost.
 * With attempts left it is retried (attempt 2) and the run completes; without, it is failed. The task never runs
 * in two processes at once (a marker file records the pid holding it).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { orchestratorCreate } from '../../src/ingest/index.js'
import { PgliteMetastore } from '../../src/storage/index.js'
import { repoRoot, tmpHome } from '../support/paths.js'
import { recoveryDag, WORKER_LEASE } from './helpers/dags-worker.js'

let home: string
let dir: string

before(() => {
  home = tmpHome('akko-dags-recovery-')
  dir = join(home, 'metastore')
})
after(async () => rm(home, { recursive: true, force: true }))

/** Starts the worker, waits until its task runs, kills it with SIGKILL; returns the run id. */
async function killMidTask(dagId: string, retries: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/helpers/dags-worker.ts', dir, home, dagId, String(retries)], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'inherit'] })
  const runId = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /RUNNING (\d+)\n/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', code => reject(new Error(`the worker exited early with ${code}`)))
  })
  child.kill('SIGKILL')
  await new Promise(r => child.once('close', r))
  return runId
}

/** A new orchestrator on the same metastore, run until the killed run has finished. */
async function recover(dagId: string, retries: number, runId: number) {
  const metastore = await PgliteMetastore.open(dir)
  try {
    const orch = await orchestratorCreate({ metastore, dags: [recoveryDag(dagId, retries, home)], pollMs: 20, ...WORKER_LEASE })
    const before = await orch.tasks(runId)
    assert.equal(before[0]!.state, 'running', 'the killed process left its task running')
    orch.start({ schedule: false })
    const run = await orch.waitForRun(runId)
    await orch.stop()
    const [ti] = await orch.tasks(runId)
    return { run, ti: ti!, attempts: await orch.attempts(ti!.id), log: await orch.logs(ti!.id, 1) }
  } finally {
    await metastore.close()
  }
}

const events = (dagId: string): string[] => readFileSync(join(home, `${dagId}.events`), 'utf8').trim().split('\n')

test('a task killed with its orchestrator is retried by the next one, and the run completes', async () => {
  const runId = await killMidTask('recover_retry', 1)
  const r = await recover('recover_retry', 1, runId)
  assert.equal(r.run.state, 'success')
  assert.equal(r.ti.state, 'success')
  assert.equal(r.ti.tryNumber, 2)
  assert.deepEqual(r.attempts.map(a => [a.attempt, a.state]), [[1, 'failed'], [2, 'success']])
  assert.match(r.attempts[0]!.error!, /attempt 1 was lost: .* stopped renewing its lease .*; next attempt in 1 ms/)
  assert.notEqual(r.attempts[0]!.owner, r.attempts[1]!.owner)
  assert.ok(r.log.lines.some(l => /attempt 1 was lost/.test(l.message)), 'the lost attempt\'s log says what happened')
  assert.deepEqual(events('recover_retry'), ['start 1', 'start 2', 'end 2'])
  assert.equal(existsSync(join(home, 'recover_retry.overlap')), false, 'never ran in two processes at once')
})

test('with no attempt left, the killed task is failed (not lost, not run again)', async () => {
  const runId = await killMidTask('recover_fail', 0)
  const r = await recover('recover_fail', 0, runId)
  assert.equal(r.run.state, 'failed')
  assert.equal(r.ti.state, 'failed')
  assert.equal(r.ti.tryNumber, 1)
  assert.match(r.ti.error!, /attempt 1 was lost: .*; no attempt left/)
  assert.deepEqual(r.attempts.map(a => [a.attempt, a.state]), [[1, 'failed']])
  assert.deepEqual(events('recover_fail'), ['start 1'])
})
