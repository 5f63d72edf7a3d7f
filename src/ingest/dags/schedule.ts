/**
 * Schedules as data intervals, the way Airflow's cron timetable reads them: consecutive cron ticks bound an
 * interval `[tick, next tick)`, the run for an interval is created once its end has passed, and its logical date
 * is the interval's start. The first interval starts at the first tick at or after the start date. Cron
 * matching (presets, time zones, daylight-saving changes) is `croner`'s.
 */
import { Cron } from 'croner'
import { AkkoError } from '../../core/index.js'
import type { DataInterval } from './types.js'

/** A DAG's schedule, resolved. */
export interface Schedule {
  readonly expression: string
  readonly timezone: string
  readonly startDate: Date | undefined
  readonly endDate: Date | undefined
  /** The interval starting at the first tick at or after `from` (and at or after the start date), if any. */
  intervalFrom(from: Date): DataInterval | undefined
  /** Every interval whose start lies in `[from, to]`, in order; at most `limit`. */
  intervalsStartingBetween(from: Date, to: Date, limit?: number): DataInterval[]
  /** The latest interval that has ended by `now` (and starts at or after the start date), if any. */
  latestComplete(now: Date): DataInterval | undefined
  /** Whether `d` is a tick of the schedule. */
  isTick(d: Date): boolean
  /**
   * What a manual run with logical date `d` is about: the interval starting at `d` when `d` is a tick (rerunning
   * a period), else the latest interval that ended by `d` (as Airflow infers it). Start and end dates do not apply.
   */
  manualInterval(d: Date): DataInterval | undefined
}

/** At most this many intervals are listed by one call (a backfill or catch-up over a very long range). */
export const SCHEDULE_MAX_INTERVALS = 10_000

export interface ScheduleSpec {
  readonly schedule: string
  readonly timezone?: string
  readonly startDate?: Date | string
  readonly endDate?: Date | string
}

/** Resolves a schedule; INVALID_ARGUMENT names a bad expression, time zone or date. */
export function scheduleCreate(spec: ScheduleSpec): Schedule {
  const timezone = timezoneCheck(spec.timezone ?? 'UTC')
  let cron: Cron
  try {
    cron = new Cron(spec.schedule, { paused: true, timezone, mode: '5-or-6-parts' })
    cron.nextRun(new Date(0))
  } catch (e) {
    throw new AkkoError('INVALID_ARGUMENT', `Schedule ${JSON.stringify(spec.schedule)} is not a cron expression or preset (@hourly, @daily, @weekly, @monthly, @yearly): ${(e as Error).message}`, { schedule: spec.schedule })
  }
  const startDate = spec.startDate === undefined ? undefined : zonedDate(spec.startDate, timezone, 'startDate')
  const endDate = spec.endDate === undefined ? undefined : zonedDate(spec.endDate, timezone, 'endDate')
  // nextRun(d) is strictly after d; a tick exactly at d is found by starting one millisecond earlier.
  const tickAtOrAfter = (d: Date): Date | undefined => cron.nextRun(new Date(d.getTime() - 1)) ?? undefined
  const tickAfter = (d: Date): Date | undefined => cron.nextRun(d) ?? undefined
  const inRange = (i: DataInterval): boolean => (!startDate || i.start >= startDate) && (!endDate || i.start <= endDate)
  const intervalAt = (start: Date | undefined): DataInterval | undefined => {
    if (!start) return undefined
    const end = tickAfter(start)
    if (!end) return undefined
    const i = { start, end }
    return inRange(i) ? i : undefined
  }
  const previousTick = (d: Date): Date | undefined => cron.previousRuns(1, d)[0]
  const s: Schedule = {
    expression: spec.schedule,
    timezone,
    startDate,
    endDate,
    intervalFrom: from => intervalAt(tickAtOrAfter(startDate && startDate > from ? startDate : from)),
    intervalsStartingBetween(from, to, limit = SCHEDULE_MAX_INTERVALS) {
      const out: DataInterval[] = []
      for (let i = s.intervalFrom(from); i && i.start <= to && out.length < limit; i = intervalAt(i.end)) out.push(i)
      return out
    },
    latestComplete(now) {
      // The latest tick at or before now ends the interval; the tick before it starts it.
      const end = s.isTick(now) ? now : previousTick(now)
      const start = end ? previousTick(end) : undefined
      if (!end || !start) return undefined
      const i = { start, end: new Date(end.getTime()) }
      return inRange(i) ? i : undefined
    },
    isTick: d => d.getMilliseconds() === 0 && cron.match(d),
    manualInterval(d) {
      if (s.isTick(d)) {
        const end = tickAfter(d)
        return end ? { start: d, end } : undefined
      }
      const end = previousTick(d)
      const start = end ? previousTick(end) : undefined
      return end && start ? { start, end } : undefined
    },
  }
  return Object.freeze(s)
}

function timezoneCheck(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return tz
  } catch {
    throw new AkkoError('INVALID_ARGUMENT', `Time zone ${JSON.stringify(tz)} is not an IANA time zone name such as UTC or Europe/Paris`, { timezone: tz })
  }
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/

/**
 * A Date from a Date or an ISO string. A string without an offset (`2024-01-01`, `2024-01-01T06:00`) is a wall
 * clock time in `timezone`, as Airflow reads a DAG's start date in the DAG's time zone.
 */
export function zonedDate(v: Date | string, timezone: string, what = 'date'): Date {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new AkkoError('INVALID_ARGUMENT', `${what} is an invalid Date`)
    return v
  }
  const m = typeof v === 'string' ? LOCAL.exec(v.trim()) : null
  if (!m) {
    const d = typeof v === 'string' ? new Date(v) : new Date(NaN)
    if (Number.isNaN(d.getTime())) throw new AkkoError('INVALID_ARGUMENT', `${what} must be an ISO-8601 date such as 2024-01-01 or 2024-01-01T06:00:00Z, got ${JSON.stringify(v)}`)
    return d
  }
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(x => Number(x ?? 0)) as [number, number, number, number, number, number, number]
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  // The offset at the guessed instant, then again at the corrected one (they differ across a DST change).
  let t = wall - offsetMs(wall, timezone)
  t = wall - offsetMs(t, timezone)
  return new Date(t)
}

/** The zone's offset from UTC at instant `t`, in milliseconds. */
function offsetMs(t: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t))
  const get = (type: string): number => Number(parts.find(p => p.type === type)?.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return asUtc - Math.floor(t / 1000) * 1000
}
