import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, silentLogger } from '../../src/core/index.js'
import { createPlatform } from '../../src/platform.js'
import { tableAppend, tableDelete, tableReadAll } from '../../src/storage/index.js'
import { repoRoot, tmpHome } from '../support/paths.js'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

interface FileRow {
  path: string
  content: string
  partition: string
  records: number
  size_bytes: number
  delete_files: number | null
}

const MAIN = join(repoRoot(), 'src', 'cli', 'main.ts')
const TABLE = 'shop.orders'
const IDENT = { namespace: ['shop'], name: 'orders' }
const schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'amount', required: false, type: 'double' },
  ],
} as const
const batchSql = (from: number, to: number): string =>
  `SELECT i::BIGINT AS id, ['EU','US','APAC','LATAM'][(i % 4) + 1] AS region, i * 1.5 AS amount FROM range(${from}, ${to}) t(i)`

const openPlatform = (home: string) => createPlatform(loadConfig({ AKKO_HOME: home }), silentLogger)

/** Runs `akko …` in a child process, as a user would (through tsx rather than the built dist/). */
function akko(home: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: repoRoot(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AKKO_HOME: home },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

async function filesJson(home: string, extra: string[] = []): Promise<FileRow[]> {
  const r = await akko(home, ['iceberg', 'files', TABLE, '--format', 'json', ...extra])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as FileRow[]
}

const localPath = (location: string): string => (location.startsWith('file:') ? fileURLToPath(location) : location)

describe('akko iceberg maintenance commands', () => {
  const home = tmpHome()
  let firstSnapshotId = ''
  let liveRows = 0
  let tableLocation = ''
  let originalFiles: string[] = []
  let compactedFiles: string[] = []

  // Three appends over four regions (12 data files), then a delete that leaves position delete files.
  before(async () => {
    const p = await openPlatform(home)
    try {
      await p.catalog.createNamespace(IDENT.namespace)
      await p.catalog.createTable(IDENT, { name: IDENT.name, schema, 'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' }] } })
      const first = await tableAppend(p.tables, IDENT, { sql: batchSql(0, 100) })
      firstSnapshotId = String(first!.snapshot['snapshot-id'])
      await tableAppend(p.tables, IDENT, { sql: batchSql(100, 200) })
      await tableAppend(p.tables, IDENT, { sql: batchSql(200, 300) })
      await tableDelete(p.tables, IDENT, { sql: 'id % 7 = 0' })
      liveRows = (await tableReadAll(p.tables, IDENT)).length
      tableLocation = localPath((await p.catalog.loadTable(IDENT)).metadata.location)
    } finally {
      await p.close()
    }
    assert.equal(liveRows, 300 - 43)
  })
  after(() => rmSync(home, { recursive: true, force: true }))

  test('files lists the live data and delete files, with partitions and the deletes that apply', async () => {
    const rows = await filesJson(home)
    const data = rows.filter(r => r.content === 'DATA')
    const deletes = rows.filter(r => r.content === 'POSITION_DELETES')
    assert.equal(data.length, 12, 'three batches over four regions')
    assert.equal(data.reduce((a, r) => a + r.records, 0), 300, 'data files still hold the deleted rows; deletes mask them')
    assert.deepEqual([...new Set(data.map(r => r.partition))].sort(), ['region=APAC', 'region=EU', 'region=LATAM', 'region=US'])
    assert.ok(deletes.length > 0, 'the delete wrote position delete files')
    assert.equal(deletes.reduce((a, r) => a + r.records, 0), 43, 'one position delete per deleted row')
    assert.ok(data.every(r => r.size_bytes > 0 && (r.delete_files ?? 0) >= 1), 'every data file has a row with id % 7 = 0')
    assert.ok(rows.every(r => existsSync(localPath(r.path))))
    originalFiles = rows.map(r => localPath(r.path))

    const old = await akko(home, ['iceberg', 'files', TABLE, '--snapshot', firstSnapshotId])
    assert.equal(old.code, 0, old.stderr)
    assert.match(old.stdout, /^path\s+content\s+partition\s+records\s+size_bytes\s+sequence\s+delete_files$/m)
    const lines = old.stdout.trim().split('\n').slice(2)
    assert.equal(lines.length, 4, 'the first snapshot had one file per region')
    assert.ok(lines.every(l => /\sDATA\s+region=\w+\s+25\s+\d+\s+1\s+0$/.test(l)), old.stdout)
  })

  test('compact merges each partition into one file, applies the deletes and keeps every row', async () => {
    const r = await akko(home, ['iceberg', 'compact', TABLE, '--format', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const res = JSON.parse(r.stdout) as { rewrittenFiles: number; addedFiles: number; snapshotId: number | null }
    assert.equal(res.rewrittenFiles, 12)
    assert.equal(res.addedFiles, 4)
    assert.ok(res.snapshotId !== null)

    const rows = await filesJson(home)
    assert.equal(rows.length, 4, 'one data file per region, no delete files left')
    assert.ok(rows.every(f => f.content === 'DATA' && f.delete_files === 0))
    assert.equal(rows.reduce((a, f) => a + f.records, 0), liveRows)
    compactedFiles = rows.map(f => localPath(f.path))

    const p = await openPlatform(home)
    try {
      const read = await tableReadAll(p.tables, IDENT)
      assert.equal(read.length, liveRows)
      assert.ok(read.every(row => Number(row.id) % 7 !== 0))
    } finally {
      await p.close()
    }
  })

  test('rewrite-manifests commits a new snapshot with no more manifests than before', async () => {
    const r = await akko(home, ['iceberg', 'rewrite-manifests', TABLE, '--format', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const res = JSON.parse(r.stdout) as { snapshotId: number | null; manifestsBefore: number; manifestsAfter: number }
    assert.ok(res.snapshotId !== null)
    assert.ok(res.manifestsAfter >= 1 && res.manifestsAfter <= res.manifestsBefore, r.stdout)
  })

  test('expire-snapshots keeps the newest snapshot only and deletes files nothing else uses', async () => {
    const r = await akko(home, ['iceberg', 'expire-snapshots', TABLE, '--older-than', '0s', '--retain-last', '1'])
    assert.equal(r.code, 0, r.stderr)
    const m = /^Expired (\d+) snapshot\(s\) of shop\.orders committed before \S+; deleted (\d+) file\(s\)\.$/m.exec(r.stdout)
    assert.ok(m, r.stdout)
    assert.equal(Number(m[1]), 5, '3 appends, the delete and the compaction; the manifest rewrite is kept')
    assert.ok(Number(m[2]) >= originalFiles.length, 'at least the pre-compaction data and delete files are deleted')
    assert.ok(r.stdout.includes(`  ${firstSnapshotId}\n`), 'the expired ids are listed')
    assert.ok(originalFiles.every(f => !existsSync(f)), 'files only expired snapshots used are gone')
    assert.ok(compactedFiles.every(f => existsSync(f)), 'live files are kept')

    const expired = await akko(home, ['iceberg', 'files', TABLE, '--snapshot', firstSnapshotId])
    assert.equal(expired.code, 1)
    assert.match(expired.stderr, /^error \[SNAPSHOT_NOT_FOUND\]: /m)
  })

  test('remove-orphan-files lists a stray file on --dry-run, then removes only it', async () => {
    const stray = join(tableLocation, 'data', 'stray-from-crashed-writer.parquet')
    mkdirSync(join(tableLocation, 'data'), { recursive: true })
    writeFileSync(stray, 'not committed')
    const past = new Date(Date.now() - 60_000)
    utimesSync(stray, past, past)

    const dry = await akko(home, ['iceberg', 'remove-orphan-files', TABLE, '--older-than', '0s', '--dry-run', '--format', 'json'])
    assert.equal(dry.code, 0, dry.stderr)
    const dryRes = JSON.parse(dry.stdout) as { dryRun: boolean; orphans: string[] }
    assert.equal(dryRes.dryRun, true)
    assert.deepEqual(dryRes.orphans.map(localPath), [stray], 'only the stray file is unreferenced')
    assert.ok(existsSync(stray), 'a dry run deletes nothing')

    const real = await akko(home, ['iceberg', 'remove-orphan-files', TABLE, '--older-than', '0s'])
    assert.equal(real.code, 0, real.stderr)
    assert.match(real.stdout, /^removed \S*stray-from-crashed-writer\.parquet$/m)
    assert.match(real.stdout, /^Removed 1 orphan file\(s\)\.$/m)
    assert.equal(existsSync(stray), false)
    assert.ok(compactedFiles.every(f => existsSync(f)), 'live files are kept')
  })

  test('help lists the commands; bad arguments exit 2 with a usage message', async () => {
    // None of these opens the platform, so they can run side by side.
    const [help, duration, table] = await Promise.all([
      akko(home, ['iceberg', '--help']),
      akko(home, ['iceberg', 'expire-snapshots', TABLE, '--older-than', '7 days']),
      akko(home, ['iceberg', 'files', 'orders']),
    ])
    assert.equal(help.code, 0)
    for (const name of ['files', 'expire-snapshots', 'remove-orphan-files', 'compact', 'rewrite-manifests']) assert.match(help.stdout, new RegExp(`^  ${name} <namespace\\.table>`, 'm'))
    for (const [r, message] of [[duration, /Invalid --older-than "7 days"/], [table, /Invalid table "orders"/]] as const) {
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /^error \[INVALID_ARGUMENT\]: /m)
      assert.match(r.stderr, message)
      assert.match(r.stderr, /Run `akko iceberg \S+ --help` for usage\./)
    }
  })
})
