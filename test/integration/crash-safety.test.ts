import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { loadConfig, silentLogger } from '../../src/core/index.js'
import { createPlatform } from '../../src/platform.js'
import { orphanFilesRemove, tableAppend, tableLoad, tableReadAll } from '../../src/storage/table/index.js'
import { repoRoot, tmpHome } from '../support/paths.js'

const schema = { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'region', required: false, type: 'string' }] }
const localPath = (location: string) => (location.startsWith('file:') ? fileURLToPath(location) : location)

test('a writer killed between writing data files and committing leaves the table at its snapshot; orphan cleanup removes only its files', async () => {
  const home = tmpHome('akko-crash-')
  const ident = { namespace: ['crash'], name: 't' }
  const open = () => createPlatform(loadConfig({ AKKO_HOME: home }, home), silentLogger)
  let p = await open()
  await p.catalog.createNamespace(['crash'])
  await p.catalog.createTable(ident, { name: 't', schema })
  await tableAppend(p.tables, ident, { sql: `SELECT i::BIGINT AS id, 'EU' AS region FROM range(1000) t(i)` })
  const before = await tableLoad(p.tables, ident)
  await p.close() // the embedded metastore admits one process at a time

  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/helpers/crash-writer.ts', home, 'crash', 't'], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'inherit'] })
  const stray = await new Promise<string[]>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /READY (.*)\n/.exec(out)
      if (m) resolve(JSON.parse(m[1]!) as string[])
    })
    child.on('exit', code => reject(new Error(`writer exited early with ${code}`)))
  })
  child.kill('SIGKILL')
  await new Promise(r => child.once('close', r))
  assert.ok(stray.length > 0 && stray.every(f => existsSync(localPath(f))), 'the killed writer left data files behind')

  p = await open()
  try {
    const after = await tableLoad(p.tables, ident)
    assert.equal(after.metadataLocation, before.metadataLocation, 'still at the committed metadata')
    const rows = await tableReadAll(p.tables, ident)
    assert.equal(rows.length, 1000)
    assert.ok(!rows.some(r => r.region === 'CRASH'))

    const dry = await orphanFilesRemove(p.tables, ident, { olderThanMs: Date.now() + 1000, dryRun: true })
    assert.deepEqual([...dry.orphans].map(localPath).sort(), stray.map(localPath).sort())
    const removed = await orphanFilesRemove(p.tables, ident, { olderThanMs: Date.now() + 1000 })
    assert.equal(removed.orphans.length, stray.length)
    assert.ok(stray.every(f => !existsSync(localPath(f))), 'stray files are gone')
    assert.equal((await tableReadAll(p.tables, ident)).length, 1000, 'nothing referenced was removed')
    const fresh = await orphanFilesRemove(p.tables, ident, { olderThanMs: Date.now() - 3_600_000, dryRun: true })
    assert.deepEqual(fresh.orphans, [], 'recent files are never taken by default-style thresholds')
  } finally {
    await p.close()
    rmSync(home, { recursive: true, force: true })
  }
})
