import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { silentLogger } from '../../src/core/index.js'
import {
  createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, postgresqlConnectorCreate, postgresqlEmbeddedOpen, sandboxDefaults,
  type AkkoQueryEngine, type PostgresqlClient, type Session,
} from '../../src/engine/index.js'
import {
  BANKING_TRANSACTIONS_COLUMNS, BANKING_TRANSACTIONS_IDENT, bankingGenerate, bankingSeed, bankingSinkPglite, bankingTransactionsPartitionSpec,
  bankingTransactionsQuery, bankingTransactionsSchema, bankingTransactionsTrinoSql, type BankingSeedProgress, type BankingSink,
} from '../../src/ingest/banking/index.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

const AS_OF = '2025-06-01T12:00:00Z'
const ROWS = 3000

/** `id,amount,amount_usd,is_fraud;…` of the generated transactions, as PostgreSQL prints them. */
async function expectedDigest(seed: number): Promise<string> {
  const ds = await bankingGenerate({ transactions: ROWS, seed, asOf: AS_OF })
  const cents = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`
  return [...ds.transactions()].map(t => `${t.id},${cents(t.amountCents)},${cents(t.amountUsdCents)},${t.isFraud}`).join(';')
}

const DIGEST_SQL = `SELECT string_agg(transaction_id || ',' || amount || ',' || amount_usd || ',' || is_fraud, ';' ORDER BY transaction_id) AS d FROM akko.raw_transactions`

describe('banking seed into embedded PGlite', () => {
  let t: TestTables
  let dir: string
  let sink: BankingSink

  before(async () => {
    t = await openTestTables()
    dir = join(t.home, 'postgresql')
    sink = await bankingSinkPglite(dir)
  })
  after(async () => {
    await sink?.close()
    await t?.close()
  })

  const counts = () => sink.transaction(async tx => {
    const out: Record<string, number> = {}
    for (const name of ['customers', 'accounts', 'cards', 'merchants', 'raw_transactions']) {
      out[name] = Number((await tx.query(`SELECT count(*)::int AS n FROM akko.${name}`))[0]!.n)
    }
    return out
  })

  test('loads the five tables with COPY: primary keys, typed columns, the generated rows, progress to the total', async () => {
    const progress: BankingSeedProgress[] = []
    const r = await bankingSeed(sink, { transactions: ROWS, seed: 7, asOf: AS_OF, onProgress: p => progress.push(p) })
    assert.equal(r.skipped, false)
    assert.equal(r.rows.raw_transactions, ROWS)
    assert.deepEqual(await counts(), r.rows)
    assert.ok(r.fraudRows > 0)
    const last = progress.at(-1)!
    assert.equal(last.rows, last.totalRows)
    assert.equal(last.totalRows, Object.values(r.rows).reduce((a, b) => a + b, 0))
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.rows > progress[i - 1]!.rows)
    assert.deepEqual(new Set(progress.map(p => p.table)), new Set(['customers', 'accounts', 'cards', 'merchants', 'raw_transactions']))

    const types = await sink.transaction(tx => tx.query(
      `SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns
        WHERE table_schema = 'akko' AND table_name = 'raw_transactions' AND column_name IN ('amount', 'ts', 'is_fraud', 'updated_at') ORDER BY column_name`))
    assert.deepEqual(types.map(c => [c.column_name, c.data_type, c.numeric_precision, c.numeric_scale]), [
      ['amount', 'numeric', 12, 2], ['is_fraud', 'boolean', null, null], ['ts', 'timestamp with time zone', null, null], ['updated_at', 'timestamp with time zone', null, null],
    ])
    const pks = await sink.transaction(tx => tx.query(`SELECT conrelid::regclass::text AS t FROM pg_constraint WHERE contype = 'p' AND connamespace = 'akko'::regnamespace ORDER BY 1`))
    assert.deepEqual(pks.map(p => p.t), ['akko.accounts', 'akko.cards', 'akko.customers', 'akko.merchants', 'akko.raw_transactions', 'akko.seed_runs'])
    const [digest] = await sink.transaction(tx => tx.query(DIGEST_SQL))
    assert.equal(digest!.d, await expectedDigest(7))
  })

  test('seeding again with the same options skips and duplicates nothing, with or without asOf', async () => {
    const before = await counts()
    for (const asOf of [AS_OF, undefined]) {
      const r = await bankingSeed(sink, { transactions: ROWS, seed: 7, asOf })
      assert.equal(r.skipped, true)
      assert.equal(r.options.asOf.toISOString(), new Date(AS_OF).toISOString())
      assert.deepEqual(await counts(), before)
    }
  })

  test('a different seed truncates and reloads in one transaction; a cancelled seed changes nothing', async () => {
    const r = await bankingSeed(sink, { transactions: ROWS, seed: 8, asOf: AS_OF })
    assert.equal(r.skipped, false)
    assert.equal((await counts()).raw_transactions, ROWS)
    const [digest] = await sink.transaction(tx => tx.query(DIGEST_SQL))
    assert.equal(digest!.d, await expectedDigest(8))

    const ac = new AbortController()
    await assert.rejects(bankingSeed(sink, { transactions: ROWS, seed: 9, asOf: AS_OF, signal: ac.signal, onProgress: () => ac.abort() }), { code: 'CANCELLED' })
    const [still] = await sink.transaction(tx => tx.query(DIGEST_SQL))
    assert.equal(still!.d, digest!.d)
    const [marker] = await sink.transaction(tx => tx.query(`SELECT seed::int AS seed FROM akko.seed_runs`))
    assert.equal(marker!.seed, 8)
  })

  test('the denormalizing PostgreSQL query gives the Iceberg schema\'s columns, and filters by watermark', async () => {
    const all = await sink.transaction(tx => tx.query(bankingTransactionsQuery()))
    assert.equal(all.length, ROWS)
    assert.deepEqual(Object.keys(all[0]!), [...BANKING_TRANSACTIONS_COLUMNS])
    assert.deepEqual(bankingTransactionsSchema.fields.map(f => f.name), [...BANKING_TRANSACTIONS_COLUMNS])
    const since = new Date(Date.parse(AS_OF) - 3 * 86_400_000).toISOString()
    const recent = await sink.transaction(tx => tx.query(bankingTransactionsQuery({ sinceParam: 1 }), [since]))
    const [n] = await sink.transaction(tx => tx.query(`SELECT count(*)::int AS n FROM akko.raw_transactions WHERE updated_at > $1`, [since]))
    assert.ok(recent.length > 0 && recent.length < ROWS)
    assert.equal(recent.length, n!.n)
  })

  describe('through the engine', () => {
    let client: PostgresqlClient
    let engine: AkkoQueryEngine
    const session: Session = { user: 'alice', catalog: 'iceberg', schema: 'banking', properties: {}, preparedStatements: {} }
    const run = async (sql: string): Promise<unknown[][]> => {
      const out: unknown[][] = []
      for await (const b of (await engine.execute(sql, session)).rows) for (const row of b) out.push([...row])
      return out
    }
    before(async () => {
      await sink.close() // one PGlite per directory: the engine's client opens it next
      client = await postgresqlEmbeddedOpen(dir)
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
    })

    test('postgresql.akko.raw_transactions is queryable with Trino types', async () => {
      const r = await engine.execute('SELECT transaction_id, ts, amount, is_fraud FROM postgresql.akko.raw_transactions WHERE transaction_id = 1', session)
      assert.deepEqual(r.columns.map(c => c.type), ['bigint', 'timestamp(6) with time zone', 'decimal(12,2)', 'boolean'])
      assert.deepEqual(await run('SELECT count(*) FROM postgresql.akko.raw_transactions'), [[ROWS]])
      assert.deepEqual(await run(`SELECT count(*) FROM postgresql.akko.raw_transactions t JOIN postgresql.akko.cards c ON c.card_id = t.card_id`), [[ROWS]])
    })

    test('the Trino SQL builds iceberg.banking.transactions partitioned by region; merging again changes nothing', async () => {
      const sql = bankingTransactionsTrinoSql()
      await run(sql.createSchema)
      await run(sql.createTable)
      assert.deepEqual(await run(sql.merge), [[ROWS]])
      assert.deepEqual(await run(sql.merge), [[0]])
      assert.deepEqual(await run('SELECT count(*), count(DISTINCT region) FROM iceberg.banking.transactions'), [[ROWS, 5]])
      assert.deepEqual(
        await run('SELECT count(*) FROM iceberg.banking.transactions d JOIN postgresql.akko.raw_transactions r ON r.transaction_id = d.transaction_id WHERE r.amount = d.amount AND r.is_fraud = d.is_fraud AND r.region = d.region'),
        [[ROWS]],
      )
      const { metadata } = await t.catalog.loadTable({ namespace: [...BANKING_TRANSACTIONS_IDENT.namespace], name: BANKING_TRANSACTIONS_IDENT.name })
      const schema = metadata.schemas.find(s => s['schema-id'] === metadata['current-schema-id'])!
      assert.deepEqual(schema.fields.map(f => [f.name, f.type]), bankingTransactionsSchema.fields.map(f => [f.name, f.type]))
      const spec = metadata['partition-specs'].find(s => s['spec-id'] === metadata['default-spec-id'])!
      assert.deepEqual(spec.fields.map(f => [f.name, f.transform]), bankingTransactionsPartitionSpec.fields.map(f => [f.name, f.transform]))
    })
  })
})
