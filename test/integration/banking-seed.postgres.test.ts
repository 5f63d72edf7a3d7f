import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import pg from 'pg'
import { Secret, silentLogger } from '../../src/core/index.js'
import { createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, postgresqlConnectorCreate, postgresqlServerConnect, sandboxDefaults, type PostgresqlClient, type AkkoQueryEngine, type Session } from '../../src/engine/index.js'
import { bankingGenerate, bankingSeed, bankingSinkPostgres, bankingTransactionsTrinoSql, type BankingSink } from '../../src/ingest/banking/index.js'
import { pgFreshDatabase } from '../support/postgres.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const AS_OF = '2025-06-01T12:00:00Z'
const ROWS = 4000

describe('banking seed into a PostgreSQL server', () => {
  let db: { url: string; drop: () => Promise<void> }
  let sink: BankingSink
  let admin: pg.Client

  before(async () => {
    db = await pgFreshDatabase('akko_banking')
    sink = await bankingSinkPostgres(new Secret(db.url))
    admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
  })
  after(async () => {
    await admin?.end()
    await sink?.close()
    await db?.drop()
  })

  const digest = async (): Promise<string> =>
    (await admin.query(`SELECT string_agg(transaction_id || ',' || amount || ',' || is_fraud || ',' || region, ';' ORDER BY transaction_id) AS d FROM akko.raw_transactions`)).rows[0].d

  test('COPY loads the generated rows with primary keys and the updated_at index', async () => {
    const r = await bankingSeed(sink, { transactions: ROWS, seed: 3, asOf: AS_OF })
    assert.equal(r.skipped, false)
    assert.match(r.database, /^postgres:\/\//)
    const ds = await bankingGenerate({ transactions: ROWS, seed: 3, asOf: AS_OF })
    const cents = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`
    assert.equal(await digest(), [...ds.transactions()].map(t => `${t.id},${cents(t.amountCents)},${t.isFraud},${t.region}`).join(';'))
    const { rows: counts } = await admin.query(`SELECT (SELECT count(*) FROM akko.customers)::int AS c, (SELECT count(*) FROM akko.cards)::int AS k, (SELECT count(*) FROM akko.merchants)::int AS m`)
    assert.deepEqual(counts[0], { c: ds.dimensions.customers.length, k: ds.dimensions.cards.length, m: ds.dimensions.merchants.length })
    const { rows: idx } = await admin.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'akko' AND tablename = 'raw_transactions' ORDER BY 1`)
    assert.deepEqual(idx.map(i => i.indexname), ['raw_transactions_pkey', 'raw_transactions_updated_at_idx'])
    await assert.rejects(admin.query(`INSERT INTO akko.raw_transactions SELECT * FROM akko.raw_transactions LIMIT 1`), /duplicate key/)
  })

  test('re-seeding with the same options skips; another seed reloads in place and publications keep the tables', async () => {
    const before = await digest()
    assert.equal((await bankingSeed(sink, { transactions: ROWS, seed: 3 })).skipped, true)
    assert.equal(await digest(), before)
    await admin.query('CREATE PUBLICATION akko_banking_pub FOR TABLE akko.raw_transactions, akko.customers')
    const r = await bankingSeed(sink, { transactions: ROWS, seed: 4, asOf: AS_OF })
    assert.equal(r.skipped, false)
    assert.notEqual(await digest(), before)
    assert.equal((await admin.query('SELECT count(*)::int AS n FROM akko.raw_transactions')).rows[0].n, ROWS)
    const { rows } = await admin.query(`SELECT tablename FROM pg_publication_tables WHERE pubname = 'akko_banking_pub' ORDER BY 1`)
    assert.deepEqual(rows.map(x => x.tablename), ['customers', 'raw_transactions'])
    const forced = await bankingSeed(sink, { transactions: ROWS, seed: 4, asOf: AS_OF, force: true })
    assert.equal(forced.skipped, false)
    assert.equal((await admin.query('SELECT count(*)::int AS n FROM akko.raw_transactions')).rows[0].n, ROWS)
  })

  test('two seeds at once serialize on the advisory lock: one loads, the other skips', async () => {
    const other = await bankingSinkPostgres(db.url)
    try {
      const [a, b] = await Promise.all([
        bankingSeed(sink, { transactions: ROWS, seed: 5, asOf: AS_OF }),
        bankingSeed(other, { transactions: ROWS, seed: 5, asOf: AS_OF }),
      ])
      assert.deepEqual([a.skipped, b.skipped].sort(), [false, true])
      assert.equal((await admin.query('SELECT count(*)::int AS n FROM akko.raw_transactions')).rows[0].n, ROWS)
    } finally {
      await other.close()
    }
  })

  test('a cancelled seed rolls back its COPY and leaves the previous data', async () => {
    const before = await digest()
    const ac = new AbortController()
    await assert.rejects(bankingSeed(sink, { transactions: ROWS, seed: 6, asOf: AS_OF, signal: ac.signal, onProgress: () => ac.abort() }), { code: 'CANCELLED' })
    assert.equal(await digest(), before)
    assert.equal((await bankingSeed(sink, { transactions: ROWS, seed: 5, asOf: AS_OF })).skipped, true, 'the connection is usable afterwards')
  })

  test('an unreachable server is CONNECTOR_ERROR without the password', async () => {
    await assert.rejects(bankingSinkPostgres(new Secret('postgres://app:s3cr3t-pw@127.0.0.1:1/bank')), (e: Error & { code?: string; details?: unknown }) => {
      assert.equal(e.code, 'CONNECTOR_ERROR')
      assert.match(e.message, /postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/bank/)
      assert.ok(!e.message.includes('s3cr3t-pw') && !JSON.stringify(e.details).includes('s3cr3t-pw'))
      return true
    })
  })

  describe('through the engine', () => {
    let t: TestTables
    let client: PostgresqlClient
    let engine: AkkoQueryEngine
    const session: Session = { user: 'alice', catalog: 'postgresql', schema: 'akko', properties: {}, preparedStatements: {} }
    const run = async (sql: string): Promise<unknown[][]> => {
      const out: unknown[][] = []
      for await (const b of (await engine.execute(sql, session)).rows) for (const row of b) out.push([...row])
      return out
    }
    before(async () => {
      t = await openTestTables()
      client = await postgresqlServerConnect(db.url, { catalog: 'postgresql' })
      engine = await createQueryEngine({
        connectors: [icebergConnector({ catalog: t.catalog, tables: t }), postgresqlConnectorCreate({ catalog: 'postgresql', client })],
        iceberg: { catalog: t.catalog, tables: t },
        handlers: [icebergDdlHandler, icebergDmlHandler],
        sandbox: { ...sandboxDefaults(t.home), allowedDirectories: [join(t.home, 'warehouse'), join(t.home, 'cache')], threads: 1 },
        log: silentLogger,
      })
    })
    after(async () => {
      await engine?.close()
      await client?.close()
      await t?.close()
    })

    test('postgresql.akko.raw_transactions answers through the engine and feeds iceberg.banking.transactions', async () => {
      const [[n, fraud]] = (await admin.query({ text: 'SELECT count(*)::int, count(*) FILTER (WHERE is_fraud)::int FROM akko.raw_transactions', rowMode: 'array' })).rows
      assert.deepEqual(await run('SELECT count(*), count_if(is_fraud) FROM postgresql.akko.raw_transactions'), [[n, fraud]])
      const sql = bankingTransactionsTrinoSql()
      await run(sql.createSchema)
      await run(sql.createTable)
      assert.deepEqual(await run(sql.merge), [[ROWS]])
      assert.deepEqual(await run('SELECT count(*), count_if(is_fraud) FROM iceberg.banking.transactions'), [[n, fraud]])
    })
  })
})
