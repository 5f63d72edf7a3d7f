/**
 * `akko demo banking-fraud` as a user runs it, in child processes on a fresh AKKO_HOME: with --no-serve it seeds
 * the embedded PostgreSQL, replicates into Iceberg and exits 0; run again (serving this time) it writes nothing
 * twice, and the demo realm's personas query `iceberg.banking.transactions` through the Trino protocol with
 * their rules in force.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { BasicAuth, Trino } from 'trino-client'
import { repoRoot, tmpHome } from '../support/paths.js'

const MAIN = join(repoRoot(), 'src', 'cli', 'main.ts')
const ROWS = 3000

function akkoSpawn(args: string[], home: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: repoRoot(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AKKO_HOME: home, AKKO_LOG_LEVEL: 'warn' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

async function rowsOf(client: Trino, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const r of await client.query(sql)) {
    if (r.error) throw new Error(`${r.error.errorName}: ${r.error.message}`)
    rows.push(...(r.data ?? []))
  }
  return rows
}

test('akko demo banking-fraud: --no-serve exits 0 when done; a second run duplicates nothing and serves the data to the personas', { timeout: 600_000 }, async () => {
  const home = tmpHome('akko-demo-')
  try {
    const first = akkoSpawn(['demo', 'banking-fraud', '--rows', String(ROWS), '--no-serve'], home)
    assert.equal(await first.exited, 0, first.err())
    assert.match(first.err(), /seed: \d+\/\d+ rows \(100%\)/, 'progress is shown')
    assert.match(first.out(), new RegExp(`seed: success .*\\(${ROWS} transactions`))
    assert.match(first.out(), new RegExp(`replicate_transactions: success .*\\(${ROWS} rows merged`))
    assert.match(first.out(), /replicate_dimensions: success/)

    const second = akkoSpawn(['demo', 'banking-fraud', '--rows', String(ROWS), '--port', '0'], home)
    const url = await new Promise<string>((resolve, reject) => {
      second.child.stdout.on('data', () => {
        const m = /running at (http:\/\/\S+)/.exec(second.out())
        if (m && second.out().includes('Press Ctrl-C')) resolve(m[1]!)
      })
      void second.exited.then(code => reject(new Error(`demo exited early (${code}): ${second.err()}`)))
    })
    try {
      assert.match(second.out(), /already seeded: nothing written/)
      assert.match(second.out(), /\(0 rows merged into iceberg\.banking\.transactions\)/)
      assert.match(second.out(), /DEMO REALM/)
      const alice = Trino.create({ server: url, auth: new BasicAuth('alice', 'alice123') })
      const [[count, distinct]] = (await rowsOf(alice, 'SELECT count(*), count(DISTINCT transaction_id) FROM iceberg.banking.transactions')) as [[number, number]]
      assert.equal(count, ROWS)
      assert.equal(distinct, ROWS, 'no duplicates after the second run')
      const source = (await rowsOf(alice, 'SELECT count(*), sum(amount) FROM postgresql.akko.raw_transactions'))[0]!
      const target = (await rowsOf(alice, 'SELECT count(*), sum(amount) FROM iceberg.banking.transactions'))[0]!
      assert.deepEqual(target, source, 'Iceberg holds exactly the seeded transactions')
      const partitions = await rowsOf(alice, 'SELECT count(*) FROM iceberg.banking."transactions$partitions"')
      assert.ok(Number(partitions[0]![0]) > 1, 'partitioned by region')
      // carol (analyst): EU rows only, PAN masked to its last four digits.
      const carol = Trino.create({ server: url, auth: new BasicAuth('carol', 'carol123') })
      const regions = await rowsOf(carol, 'SELECT DISTINCT region FROM iceberg.banking.transactions')
      assert.deepEqual(regions, [['EU']])
      const pans = await rowsOf(carol, 'SELECT card_pan, customer_name FROM iceberg.banking.transactions LIMIT 5')
      for (const [pan, name] of pans) {
        assert.match(String(pan), /^\*{12}\d{4}$/)
        assert.equal(name, '***')
      }
      // The replicated dimensions carry the holder's region, so the same rule filters them.
      assert.deepEqual(await rowsOf(carol, 'SELECT DISTINCT region FROM iceberg.banking.customers'), [['EU']])
      assert.deepEqual(await rowsOf(carol, 'SELECT DISTINCT region FROM iceberg.banking.accounts'), [['EU']])
      const dims = await rowsOf(alice, 'SELECT (SELECT count(*) FROM iceberg.banking.customers), (SELECT count(*) FROM postgresql.akko.customers)')
      assert.equal(dims[0]![0], dims[0]![1])
    } finally {
      second.child.kill('SIGTERM')
    }
    assert.equal(await second.exited, 0, second.err())
  } finally {
    await rm(home, { recursive: true, force: true })
  }
})
