import assert from 'node:assert/strict'
import { writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { tmpHome } from '../../../test/support/paths.js'
import type { LogEvent } from '../../core/index.js'
import { rulesFilePolicy } from './rules-watch.js'

const GOOD_1 = JSON.stringify({ tables: [{ privileges: ['SELECT'] }] })
const GOOD_2 = JSON.stringify({ tables: [{ privileges: ['SELECT'], filter: "region = 'EU'" }] })
const BAD = JSON.stringify({ tables: [{ privileges: ['SELEKT'] }] })

test('reloads on change, keeps the last good rules on a bad edit and logs why', async () => {
  const file = join(tmpHome('akko-rules-'), 'rules.json')
  writeFileSync(file, GOOD_1)
  // The watch does not keep a process alive on its own (a server does); the test must.
  const keepAlive = setInterval(() => {}, 1000)
  const events: LogEvent[] = []
  let outcomes: Array<(ok: boolean) => void> = []
  const next = () => new Promise<boolean>(r => outcomes.push(r))
  const provider = rulesFilePolicy(file, {
    debounceMs: 20,
    logger: { enabled: () => true, emit: e => events.push(typeof e === 'function' ? e() : e) },
    onReload: o => {
      const waiting = outcomes
      outcomes = []
      waiting.forEach(r => r(o.ok))
    },
  })
  try {
    const carol = { user: 'carol', groups: [], roles: [] }
    assert.equal(provider.policyFor(carol).rowFilter('c', 's', 't'), undefined)

    let done = next()
    // Editors often write a temporary file and rename it over the original.
    writeFileSync(file + '.tmp', GOOD_2)
    renameSync(file + '.tmp', file)
    assert.equal(await done, true)
    assert.equal(provider.policyFor(carol).rowFilter('c', 's', 't'), "region = 'EU'")

    done = next()
    writeFileSync(file, BAD)
    assert.equal(await done, false)
    assert.equal(provider.policyFor(carol).rowFilter('c', 's', 't'), "region = 'EU'", 'last good rules stay')
    const warn = events.find(e => e.code === 'G111')
    assert.ok(warn, 'the rejection is logged')
    assert.match(String(warn.error), /\$\.tables\[0\]\.privileges\[0\]: unknown value "SELEKT"/)
  } finally {
    provider.close()
    clearInterval(keepAlive)
  }
})

test('an invalid file at start is refused with its problems', () => {
  const file = join(tmpHome('akko-rules-'), 'rules.json')
  writeFileSync(file, BAD)
  assert.throws(() => rulesFilePolicy(file), /INVALID|Invalid access rules .*\n.*\$\.tables\[0\]\.privileges\[0\]/)
})
