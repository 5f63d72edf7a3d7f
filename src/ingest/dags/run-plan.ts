/**
 * Pure decisions of the scheduler: which scheduled intervals are due, which comes next, a run's parameters, the
 * order tasks are looked at.
 */
import { AkkoError } from '../../core/index.js'
import { isJsonObject, type DagDefinition } from './dag.js'
import type { Schedule } from './schedule.js'
import type { DataInterval, JsonObject } from './types.js'

/**
 * The intervals whose scheduled runs are due at `now`, given the end of the latest scheduled interval (`last`). With
 * catch-up (and a start date or a previous run): every interval since, that has ended. Without: only the latest
 * ended interval, unless it already has a run.
 */
export function scheduleDue(s: Schedule, catchup: boolean, last: Date | undefined, now: Date): DataInterval[] {
  const from = last ?? s.startDate
  if (catchup && from) return s.intervalsStartingBetween(from, now).filter(i => i.end <= now)
  const latest = s.latestComplete(now)
  return latest && (!last || latest.start >= last) ? [latest] : []
}

/** The interval of the next scheduled run (already due when its end has passed). */
export function scheduleNext(s: Schedule, catchup: boolean, last: Date | undefined, now: Date): DataInterval | undefined {
  const from = last ?? s.startDate
  if (catchup && from) return s.intervalFrom(from)
  const latest = s.latestComplete(now)
  if (latest && (!last || latest.start >= last)) return latest
  return s.intervalFrom(last ?? now)
}

/** Tasks ordered so every task comes after its upstream tasks. */
export function dagTopological(dag: DagDefinition): DagDefinition['tasks'] {
  const out: DagDefinition['tasks'][number][] = []
  const done = new Set<string>()
  const byId = new Map(dag.tasks.map(t => [t.id, t]))
  const visit = (id: string): void => {
    if (done.has(id)) return
    done.add(id)
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep)
    const t = byId.get(id)
    if (t) out.push(t)
  }
  for (const t of dag.tasks) visit(t.id)
  return out
}

/** The DAG's parameter defaults, overridden by same-named keys of the run configuration, then by explicit overrides. */
export function paramsResolve(dag: DagDefinition, conf: JsonObject, overrides: JsonObject): JsonObject {
  const defaults = dag.params ?? {}
  if (!isJsonObject(overrides)) throw new AkkoError('INVALID_ARGUMENT', 'Parameter overrides must be a JSON object', { dagId: dag.id })
  const unknown = Object.keys(overrides).filter(k => !(k in defaults))
  if (unknown.length) throw new AkkoError('INVALID_ARGUMENT', `DAG ${dag.id} has no parameter ${unknown.join(', ')}; its parameters are: ${Object.keys(defaults).join(', ') || '(none)'}`, { dagId: dag.id, unknown })
  const fromConf = Object.fromEntries(Object.entries(conf).filter(([k]) => k in defaults))
  return { ...defaults, ...fromConf, ...overrides }
}

