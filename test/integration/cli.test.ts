import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { repoRoot, tmpHome } from '../support/paths.js'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

const MAIN = join(repoRoot(), 'src', 'cli', 'main.ts')

/** Runs `akko …` in a child process, as a user would (through tsx rather than the built dist/). */
function akko(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

describe('akko CLI', () => {
  test('--help lists the commands; a command --help lists its options', async () => {
    const r = await akko(['--help'])
    assert.equal(r.code, 0)
    for (const name of ['serve', 'config', 'iceberg']) assert.match(r.stdout, new RegExp(`^  ${name}\\s`, 'm'))
    const sub = await akko(['iceberg', '--help'])
    assert.equal(sub.code, 0)
    for (const name of ['namespaces', 'tables', 'show', 'snapshots']) assert.match(sub.stdout, new RegExp(`^  ${name}`, 'm'))
    const show = await akko(['iceberg', 'show', '--help'])
    assert.equal(show.code, 0)
    assert.match(show.stdout, /Usage: akko iceberg show <namespace\.table>/)
    assert.match(show.stdout, /--format <table\|json>/)
  })

  test('usage mistakes exit with 2 and say what is wrong', async () => {
    const unknown = await akko(['frobnicate'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /error \[INVALID_ARGUMENT\]: Unknown command "akko frobnicate"/)
    const badOption = await akko(['config', '--colour'])
    assert.equal(badOption.code, 2)
    assert.match(badOption.stderr, /--colour/)
    const missing = await akko(['iceberg', 'show'])
    assert.equal(missing.code, 2)
    const badFormat = await akko(['config', '--format', 'xml'])
    assert.equal(badFormat.code, 2)
  })

  test('config prints the effective configuration with the metastore password hidden', async () => {
    const home = tmpHome()
    const env = { AKKO_HOME: home, AKKO_METASTORE_URL: 'postgres://u:hunter2@db.example:5432/akko' }
    const r = await akko(['config'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.ok(!r.stdout.includes('hunter2') && !r.stderr.includes('hunter2'))
    assert.match(r.stdout, /metastore: postgres:\/\/u:\*\*\*@db\.example:5432\/akko/)
    const json = await akko(['config', '--format', 'json'], env)
    assert.equal(json.code, 0)
    const parsed = JSON.parse(json.stdout)
    assert.equal(parsed.home, home)
    assert.ok(!json.stdout.includes('hunter2'))
  })

  test('iceberg namespaces on an empty home lists nothing; an unknown table is error exit 1', async () => {
    const home = tmpHome()
    const r = await akko(['iceberg', 'namespaces', '--format', 'json'], { AKKO_HOME: home })
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), [])
    const table = await akko(['iceberg', 'namespaces'], { AKKO_HOME: home })
    assert.equal(table.code, 0)
    assert.match(table.stdout, /^namespace\s+properties$/m)
    const missing = await akko(['iceberg', 'show', 'sales.orders'], { AKKO_HOME: home })
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^error \[TABLE_NOT_FOUND\]: Table sales\.orders does not exist/m)
    const missingJson = await akko(['iceberg', 'snapshots', 'sales.orders', '--format', 'json'], { AKKO_HOME: home })
    assert.equal(missingJson.code, 1)
    assert.equal(JSON.parse(missingJson.stderr).error.code, 'TABLE_NOT_FOUND')
  })

  test('serve answers REST calls with the generated token, stops on SIGTERM; iceberg commands then show the table', async () => {
    const home = tmpHome()
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0'], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AKKO_HOME: home, AKKO_LOG_LEVEL: 'warn' },
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', d => (stderr += d))
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', d => {
        stdout += d
        const m = /running at (http:\/\/\S+)/.exec(stdout)
        if (m && stdout.includes('Press Ctrl-C')) resolve(m[1]!)
      })
      void exited.then(code => reject(new Error(`serve exited early (${code}): ${stderr}`)))
    })
    try {
      assert.match(stdout, new RegExp(`Iceberg REST catalog URI: ${url}/iceberg`))
      const tokenPath = join(home, 'secrets', 'admin-token')
      assert.ok(stdout.includes(tokenPath))
      const token = (await readFile(tokenPath, 'utf8')).trim()
      assert.ok(!stdout.includes(token) && !stderr.includes(token), 'the token itself is never printed')
      const call = (path: string, body: unknown, auth = true): Promise<Response> =>
        fetch(`${url}/iceberg/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })
      assert.equal((await call('/namespaces', { namespace: ['sales'] }, false)).status, 401)
      assert.equal((await call('/namespaces', { namespace: ['sales'] })).status, 200)
      const schema = { type: 'struct', fields: [{ id: 1, name: 'id', type: 'long', required: true }, { id: 2, name: 'amount', type: 'decimal(10,2)', required: false }] }
      assert.equal((await call('/namespaces/sales/tables', { name: 'orders', schema, properties: { owner: 'ana' } })).status, 200)
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0, stderr)

    const tables = await akko(['iceberg', 'tables'], { AKKO_HOME: home })
    assert.equal(tables.code, 0, tables.stderr)
    assert.match(tables.stdout, /^sales\s+orders$/m)
    const show = await akko(['iceberg', 'show', 'sales.orders'], { AKKO_HOME: home })
    assert.equal(show.code, 0, show.stderr)
    assert.match(show.stdout, /^\s+1\s+id\s+long\s+required$/m)
    assert.match(show.stdout, /^\s+2\s+amount\s+decimal\(10,\s?2\)\s+optional$/m)
    assert.match(show.stdout, /owner = ana/)
    assert.match(show.stdout, /Current snapshot: none/)
    const snaps = await akko(['iceberg', 'snapshots', 'sales.orders', '--format', 'json'], { AKKO_HOME: home })
    assert.equal(snaps.code, 0, snaps.stderr)
    assert.deepEqual(JSON.parse(snaps.stdout), [])
  })
})
