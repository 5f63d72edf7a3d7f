import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { AkkoError, Secret } from '../../core/index.js'
import { PgliteMetastore, type SqlClient } from '../../storage/index.js'
import { tmpHome } from '../../../test/support/paths.js'
import { auditEventLine, auditExport } from './audit-export.js'
import { auditReader } from './audit-store.js'
import { auditTrailContract, logCapture, sinkServerStart, until, type AuditMetastore } from './audit-trail.contract.js'
import { auditTrailOpen, type AuditTrail, type AuditTrailOptions } from './audit-trail.js'
import type { AuditEvent, AuditEventInput } from './event.js'

let metastore: PgliteMetastore

// One PGlite for the whole file: the contract suite and the PGlite-only cases below share it.
before(async () => {
  metastore = await PgliteMetastore.open(tmpHome('akko-audit-'))
})
after(() => metastore.close())

auditTrailContract('PGlite', async () => ({ metastore, cleanup: async () => {} }))

const ev = (over: Partial<AuditEventInput> = {}): AuditEventInput => ({ kind: 'query', actor: 'alice', outcome: 'success', action: 'SELECT', source: 'trino', ...over })

/**
 * The metastore behind a switch: while `fail(sql, params)` returns an error, that statement fails (inside
 * the writer's transaction, which then rolls back), as a dropped connection or a full disk would.
 */
function faulty(fail: (sql: string, params?: readonly unknown[]) => Error | undefined): AuditMetastore {
  const wrap = (c: SqlClient): SqlClient => ({
    query: <R>(sql: string, params?: readonly unknown[]) => {
      const e = fail(sql, params)
      return e ? Promise.reject(e) : c.query<R>(sql, params)
    },
    transaction: (fn) => c.transaction((tx) => fn(wrap(tx))),
  })
  return { sql: wrap(metastore.sql), migrate: (list) => metastore.migrate(list) }
}
const inserts = (sql: string): boolean => sql.includes('INSERT INTO govern_audit_events')
const maxId = async (): Promise<number> => Number((await metastore.sql.query<{ m: number | string }>('SELECT coalesce(max(id), 0) AS m FROM govern_audit_events')).rows[0]!.m)

