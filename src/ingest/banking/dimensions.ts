/**
 * The dimension rows of the banking demo: customers, their accounts and cards, and merchants. They are bounded
 * (a few hundred thousand rows at the largest size) and built in memory from the name pools.
 * @module
 */
import { BANKING_CATEGORIES } from './categories.js'
import { BANKING_COUNTRIES, type BankingCountry, type BankingRegion } from './geography.js'
import { luhnCheckDigit } from './luhn.js'
import { asciiFold, type CountryPool } from './pools.js'
import { Prng, prngCumulative } from './prng.js'

export type AccountStatus = 'active' | 'closed' | 'frozen'
export type CardStatus = 'active' | 'blocked' | 'expired'

export interface BankingCustomer {
  readonly id: number
  readonly firstName: string
  readonly lastName: string
  readonly fullName: string
  readonly email: string
  readonly country: string
  /** The country's region (EU, NA, …): what the demo's row filters select on. */
  readonly region: BankingRegion
  readonly city: string
  /** YYYY-MM-DD. */
  readonly birthDate: string
  readonly segment: 'retail' | 'premium' | 'business'
  /** Epoch milliseconds. */
  readonly createdAt: number
}

export interface BankingAccount {
  readonly id: number
  readonly customerId: number
  /** Domestic account number (digits). */
  readonly accountNumber: string
  /** IBAN with valid check digits where the country uses IBAN, else null. */
  readonly iban: string | null
  readonly type: 'checking' | 'savings' | 'credit'
  readonly currency: string
  readonly status: AccountStatus
  readonly openedAt: number
  readonly balanceCents: number
  /** The holder's region. */
  readonly region: BankingRegion
}

export interface BankingCard {
  readonly id: number
  readonly accountId: number
  readonly customerId: number
  /** Primary account number, Luhn-valid (16 digits, 15 for American Express). */
  readonly pan: string
  readonly network: 'visa' | 'mastercard' | 'amex'
  readonly cardType: 'debit' | 'credit'
  /** Last day of the expiry month, YYYY-MM-DD. */
  readonly expiresOn: string
  readonly status: CardStatus
  readonly issuedAt: number
}

export interface BankingMerchant {
  readonly id: number
  readonly name: string
  readonly category: string
  readonly mcc: string
  readonly country: string
  readonly city: string
  readonly region: BankingRegion
}

export interface BankingDimensions {
  readonly customers: readonly BankingCustomer[]
  readonly accounts: readonly BankingAccount[]
  readonly cards: readonly BankingCard[]
  readonly merchants: readonly BankingMerchant[]
}

export interface DimensionSizes {
  readonly customers: number
  readonly merchants: number
}

const DAY_MS = 86_400_000
const YEAR_MS = 365.25 * DAY_MS

/** RFC 2606 reserved domains: generated addresses can never reach a real mailbox. */
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const

/** IBAN countries: BBAN length and how many leading letters (bank code) it has. */
const IBAN: Readonly<Record<string, readonly [number, number]>> = {
  FR: [23, 0], DE: [18, 0], ES: [20, 0], IT: [23, 1], NL: [14, 4], BE: [12, 0], PT: [21, 0], IE: [18, 4], AT: [16, 0],
  PL: [24, 0], SE: [20, 0], GB: [18, 4], CH: [17, 0], BR: [25, 0], TR: [22, 0], AE: [19, 0],
}

/** Builds the dimensions for `sizes`, deterministically from `seed`; dates fall before `asOf`. */
export function bankingDimensionsBuild(seed: number, pools: readonly CountryPool[], sizes: DimensionSizes, asOf: number): BankingDimensions {
  const countryPick = prngCumulative(BANKING_COUNTRIES.map(x => x.weight))
  const customers = customersBuild(new Prng(seed, 'customers'), pools, countryPick, sizes.customers, asOf)
  const { accounts, cards } = accountsBuild(new Prng(seed, 'accounts'), customers, asOf)
  const merchants = merchantsBuild(new Prng(seed, 'merchants'), pools, countryPick, sizes.merchants)
  return { customers, accounts, cards, merchants }
}

function customersBuild(rng: Prng, pools: readonly CountryPool[], countryPick: Float64Array, n: number, asOf: number): BankingCustomer[] {
  const out: BankingCustomer[] = []
  for (let i = 0; i < n; i++) {
    const id = i + 1
    const pool = pools[rng.weighted(countryPick)] as CountryPool
    const firstName = rng.pick(pool.firstNames)
    const lastName = rng.pick(pool.lastNames)
    const local = `${asciiFold(firstName) || 'client'}.${asciiFold(lastName) || 'bank'}${id}`
    const age = 18 + Math.floor(Math.min(72, Math.abs(rng.normal() * 16 + 24)))
    const birth = asOf - age * YEAR_MS - rng.int(365) * DAY_MS
    const s = rng.float()
    out.push(Object.freeze({
      id, firstName, lastName,
      fullName: `${firstName} ${lastName}`,
      email: `${local}@${rng.pick(EMAIL_DOMAINS)}`,
      country: pool.country.code,
      region: pool.country.region,
      city: rng.pick(pool.cities),
      birthDate: isoDate(birth),
      segment: s < 0.8 ? 'retail' : s < 0.95 ? 'premium' : 'business',
      createdAt: asOf - (60 + rng.int(3650)) * DAY_MS - rng.int(DAY_MS),
    }))
  }
  return out
}

