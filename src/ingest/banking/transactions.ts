/**
 * The transaction stream: ordinary card spending spread over the days before `asOf` with a day/night rhythm in
 * each customer's local time, and fraud injected at a configurable rate in four patterns. Rows are produced one
 * at a time (nothing proportional to the row count is held), from the fast seeded generator only.
 * @module
 */
import { BANKING_CATEGORIES, BANKING_CHANNELS, bankingCategoryIndex, type BankingCategory, type BankingChannel } from './categories.js'
import type { BankingCard, BankingDimensions, BankingMerchant } from './dimensions.js'
import { BANKING_COUNTRIES, type BankingCountry, type BankingRegion } from './geography.js'
import { Prng, prngCumulative } from './prng.js'
import { bankingDescription } from './texts.js'

/**
 * How a fraudulent row was made: `burst` (many card-not-present payments on one card within minutes), `amount`
 * (an amount far above what the category sees), `foreign` (a merchant in another region, often a high-risk one),
 * `night` (cash or online spending between 1 and 5 a.m. local time).
 */
export type FraudPattern = 'burst' | 'amount' | 'foreign' | 'night'
export const FRAUD_PATTERNS: readonly FraudPattern[] = ['burst', 'amount', 'foreign', 'night']

/** One transaction as generated. `fraudPattern` is ground truth for tests; it is not written to the database. */
export interface BankingTransaction {
  readonly id: number
  /** Epoch milliseconds. */
  readonly ts: number
  readonly cardId: number
  readonly accountId: number
  readonly customerId: number
  readonly merchantId: number
  /** Amount in minor units (cents) of `currency`. */
  readonly amountCents: number
  /** The amount in US dollar cents, at the demo's fixed exchange rate (comparable across currencies). */
  readonly amountUsdCents: number
  readonly currency: string
  readonly channel: BankingChannel
  /** Where the payment happened: the merchant's country, and its region. */
  readonly country: string
  readonly region: BankingRegion
  readonly description: string
  readonly isFraud: boolean
  readonly fraudPattern: FraudPattern | null
}

export interface TransactionStreamOptions {
  readonly seed: number
  readonly rows: number
  readonly asOf: number
  readonly days: number
  readonly fraudRate: number
}

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

/** Relative activity per local hour 0..23: quiet nights, lunch and evening peaks. */
const HOURS = prngCumulative([1, 0.5, 0.3, 0.2, 0.2, 0.5, 1.5, 3, 5, 6, 6.5, 7, 8, 7, 6.5, 6.5, 7, 8, 8.5, 8, 6.5, 5, 3.5, 2])
/** Share of each fraud pattern among fraud events, in FRAUD_PATTERNS order. */
const PATTERN_PICK = prngCumulative([0.3, 0.25, 0.25, 0.2])
const CAMPAIGN_DAYS = 7
const CAMPAIGN_FACTOR = 2
const BURST_MIN = 5
const BURST_MAX = 12
/** Rows per fraud event on average (bursts are BURST_MIN..BURST_MAX rows, the other patterns one). */
const ROWS_PER_EVENT = 0.3 * ((BURST_MIN + BURST_MAX) / 2) + 0.7
/** Countries where stolen cards are most often used abroad in this demo, weighted. */
const HOT = [['NG', 3], ['ID', 2], ['BR', 2], ['TR', 2], ['CO', 1.5], ['AR', 1], ['MX', 1], ['IN', 1], ['GB', 0.5], ['US', 0.5]] as const
/** Ordinary travel: share of ordinary rows spent abroad, and the categories travellers pay in. */
const TRAVEL_RATE = 0.025
const TRAVEL_CATEGORIES = ['lodging', 'restaurants', 'transport', 'fast_food', 'misc_retail', 'atm', 'fuel']
const CNP = ['digital_goods', 'electronics', 'gambling', 'clothing', 'telecom']
const BIG_TICKET = ['electronics', 'jewelry', 'airlines', 'department_stores']

const COUNTRY_BY_CODE = new Map(BANKING_COUNTRIES.map(c => [c.code, c]))

interface CardRef {
  readonly card: BankingCard
  readonly country: number
}

/** Everything the stream looks up per row, built once from the dimensions. */
class StreamModel {
  readonly cards: CardRef[]
  readonly cardPick: Float64Array
  readonly catPick = prngCumulative(BANKING_CATEGORIES.map(c => c.weight))
  readonly channelPick = BANKING_CATEGORIES.map(c => prngCumulative(c.channels))
  readonly countryPick = prngCumulative(BANKING_COUNTRIES.map(c => c.weight))
  readonly hotPick = prngCumulative(HOT.map(h => h[1]))
  readonly hot = HOT.map(h => BANKING_COUNTRIES.findIndex(c => c.code === h[0]))
  /** Merchant indexes by country index, then category index. */
  readonly byCountry: number[][][]
  readonly merchants: readonly BankingMerchant[]

