/**
 * Where the banking demo's customers and merchants are: countries with their region, currency, an approximate
 * exchange rate (fixed, so amounts are reproducible), a standard-time UTC offset (local hours drive the
 * day/night pattern) and the Faker locale their names come from. Only locales written in the Latin alphabet are
 * used, so e-mail addresses can be derived from names.
 * @module
 */

/** The regions `iceberg.banking.transactions` is partitioned by. */
export const BANKING_REGIONS = ['EU', 'NA', 'LATAM', 'APAC', 'MEA'] as const
export type BankingRegion = (typeof BANKING_REGIONS)[number]

/** One country of the demo. */
export interface BankingCountry {
  /** ISO 3166-1 alpha-2. */
  readonly code: string
  readonly name: string
  readonly region: BankingRegion
  /** ISO 4217. */
  readonly currency: string
  /** Units of `currency` per US dollar (approximate, fixed). */
  readonly perUsd: number
  /** Standard-time offset from UTC in hours. */
  readonly utcOffset: number
  /** Faker locale key (an export of `@faker-js/faker`). */
  readonly locale: string
  /** Relative share of customers and merchants. */
  readonly weight: number
}

const c = (code: string, name: string, region: BankingRegion, currency: string, perUsd: number, utcOffset: number, locale: string, weight: number): BankingCountry =>
  Object.freeze({ code, name, region, currency, perUsd, utcOffset, locale, weight })

/** Every country of the demo, in a fixed order (the order is part of the generator's determinism). */
export const BANKING_COUNTRIES: readonly BankingCountry[] = Object.freeze([
  c('FR', 'France', 'EU', 'EUR', 0.92, 1, 'fr', 7),
  c('DE', 'Germany', 'EU', 'EUR', 0.92, 1, 'de', 8),
  c('ES', 'Spain', 'EU', 'EUR', 0.92, 1, 'es', 5),
  c('IT', 'Italy', 'EU', 'EUR', 0.92, 1, 'it', 5),
  c('NL', 'Netherlands', 'EU', 'EUR', 0.92, 1, 'nl', 3),
  c('BE', 'Belgium', 'EU', 'EUR', 0.92, 1, 'nl_BE', 2),
  c('PT', 'Portugal', 'EU', 'EUR', 0.92, 0, 'pt_PT', 2),
  c('IE', 'Ireland', 'EU', 'EUR', 0.92, 0, 'en_IE', 1.5),
  c('AT', 'Austria', 'EU', 'EUR', 0.92, 1, 'de_AT', 1.5),
  c('PL', 'Poland', 'EU', 'PLN', 4.0, 1, 'pl', 3),
  c('SE', 'Sweden', 'EU', 'SEK', 10.5, 1, 'sv', 2),
  c('GB', 'United Kingdom', 'EU', 'GBP', 0.79, 0, 'en_GB', 6),
  c('CH', 'Switzerland', 'EU', 'CHF', 0.88, 1, 'de_CH', 1.5),
  c('US', 'United States', 'NA', 'USD', 1, -5, 'en_US', 24),
  c('CA', 'Canada', 'NA', 'CAD', 1.36, -5, 'en_CA', 5),
  c('BR', 'Brazil', 'LATAM', 'BRL', 5.0, -3, 'pt_BR', 5),
  c('MX', 'Mexico', 'LATAM', 'MXN', 17.0, -6, 'es_MX', 4),
  c('AR', 'Argentina', 'LATAM', 'ARS', 850, -3, 'es', 1.5),
  c('CO', 'Colombia', 'LATAM', 'COP', 3900, -5, 'es', 1.5),
  c('AU', 'Australia', 'APAC', 'AUD', 1.52, 10, 'en_AU', 4),
  c('IN', 'India', 'APAC', 'INR', 83, 5.5, 'en_IN', 5),
  c('SG', 'Singapore', 'APAC', 'SGD', 1.34, 8, 'en_AU', 2),
  c('HK', 'Hong Kong', 'APAC', 'HKD', 7.8, 8, 'en_HK', 2),
  c('ID', 'Indonesia', 'APAC', 'IDR', 15600, 7, 'id_ID', 2),
  c('ZA', 'South Africa', 'MEA', 'ZAR', 18.5, 2, 'en_ZA', 2.5),
  c('NG', 'Nigeria', 'MEA', 'NGN', 1400, 1, 'en_NG', 2),
  c('GH', 'Ghana', 'MEA', 'GHS', 12.5, 0, 'en_GH', 1),
  c('TR', 'Türkiye', 'MEA', 'TRY', 32, 3, 'tr', 2),
  c('AE', 'United Arab Emirates', 'MEA', 'AED', 3.67, 4, 'en_GB', 1.5),
  c('SN', 'Senegal', 'MEA', 'XOF', 605, 0, 'fr_SN', 1),
])

const BY_CODE = new Map(BANKING_COUNTRIES.map(x => [x.code, x]))

/** The country with ISO code `code`, or undefined. */
export const bankingCountry = (code: string): BankingCountry | undefined => BY_CODE.get(code)

/** The region of a country code (undefined for a country the demo does not know). */
export const bankingRegionOf = (code: string): BankingRegion | undefined => BY_CODE.get(code)?.region
