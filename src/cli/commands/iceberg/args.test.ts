import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { AkkoError } from '../../../core/index.js'
import { byteSizeArg, olderThanArg, positiveIntArg, snapshotIdArg, tableArg } from './args.js'

const usage = (fn: () => unknown, message: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof AkkoError && e.code === 'INVALID_ARGUMENT' && e.details.usage === true && message.test(e.message))

describe('iceberg command arguments', () => {
  const now = Date.parse('2026-03-10T12:00:00Z')

  test('--older-than takes durations back from now or ISO times', () => {
    assert.equal(olderThanArg('0s', now), now)
    assert.equal(olderThanArg('5d', now), Date.parse('2026-03-05T12:00:00Z'))
    assert.equal(olderThanArg('12h', now), Date.parse('2026-03-10T00:00:00Z'))
    assert.equal(olderThanArg('90m', now), Date.parse('2026-03-10T10:30:00Z'))
    assert.equal(olderThanArg('1w', now), Date.parse('2026-03-03T12:00:00Z'))
    assert.equal(olderThanArg('2026-01-31T00:00:00Z', now), Date.parse('2026-01-31T00:00:00Z'))
    assert.equal(olderThanArg('2026-01-31', now), Date.parse('2026-01-31T00:00:00Z'))
    for (const bad of ['7', '7 days', '-1d', '3y', 'yesterday', '2026-13-45']) usage(() => olderThanArg(bad, now), /Invalid --older-than/)
  })

  test('--target-file-size takes bytes or binary units', () => {
    assert.equal(byteSizeArg('512MB'), 512 * 1024 * 1024)
    assert.equal(byteSizeArg('1gb'), 1024 ** 3)
    assert.equal(byteSizeArg('64KiB'), 65536)
    assert.equal(byteSizeArg('1000'), 1000)
    for (const bad of ['0', 'huge', '12TB', '-5MB']) usage(() => byteSizeArg(bad), /Invalid size/)
  })

  test('counts, snapshot ids and table names', () => {
    assert.equal(positiveIntArg('retain-last', '3'), 3)
    usage(() => positiveIntArg('retain-last', '0'), /--retain-last "0"/)
    usage(() => positiveIntArg('retain-last', '1.5'), /--retain-last/)
    assert.equal(snapshotIdArg('9223372036854775807'), 9223372036854775807n, 'kept exact beyond 2^53')
    usage(() => snapshotIdArg('latest'), /Invalid snapshot id/)
    assert.deepEqual(tableArg('a.b.t'), { namespace: ['a', 'b'], name: 't' })
    usage(() => tableArg('orders'), /Invalid table "orders"/)
  })
})
