/**
 * The orchestrator over HTTP (`/api/dags…` behind the platform's authentication) and through `akko dags`, both
 * against a running server (`--server`) and in-process on an AKKO_HOME, with DAGs loaded from a dags folder.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { AkkoError, silentLogger } from '../../src/core/index.js'
import type { AuditEventInput } from '../../src/govern/index.js'
import { orchestratorCreate, type DagRun, type Orchestrator } from '../../src/ingest/index.js'
import { ADMIN_TOKEN_IDENTITY, dagsApi, DagsApiClient, genericErrorResponse, httpAppCreate, httpServerStart, type HttpMount, type Identity, type RunningServer } from '../../src/serve/index.js'
import { PgliteMetastore, type Metastore } from '../../src/storage/index.js'
import { commandRun, type CliIo } from '../../src/cli/command.js'
import { AKKO } from '../../src/cli/commands/index.js'
import { repoRoot, tmpHome } from '../support/paths.js'

const HELLO_DAG = `
export default {
  id: 'hello',
  params: { who: 'world' },
  tasks: [
    { id: 'greet', run: ctx => { ctx.log.info('hello ' + ctx.params.who); return { greeted: ctx.params.who } } },
    { id: 'shout', dependsOn: ['greet'], run: ctx => ctx.pull('greet').greeted.toUpperCase() },
  ],
}
export const broken = { id: 'broken', tasks: [{ id: 'a', dependsOn: ['a'], run() {} }] }
`
const DAILY_DAG = `export default { id: 'daily', schedule: '@daily', startDate: '2024-01-01', paused: true, tasks: [{ id: 't', run: ctx => ctx.dataInterval.start.toISOString() }] }\n`

/** Writes a dags folder with the test DAGs under `home`. */
async function dagsFolder(home: string): Promise<string> {
  const dir = join(home, 'dags')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'hello.mjs'), HELLO_DAG)
  await writeFile(join(dir, 'daily.mjs'), DAILY_DAG)
  return dir
}

const VIEWER: Identity = { subject: 'dave', method: 'oidc', groups: [], roles: ['akko-viewer', 'akko-user'] }

let home: string
let metastore: Metastore
let orch: Orchestrator
let app: ReturnType<typeof httpAppCreate>
const audited: AuditEventInput[] = []

before(async () => {
  home = tmpHome('akko-dags-api-')
  metastore = await PgliteMetastore.open(join(home, 'metastore'))
  orch = await orchestratorCreate({ metastore, dagsDirs: [await dagsFolder(home)], pollMs: 20, heartbeatMs: 100 })
  orch.start({ schedule: false })
  const authenticate = (h: string | undefined): Identity => {
    if (h === 'Bearer admin-secret') return ADMIN_TOKEN_IDENTITY
    if (h === 'Bearer viewer-secret') return VIEWER
    throw new AkkoError('UNAUTHENTICATED', 'no')
  }
  const api = dagsApi(orch, { audit: { record: e => void audited.push(e), flush: async () => {} } })
  app = httpAppCreate({ authenticate, log: silentLogger, mounts: [{ prefix: '/api', app: api as unknown as HttpMount['app'], renderError: genericErrorResponse }] })
})
after(async () => {
  await orch.stop()
  await metastore.close()
  await rm(home, { recursive: true, force: true })
})

