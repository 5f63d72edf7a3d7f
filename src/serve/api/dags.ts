/**
 * `/api/dags…`, `/api/runs…`, `/api/tasks…`: the orchestrator over HTTP (what `akko dags` does), and the client
 * the CLI uses against a running server. Any authenticated caller may read; triggering, backfilling, pausing
 * and clearing need an operator role (`akko-admin` or `akko-engineer` by default). Runs record the caller's
 * subject as `triggeredBy`; operations are written to the audit trail. Dates travel as ISO-8601 strings.
 * @module
 */
import { Hono, type Context } from 'hono'
import { AkkoError, ERROR_CODES } from '../../core/index.js'
import { auditNone, type AuditRecorder } from '../../govern/index.js'
import type {
  BackfillResult, DagInfo, DagLoadError, DagRun, JsonObject, TaskAttempt, TaskInstance, TaskLog, TriggerOptions,
} from '../../ingest/index.js'
import { remoteAddress, type HttpEnv, type Identity } from '../http/index.js'

/** What the API and `akko dags` need of the orchestrator; `Orchestrator` and {@link DagsApiClient} both provide it. */
export interface DagsOperations {
  dags(): Promise<DagInfo[]>
  loadErrors(): readonly DagLoadError[] | Promise<readonly DagLoadError[]>
  dag(dagId: string): Promise<DagInfo>
  trigger(dagId: string, opts?: TriggerOptions): Promise<DagRun>
  backfill(dagId: string, from: Date | string, to: Date | string, opts?: Omit<TriggerOptions, 'logicalDate'>): Promise<BackfillResult>
  pause(dagId: string): Promise<DagInfo>
  unpause(dagId: string): Promise<DagInfo>
  runs(dagId: string, opts?: { limit?: number }): Promise<DagRun[]>
  run(runId: number): Promise<DagRun>
  tasks(runId: number): Promise<TaskInstance[]>
  taskInstance(taskInstanceId: number): Promise<TaskInstance>
  attempts(taskInstanceId: number): Promise<TaskAttempt[]>
  logs(taskInstanceId: number, attempt?: number): Promise<TaskLog>
  clear(taskInstanceId: number, opts?: { downstream?: boolean }): Promise<TaskInstance[]>
}

export interface DagsApiOptions {
  readonly audit?: AuditRecorder
  /** Roles allowed to trigger, backfill, pause, unpause and clear (default akko-admin, akko-engineer). */
  readonly operatorRoles?: readonly string[]
}

