/**
 * Name pools drawn once from a seeded Faker per country (explicit locale, falling back to `en`): first and last
 * names, cities and company names. Faker is slow per call and loaded lazily; the pools are small and every row
 * after them is assembled with the fast generator.
 * @module
 */
import { BANKING_COUNTRIES, type BankingCountry } from './geography.js'
import { prngSeedMix } from './prng.js'

/** Names of one country. */
export interface CountryPool {
  readonly country: BankingCountry
  readonly firstNames: readonly string[]
  readonly lastNames: readonly string[]
  readonly cities: readonly string[]
  readonly companies: readonly string[]
}

/** How many of each name a pool holds: enough variety for a demo, a few milliseconds of Faker per country. */
const SIZES = { firstNames: 240, lastNames: 240, cities: 40, companies: 60 }

/** One pool per country of BANKING_COUNTRIES, in that order; same seed, same pools. */
export async function bankingPoolsBuild(seed: number): Promise<readonly CountryPool[]> {
  const { Faker, allLocales, base, en } = await import('@faker-js/faker')
  return BANKING_COUNTRIES.map(country => {
    const locale = allLocales[country.locale as keyof typeof allLocales]
    const faker = new Faker({ locale: [locale, en, base], seed: prngSeedMix(seed, `faker:${country.code}`) })
    const draw = (n: number, fn: () => string): string[] => {
      const seen = new Set<string>()
      // A few extra attempts so small locales still fill most of the pool with distinct values.
      for (let i = 0; i < n * 3 && seen.size < n; i++) seen.add(fn().trim())
      return [...seen].filter(s => s.length > 0 && !/[\t\n\r\\]/.test(s))
    }
    return Object.freeze({
      country,
      firstNames: draw(SIZES.firstNames, () => faker.person.firstName()),
      lastNames: draw(SIZES.lastNames, () => faker.person.lastName()),
      cities: draw(SIZES.cities, () => faker.location.city()),
      companies: draw(SIZES.companies, () => faker.company.name()),
    })
  })
}

const FOLD: Readonly<Record<string, string>> = { ı: 'i', ł: 'l', ß: 'ss', ø: 'o', æ: 'ae', œ: 'oe', đ: 'd', þ: 'th', ð: 'd' }

/** A name folded to lowercase ASCII letters and digits, for e-mail local parts (`Çağrı` → `cagri`). */
export function asciiFold(s: string): string {
  return s
    .toLowerCase()
    .replace(/[ıłßøæœđþð]/g, ch => FOLD[ch] ?? '')
    .normalize('NFD')
    .replace(/[^a-z0-9]/g, '')
}
