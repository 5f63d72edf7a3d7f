/**
 * Merchant categories, after ISO 18245 merchant category codes (MCC), with how people pay there: the typical
 * amount in US dollars (median and spread of a log-normal), how often, and through which channels.
 * @module
 */

/** How a card was used. */
export const BANKING_CHANNELS = ['pos', 'contactless', 'online', 'mobile', 'atm'] as const
export type BankingChannel = (typeof BANKING_CHANNELS)[number]

export interface BankingCategory {
  /** Stored in `merchants.category`, e.g. `grocery`. */
  readonly name: string
  /** The ISO 18245 code, e.g. `5411`. */
  readonly mcc: string
  /** Median amount in USD. */
  readonly medianUsd: number
  /** Standard deviation of the log of the amount. */
  readonly sigma: number
  /** Relative frequency among ordinary transactions. */
  readonly weight: number
  /** Channel weights, in the order of BANKING_CHANNELS. */
  readonly channels: readonly [number, number, number, number, number]
  /** Merchant name patterns: `{last}` a family name, `{city}` the merchant's city, `{company}` a company name. */
  readonly names: readonly string[]
  /** Whether the category is card-not-present by nature (used by fraud bursts). */
  readonly online: boolean
}

const cat = (name: string, mcc: string, medianUsd: number, sigma: number, weight: number, channels: BankingCategory['channels'], names: readonly string[], online = false): BankingCategory =>
  Object.freeze({ name, mcc, medianUsd, sigma, weight, channels, names: Object.freeze(names), online })

/** The categories, in a fixed order (part of the generator's determinism). */
export const BANKING_CATEGORIES: readonly BankingCategory[] = Object.freeze([
  cat('grocery', '5411', 38, 0.7, 22, [55, 40, 4, 1, 0], ['{last} Market', '{city} Fresh Foods', '{company} Supermarket', '{last} & Sons Grocers']),
  cat('restaurants', '5812', 42, 0.6, 12, [50, 45, 2, 3, 0], ['Chez {last}', '{last} Bistro', '{city} Grill', 'The {last} Kitchen']),
  cat('fast_food', '5814', 12, 0.45, 10, [35, 55, 2, 8, 0], ['{last} Burgers', '{city} Noodle Bar', 'Quick Bite {city}']),
  cat('fuel', '5541', 55, 0.4, 7, [60, 38, 0, 2, 0], ['{company} Fuel', '{city} Service Station', '{last} Petroleum']),
  cat('transport', '4111', 9, 0.7, 6, [10, 60, 10, 20, 0], ['{city} Transit', '{city} Metro', '{company} Rides'], false),
  cat('pharmacy', '5912', 24, 0.6, 4, [55, 42, 2, 1, 0], ['{last} Pharmacy', '{city} Drugstore']),
  cat('clothing', '5651', 65, 0.7, 6, [45, 20, 25, 10, 0], ['{last} Apparel', '{company} Fashion', '{city} Outfitters']),
  cat('department_stores', '5311', 80, 0.8, 3, [50, 20, 20, 10, 0], ['{company} Department Store', 'Galeries {last}']),
  cat('electronics', '5732', 180, 0.9, 3, [40, 5, 45, 10, 0], ['{company} Electronics', '{last} Digital', '{city} Tech Store']),
  cat('digital_goods', '5815', 11, 0.8, 6, [0, 0, 60, 40, 0], ['{company} Games', '{company} Streaming', '{last} Apps'], true),
  cat('telecom', '4814', 45, 0.4, 3, [5, 0, 60, 35, 0], ['{company} Mobile', '{company} Telecom'], true),
  cat('utilities', '4900', 95, 0.5, 3, [0, 0, 75, 25, 0], ['{city} Energy', '{company} Utilities'], true),
  cat('airlines', '4511', 420, 0.7, 1.5, [0, 0, 75, 25, 0], ['Air {last}', '{company} Airways', '{city} Air'], true),
  cat('lodging', '7011', 160, 0.7, 1.5, [40, 0, 50, 10, 0], ['Hotel {last}', '{city} Grand Hotel', '{company} Inn']),
  cat('jewelry', '5944', 260, 1.0, 0.6, [70, 5, 20, 5, 0], ['{last} Jewellers', '{city} Gold & Diamonds']),
  cat('gambling', '7995', 50, 1.0, 0.8, [5, 0, 60, 35, 0], ['{company} Casino', 'Lucky {last} Bets'], true),
  cat('atm', '6011', 120, 0.6, 6, [0, 0, 0, 0, 100], ['{company} Bank ATM {city}', '{city} Cash Point']),
  cat('misc_retail', '5999', 30, 0.9, 6, [50, 30, 15, 5, 0], ['{last} General Store', '{company} Shop', '{city} Bazaar']),
])

/** The index of a category by name (-1 when unknown). */
export const bankingCategoryIndex = (name: string): number => BANKING_CATEGORIES.findIndex(x => x.name === name)
