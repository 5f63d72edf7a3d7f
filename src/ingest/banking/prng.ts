/**
 * A small, fast, seeded pseudo-random generator for the banking data stream (sfc32, Chris Doty-Humphrey's
 * "small fast chaotic" generator: 128 bits of state, passes PractRand to 2^40+). Faker costs microseconds per
 * call; this costs nanoseconds, so Faker only fills the bounded pools and this drives the millions of rows.
 * @module
 */

/** Mixes a seed and a stream name into 32 bits (FNV-1a over the name, then murmur3's finalizer). */
export function prngSeedMix(seed: number, stream: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0
  h = Math.imul(h ^ Math.floor(seed / 0x100000000), 0x01000193) >>> 0
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** A deterministic generator: the same seed and stream name always give the same sequence. */
export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number
  #spare: number | undefined

  constructor(seed: number, stream = '') {
    const s = prngSeedMix(seed, stream)
    this.#a = 0x9e3779b9
    this.#b = 0x243f6a88
    this.#c = 0xb7e15162
    this.#d = s
    for (let i = 0; i < 16; i++) this.next() // spread the seed through the whole state
  }

  /** A uniform unsigned 32-bit integer. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.next() / 4294967296
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** A uniform integer in [lo, hi] (both inclusive). */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }

  /** An index drawn by weight, from cumulative weights (ascending, last = total): binary search. */
  weighted(cumulative: Float64Array | readonly number[]): number {
    const x = this.float() * (cumulative[cumulative.length - 1] as number)
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cumulative[mid] as number) > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** A standard normal variate (Marsaglia's polar method; the second value is kept for the next call). */
  normal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare
      this.#spare = undefined
      return s
    }
    for (;;) {
      const u = this.float() * 2 - 1
      const v = this.float() * 2 - 1
      const s = u * u + v * v
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s)
        this.#spare = v * m
        return u * m
      }
    }
  }

  /** A log-normal variate whose median is `median` and whose log has standard deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }
}

/** Cumulative sums of weights, for `Prng.weighted`. */
export function prngCumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length)
  let sum = 0
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i] as number
  return out
}
