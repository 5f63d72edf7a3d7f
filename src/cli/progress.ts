/** A progress bar for long maintenance commands. */
export interface ProgressBar {
  /** Sets the number of items done so far. */
  update(done: number): void
  /** Completes the bar and moves to a new line. */
  finish(): void
}

interface ProgressStream {
  write(s: string): unknown
  isTTY?: boolean
  columns?: number
}

/**
 * A one-line progress bar on stderr, redrawn in place. It draws only on a terminal, so pipes, logs and
 * `--format json` output stay clean; elsewhere it is silent.
 */
export function progressBar(total: number, label: string, stream: ProgressStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return { update: () => {}, finish: () => {} }
  let last = ''
  const draw = (done: number): void => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 24))
    const ratio = total > 0 ? Math.min(1, done / total) : 1
    const filled = Math.round(ratio * width)
    const text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.floor(ratio * 100)}%`
    if (text === last) return
    last = text
    stream.write(`\r${text}\x1b[K`)
  }
  let finished = false
  draw(0)
  return {
    update: done => {
      if (!finished) draw(done)
    },
    finish: () => {
      if (finished) return
      finished = true
      draw(total)
      stream.write('\n')
    },
  }
}
