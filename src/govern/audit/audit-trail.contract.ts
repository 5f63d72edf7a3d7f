/**
 * The audit trail's behaviour on one metastore backend, run against PGlite (audit-trail.test.ts) and the
 * real PostgreSQL server (test/integration/audit-trail.postgres.test.ts) with the same assertions.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { Secret, type LogEvent, type Logger } from '../../core/index.js'
import type { Metastore } from '../../storage/index.js'
import { auditTrailOpen, type AuditTrail, type AuditTrailOptions } from './audit-trail.js'
import type { AuditEvent, AuditEventInput } from './event.js'

export type AuditMetastore = Pick<Metastore, 'sql' | 'migrate'>

/** A logger that keeps what it is given, to assert on (and to check no secret reaches a log line). */
export function logCapture(): Logger & { readonly events: LogEvent[] } {
  const events: LogEvent[] = []
  return { events, enabled: () => true, emit: (e) => void events.push(typeof e === 'function' ? e() : e) }
}

/** Polls `cond` until it holds; fails with `what` after a generous limit (a liveness bound, not a timing claim). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`gave up waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A real HTTP endpoint that collects the JSON lines POSTed to it; `mode` decides its answer. */
export interface SinkServer {
  readonly url: string
  readonly port: number
  readonly requests: Array<{ headers: IncomingMessage['headers']; lines: unknown[] }>
  /** Every event received, in arrival order. */
  readonly received: () => AuditEvent[]
  mode: 'ok' | 'fail'
  /** Closes the listening socket and every connection (the sink is down: connection refused). */
  stop(): Promise<void>
  /** Listens again on the same port. */
  restart(): Promise<void>
}

export async function sinkServerStart(): Promise<SinkServer> {
  const requests: SinkServer['requests'] = []
  let server: Server
  let port = 0
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          if (self.mode === 'fail') {
            res.writeHead(503).end('busy')
            return
          }
          const text = Buffer.concat(chunks).toString('utf8')
          requests.push({ headers: req.headers, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) })
          res.writeHead(204).end()
        })
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port
        resolve()
      })
    })
  await listen()
  const self: SinkServer = {
    get url() {
      return `http://127.0.0.1:${port}/ingest`
    },
    get port() {
      return port
    },
    requests,
    received: () => requests.flatMap((r) => r.lines as AuditEvent[]),
    mode: 'ok',
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
    restart: listen,
  }
  return self
}

const ev = (over: Partial<AuditEventInput> = {}): AuditEventInput => ({ kind: 'query', actor: 'alice', outcome: 'success', action: 'SELECT', source: 'trino', ...over })

/**
 * The shared suite. `open` gives a migrated-or-empty metastore for the whole file (opened once: PGlite
 * takes seconds to start) and a cleanup; tests keep apart by reading only ids above a mark they take first.
 */
