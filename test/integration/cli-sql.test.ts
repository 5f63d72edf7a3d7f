import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AkkoError, Secret, silentLogger } from '../../src/core/index.js'
import type { QueryEngine, QueryResult, Session } from '../../src/engine/engine.js'
import { bearerTokenAuthenticator, httpAppCreate, httpServerStart, type RunningServer } from '../../src/serve/index.js'
import { trinoGateway, type TrinoGateway } from '../../src/serve/trino/index.js'
import { statementsSplit } from '../../src/cli/commands/sql.js'
import { repoRoot, tmpHome } from '../support/paths.js'
import { startTestPlatform } from '../support/platform.js'

/** Answers a fixed typed result, USE, and the session it was given; anything else is a syntax error. */
class ScriptedEngine implements QueryEngine {
  async execute(text: string, session: Session): Promise<QueryResult> {
    const queryId = 'q'
    const sql = text.replace(/--[^\n]*\n/g, '').replace(/\s+/g, ' ').trim()
    if (sql === 'SELECT * FROM people') {
      return {
        queryId,
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'name', type: 'varchar' },
          { name: 'price', type: 'decimal(5,2)' },
          { name: 'tags', type: 'array(varchar)' },
          { name: 'bin', type: 'varbinary' },
        ],
        rows: once([
          [1, 'Ann "A"', '12.50', ['x', 'y'], 'AAH/'],
          [22, 'Bob', null, [], null],
        ]),
      }
    }
    if (sql === 'USE lake.sales') return { queryId, columns: [], rows: once([]), updateType: 'USE', sessionChanges: { setCatalog: 'lake', setSchema: 'sales' } }
    if (sql === 'SELECT current_catalog') return { queryId, columns: [{ name: 'c', type: 'varchar' }], rows: once([[`${session.user}@${session.catalog}.${session.schema}`]]) }
    if (sql === 'INSERT INTO t VALUES 1, 2') return { queryId, columns: [], rows: once([]), updateType: 'INSERT', updateCount: 2 }
    throw new AkkoError('SYNTAX_ERROR', "line 1:8: mismatched input 'FRM'", { line: 1, column: 8 })
  }
  async close(): Promise<void> {}
}

async function* once(rows: unknown[][]): AsyncGenerator<unknown[][]> {
  yield rows
}

const TOKEN = 'cli-sql-token'
let gateway: TrinoGateway
let server: RunningServer
const MAIN = join(repoRoot(), 'src', 'cli', 'main.ts')

before(async () => {
  gateway = trinoGateway({ engine: new ScriptedEngine(), log: silentLogger, impersonate: async () => ({ groups: [], roles: [] }) })
  const app = httpAppCreate({ authenticate: bearerTokenAuthenticator(new Secret(TOKEN)), log: silentLogger, mounts: [gateway.mount] })
  server = await httpServerStart(app, { host: '127.0.0.1', port: 0 })
})

after(async () => {
  gateway.close()
  await server.close()
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function akko(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'tester', AKKO_HOME: tmpHome(), ...opts.env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
    child.stdin.end(opts.stdin ?? '')
  })
}

const sqlArgs = (sql: string, ...more: string[]): string[] => ['sql', '--server', server.url, '--token', TOKEN, '-e', sql, ...more]