  constructor(dims: BankingDimensions, rng: Prng) {
    const countryIndex = new Map(BANKING_COUNTRIES.map((c, i) => [c.code, i]))
    const customers = new Map(dims.customers.map(c => [c.id, c]))
    const accounts = new Map(dims.accounts.map(a => [a.id, a]))
    this.cards = dims.cards
      .filter(k => k.status === 'active' && accounts.get(k.accountId)?.status === 'active')
      .map(card => ({ card, country: countryIndex.get(customers.get(card.customerId)!.country)! }))
    // Some cards are used far more than others: log-normal activity weights.
    this.cardPick = prngCumulative(this.cards.map(() => rng.logNormal(1, 0.8)))
    this.merchants = dims.merchants
    this.byCountry = BANKING_COUNTRIES.map(() => BANKING_CATEGORIES.map(() => [] as number[]))
    dims.merchants.forEach((m, i) => this.byCountry[countryIndex.get(m.country)!]![bankingCategoryIndex(m.category)]!.push(i))
  }

  merchant(rng: Prng, country: number, category: number): BankingMerchant {
    const list = this.byCountry[country]![category]!
    // Every country has every category once the merchant count covers them; otherwise any merchant of the category.
    if (list.length > 0) return this.merchants[rng.pick(list)]!
    for (let c = 0; c < BANKING_COUNTRIES.length; c++) {
      const other = this.byCountry[(country + c) % BANKING_COUNTRIES.length]![category]!
      if (other.length > 0) return this.merchants[rng.pick(other)]!
    }
    return rng.pick(this.merchants)
  }
}

/** The transactions, in id order. Deterministic for the same options and dimensions. */
export function* bankingTransactions(dims: BankingDimensions, opts: TransactionStreamOptions): Generator<BankingTransaction> {
  const rng = new Prng(opts.seed, 'transactions')
  const model = new StreamModel(dims, new Prng(opts.seed, 'activity'))
  if (model.cards.length === 0 || opts.rows <= 0) return
  const firstDay = Math.floor(opts.asOf / DAY_MS) * DAY_MS - (opts.days - 1) * DAY_MS
  const chance = eventChances(Math.min(Math.max(opts.fraudRate, 0), 0.5), opts.days)
  const pending: Draft[] = []
  for (let i = 0; i < opts.rows; i++) {
    const dayIndex = Math.floor((i * opts.days) / opts.rows)
    const day = firstDay + dayIndex * DAY_MS
    let row = pending.shift()
    if (!row && rng.chance(dayIndex >= opts.days - CAMPAIGN_DAYS ? chance.campaign : chance.before)) {
      const rows = fraudEvent(rng, model, day)
      row = rows.shift()
      pending.push(...rows)
    }
    row ??= ordinary(rng, model, day)
    // Drafts are fresh objects owned by this loop: filling in the id here avoids copying every row.
    row.id = i + 1
    row.ts = clampTs(row.ts, firstDay, opts.asOf)
    yield row
  }
}

/** A transaction being built: the stream sets its id (and may move its timestamp) before yielding it. */
type Draft = { -readonly [K in keyof BankingTransaction]: BankingTransaction[K] }

/**
 * Chance that a fresh slot starts a fraud event, so that a share `f` of rows is fraudulent overall. With three
 * weeks of history or more, the last week runs a fraud campaign at CAMPAIGN_FACTOR times the rate of the weeks
 * before (the overall rate is unchanged), so "which regions saw a fraud rate above 5 % last week?" has an answer.
 * A fresh slot starting an event with chance q yields q·E fraud rows per 1 + q·(E − 1) slots, E rows per event.
 */
function eventChances(f: number, days: number): { before: number; campaign: number } {
  const q = (share: number): number => share / (ROWS_PER_EVENT * (1 - share) + share)
  if (days < 3 * CAMPAIGN_DAYS) return { before: q(f), campaign: q(f) }
  const before = (days - CAMPAIGN_DAYS * CAMPAIGN_FACTOR) / (days - CAMPAIGN_DAYS)
  return { before: q(f * before), campaign: q(Math.min(0.9, f * CAMPAIGN_FACTOR)) }
}

function ordinary(rng: Prng, m: StreamModel, day: number): Draft {
  const ref = m.cards[rng.weighted(m.cardPick)]!
  const travel = rng.chance(TRAVEL_RATE)
  const where = travel ? rng.weighted(m.countryPick) : ref.country
  const category = travel ? bankingCategoryIndex(rng.pick(TRAVEL_CATEGORIES)) : rng.weighted(m.catPick)
  const merchant = m.merchant(rng, where, category)
  const cat = BANKING_CATEGORIES[category]!
  const channel = BANKING_CHANNELS[rng.weighted(m.channelPick[category]!)]!
  const usd = Math.min(rng.logNormal(cat.medianUsd, cat.sigma), cat.medianUsd * 12)
  const ts = localTime(rng, day, BANKING_COUNTRIES[ref.country]!, rng.weighted(HOURS))
  return draft(rng, ref, merchant, channel, usd, ts, null)
}