export function auditTrailContract(name: string, open: () => Promise<{ metastore: AuditMetastore; cleanup: () => Promise<void> }>): void {
  describe(`audit trail on ${name}`, () => {
    let metastore: AuditMetastore
    let cleanup: () => Promise<void>
    const trails: AuditTrail[] = []
    const trailOpen = async (o: Partial<AuditTrailOptions> = {}): Promise<AuditTrail> => {
      const t = await auditTrailOpen({ metastore, log: logCapture(), flushDelayMs: 5, ...o })
      trails.push(t)
      return t
    }
    const maxId = async (): Promise<number> => Number((await metastore.sql.query<{ m: number | string }>('SELECT coalesce(max(id), 0) AS m FROM govern_audit_events')).rows[0]!.m)

    before(async () => {
      ;({ metastore, cleanup } = await open())
    })
    after(async () => {
      for (const t of trails) await t.close({ timeoutMs: 1000 })
      await cleanup()
    })

    test('record() returns at once; flush() stores every event with ids in recording order under concurrent callers', async () => {
      const trail = await trailOpen({ batchSize: 7 })
      const mark = await maxId()
      let n = 0
      // 8 callers interleaving at every await, as queries finishing at once would.
      await Promise.all(Array.from({ length: 8 }, async (_, caller) => {
        for (let i = 0; i < 6; i++) {
          assert.equal(trail.record(ev({ actor: `u${caller}`, details: { n: n++ } })), undefined)
          await new Promise((r) => setImmediate(r))
        }
      }))
      await trail.flush()
      const got = await trail.events({ afterId: mark })
      assert.equal(got.length, 48)
      assert.deepEqual(got.map((e) => e.details!.n), Array.from({ length: 48 }, (_, i) => i), 'stored in the order recorded')
      assert.deepEqual(got.map((e) => e.id), Array.from({ length: 48 }, (_, i) => mark + i + 1), 'ids increase by one in that order')
      for (let i = 1; i < got.length; i++) assert.ok(got[i]!.time >= got[i - 1]!.time)
      assert.match(got[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    })

    test('two trails on one metastore (two processes) never share an id and each keeps its own order', async () => {
      const a = await trailOpen({ batchSize: 3 })
      const b = await trailOpen({ batchSize: 4 })
      const mark = await maxId()
      for (let i = 0; i < 20; i++) {
        a.record(ev({ actor: 'proc-a', details: { i } }))
        b.record(ev({ actor: 'proc-b', details: { i } }))
      }
      await Promise.all([a.flush(), b.flush()])
      const got = await a.events({ afterId: mark })
      assert.equal(got.length, 40)
      assert.equal(new Set(got.map((e) => e.id)).size, 40)
      assert.deepEqual(got.map((e) => e.id), [...got.map((e) => e.id)].sort((x, y) => x - y))
      for (const actor of ['proc-a', 'proc-b']) assert.deepEqual(got.filter((e) => e.actor === actor).map((e) => e.details!.i), Array.from({ length: 20 }, (_, i) => i))
    })

    test('the table is append-only: UPDATE, DELETE and TRUNCATE are refused and change nothing', async () => {
      const trail = await trailOpen()
      trail.record(ev({ actor: 'append-only' }))
      await trail.flush()
      const before = await trail.events({ actor: 'append-only' })
      for (const stmt of [
        `UPDATE govern_audit_events SET actor = 'mallory' WHERE actor = 'append-only'`,
        `DELETE FROM govern_audit_events WHERE actor = 'append-only'`,
        'TRUNCATE govern_audit_events',
      ]) {
        await assert.rejects(metastore.sql.query(stmt), /append-only/, stmt)
      }
      // The purge cut-off, even set by hand, lets only rows older than it go.
      await assert.rejects(metastore.sql.transaction(async (tx) => {
        await tx.query(`SELECT set_config('akko.audit_purge_before', '2000-01-01T00:00:00Z', true)`)
        await tx.query(`DELETE FROM govern_audit_events WHERE actor = 'append-only'`)
      }), /append-only/)
      assert.deepEqual(await trail.events({ actor: 'append-only' }), before)
    })

    test('filters: kind, actor, time range, afterId, limit and newest', async () => {
      const trail = await trailOpen()
      const mark = await maxId()
      const t0 = new Date().toISOString()
      trail.record(ev({ kind: 'authentication', actor: 'f-bob', action: 'login', source: 'oidc' }))
      trail.record(ev({ actor: 'f-carol' }))
      trail.record(ev({ kind: 'denial', actor: 'f-carol', outcome: 'denied', error: { code: 'PERMISSION_DENIED', message: 'no' } }))
      trail.record(ev({ kind: 'admin', actor: 'f-bob', action: 'user.create', source: 'api' }))
      await trail.flush()
      const all = await trail.events({ afterId: mark })
      assert.deepEqual(all.map((e) => e.kind), ['authentication', 'query', 'denial', 'admin'])
      assert.deepEqual((await trail.events({ afterId: mark, actor: 'f-carol' })).map((e) => e.kind), ['query', 'denial'])
      assert.deepEqual((await trail.events({ afterId: mark, kind: 'admin' })).map((e) => e.action), ['user.create'])
      assert.deepEqual((await trail.events({ afterId: all[1]!.id, limit: 1 })).map((e) => e.id), [all[2]!.id])
      assert.deepEqual((await trail.events({ afterId: mark, limit: 2, newest: true })).map((e) => e.id), [all[2]!.id, all[3]!.id], 'newest two, oldest first')
      assert.equal((await trail.events({ afterId: mark, since: t0 })).length, 4)
      assert.equal((await trail.events({ afterId: mark, until: t0 })).length, 0)
      assert.deepEqual((await trail.events({ afterId: mark, since: all[1]!.time, until: new Date(Date.parse(all[1]!.time) + 1).toISOString(), actor: 'f-carol', kind: 'query' })).map((e) => e.id), [all[1]!.id])
      assert.deepEqual(all[2]!.error, { code: 'PERMISSION_DENIED', message: 'no' })
      await assert.rejects(trail.events({ since: 'yesterday' }), { code: 'INVALID_ARGUMENT' })
      await assert.rejects(trail.events({ limit: -1 }), { code: 'INVALID_ARGUMENT' })
    })

    test('every field round-trips; secrets in details, query text, form bodies and URLs are never stored', async () => {
      const trail = await trailOpen()
      const mark = await maxId()
      const full: AuditEventInput = {
        kind: 'query', actor: 'dana', outcome: 'failure', action: 'SELECT', source: 'trino', runAs: 'svc', queryId: 'q_1',
        queryText: "SELECT * FROM postgresql.public.t -- postgres://app:s3cr3t-pw@db:5432/x", catalogs: ['iceberg', 'postgresql'],
        tables: ['iceberg.banking.transactions'], rules: ['row_filter iceberg.banking.transactions'], rows: 12, durationMs: 3.5,
        error: { code: 'TABLE_NOT_FOUND', message: 'Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl not valid' }, remote: '127.0.0.1',
        details: {
          password: 'hunter2', nested: { client_secret: 'cs-123', Authorization: 'Basic YWxhZGRpbg==', list: [{ refresh_token: 'rt-1' }] },
          body: 'grant_type=password&username=dana&password=pw-in-form&client_secret=cs-in-form&refresh_token=rt-in-form',
          apiKey: new Secret('k-1'), ok: 'kept', count: 3,
        },
      }
      trail.record(full)
      await trail.flush()
      const [got] = await trail.events({ afterId: mark })
      assert.ok(got)
      const { id, time, ...rest } = got
      assert.ok(id > mark && time)
      assert.deepEqual(rest, {
        ...full,
        queryText: 'SELECT * FROM postgresql.public.t -- postgres://app:***@db:5432/x',
        error: { code: 'TABLE_NOT_FOUND', message: 'Authorization: Bearer *** not valid' },
        details: {
          password: '***', nested: { client_secret: '***', Authorization: '***', list: [{ refresh_token: '***' }] },
          body: 'grant_type=password&username=dana&password=***&client_secret=***&refresh_token=***',
          apiKey: '***', ok: 'kept', count: 3,
        },
      })
      const raw = JSON.stringify((await metastore.sql.query('SELECT * FROM govern_audit_events WHERE id = $1', [id])).rows)
      for (const secret of ['hunter2', 'cs-123', 'YWxhZGRpbg', 'rt-1', 'pw-in-form', 'cs-in-form', 'rt-in-form', 'k-1', 's3cr3t-pw', 'eyJzdWIiOi']) assert.ok(!raw.includes(secret), `${secret} is not stored`)
    })

    test('values the server would refuse (NUL, lone surrogates, bigints, cycles) are made storable, never block the trail', async () => {
      const trail = await trailOpen()
      const mark = await maxId()
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      trail.record(ev({ actor: 'odd\u0000one', queryText: 'SELECT \ud800 1', details: { big: 10n ** 20n } }))
      trail.record(ev({ actor: 'cyclic', details: cyclic }))
      trail.record(ev({ actor: 'after', rows: Number.NaN }))
      trail.record(null as unknown as AuditEventInput)
      await trail.flush()
      const got = await trail.events({ afterId: mark })
      assert.deepEqual(got.map((e) => e.actor), ['odd\uFFFDone', 'cyclic', 'after'])
      assert.equal(got[0]!.queryText, 'SELECT \uFFFD 1')
      assert.deepEqual(got[0]!.details, { big: '100000000000000000000' })
      assert.deepEqual(got[1]!.details, { unserializable: true })
      assert.equal(got[2]!.rows, undefined)
    })

    test('a sink receives every event once, in order, as JSON lines with the bearer token', async () => {
      const server = await sinkServerStart()
      try {
        const mark = await maxId()
        const trail = await trailOpen({ sink: { url: server.url, token: new Secret('sink-token-1'), batchSize: 4, retryMinMs: 10, retryMaxMs: 50, pollMs: 50 } })
        for (let i = 0; i < 10; i++) trail.record(ev({ actor: 'shipped', details: { i } }))
        await trail.flush()
        await until(() => server.received().filter((e) => e.actor === 'shipped').length >= 10, 'the sink received 10 events')
        const got = server.received().filter((e) => e.id > mark)
        assert.deepEqual(got.map((e) => e.id), [...new Set(got.map((e) => e.id))].sort((x, y) => x - y), 'once each, in id order')
        assert.deepEqual(got.filter((e) => e.actor === 'shipped').map((e) => e.details!.i), Array.from({ length: 10 }, (_, i) => i))
        const req = server.requests[0]!
        assert.equal(req.headers['content-type'], 'application/x-ndjson')
        assert.equal(req.headers.authorization, 'Bearer sink-token-1')
        assert.equal(Number(req.headers['x-akko-audit-first-id']), (req.lines[0] as AuditEvent).id)
        assert.ok(server.requests.every((r) => r.lines.length <= 4), 'batches of at most batchSize')
        await until(async () => (await trail.sinkShippedId()) === got[got.length - 1]!.id, 'the shipped id is persisted')
      } finally {
        await server.stop()
      }
    })

    test('two trails shipping to one sink (two processes) send each event once', async () => {
      const server = await sinkServerStart()
      try {
        const sink = { url: server.url, batchSize: 3, retryMinMs: 10, retryMaxMs: 50, pollMs: 20 }
        const a = await trailOpen({ sink })
        const b = await trailOpen({ sink })
        for (let i = 0; i < 12; i++) (i % 2 ? a : b).record(ev({ actor: 'two-shippers', details: { i } }))
        await Promise.all([a.flush(), b.flush()])
        const last = await maxId()
        await until(() => server.received().some((e) => e.id === last), 'the last event was shipped')
        const ids = server.received().map((e) => e.id)
        assert.equal(new Set(ids).size, ids.length, 'no event shipped twice')
        assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'shipped in id order')
        assert.equal(server.received().filter((e) => e.actor === 'two-shippers').length, 12)
      } finally {
        await server.stop()
      }
    })
  })
}