describe('akko sql against a server', () => {
  test('ALIGNED prints a Trino CLI table with a row count', async () => {
    const r = await akko(sqlArgs('SELECT * FROM people', '--output-format', 'ALIGNED'))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      r.stdout,
      [
        ' id |  name   | price |  tags  |   bin    ',
        '----+---------+-------+--------+----------',
        '  1 | Ann "A" | 12.50 | [x, y] | 00 01 ff ',
        ' 22 | Bob     |  NULL | []     | NULL     ',
        '(2 rows)',
        '',
      ].join('\n'),
    )
  })

  test('CSV (the -e default), CSV_HEADER, TSV and JSON; formats are case-insensitive', async () => {
    const csv = await akko(sqlArgs('SELECT * FROM people'))
    assert.equal(csv.code, 0, csv.stderr)
    assert.equal(csv.stdout, '"1","Ann ""A""","12.50","[x, y]","00 01 ff"\n"22","Bob","","[]",""\n')
    const header = await akko(sqlArgs('SELECT * FROM people', '--output-format', 'csv_header'))
    assert.equal(header.stdout.split('\n')[0], '"id","name","price","tags","bin"')
    const tsv = await akko(sqlArgs('SELECT * FROM people', '--output-format', 'TSV'))
    assert.equal(tsv.stdout, '1\tAnn "A"\t12.50\t[x, y]\t00 01 ff\n22\tBob\t\t[]\t\n')
    const json = await akko(sqlArgs('SELECT * FROM people;', '--output-format', 'json'))
    assert.equal(json.code, 0, json.stderr)
    const lines = json.stdout.trim().split('\n').map(l => JSON.parse(l))
    assert.deepEqual(lines[0], { id: 1, name: 'Ann "A"', price: '12.50', tags: ['x', 'y'], bin: 'AAH/' })
    assert.deepEqual(lines[1], { id: 22, name: 'Bob', price: null, tags: [], bin: null })
  })

  test('statements without rows print their update line', async () => {
    const r = await akko(sqlArgs('INSERT INTO t VALUES 1, 2'))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^INSERT: 2 rows$/m)
  })

  test('a query error exits 1 with the Trino error name; a bad format exits 2', async () => {
    const r = await akko(sqlArgs('SELECT x FRM t'))
    assert.equal(r.code, 1)
    assert.match(r.stderr, /error \[SYNTAX_ERROR\]: line 1:8: mismatched input 'FRM'/)
    const bad = await akko(sqlArgs('SELECT 1', '--output-format', 'xml'))
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--output-format must be one of/)
  })

  test('a wrong token is refused; the local admin token file is used when no --token is given', async () => {
    const wrong = await akko(['sql', '--server', server.url, '--token', 'nope', '-e', 'SELECT * FROM people'])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /UNAUTHENTICATED.*--token/)
    const home = tmpHome()
    mkdirSync(join(home, 'secrets'), { recursive: true })
    writeFileSync(join(home, 'secrets', 'admin-token'), TOKEN + '\n')
    const ok = await akko(['sql', '--server', server.url, '-e', 'SELECT current_catalog', '--catalog', 'c', '--schema', 's'], { env: { AKKO_HOME: home } })
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stdout, '"admin@c.s"\n', 'the admin token runs as admin')
  })

  test('statements read from stdin run in order and keep the session the server changed (USE)', async () => {
    const r = await akko(['sql', '--server', server.url, '--token', TOKEN, '--output-format', 'CSV'], {
      stdin: "USE lake.sales;\n-- a comment; not a statement end\nSELECT\n  current_catalog;\n",
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '"tester@lake.sales"\n')
    assert.match(r.stderr, /^USE$/m)
    const failing = await akko(['sql', '--server', server.url, '--token', TOKEN], { stdin: 'SELECT x FRM t;\nSELECT current_catalog;\n' })
    assert.equal(failing.code, 1)
    assert.match(failing.stderr, /Query failed \[SYNTAX_ERROR\]/)
    assert.match(failing.stderr, /SELECT x FRM t\n {7}\^/)
    assert.equal(failing.stdout, '')
  })

  test('statementsSplit ends statements at semicolons outside quotes and comments', () => {
    assert.deepEqual(statementsSplit("SELECT ';' AS a; SELECT 2 /* ; */;\nSELECT 3"), { statements: ["SELECT ';' AS a", 'SELECT 2 /* ; */'], rest: '\nSELECT 3' })
    assert.deepEqual(statementsSplit('SELECT "a;b" -- x;\n'), { statements: [], rest: 'SELECT "a;b" -- x;\n' })
  })
})

describe('akko sql against the real engine', () => {
  test('a served platform: DDL, DML and a query in each output format, token from AKKO_HOME', async () => {
    const tp = await startTestPlatform()
    try {
      const run = (sql: string, ...more: string[]) => akko(['sql', '--server', tp.baseUrl, '--catalog', 'iceberg', '-e', sql, ...more], { env: { AKKO_HOME: tp.home } })
      assert.equal((await run('CREATE SCHEMA shop')).code, 0)
      const create = await run('CREATE TABLE shop.items (id bigint, name varchar, price decimal(6,2))')
      assert.equal(create.code, 0, create.stderr)
      assert.match(create.stderr, /^CREATE TABLE$/m)
      const ins = await run("INSERT INTO shop.items VALUES (1, 'tea', 2.50), (2, 'cake', 4.00)")
      assert.match(ins.stderr, /^INSERT: 2 rows$/m)
      const q = 'SELECT id, name, price FROM shop.items ORDER BY id'
      const aligned = await run(q, '--output-format', 'ALIGNED')
      assert.equal(aligned.stdout, [' id | name | price ', '----+------+-------', '  1 | tea  |  2.50 ', '  2 | cake |  4.00 ', '(2 rows)', ''].join('\n'))
      assert.equal((await run(q)).stdout, '"1","tea","2.50"\n"2","cake","4.00"\n')
      assert.equal((await run(q, '--output-format', 'tsv_header')).stdout, 'id\tname\tprice\n1\ttea\t2.50\n2\tcake\t4.00\n')
      assert.deepEqual(JSON.parse((await run(q, '--output-format', 'JSON')).stdout.split('\n')[1]!), { id: 2, name: 'cake', price: '4.00' })
      const missing = await run('SELECT * FROM shop.nope')
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /TABLE_NOT_FOUND/)
    } finally {
      await tp.stop()
    }
  })

  test('--embedded runs the engine in-process on AKKO_HOME', async () => {
    const home = tmpHome()
    const r = await akko(['sql', '--embedded', '--output-format', 'CSV_HEADER'], {
      env: { AKKO_HOME: home },
      stdin: 'CREATE SCHEMA iceberg.e;\nUSE iceberg.e;\nCREATE TABLE t (x integer);\nINSERT INTO t VALUES (1), (2), (3);\nSELECT sum(x) AS total FROM t;\n',
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '"total"\n"6"\n')
  })
})
