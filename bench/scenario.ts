/**
 * The shape of a benchmark scenario (after DuckDB's `benchmark/*.benchmark` files): a name, a `load` step
 * that builds fixtures outside the clock, and measured cases that each pair our path (`run`) with a baseline
 * doing the same work without AKKO, timed by `bench/run.ts` in the same process.
 * @module
 */

/** Sizes chosen on the command line. */
export interface BenchOptions {
  /** Rows for the append scenarios (1M or 10M; a small number with --quick). */
  readonly rows: number
  /** Smoke-run sizes: every scenario runs, with small data and few repetitions. */
  readonly quick: boolean
  /** True when --rows was given: scenarios with their own default sizes use `rows` only then. */
  readonly rowsGiven?: boolean
}

/** One measured comparison. */
export interface BenchCase {
  /** Printed at the start of the result line, e.g. `append 1M rows`. */
  readonly label: string
  /**
   * `throughput`: one run does `rows` rows of work and the ratio is akko's throughput as a fraction of the
   * baseline's. `latency`: one run is one operation; p50 and p99 are reported as well.
   */
  readonly measure: 'throughput' | 'latency'
  /** Rows processed by one run (throughput cases), for rows/s. */
  readonly rows?: number
  /** Untimed runs of both paths before measuring. */
  readonly warmup: number
  /** Timed runs of each path; the runner alternates baseline and akko so drift hits both alike. */
  readonly iterations: number
  readonly baseline: { readonly label: string; run(): Promise<void> }
  /** Untimed work before every run of either path (e.g. a fresh empty table). */
  prepare?(): Promise<void>
  /** Our path. May return facts about the run (files pruned, …); those of the last run are reported. */
  run(): Promise<Readonly<Record<string, number | string>> | void>
}

/** What `load` built: the cases to time, notes about parts skipped, and how to clean up. */
export interface LoadedScenario {
  readonly cases: readonly BenchCase[]
  /** Printed instead of a result, e.g. when PostgreSQL is unreachable. */
  readonly skipped?: readonly string[]
  close(): Promise<void>
}

export interface Scenario {
  readonly name: string
  readonly description: string
  load(opts: BenchOptions): Promise<LoadedScenario>
}

/** `1000000` → `1M`, `50000` → `50k`. */
export function rowsLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`
  return String(n)
}