function accountsBuild(rng: Prng, customers: readonly BankingCustomer[], asOf: number): { accounts: BankingAccount[]; cards: BankingCard[] } {
  const accounts: BankingAccount[] = []
  const cards: BankingCard[] = []
  for (const cu of customers) {
    const country = countryOf(cu.country)
    const n = rng.chance(0.3) ? 2 : 1
    for (let k = 0; k < n; k++) {
      const id = accounts.length + 1
      const s = rng.float()
      const status: AccountStatus = s < 0.86 ? 'active' : s < 0.94 ? 'closed' : 'frozen'
      const type = k === 0 ? 'checking' : rng.chance(0.5) ? 'savings' : 'credit'
      const openedAt = Math.max(cu.createdAt, asOf - (30 + rng.int(3000)) * DAY_MS)
      const accountNumber = digits(rng, 10)
      accounts.push(Object.freeze({
        id, customerId: cu.id, accountNumber,
        iban: ibanBuild(rng, country.code),
        type, currency: country.currency, status, openedAt,
        balanceCents: status === 'closed' ? 0 : Math.round(rng.logNormal(2500, 1.1) * country.perUsd * 100),
        region: cu.region,
      }))
      if (type === 'savings') continue
      const nCards = rng.chance(0.25) ? 2 : 1
      for (let j = 0; j < nCards; j++) cards.push(cardBuild(rng, cards.length + 1, id, cu.id, type, status, openedAt, asOf))
    }
  }
  return { accounts, cards }
}

const VISA_BINS = ['41111', '45320', '47161', '49170', '42424', '40128']
const MC_BINS = ['1234', '3901', '5500', '2025', '4444', '7777']
const AMEX_BINS = ['3782', '4100', '7823', '1005']

function cardBuild(rng: Prng, id: number, accountId: number, customerId: number, type: BankingAccount['type'], accountStatus: AccountStatus, openedAt: number, asOf: number): BankingCard {
  const x = rng.float()
  const network = x < 0.55 ? 'visa' : x < 0.9 ? 'mastercard' : 'amex'
  // The account digits are a bijection of the card id (3^18 is coprime with 10), so PANs never collide.
  const body = network === 'visa'
    ? `4${rng.pick(VISA_BINS)}${String((id * 387_420_489) % 1e9).padStart(9, '0')}`
    : network === 'mastercard'
      ? `5${1 + rng.int(5)}${rng.pick(MC_BINS)}${String((id * 387_420_489) % 1e9).padStart(9, '0')}`
      : `3${rng.chance(0.5) ? 4 : 7}${rng.pick(AMEX_BINS)}${String((id * 387_420_489) % 1e8).padStart(8, '0')}`
  const issuedAt = Math.max(openedAt, asOf - (20 + rng.int(1400)) * DAY_MS)
  const expiry = new Date(issuedAt + (3 + rng.int(2)) * YEAR_MS)
  const status: CardStatus = accountStatus === 'active' ? (rng.chance(0.03) ? 'blocked' : 'active') : accountStatus === 'frozen' ? 'blocked' : 'expired'
  return Object.freeze({
    id, accountId, customerId,
    pan: body + String(luhnCheckDigit(body)),
    network,
    cardType: type === 'credit' ? 'credit' : 'debit',
    expiresOn: isoDate(Date.UTC(expiry.getUTCFullYear(), expiry.getUTCMonth() + 1, 0)),
    status, issuedAt,
  })
}

function merchantsBuild(rng: Prng, pools: readonly CountryPool[], countryPick: Float64Array, n: number): BankingMerchant[] {
  const catPick = prngCumulative(BANKING_CATEGORIES.map(c => c.weight))
  const out: BankingMerchant[] = []
  for (let i = 0; i < n; i++) {
    // Every country gets one merchant of each category first, so domestic spending is always possible.
    const round = Math.floor(i / pools.length)
    const pool = (i < pools.length * BANKING_CATEGORIES.length ? pools[i % pools.length] : pools[rng.weighted(countryPick)]) as CountryPool
    const category = (round < BANKING_CATEGORIES.length ? BANKING_CATEGORIES[round] : BANKING_CATEGORIES[rng.weighted(catPick)])!
    const city = rng.pick(pool.cities)
    const name = rng.pick(category.names)
      .replace('{last}', rng.pick(pool.lastNames))
      .replace('{city}', city)
      .replace('{company}', rng.pick(pool.companies))
    out.push(Object.freeze({ id: i + 1, name, category: category.name, mcc: category.mcc, country: pool.country.code, city, region: pool.country.region }))
  }
  return out
}

function ibanBuild(rng: Prng, country: string): string | null {
  const spec = IBAN[country]
  if (!spec) return null
  const [len, letters] = spec
  let bban = ''
  for (let i = 0; i < letters; i++) bban += String.fromCharCode(65 + rng.int(26))
  bban += digits(rng, len - letters)
  return `${country}${String(98 - ibanMod97(`${bban}${country}00`)).padStart(2, '0')}${bban}`
}

/** ISO 13616 check: letters become 10..35, the number is reduced mod 97 a few digits at a time. */
export function ibanMod97(s: string): number {
  let rem = 0
  for (const ch of s) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97
  }
  return rem
}

function digits(rng: Prng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += String(rng.int(10))
  return s
}

const COUNTRY = new Map(BANKING_COUNTRIES.map(c => [c.code, c]))
const countryOf = (code: string): BankingCountry => COUNTRY.get(code) as BankingCountry

/** YYYY-MM-DD of epoch milliseconds (UTC). */
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
