import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { CliIo } from '../../command.js'
import { progressReport } from './progress-report.js'

function fakeIo(isTTY: boolean): { io: CliIo; err: () => string } {
  let err = ''
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: (s: string) => (err += s), isTTY },
    env: {},
    cwd: '/',
    waitForShutdown: () => new Promise(() => {}),
  }
  return { io, err: () => err }
}

describe('progressReport', () => {
  test('draws one bar per phase on a terminal and ends each on its own line', () => {
    const { io, err } = fakeIo(true)
    const r = progressReport(io)
    r.progress(1, 4, 'manifests read')
    r.progress(4, 4, 'manifests read')
    r.progress(1, 2, 'partitions rewritten')
    r.finish()
    const lines = err().split('\n').filter(Boolean)
    assert.equal(lines.length, 2, err())
    assert.match(lines[0]!, /manifests read \[#+\] 4\/4 100%/)
    assert.match(lines[1]!, /partitions rewritten \[#+\] 2\/2 100%/)
  })

  test('writes nothing when stderr is not a terminal', () => {
    const { io, err } = fakeIo(false)
    const r = progressReport(io)
    r.progress(1, 3, 'manifests read')
    r.finish()
    assert.equal(err(), '')
  })
})