describe('audit trail when the metastore fails (PGlite)', () => {
  const open: AuditTrail[] = []
  const trailOpen = async (o: Partial<AuditTrailOptions> & Pick<AuditTrailOptions, 'metastore' | 'log'>): Promise<AuditTrail> => {
    const t = await auditTrailOpen({ flushDelayMs: 5, retryMinMs: 5, retryMaxMs: 20, ...o })
    open.push(t)
    return t
  }
  after(async () => {
    for (const t of open) await t.close({ timeoutMs: 500 })
  })

  test('a failing write is logged without secrets and retried until every event is stored, in order', async () => {
    let failures = 3
    const log = logCapture()
    const trail = await trailOpen({ log, metastore: faulty((sql) => (inserts(sql) && failures-- > 0 ? new AkkoError('METASTORE_ERROR', 'connection lost (password=hunter2)') : undefined)) })
    const mark = await maxId()
    for (let i = 0; i < 5; i++) trail.record(ev({ actor: 'retried', details: { i } }))
    await trail.flush()
    assert.deepEqual((await trail.events({ afterId: mark })).map((e) => e.details!.i), [0, 1, 2, 3, 4])
    const errors = log.events.filter((e) => e.code === 'G201')
    assert.equal(errors.length, 3)
    assert.equal(errors[0]!.level, 'error')
    assert.match(String(errors[0]!.error), /connection lost \(password=\*\*\*\)/)
    assert.ok(log.events.some((e) => e.code === 'G209'), 'recovery is logged')
    assert.ok(!JSON.stringify(log.events).includes('hunter2'))
    assert.equal(trail.status().failing, false)
  })

  test('a lost commit answer does not store the batch twice', async () => {
    // The INSERT lands, then the caller sees an error (as when the connection drops after COMMIT).
    let lose = true
    const sql: SqlClient = {
      query: (s, p) => metastore.sql.query(s, p),
      transaction: async (fn) => {
        const r = await metastore.sql.transaction(fn)
        if (lose) {
          lose = false
          throw new AkkoError('METASTORE_ERROR', 'connection reset after COMMIT')
        }
        return r
      },
    }
    const trail = await trailOpen({ log: logCapture(), metastore: { sql, migrate: (l) => metastore.migrate(l) } })
    const mark = await maxId()
    trail.record(ev({ actor: 'once' }))
    trail.record(ev({ actor: 'once' }))
    await trail.flush()
    assert.equal((await trail.events({ afterId: mark })).length, 2)
  })

  test('while the metastore is down the buffer is bounded: drops are warned about, counted and recorded once it is back', async () => {
    let down = true
    const log = logCapture()
    const trail = await trailOpen({ log, maxBuffered: 5, metastore: faulty((sql) => (inserts(sql) && down ? new AkkoError('METASTORE_ERROR', 'down') : undefined)) })
    const mark = await maxId()
    for (let i = 0; i < 8; i++) trail.record(ev({ actor: 'bounded', details: { i } }))
    assert.deepEqual({ buffered: trail.status().buffered, dropped: trail.status().dropped }, { buffered: 5, dropped: 3 })
    const warn = log.events.filter((e) => e.code === 'G202')
    assert.equal(warn.length, 1, 'one warning when dropping starts, not one per event')
    assert.equal(warn[0]!.level, 'warn')
    await until(() => log.events.some((e) => e.code === 'G201'), 'a failed write')
    down = false
    await trail.flush()
    const got = await trail.events({ afterId: mark })
    assert.deepEqual(got.filter((e) => e.actor === 'bounded').map((e) => e.details!.i), [0, 1, 2, 3, 4])
    const note = got.find((e) => e.action === 'audit.events_dropped')
    assert.ok(note, 'the gap is recorded in the trail')
    assert.deepEqual([note.kind, note.source, note.outcome, note.details!.dropped], ['admin', 'platform', 'failure', 3])
    assert.ok(log.events.some((e) => e.code === 'G203' && e.dropped === 3))
  })

  test('an event the server refuses as data is stored in its minimal form without blocking the others', async () => {
    const poison = (sql: string, params?: readonly unknown[]): Error | undefined =>
      inserts(sql) && String(params?.[0]).includes('poison') ? new AkkoError('METASTORE_ERROR', 'invalid input syntax', { sqlstate: '22P02' }) : undefined
    const log = logCapture()
    const trail = await trailOpen({ log, metastore: faulty(poison) })
    const mark = await maxId()
    trail.record(ev({ actor: 'p1' }))
    trail.record(ev({ actor: 'p2', queryText: 'SELECT poison' }))
    trail.record(ev({ actor: 'p3' }))
    await trail.flush()
    const got = await trail.events({ afterId: mark })
    assert.deepEqual(got.map((e) => [e.actor, e.queryText, e.details]), [['p1', undefined, undefined], ['p2', undefined, { unstorable: '22P02' }], ['p3', undefined, undefined]])
  })

  test('close() stores what is queued; later records are dropped with a warning; a dead metastore makes close give up and say how many were lost', async () => {
    const log = logCapture()
    const trail = await auditTrailOpen({ metastore, log, flushDelayMs: 1000 })
    const mark = await maxId()
    trail.record(ev({ actor: 'closing' }))
    await trail.close()
    assert.equal((await trail.events({ afterId: mark })).length, 1, 'close flushed without waiting for the delay')
    trail.record(ev({ actor: 'too-late' }))
    assert.ok(log.events.some((e) => e.code === 'G205'))
    assert.equal(trail.status().dropped, 1)

    const log2 = logCapture()
    const dead = await auditTrailOpen({ log: log2, retryMinMs: 5, retryMaxMs: 5, metastore: faulty((sql) => (inserts(sql) ? new AkkoError('METASTORE_ERROR', 'gone') : undefined)) })
    dead.record(ev({ actor: 'lost' }))
    dead.record(ev({ actor: 'lost' }))
    const flushing = dead.flush()
    await dead.close({ timeoutMs: 100 })
    await assert.rejects(flushing, { code: 'METASTORE_ERROR' })
    assert.ok(log2.events.some((e) => e.code === 'G204' && e.lost === 2))
  })

  test('retention deletes only events past it, through the trail; with a sink, only what the sink acknowledged', async () => {
    const trail = await trailOpen({ metastore, log: logCapture(), retentionDays: 30 })
    trail.record(ev({ actor: 'retained' }))
    await trail.flush()
    assert.equal(await trail.purge(), 0, 'nothing is 30 days old')
    assert.equal((await trail.events({ actor: 'retained' })).length, 1)

    const server = await sinkServerStart()
    server.mode = 'fail'
    try {
      const shipping = await trailOpen({ metastore, log: logCapture(), retentionDays: 30, sink: { url: server.url, retryMinMs: 10, retryMaxMs: 20, pollMs: 20 } })
      const in60Days = Date.now() + 60 * 86_400_000
      assert.equal(await shipping.purge(in60Days), 0, 'the sink has not acknowledged anything: nothing may go')
      server.mode = 'ok'
      const last = await maxId()
      await until(async () => (await shipping.sinkShippedId()) === last, 'the sink caught up')
      const stored = Number((await metastore.sql.query<{ n: number | string }>('SELECT count(*) AS n FROM govern_audit_events')).rows[0]!.n)
      assert.ok(stored > 0)
      assert.equal(await shipping.purge(in60Days), stored, 'all shipped, all 30 days old by then')
      assert.equal((await shipping.events()).length, 0)
      shipping.record(ev({ actor: 'after-purge' }))
      await shipping.flush()
      assert.ok((await shipping.events())[0]!.id > last, 'ids do not restart after a purge')
    } finally {
      await server.stop()
    }
  })
})

