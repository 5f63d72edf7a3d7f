import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { configForDisplay, loadConfig } from './config.js'

function withYaml<T>(yaml: string, fn: (home: string) => T): T {
  const home = mkdtempSync(join(tmpdir(), 'akko-cfg-'))
  try {
    writeFileSync(join(home, 'akko.yaml'), yaml)
    return fn(home)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

test('cdc pipelines from akko.yaml: URL kept as a secret, hidden when displayed, flush interval as a duration', () => {
  withYaml(`cdc:\n  orders:\n    url: postgres://app:s3cret@db:5432/shop\n    tables: [{ table: public.orders, target: raw.orders }]\n    flushInterval: 500ms\n`, home => {
    const cfg = loadConfig({ AKKO_HOME: home }, home)
    assert.equal(cfg.cdcPipelines.length, 1)
    const p = cfg.cdcPipelines[0]!
    assert.equal(p.name, 'orders')
    assert.equal(p.url.reveal(), 'postgres://app:s3cret@db:5432/shop')
    assert.equal(p.flushIntervalMs, 500)
    assert.deepEqual(p.tables, [{ table: 'public.orders', target: 'raw.orders' }])
    const shown = JSON.stringify(configForDisplay(cfg))
    assert.doesNotMatch(shown, /s3cret/)
    assert.match(shown, /app:\*\*\*@db/)
    assert.doesNotMatch(JSON.stringify(cfg), /s3cret/)
  })
})

test('no cdc section: no pipelines; bad entries are all listed', () => {
  const home = mkdtempSync(join(tmpdir(), 'akko-cfg-'))
  try {
    assert.deepEqual(loadConfig({ AKKO_HOME: home }, home).cdcPipelines, [])
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
  withYaml(`cdc:\n  Bad-Name:\n    url: http://x\n  ok:\n    url: postgres://db/x\n    tables: [{ table: orders, target: orders }]\n    flushInterval: soon\n`, home => {
    assert.throws(() => loadConfig({ AKKO_HOME: home }, home), (e: Error & { code?: string }) =>
      e.code === 'INVALID_CONFIG' && /cdc\.Bad-Name: a pipeline name/.test(e.message) && /cdc\.Bad-Name\.url/.test(e.message)
      && /cdc\.ok\.tables\[0\]\.target must be namespace\.table/.test(e.message) && /cdc\.ok\.flushInterval/.test(e.message))
  })
})