/** The routes, to mount under `/api` (as `startServer`'s `api: [{ path: '/', app: dagsApi(orchestrator) }]`). */
export function dagsApi(orchestrator: DagsOperations, o: DagsApiOptions = {}): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  const audit = o.audit ?? auditNone
  const operators = o.operatorRoles ?? ['akko-admin', 'akko-engineer']

  /** Checks the caller may operate, runs the action and records it in the audit trail. */
  const operate = async <T>(c: Context<HttpEnv>, action: string, details: Record<string, unknown>, run: (who: string) => Promise<T>): Promise<T> => {
    const id: Identity = c.get('identity')
    const base = { actor: id.subject, action, source: 'api' as const, ...(remoteAddress(c) ? { remote: remoteAddress(c) } : {}) }
    if (id.method !== 'none' && !id.roles.some(r => operators.includes(r))) {
      audit.record({ kind: 'denial', outcome: 'denied', ...base, details })
      throw new AkkoError('PERMISSION_DENIED', `Access Denied: ${action} needs one of the roles ${operators.join(', ')}`)
    }
    try {
      const out = await run(id.subject)
      audit.record({ kind: 'admin', outcome: 'success', ...base, details })
      return out
    } catch (e) {
      const err = e instanceof AkkoError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: 'internal error' }
      audit.record({ kind: 'admin', outcome: 'failure', ...base, details, error: err })
      throw e
    }
  }

  app.get('/dags', async c => c.json({ dags: await orchestrator.dags(), errors: await orchestrator.loadErrors() }))
  app.get('/dags/:id', async c => c.json(await orchestrator.dag(c.req.param('id'))))
  app.get('/dags/:id/runs', async c => c.json({ runs: await orchestrator.runs(c.req.param('id'), { limit: intParam(c.req.query('limit'), 'limit') }) }))
  app.post('/dags/:id/runs', async c => {
    const dagId = c.req.param('id')
    const b = await body(c)
    const run = await operate(c, 'dag.trigger', { dagId }, who =>
      orchestrator.trigger(dagId, { conf: obj(b, 'conf'), params: obj(b, 'params'), logicalDate: str(b, 'logicalDate'), triggeredBy: who }))
    return c.json(run, 201)
  })
  app.post('/dags/:id/backfill', async c => {
    const dagId = c.req.param('id')
    const b = await body(c)
    const from = str(b, 'from', true)!
    const to = str(b, 'to', true)!
    const r = await operate(c, 'dag.backfill', { dagId, from, to }, who => orchestrator.backfill(dagId, from, to, { conf: obj(b, 'conf'), params: obj(b, 'params'), triggeredBy: who }))
    return c.json(r, r.created.length ? 201 : 200)
  })
  app.post('/dags/:id/pause', async c => c.json(await operate(c, 'dag.pause', { dagId: c.req.param('id') }, () => orchestrator.pause(c.req.param('id')))))
  app.post('/dags/:id/unpause', async c => c.json(await operate(c, 'dag.unpause', { dagId: c.req.param('id') }, () => orchestrator.unpause(c.req.param('id')))))

  app.get('/runs/:id', async c => c.json(await orchestrator.run(idParam(c.req.param('id'), 'run'))))
  app.get('/runs/:id/tasks', async c => c.json({ tasks: await orchestrator.tasks(idParam(c.req.param('id'), 'run')) }))

  app.get('/tasks/:id', async c => c.json(await orchestrator.taskInstance(idParam(c.req.param('id'), 'task instance'))))
  app.get('/tasks/:id/attempts', async c => c.json({ attempts: await orchestrator.attempts(idParam(c.req.param('id'), 'task instance')) }))
  app.get('/tasks/:id/logs', async c => c.json(await orchestrator.logs(idParam(c.req.param('id'), 'task instance'), intParam(c.req.query('attempt'), 'attempt'))))
  app.post('/tasks/:id/clear', async c => {
    const id = idParam(c.req.param('id'), 'task instance')
    const b = await body(c)
    const downstream = b.downstream === undefined ? false : b.downstream
    if (typeof downstream !== 'boolean') throw new AkkoError('INVALID_REQUEST', 'downstream must be true or false')
    const cleared = await operate(c, 'dag.clear', { taskInstanceId: id, downstream }, () => orchestrator.clear(id, { downstream }))
    return c.json({ cleared })
  })
  return app
}

async function body(c: Context<HttpEnv>): Promise<Record<string, unknown>> {
  const text = await c.req.text()
  if (!text.trim()) return {}
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new AkkoError('INVALID_REQUEST', 'The request body must be a JSON object')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AkkoError('INVALID_REQUEST', 'The request body must be a JSON object')
  return v as Record<string, unknown>
}

function str(b: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = b[key]
  if (v === undefined || v === null) {
    if (required) throw new AkkoError('INVALID_REQUEST', `${key} is required`)
    return undefined
  }
  if (typeof v !== 'string') throw new AkkoError('INVALID_REQUEST', `${key} must be a string`)
  return v
}