describe('audit export', () => {
  test('one JSON object per line, keys in a fixed order, paged by id, honouring filters, limit and back-pressure', async () => {
    const trail = await auditTrailOpen({ metastore, log: logCapture(), flushDelayMs: 5 })
    try {
      const mark = await maxId()
      for (let i = 0; i < 25; i++) trail.record(ev({ actor: i % 5 ? 'exporter' : 'other', details: { i }, queryText: 'SELECT 1\nFROM "x"' }))
      await trail.flush()
      let text = ''
      const out = new PassThrough({ highWaterMark: 64 })
      out.on('data', (c: Buffer) => (text += c.toString('utf8')))
      const reader = auditReader(metastore.sql)
      assert.equal(await auditExport(reader, out, { afterId: mark, actor: 'exporter' }, { pageSize: 6 }), 20)
      const lines = text.split('\n')
      assert.equal(lines.pop(), '', 'every line ends with a newline')
      assert.equal(lines.length, 20)
      const events = lines.map((l) => JSON.parse(l) as AuditEvent)
      assert.deepEqual(events.map((e) => e.details!.i), Array.from({ length: 25 }, (_, i) => i).filter((i) => i % 5))
      assert.deepEqual(Object.keys(events[0]!), ['id', 'time', 'kind', 'actor', 'outcome', 'action', 'source', 'queryText', 'details'])
      assert.equal(lines[0], auditEventLine(events[0]!).trimEnd())

      const chunks: string[] = []
      assert.equal(await auditExport(trail, { write: (s: string) => chunks.push(s) }, { afterId: mark, limit: 7 }, { pageSize: 3 }), 7)
      assert.deepEqual(chunks.map((c) => (JSON.parse(c) as AuditEvent).id), Array.from({ length: 7 }, (_, i) => mark + 1 + i))
      const newest: string[] = []
      assert.equal(await auditExport(trail, { write: (s: string) => newest.push(s) }, { limit: 2, newest: true }), 2)
      assert.deepEqual(newest.map((c) => (JSON.parse(c) as AuditEvent).id), [mark + 24, mark + 25])
    } finally {
      await trail.close()
    }
  })
})

describe('audit sink outages (PGlite)', () => {
  test('the sink failing, then down, then back: no loss, no duplicates, in order; a restarted trail resumes after the shipped id', async () => {
    const server = await sinkServerStart()
    const log = logCapture()
    const sink = { url: server.url, token: new Secret('tok-sink'), batchSize: 3, retryMinMs: 10, retryMaxMs: 40, pollMs: 20 }
    let trail = await auditTrailOpen({ metastore, log, flushDelayMs: 5, sink })
    try {
      server.mode = 'fail'
      for (let i = 0; i < 5; i++) trail.record(ev({ actor: 'outage', details: { i } }))
      await trail.flush()
      await until(() => log.events.some((e) => e.code === 'G210'), 'a failed POST')
      assert.equal(trail.status().sink?.failing, true)
      await server.stop()
      for (let i = 5; i < 9; i++) trail.record(ev({ actor: 'outage', details: { i } }))
      await trail.flush()
      await until(() => log.events.some((e) => e.code === 'G210' && /ECONNREFUSED/.test(String(e.error))), 'a refused connection')
      assert.equal((await trail.events({ actor: 'outage' })).length, 9, 'events stay in the metastore while the sink is down')

      server.mode = 'ok'
      await server.restart()
      const last = await maxId()
      await until(() => server.received().some((e) => e.id === last), 'the backlog was shipped')
      assert.ok(log.events.some((e) => e.code === 'G211'), 'resumption is logged')
      assert.ok(!JSON.stringify(log.events).includes('tok-sink'), 'the token never reaches the log')

      await trail.close()
      const shipped = server.received().length
      trail = await auditTrailOpen({ metastore, log, flushDelayMs: 5, sink })
      for (let i = 9; i < 12; i++) trail.record(ev({ actor: 'outage', details: { i } }))
      await trail.flush()
      const newLast = await maxId()
      await until(() => server.received().some((e) => e.id === newLast), 'the new events were shipped')
      assert.ok(server.received().slice(shipped).every((e) => e.id > last), 'the restarted trail sent nothing twice')

      const ids = server.received().map((e) => e.id)
      assert.equal(new Set(ids).size, ids.length, 'no duplicates')
      const stored = (await metastore.sql.query<{ id: number | string }>('SELECT id FROM govern_audit_events ORDER BY id')).rows.map((r) => Number(r.id))
      assert.deepEqual(ids, stored, 'every stored event, in order')
      assert.deepEqual(server.received().filter((e) => e.actor === 'outage').map((e) => e.details!.i), Array.from({ length: 12 }, (_, i) => i))
    } finally {
      await trail.close()
      await server.stop()
    }
  })

  test('a sink URL that is not http(s) or carries credentials is refused at open', async () => {
    await assert.rejects(auditTrailOpen({ metastore, log: logCapture(), sink: { url: 'ftp://x/y' } }), { code: 'INVALID_CONFIG' })
    await assert.rejects(auditTrailOpen({ metastore, log: logCapture(), sink: { url: 'https://u:pw@siem.example/in' } }), (e: AkkoError) => e.code === 'INVALID_CONFIG' && !e.message.includes('pw@'))
    await assert.rejects(auditTrailOpen({ metastore, log: logCapture(), retentionDays: 0 }), { code: 'INVALID_CONFIG' })
  })
})