async function call(method: string, path: string, token = 'admin-secret', body?: unknown): Promise<{ status: number; json: any }> {
  const res = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

async function finished(runId: number): Promise<any> {
  for (;;) {
    const r = await call('GET', `/api/runs/${runId}`)
    if (r.json.state === 'success' || r.json.state === 'failed') return r.json
    await new Promise(res => setTimeout(res, 20))
  }
}

describe('HTTP API', () => {
  test('lists DAGs and load errors; triggers a run as the caller; shows its tasks and logs', async () => {
    const list = await call('GET', '/api/dags', 'viewer-secret')
    assert.equal(list.status, 200)
    assert.deepEqual(list.json.dags.map((d: { id: string }) => d.id), ['daily', 'hello'])
    assert.equal(list.json.dags[0].paused, true)
    assert.equal(list.json.dags[0].schedule, '@daily')
    assert.match(list.json.errors[0].file, /hello\.mjs$/)
    assert.match(list.json.errors[0].message, /cycle/)

    const created = await call('POST', '/api/dags/hello/runs', 'admin-secret', { conf: { who: 'akko' } })
    assert.equal(created.status, 201)
    assert.equal(created.json.triggeredBy, 'admin')
    assert.equal(created.json.params.who, 'akko')
    const run = await finished(created.json.id)
    assert.equal(run.state, 'success')

    const tasks = await call('GET', `/api/runs/${run.id}/tasks`, 'viewer-secret')
    assert.deepEqual(tasks.json.tasks.map((t: { taskId: string; state: string }) => [t.taskId, t.state]), [['greet', 'success'], ['shout', 'success']])
    const greet = tasks.json.tasks[0]
    const logs = await call('GET', `/api/tasks/${greet.id}/logs`, 'viewer-secret')
    assert.equal(logs.json.attempt, 1)
    assert.ok(logs.json.lines.some((l: { message: string }) => l.message === 'hello akko'))
    const runs = await call('GET', '/api/dags/hello/runs?limit=5', 'viewer-secret')
    assert.deepEqual(runs.json.runs.map((r: { id: number }) => r.id), [run.id])
    assert.ok(audited.some(e => e.action === 'dag.trigger' && e.actor === 'admin' && e.outcome === 'success'))
  })

  test('operations need an operator role; bad input gets a 4xx with a code', async () => {
    const denied = await call('POST', '/api/dags/hello/runs', 'viewer-secret', {})
    assert.equal(denied.status, 403)
    assert.equal(denied.json.error.code, 'PERMISSION_DENIED')
    assert.ok(audited.some(e => e.kind === 'denial' && e.actor === 'dave' && e.action === 'dag.trigger'))
    assert.equal((await call('POST', '/api/dags/daily/pause', 'viewer-secret')).status, 403)
    assert.equal((await call('GET', '/api/dags', 'nobody')).status, 401)
    assert.deepEqual((await call('GET', '/api/dags/nope/runs')).json.error.code, 'NOT_FOUND')
    assert.deepEqual((await call('GET', '/api/runs/abc/tasks')).json.error.code, 'INVALID_REQUEST')
    assert.equal((await call('GET', '/api/tasks/999999/logs')).status, 404)
    assert.equal((await call('POST', '/api/dags/hello/runs', 'admin-secret', { conf: [1] })).json.error.code, 'INVALID_REQUEST')
    const bad = await app.request('/api/dags/hello/runs', { method: 'POST', headers: { authorization: 'Bearer admin-secret' }, body: '{' })
    assert.equal(bad.status, 400)
    assert.equal((await call('POST', '/api/dags/hello/backfill', 'admin-secret', { from: '2024-01-01', to: '2024-01-02' })).json.error.code, 'INVALID_ARGUMENT')
  })

  test('backfill, pause, unpause and clear over HTTP', async () => {
    const bf = await call('POST', '/api/dags/daily/backfill', 'admin-secret', { from: '2024-02-01', to: '2024-02-02' })
    assert.equal(bf.status, 201)
    assert.deepEqual(bf.json.created.map((r: { logicalDate: string }) => r.logicalDate), ['2024-02-01T00:00:00.000Z', '2024-02-02T00:00:00.000Z'])
    const again = await call('POST', '/api/dags/daily/backfill', 'admin-secret', { from: '2024-02-01', to: '2024-02-02' })
    assert.deepEqual([again.status, again.json.created.length, again.json.existing], [200, 0, 2])
    assert.equal((await call('GET', `/api/runs/${bf.json.created[0].id}`)).json.state, 'queued', 'the DAG is paused')
    assert.equal((await call('POST', '/api/dags/daily/unpause')).json.paused, false)
    const [r1, r2] = [await finished(bf.json.created[0].id), await finished(bf.json.created[1].id)]
    assert.deepEqual([r1.state, r2.state], ['success', 'success'])
    assert.equal((await call('POST', '/api/dags/daily/pause')).json.paused, true)

    const hello = await call('POST', '/api/dags/hello/runs', 'admin-secret', {})
    await finished(hello.json.id)
    const [greet] = (await call('GET', `/api/runs/${hello.json.id}/tasks`)).json.tasks
    const cleared = await call('POST', `/api/tasks/${greet.id}/clear`, 'admin-secret', { downstream: true })
    assert.deepEqual(cleared.json.cleared.map((t: { taskId: string }) => t.taskId), ['greet', 'shout'])
    const rerun = await finished(hello.json.id)
    assert.equal(rerun.state, 'success')
    const after = (await call('GET', `/api/runs/${hello.json.id}/tasks`)).json.tasks
    assert.deepEqual(after.map((t: { tryNumber: number }) => t.tryNumber), [2, 2])
    const attempts = await call('GET', `/api/tasks/${greet.id}/attempts`)
    assert.deepEqual(attempts.json.attempts.map((a: { attempt: number; state: string }) => [a.attempt, a.state]), [[1, 'success'], [2, 'success']])
  })

  test('the client speaks the API: dates come back as Dates, errors as AkkoErrors with the server\'s code', async () => {
    const client = new DagsApiClient('http://platform.test', 'admin-secret', ((url: string, init?: RequestInit) => app.request(url, init)) as typeof fetch)
    const run: DagRun = await client.trigger('hello', { logicalDate: '2030-01-01T00:00:00Z', conf: { who: 'client' } })
    assert.ok(run.logicalDate instanceof Date)
    assert.equal(run.logicalDate.toISOString(), '2030-01-01T00:00:00.000Z')
    await assert.rejects(client.trigger('hello', { logicalDate: '2030-01-01T00:00:00Z' }), (e: AkkoError) => e.code === 'DAG_RUN_ALREADY_EXISTS')
    await assert.rejects(client.runs('missing'), (e: AkkoError) => e.code === 'NOT_FOUND')
    assert.deepEqual((await client.dags()).map(d => d.id), ['daily', 'hello'])
    assert.equal((await client.loadErrors()).length, 1)
  })
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function akko(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot(), 'src', 'cli', 'main.ts'), ...args], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'tester', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

describe('akko dags', () => {
  let server: RunningServer
  before(async () => {
    server = await httpServerStart(app, { host: '127.0.0.1', port: 0 })
  })
  after(async () => server.close())

  test('against a server: trigger --wait follows the run; runs and logs read it back; a viewer cannot trigger', async () => {
    const conn = ['--server', server.url, '--token', 'admin-secret']
    const r = await akko(['dags', 'trigger', 'hello', '--conf', '{"who":"cli"}', '--wait', '--format', 'json', ...conn])
    assert.equal(r.code, 0, r.stderr)
    const tasks = JSON.parse(r.stdout) as Array<{ id: number; taskId: string; state: string }>
    assert.deepEqual(tasks.map(t => [t.taskId, t.state]), [['greet', 'success'], ['shout', 'success']])
    assert.match(r.stderr, /succeeded/)
    const logs = await akko(['dags', 'logs', String(tasks[0]!.id), ...conn])
    assert.equal(logs.code, 0, logs.stderr)
    assert.match(logs.stdout, /INFO {2}hello cli/)
    const runs = await akko(['dags', 'runs', 'hello', '--format', 'json', ...conn])
    assert.ok((JSON.parse(runs.stdout) as Array<{ triggeredBy: string }>).some(x => x.triggeredBy === 'admin'))
    const denied = await akko(['dags', 'trigger', 'hello', '--server', server.url, '--token', 'viewer-secret'])
    assert.equal(denied.code, 1)
    assert.match(denied.stderr, /error \[PERMISSION_DENIED\]/)
    const usage = await akko(['dags', 'trigger', 'hello', '--conf', 'not json', ...conn])
    assert.equal(usage.code, 2)
  })

  test('trigger --wait draws a progress bar on a terminal, then prints the tasks', async () => {
    let stdout = ''
    let stderr = ''
    const io: CliIo = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s), isTTY: true },
      env: { HOME: process.env.HOME }, cwd: home, waitForShutdown: () => new Promise(() => undefined),
    }
    const code = await commandRun(AKKO, ['dags', 'trigger', 'hello', '--wait', '--server', server.url, '--token', 'admin-secret'], io, ['akko'])
    assert.equal(code, 0, stderr)
    assert.match(stderr, /\rhello run \d+ \[#+\] 2\/2 100%/)
    assert.match(stderr, /run \d+ of hello succeeded\n$/)
    assert.match(stdout, /^task_instance\s+task\s+state\s+attempts/)
    assert.match(stdout, /\s+greet\s+success\s+1\/1\s/)
  })

  test('in-process on AKKO_HOME: trigger --wait runs the DAG here; list shows it and the file problems', async () => {
    const local = tmpHome('akko-dags-cli-')
    try {
      await dagsFolder(local)
      const env = { AKKO_HOME: local }
      const run = await akko(['dags', 'trigger', 'hello', '--wait', '--format', 'json'], env)
      assert.equal(run.code, 0, run.stderr)
      const tasks = JSON.parse(run.stdout) as Array<{ id: number; state: string }>
      assert.deepEqual(tasks.map(t => t.state), ['success', 'success'])
      const list = await akko(['dags', 'list'], env)
      assert.equal(list.code, 0, list.stderr)
      assert.match(list.stdout, /^hello\s+no\s+2\s+\S*\s*\d+ success$/m)
      // Catch-up is off: the next run is the latest complete day, which ends at the last midnight (UTC).
      assert.match(list.stdout, /^daily\s+@daily\s+yes\s+1\s+\d{4}-\d\d-\d\dT00:00:00\.000Z\s*$/m)
      assert.match(list.stderr, /^warning: .*hello\.mjs: export broken: DAG broken is not valid:\n- tasks form a cycle: a -> a$/m)
    } finally {
      await rm(local, { recursive: true, force: true })
    }
  })
})
