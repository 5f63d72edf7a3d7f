import type { Progress } from '../../../storage/index.js'
import type { CliIo } from '../../command.js'
import { progressBar, type ProgressBar } from '../../progress.js'

/** A maintenance `progress` callback drawing bars on stderr, plus `finish` to close the last one. */
export interface ProgressReport {
  readonly progress: Progress
  finish(): void
}

/**
 * Adapts the storage layer's `(done, total, what)` callbacks to progress bars: one bar per phase (a new
 * `what` or `total` starts a new bar), since a maintenance run has phases (read manifests, rewrite partitions)
 * whose totals are only known when each begins. Silent when stderr is not a terminal.
 */
export function progressReport(io: CliIo): ProgressReport {
  let bar: ProgressBar | undefined
  let phase = ''
  return {
    progress: (done, total, what) => {
      const key = `${what}|${total}`
      if (!bar || key !== phase) {
        bar?.finish()
        bar = progressBar(total, what, io.stderr)
        phase = key
      }
      bar.update(done)
    },
    finish: () => {
      bar?.finish()
      bar = undefined
      phase = ''
    },
  }
}
