import type { TriggerRule } from './dag.js'
import type { TaskState } from './types.js'

/** What the scheduler does with a queued task instance, given its upstream tasks' states. */
export type TriggerDecision = 'run' | 'wait' | 'skip' | 'upstream_failed'

const FAILED: ReadonlySet<TaskState> = new Set(['failed', 'upstream_failed'])
const DONE: ReadonlySet<TaskState> = new Set(['success', 'failed', 'upstream_failed', 'skipped'])

/**
 * Airflow's trigger rules over the direct upstream states:
 * - `all_success`: run when all succeeded; upstream_failed as soon as one failed; skipped as soon as one was skipped.
 * - `all_done`: run when all are finished, whatever the outcome.
 * - `none_failed`: run when all finished and none failed (skipped is fine); upstream_failed as soon as one failed.
 * - `one_success`: run as soon as one succeeded; when all finished without success, skipped if all were skipped,
 *   else upstream_failed.
 * - `one_failed`: run as soon as one failed; skipped when all finished without a failure.
 * A task without upstream tasks runs.
 */
export function triggerRuleDecide(rule: TriggerRule, upstream: readonly TaskState[]): TriggerDecision {
  if (upstream.length === 0) return 'run'
  const allDone = upstream.every(s => DONE.has(s))
  const anyFailed = upstream.some(s => FAILED.has(s))
  switch (rule) {
    case 'all_success':
      if (anyFailed) return 'upstream_failed'
      if (upstream.some(s => s === 'skipped')) return 'skip'
      return upstream.every(s => s === 'success') ? 'run' : 'wait'
    case 'all_done':
      return allDone ? 'run' : 'wait'
    case 'none_failed':
      if (anyFailed) return 'upstream_failed'
      return allDone ? 'run' : 'wait'
    case 'one_success':
      if (upstream.some(s => s === 'success')) return 'run'
      if (!allDone) return 'wait'
      return upstream.every(s => s === 'skipped') ? 'skip' : 'upstream_failed'
    case 'one_failed':
      if (anyFailed) return 'run'
      return allDone ? 'skip' : 'wait'
  }
}
