import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { BANKING_CATEGORIES } from './categories.js'
import { bankingGenerate, type BankingDataset } from './generator.js'
import { BANKING_COUNTRIES, bankingCountry, bankingRegionOf } from './geography.js'
import { luhnValid } from './luhn.js'
import { bankingSentimentOf } from './texts.js'
import { FRAUD_PATTERNS, type BankingTransaction } from './transactions.js'

const AS_OF = '2025-06-01T12:00:00Z'
const ROWS = 20_000

function datasetHash(ds: BankingDataset): string {
  const h = createHash('sha256')
  const { customers, accounts, cards, merchants } = ds.dimensions
  h.update(JSON.stringify({ customers, accounts, cards, merchants }))
  for (const t of ds.transactions()) h.update(JSON.stringify(t))
  return h.digest('hex')
}

describe('banking generator', () => {
  let ds: BankingDataset
  let txs: BankingTransaction[]
  before(async () => {
    ds = await bankingGenerate({ transactions: ROWS, seed: 7, asOf: AS_OF })
    txs = [...ds.transactions()]
  })

  test('the same seed and asOf give the same rows; another seed gives other rows', async () => {
    const again = await bankingGenerate({ transactions: ROWS, seed: 7, asOf: AS_OF })
    assert.equal(datasetHash(again), datasetHash(ds))
    assert.equal(datasetHash(ds), datasetHash(ds), 'transactions() starts over on each call')
    const other = await bankingGenerate({ transactions: ROWS, seed: 8, asOf: AS_OF })
    assert.notEqual(datasetHash(other), datasetHash(ds))
  })

  test('sizes follow the options, ids are 1..n and timestamps fall in the days before asOf', () => {
    assert.equal(txs.length, ROWS)
    txs.forEach((t, i) => assert.equal(t.id, i + 1))
    const end = Date.parse(AS_OF)
    const start = end - 29 * 86_400_000
    for (const t of txs) assert.ok(t.ts <= end && t.ts >= start, `ts ${new Date(t.ts).toISOString()}`)
    assert.equal(ds.dimensions.customers.length, ds.options.customers)
    assert.equal(ds.dimensions.merchants.length, ds.options.merchants)
    assert.equal(ds.options.fraudRate, 0.015)
  })

  test('every card number passes the Luhn check and none repeats', () => {
    const pans = ds.dimensions.cards.map(c => c.pan)
    for (const pan of pans) assert.ok(luhnValid(pan), pan)
    assert.equal(new Set(pans).size, pans.length)
    assert.ok(pans.some(p => p.length === 15 && /^3[47]/.test(p)), 'some American Express numbers')
    assert.ok(pans.some(p => p.startsWith('4')) && pans.some(p => p.startsWith('5')))
  })

  test('customers have names, unique e-mails on reserved example domains, and known countries', () => {
    const emails = new Set<string>()
    for (const c of ds.dimensions.customers) {
      assert.ok(c.firstName && c.lastName && c.fullName === `${c.firstName} ${c.lastName}`)
      assert.match(c.email, /^[a-z0-9]+\.[a-z0-9]+\d+@example\.(com|net|org)$/)
      emails.add(c.email)
      assert.ok(bankingCountry(c.country), c.country)
    }
    assert.equal(emails.size, ds.dimensions.customers.length)
  })

  test('accounts are active, closed or frozen, and only cards of active accounts transact', () => {
    const statuses = new Set(ds.dimensions.accounts.map(a => a.status))
    assert.deepEqual([...statuses].sort(), ['active', 'closed', 'frozen'])
    const accounts = new Map(ds.dimensions.accounts.map(a => [a.id, a]))
    const cards = new Map(ds.dimensions.cards.map(c => [c.id, c]))
    for (const t of txs) {
      const card = cards.get(t.cardId)!
      assert.equal(card.accountId, t.accountId)
      assert.equal(card.customerId, t.customerId)
      assert.equal(card.status, 'active')
      assert.equal(accounts.get(t.accountId)!.status, 'active')
    }
    for (const a of ds.dimensions.accounts) if (a.iban) assert.match(a.iban, /^[A-Z]{2}\d{2}[A-Z0-9]+$/)
  })

  test('region always matches the country, for merchants and transactions, and every region appears', () => {
    const merchants = new Map(ds.dimensions.merchants.map(m => [m.id, m]))
    for (const m of ds.dimensions.merchants) assert.equal(m.region, bankingRegionOf(m.country))
    const regions = new Set<string>()
    for (const t of txs) {
      assert.equal(t.region, bankingRegionOf(t.country))
      assert.equal(t.country, merchants.get(t.merchantId)!.country)
      assert.equal(t.currency, bankingCountry(t.country)!.currency)
      regions.add(t.region)
    }
    assert.deepEqual([...regions].sort(), ['APAC', 'EU', 'LATAM', 'MEA', 'NA'])
  })

  test('the fraud rate is within a quarter of the requested one, and a larger rate is honoured too', async () => {
    const rate = txs.filter(t => t.isFraud).length / txs.length
    assert.ok(Math.abs(rate - 0.015) < 0.015 * 0.25, `fraud rate ${rate}`)
    const high = await bankingGenerate({ transactions: ROWS, seed: 7, asOf: AS_OF, fraudRate: 0.05 })
    let n = 0
    for (const t of high.transactions()) if (t.isFraud) n++
    assert.ok(Math.abs(n / ROWS - 0.05) < 0.05 * 0.25, `fraud rate ${n / ROWS}`)
    const none = await bankingGenerate({ transactions: 2000, seed: 7, asOf: AS_OF, fraudRate: 0 })
    for (const t of none.transactions()) assert.equal(t.isFraud, false)
  })

  test('each fraud pattern is present and has its signature', () => {
    const byPattern = new Map(FRAUD_PATTERNS.map(p => [p, txs.filter(t => t.fraudPattern === p)]))
    for (const [p, rows] of byPattern) assert.ok(rows.length > 0, `pattern ${p} present`)
    for (const t of txs) assert.equal(t.isFraud, t.fraudPattern !== null)
    const customers = new Map(ds.dimensions.customers.map(c => [c.id, c]))
    const merchants = new Map(ds.dimensions.merchants.map(m => [m.id, m]))

    // burst: runs of at least 5 consecutive rows on one card, minutes apart, card-not-present
    const burst = byPattern.get('burst')!
    let runs = 0
    for (let i = 0; i < burst.length; i++) {
      if (i > 0 && burst[i - 1]!.id === burst[i]!.id - 1 && burst[i - 1]!.cardId === burst[i]!.cardId) continue
      let j = i
      while (j + 1 < burst.length && burst[j + 1]!.id === burst[j]!.id + 1 && burst[j + 1]!.cardId === burst[i]!.cardId) j++
      if (j - i + 1 >= 5) runs++
      const span = burst[j]!.ts - burst[i]!.ts
      assert.ok(span < 12 * 240_000 + 86_400_000, 'a burst spans minutes (or moved by a day at the window edge)')
    }
    assert.ok(runs > 0, 'bursts of at least 5 rows on one card')
    for (const t of burst) assert.ok(t.channel === 'online' || t.channel === 'mobile')

    // amount: far above the category's median
    for (const t of byPattern.get('amount')!) {
      const cat = BANKING_CATEGORIES.find(c => c.name === merchants.get(t.merchantId)!.category)!
      assert.ok(t.amountUsdCents / 100 >= cat.medianUsd * 14, `amount ${t.amountUsdCents} in ${cat.name}`)
    }
    // foreign: the merchant is in another region than the customer's home
    for (const t of byPattern.get('foreign')!) {
      assert.notEqual(t.region, bankingRegionOf(customers.get(t.customerId)!.country))
    }
    // night: between 1 and 5 a.m. in the customer's local (standard) time
    for (const t of byPattern.get('night')!) {
      const offset = bankingCountry(customers.get(t.customerId)!.country)!.utcOffset
      const hour = new Date(t.ts + offset * 3_600_000).getUTCHours()
      assert.ok(hour >= 1 && hour < 5, `local hour ${hour}`)
    }
  })

  test('ordinary spending is mostly domestic and by day; fraud concentrates in the last week', () => {
    const ordinary = txs.filter(t => !t.isFraud)
    const customers = new Map(ds.dimensions.customers.map(c => [c.id, c]))
    const domestic = ordinary.filter(t => customers.get(t.customerId)!.country === t.country).length / ordinary.length
    assert.ok(domestic > 0.9, `domestic share ${domestic}`)
    const night = ordinary.filter(t => {
      const h = new Date(t.ts + bankingCountry(customers.get(t.customerId)!.country)!.utcOffset * 3_600_000).getUTCHours()
      return h >= 1 && h < 5
    }).length / ordinary.length
    assert.ok(night < 0.03, `night share ${night}`)
    const lastWeek = Date.parse(AS_OF) - 7 * 86_400_000
    const rate = (rows: BankingTransaction[]) => rows.filter(t => t.isFraud).length / rows.length
    assert.ok(rate(txs.filter(t => t.ts >= lastWeek)) > rate(txs.filter(t => t.ts < lastWeek)) * 1.5)
  })

  test('descriptions read as text with a tone: complaints are more frequent on fraud', () => {
    const negative = (rows: BankingTransaction[]) => rows.filter(t => bankingSentimentOf(t.description) === 'negative').length / rows.length
    const fraud = txs.filter(t => t.isFraud)
    const ordinary = txs.filter(t => !t.isFraud)
    assert.ok(negative(fraud) > 0.4, `negative share on fraud ${negative(fraud)}`)
    assert.ok(negative(ordinary) < 0.1, `negative share on ordinary ${negative(ordinary)}`)
    assert.ok(ordinary.some(t => bankingSentimentOf(t.description) === 'positive'))
    assert.ok(ordinary.some(t => bankingSentimentOf(t.description) === undefined))
  })

  test('amounts are positive, in cents of the local currency, with a comparable USD amount', () => {
    for (const t of txs) {
      assert.ok(Number.isInteger(t.amountCents) && t.amountCents > 0)
      assert.ok(t.amountCents < 1e12, 'fits numeric(12,2)')
      const perUsd = bankingCountry(t.country)!.perUsd
      assert.ok(Math.abs(t.amountUsdCents - t.amountCents / perUsd) <= 1)
    }
    assert.equal(new Set(BANKING_COUNTRIES.map(c => c.code)).size, BANKING_COUNTRIES.length)
  })

  test('bad options are INVALID_ARGUMENT naming the option', async () => {
    for (const [opts, name] of [
      [{ transactions: 0 }, 'transactions'], [{ transactions: 1.5 }, 'transactions'], [{ transactions: 10, fraudRate: 0.9 }, 'fraudRate'],
      [{ transactions: 10, asOf: 'not a date' }, 'asOf'], [{ transactions: 10, days: 0 }, 'days'],
    ] as const) {
      await assert.rejects(bankingGenerate(opts), (e: Error & { code?: string; details?: { option?: string } }) => {
        assert.equal(e.code, 'INVALID_ARGUMENT')
        assert.equal(e.details?.option, name)
        return true
      })
    }
  })
})
