/**
 * CDC as a platform service: a pipeline configured in akko.yaml streams a fresh PostgreSQL database into Iceberg
 * once started (as `akko serve` does), rows become visible through the engine, system.runtime.cdc_pipelines and
 * GET /api/cdc report it, and a killed replication connection is restarted without losing or doubling a change.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { loadConfig, silentLogger } from '../../src/core/index.js'
import type { Session } from '../../src/engine/index.js'
import { cdcDrop, cdcSlotName } from '../../src/ingest/index.js'
import { createPlatform, startServer, type Platform, type StartedServer } from '../../src/platform.js'
import { commandRun, type CliIo } from '../../src/cli/command.js'
import { AKKO } from '../../src/cli/commands/index.js'
import { allRows } from '../support/engine.js'
import { tmpHome } from '../support/paths.js'
import { pgFreshDatabase } from '../support/postgres.js'

const ADMIN: Session = { user: 'admin', roles: ['akko-admin'], groups: [], properties: {}, preparedStatements: {} }
// Slot names are cluster-wide: one per run.
const NAME = `t_${randomBytes(4).toString('hex')}`

let db: { url: string; drop: () => Promise<void> }
let src: pg.Client
let home: string
let platform: Platform
let server: StartedServer
let token: string

before(async () => {
  db = await pgFreshDatabase('akko_cdc_platform')
  src = new pg.Client({ connectionString: db.url })
  await src.connect()
  await src.query('CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2), note text)')
  await src.query(`INSERT INTO orders VALUES (1, 10.00, 'first'), (2, 20.00, 'second')`)
  home = tmpHome('akko-cdc-platform-')
  await writeFile(join(home, 'akko.yaml'), [
    'cdc:',
    `  ${NAME}:`,
    `    url: ${db.url}`,
    '    tables:',
    '      - { table: public.orders, target: raw.orders }',
    '    flushInterval: 200ms',
    '',
  ].join('\n'))
  const env = { AKKO_HOME: home, AKKO_PORT: '0', AKKO_HOST: '127.0.0.1' }
  const cfg = loadConfig(env, home)
  platform = await createPlatform(cfg, silentLogger)
  server = await startServer(platform, cfg, { auth: 'token', env })
  token = (await readFile(server.adminTokenPath!, 'utf8')).trim()
})

after(async () => {
  await server?.close()
  await platform?.close()
  await src?.end()
  if (db) {
    await cdcDrop({ source: { url: db.url }, name: NAME })
    await db.drop()
  }
  if (home) await rm(home, { recursive: true, force: true })
})

const q = async (sql: string): Promise<unknown[][]> => allRows(await platform.engine!.execute(sql, ADMIN))

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await get()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))} ${JSON.stringify(platform.cdc.status())}`)
    await new Promise(r => setTimeout(r, 100))
  }
}

const tableRows = () => q('SELECT id, CAST(amount AS varchar), note FROM iceberg.raw.orders ORDER BY id').catch(() => [] as unknown[][])

test('the platform and its server do not replicate until the CDC manager is started', async () => {
  const [s] = platform.cdc.status()
  assert.equal(s!.name, NAME)
  assert.equal(s!.state, 'configured')
  const slots = await src.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [cdcSlotName(NAME)])
  assert.equal(slots.rowCount, 0)
})

test('started, the pipeline copies the table, then streams inserts, updates and deletes into Iceberg', async () => {
  platform.cdc.start()
  await until('the initial snapshot', tableRows, r => r.length === 2)
  await src.query(`INSERT INTO orders VALUES (3, 30.00, 'third'), (4, 40.00, 'fourth')`)
  await src.query('BEGIN')
  await src.query(`UPDATE orders SET amount = 11.00, note = 'changed' WHERE id = 1`)
  await src.query('DELETE FROM orders WHERE id = 2')
  await src.query('COMMIT')
  const rows = await until('the streamed changes', tableRows, r => r.length === 3 && r[0]![2] === 'changed')
  assert.deepEqual(rows, [[1, '11.00', 'changed'], [3, '30.00', 'third'], [4, '40.00', 'fourth']])
})

test('system.runtime.cdc_pipelines shows the pipeline, its lag and what it applied', async () => {
  const rows = await q(`SELECT name, state, lag_ms, last_applied_lsn, last_applied_commit_time, rows_applied, transactions_applied, error FROM system.runtime.cdc_pipelines`)
  assert.equal(rows.length, 1)
  const [name, state, lagMs, lsn, commitTime, rowsApplied, txApplied, error] = rows[0]!
  assert.equal(name, NAME)
  assert.equal(state, 'streaming')
  assert.equal(typeof lagMs, 'number')
  assert.ok((lagMs as number) >= 0)
  assert.match(String(lsn), /^[0-9A-F]+\/[0-9A-F]+$/)
  assert.notEqual(commitTime, null)
  assert.equal(rowsApplied, 4, 'two inserts, an update and a delete')
  assert.equal(txApplied, 2)
  assert.equal(error, null)
})

test('GET /api/cdc answers with the pipelines for an authenticated caller, 401 otherwise', async () => {
  const res = await fetch(`${server.url}/api/cdc`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  const body = await res.json() as { started: boolean; pipelines: { name: string; state: string; lagMs: number; rowsApplied: number; tables: unknown }[] }
  assert.equal(body.started, true)
  assert.equal(body.pipelines.length, 1)
  assert.equal(body.pipelines[0]!.name, NAME)
  assert.equal(body.pipelines[0]!.state, 'streaming')
  assert.equal(typeof body.pipelines[0]!.lagMs, 'number')
  assert.deepEqual(body.pipelines[0]!.tables, [{ table: 'public.orders', target: 'raw.orders' }])
  assert.doesNotMatch(JSON.stringify(body), /postgres:\/\//, 'the source URL is not shown')
  assert.equal((await fetch(`${server.url}/api/cdc`)).status, 401)
})

test('akko cdc status asks the server (the admin token of AKKO_HOME for a local one); json and table output', async () => {
  const run = async (args: string[]) => {
    let stdout = ''
    let stderr = ''
    const io: CliIo = {
      stdout: { write: (x: string) => (stdout += x) }, stderr: { write: (x: string) => (stderr += x) },
      env: { AKKO_HOME: home }, cwd: home, waitForShutdown: () => new Promise(() => undefined),
    }
    const code = await commandRun(AKKO, args, io, ['akko'])
    return { code, stdout, stderr }
  }
  const json = await run(['cdc', 'status', '--server', server.url, '--format', 'json'])
  assert.equal(json.code, 0, json.stderr)
  const body = JSON.parse(json.stdout) as { pipelines: { name: string; state: string; rowsApplied: number }[] }
  assert.deepEqual(body.pipelines.map(p => [p.name, p.state]), [[NAME, 'streaming']])
  const table = await run(['cdc', 'status', '--server', server.url])
  assert.equal(table.code, 0, table.stderr)
  assert.match(table.stdout, /^name\s+state\s+lag_ms\s+last_applied_lsn/)
  assert.match(table.stdout, new RegExp(`${NAME}\\s+streaming\\s+\\d+\\s+[0-9A-F]+/[0-9A-F]+`))
  const denied = await run(['cdc', 'status', '--server', server.url, '--token', 'wrong'])
  assert.equal(denied.code, 1)
})

test('a killed replication connection is restarted, and the changes around it arrive exactly once', async () => {
  await src.query(`INSERT INTO orders VALUES (5, 50.00, 'before the kill')`)
  await until('row 5', tableRows, r => r.length === 4)
  const killed = await src.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [cdcSlotName(NAME)])
  assert.equal(killed.rowCount, 1)
  await src.query(`INSERT INTO orders VALUES (6, 60.00, 'during the restart')`)
  await until('a restart', async () => platform.cdc.status()[0]!, s => s.restarts >= 1 && s.state === 'streaming')
  await src.query(`INSERT INTO orders VALUES (7, 70.00, 'after the restart')`)
  const rows = await until('rows 6 and 7', tableRows, r => r.length === 6)
  assert.deepEqual(rows.map(r => r[0]), [1, 3, 4, 5, 6, 7])
  assert.deepEqual(await q('SELECT count(*), count(DISTINCT id) FROM iceberg.raw.orders'), [[6, 6]])
})
