/**
 * Summaries of timing samples: the median is what the runner compares; p99 matters for commit latency.
 * @module
 */

export interface SampleSummary {
  readonly samplesMs: readonly number[]
  readonly medianMs: number
  readonly p99Ms: number
  readonly minMs: number
  readonly maxMs: number
}

/** Median (the mean of the middle two for an even count), nearest-rank p99, min and max of `samples`. */
export function samplesSummarize(samples: readonly number[]): SampleSummary {
  const sorted = [...samples].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { samplesMs: [], medianMs: Number.NaN, p99Ms: Number.NaN, minMs: Number.NaN, maxMs: Number.NaN }
  const at = (i: number) => sorted[Math.min(n - 1, Math.max(0, i))] as number
  const medianMs = n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2
  return { samplesMs: samples.map(round), medianMs, p99Ms: at(Math.ceil(0.99 * n) - 1), minMs: at(0), maxMs: at(n - 1) }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
