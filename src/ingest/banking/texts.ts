/**
 * Free-text transaction descriptions: a neutral booking text, sometimes followed by a customer's note whose
 * tone (positive, negative, neutral) is clear enough for sentiment scoring. Fraudulent transactions carry
 * complaints more often, as disputed payments do.
 * @module
 */
import type { BankingChannel } from './categories.js'
import type { Prng } from './prng.js'

export type BankingSentiment = 'positive' | 'negative' | 'neutral'

const BOOKING: Readonly<Record<BankingChannel, readonly string[]>> = {
  pos: ['Card payment at {m}', 'POS purchase {m}', 'Purchase at {m}, {city}'],
  contactless: ['Contactless payment {m}', 'Tap to pay at {m}'],
  online: ['Online order {m}', 'E-commerce payment {m}', 'Web purchase at {m}'],
  mobile: ['Mobile wallet payment {m}', 'In-app purchase {m}'],
  atm: ['ATM withdrawal {city}', 'Cash withdrawal at {m}'],
}

const NOTES: Readonly<Record<BankingSentiment, readonly string[]>> = {
  positive: [
    'Great service, thank you!',
    'Excellent experience, will come back.',
    'Fast checkout and friendly staff.',
    'Very happy with this purchase.',
    'Loved it, highly recommend.',
    'Smooth payment, everything perfect.',
  ],
  negative: [
    'I do not recognise this payment.',
    'Unauthorized charge, please block my card.',
    'Charged twice for the same order, very disappointed.',
    'Terrible service and the item never arrived.',
    'Suspicious transaction, I never made this purchase.',
    'Awful experience, requesting a refund.',
    'Wrong amount charged, this is unacceptable.',
  ],
  neutral: [
    'Monthly purchase.',
    'Split with a friend.',
    'Business expense, receipt attached.',
    'Regular shopping.',
    'Reference noted for accounting.',
  ],
}

/** How often a transaction carries a note, and the tone of that note, for ordinary and fraudulent rows. */
const NOTE_RATE = { ordinary: 0.3, fraud: 0.75 }
const TONE = {
  ordinary: [0.45, 0.2, 0.35], // positive, negative, neutral
  fraud: [0.05, 0.8, 0.15],
}

/** A description for one transaction. */
export function bankingDescription(rng: Prng, channel: BankingChannel, merchant: string, city: string, fraud: boolean): string {
  const booking = rng.pick(BOOKING[channel]).replace('{m}', merchant).replace('{city}', city)
  if (!rng.chance(fraud ? NOTE_RATE.fraud : NOTE_RATE.ordinary)) return booking
  const [pos, neg] = fraud ? TONE.fraud : TONE.ordinary
  const x = rng.float()
  const tone: BankingSentiment = x < pos! ? 'positive' : x < pos! + neg! ? 'negative' : 'neutral'
  return `${booking}. ${rng.pick(NOTES[tone])}`
}

/** The tone of a description's note, as the generator wrote it (for tests and demo checks). */
export function bankingSentimentOf(description: string): BankingSentiment | undefined {
  for (const tone of ['positive', 'negative', 'neutral'] as const) {
    if (NOTES[tone].some(n => description.endsWith(n))) return tone
  }
  return undefined
}
