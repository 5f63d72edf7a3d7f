/**
 * Typed log events with stable codes, written as one JSON line each to an injected sink.
 * Codes: a letter per layer (S storage, Q query, G govern, I ingest, T transform, H http) and three digits.
 * Expensive events may be passed as thunks so they cost nothing when the level is off.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error'

export interface LogEvent {
  readonly code: string
  readonly level: Level
  readonly msg?: string
  readonly [field: string]: unknown
}

export interface Logger {
  enabled(level: Level): boolean
  emit(e: LogEvent | (() => LogEvent)): void
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** A logger writing JSON lines to `out` (stderr by default) at `min` level and above. */
export function jsonLogger(min: Level = 'info', out: { write(s: string): unknown } = process.stderr): Logger {
  return {
    enabled: l => RANK[l] >= RANK[min],
    emit(e) {
      const ev = typeof e === 'function' ? e() : e
      if (RANK[ev.level] < RANK[min]) return
      out.write(JSON.stringify({ ts: new Date().toISOString(), ...ev }, jsonReplacer) + '\n')
    },
  }
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = { enabled: () => false, emit: () => {} }

function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v
}