function fraudEvent(rng: Prng, m: StreamModel, day: number): Draft[] {
  const ref = m.cards[rng.weighted(m.cardPick)]!
  const home = BANKING_COUNTRIES[ref.country]!
  const pattern = FRAUD_PATTERNS[rng.weighted(PATTERN_PICK)]!
  if (pattern === 'burst') {
    const out: Draft[] = []
    let ts = localTime(rng, day, home, rng.weighted(HOURS))
    const n = rng.between(BURST_MIN, BURST_MAX)
    const where = rng.chance(0.3) ? m.hot[rng.weighted(m.hotPick)]! : ref.country
    for (let k = 0; k < n; k++) {
      const cat = bankingCategoryIndex(rng.pick(CNP))
      // Card testing first (a few small amounts), then the real spending.
      const usd = k < 2 ? 1 + rng.float() * 4 : 40 + rng.float() * 560
      out.push(draft(rng, ref, m.merchant(rng, where, cat), rng.chance(0.7) ? 'online' : 'mobile', usd, ts, 'burst'))
      ts += (30 + rng.int(210)) * 1000
    }
    return out
  }
  if (pattern === 'amount') {
    const cat = BANKING_CATEGORIES[bankingCategoryIndex(rng.pick(BIG_TICKET))]!
    const usd = Math.min(cat.medianUsd * (15 + rng.float() * 25), 9500)
    const ts = localTime(rng, day, home, rng.weighted(HOURS))
    return [draft(rng, ref, m.merchant(rng, ref.country, bankingCategoryIndex(cat.name)), rng.chance(0.6) ? 'online' : 'pos', usd, ts, 'amount')]
  }
  if (pattern === 'foreign') {
    let where = m.hot[rng.weighted(m.hotPick)]!
    if (BANKING_COUNTRIES[where]!.region === home.region) where = m.hot.find(h => BANKING_COUNTRIES[h]!.region !== home.region)!
    const cat = bankingCategoryIndex(rng.pick([...CNP, 'lodging', 'misc_retail', 'atm']))
    const c: BankingCategory = BANKING_CATEGORIES[cat]!
    const channel = cat === bankingCategoryIndex('atm') ? 'atm' : rng.chance(0.6) ? 'online' : 'pos'
    const usd = rng.logNormal(c.medianUsd * 2.5, 0.6)
    return [draft(rng, ref, m.merchant(rng, where, cat), channel, usd, localTime(rng, day, home, rng.weighted(HOURS)), 'foreign')]
  }
  const atm = rng.chance(0.6)
  const cat = bankingCategoryIndex(atm ? 'atm' : rng.pick(CNP))
  const usd = atm ? 200 + rng.float() * 600 : 80 + rng.float() * 700
  const ts = localTime(rng, day, home, 1 + rng.int(4))
  return [draft(rng, ref, m.merchant(rng, ref.country, cat), atm ? 'atm' : 'online', usd, ts, 'night')]
}

function draft(rng: Prng, ref: CardRef, merchant: BankingMerchant, channel: BankingChannel, usd: number, ts: number, pattern: FraudPattern | null): Draft {
  const country = COUNTRY_BY_CODE.get(merchant.country)!
  const cents = amountCents(usd, country, channel === 'atm')
  return {
    id: 0,
    ts,
    cardId: ref.card.id,
    accountId: ref.card.accountId,
    customerId: ref.card.customerId,
    merchantId: merchant.id,
    amountCents: cents,
    amountUsdCents: Math.round(cents / country.perUsd),
    currency: country.currency,
    channel,
    country: country.code,
    region: country.region,
    description: bankingDescription(rng, channel, merchant.name, merchant.city, pattern !== null),
    isFraud: pattern !== null,
    fraudPattern: pattern,
  }
}

/** Minor units of the local currency: whole units where a unit is worth little, round notes at ATMs. */
function amountCents(usd: number, country: BankingCountry, atm: boolean): number {
  const local = Math.max(usd, 0.5) * country.perUsd
  if (atm) {
    const step = 10 ** Math.max(1, Math.floor(Math.log10(country.perUsd * 20)))
    return Math.max(1, Math.round(local / step)) * step * 100
  }
  return country.perUsd >= 100 ? Math.round(local) * 100 : Math.round(local * 100)
}

/** A moment on `day` (UTC midnight) at local hour `hour` in the country's standard time. */
function localTime(rng: Prng, day: number, country: BankingCountry, hour: number): number {
  return day + hour * HOUR_MS + rng.int(HOUR_MS) - country.utcOffset * HOUR_MS
}

/** Keeps timestamps inside [first day, asOf]: local offsets can push a row a few hours outside. */
function clampTs(ts: number, firstDay: number, asOf: number): number {
  if (ts > asOf) return ts - DAY_MS * Math.ceil((ts - asOf) / DAY_MS)
  if (ts < firstDay) return ts + DAY_MS
  return ts
}