function obj(b: Record<string, unknown>, key: string): JsonObject | undefined {
  const v = b[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw new AkkoError('INVALID_REQUEST', `${key} must be a JSON object`)
  return v as JsonObject
}

function idParam(v: string, what: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new AkkoError('INVALID_REQUEST', `A ${what} id is a positive integer, got ${JSON.stringify(v)}`)
  return Number(v)
}

function intParam(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined
  if (!/^[0-9]{1,9}$/.test(v)) throw new AkkoError('INVALID_REQUEST', `${what} must be a non-negative integer, got ${JSON.stringify(v)}`)
  return Number(v)
}

// ---- the client ---------------------------------------------------------------------------------------------

const DATE_KEYS = new Set(['logicalDate', 'startDate', 'endDate', 'queuedAt', 'nextTryAt', 'nextRunAt', 'start', 'end', 'ts'])

/** Talks to `/api` of a running server; errors come back as AkkoError with the server's code. */
export class DagsApiClient implements DagsOperations {
  readonly #base: string

  constructor(
    server: string,
    private readonly token?: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    this.#base = server.replace(/\/+$/, '') + '/api'
  }

  async dags(): Promise<DagInfo[]> {
    return (await this.#call<{ dags: DagInfo[] }>('GET', '/dags')).dags
  }

  async loadErrors(): Promise<DagLoadError[]> {
    return (await this.#call<{ errors: DagLoadError[] }>('GET', '/dags')).errors
  }

  dag(dagId: string): Promise<DagInfo> {
    return this.#call('GET', `/dags/${enc(dagId)}`)
  }

  trigger(dagId: string, opts: TriggerOptions = {}): Promise<DagRun> {
    const logicalDate = opts.logicalDate instanceof Date ? opts.logicalDate.toISOString() : opts.logicalDate
    return this.#call('POST', `/dags/${enc(dagId)}/runs`, { conf: opts.conf, params: opts.params, logicalDate })
  }

  backfill(dagId: string, from: Date | string, to: Date | string, opts: Omit<TriggerOptions, 'logicalDate'> = {}): Promise<BackfillResult> {
    const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : d)
    return this.#call('POST', `/dags/${enc(dagId)}/backfill`, { from: iso(from), to: iso(to), conf: opts.conf, params: opts.params })
  }

  pause(dagId: string): Promise<DagInfo> {
    return this.#call('POST', `/dags/${enc(dagId)}/pause`)
  }

  unpause(dagId: string): Promise<DagInfo> {
    return this.#call('POST', `/dags/${enc(dagId)}/unpause`)
  }

  async runs(dagId: string, opts: { limit?: number } = {}): Promise<DagRun[]> {
    return (await this.#call<{ runs: DagRun[] }>('GET', `/dags/${enc(dagId)}/runs${opts.limit ? `?limit=${opts.limit}` : ''}`)).runs
  }

  run(runId: number): Promise<DagRun> {
    return this.#call('GET', `/runs/${runId}`)
  }

  async tasks(runId: number): Promise<TaskInstance[]> {
    return (await this.#call<{ tasks: TaskInstance[] }>('GET', `/runs/${runId}/tasks`)).tasks
  }

  taskInstance(taskInstanceId: number): Promise<TaskInstance> {
    return this.#call('GET', `/tasks/${taskInstanceId}`)
  }

  async attempts(taskInstanceId: number): Promise<TaskAttempt[]> {
    return (await this.#call<{ attempts: TaskAttempt[] }>('GET', `/tasks/${taskInstanceId}/attempts`)).attempts
  }

  logs(taskInstanceId: number, attempt?: number): Promise<TaskLog> {
    return this.#call('GET', `/tasks/${taskInstanceId}/logs${attempt !== undefined ? `?attempt=${attempt}` : ''}`)
  }

  async clear(taskInstanceId: number, opts: { downstream?: boolean } = {}): Promise<TaskInstance[]> {
    return (await this.#call<{ cleared: TaskInstance[] }>('POST', `/tasks/${taskInstanceId}/clear`, { downstream: opts.downstream ?? false })).cleared
  }

  async #call<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    if (payload !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await this.fetchFn(this.#base + path, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) })
    } catch (e) {
      throw new AkkoError('UNAVAILABLE', `Cannot reach the server at ${this.#base}: ${(e as Error).message}. Is \`akko serve\` running?`)
    }
    const text = await res.text()
    let v: unknown
    try {
      v = text ? JSON.parse(text, (k, x: unknown) => (DATE_KEYS.has(k) && typeof x === 'string' ? new Date(x) : x)) : undefined
    } catch {
      throw new AkkoError('UNAVAILABLE', `The server at ${this.#base} answered ${res.status} with something that is not JSON`)
    }
    if (!res.ok) {
      const err = (v as { error?: { code?: string; message?: string } } | undefined)?.error
      const code = err?.code && isErrorCode(err.code) ? err.code : 'INTERNAL'
      throw new AkkoError(code, err?.message ?? `The server answered ${res.status}`)
    }
    return v as T
  }
}

const enc = (s: string): string => encodeURIComponent(s)

function isErrorCode(code: string): code is AkkoError['code'] {
  return Object.hasOwn(ERROR_CODES, code)
}
