/**
 * A small Trino protocol client on fetch (what `akko sql --server` uses): submits a statement, pages through
 * `nextUri`, keeps the session the server changes (USE, SET SESSION, PREPARE), cancels with DELETE.
 */
import { AkkoError, ERROR_CODES, type ErrorCode } from '../../core/index.js'
import type { ColumnMeta } from '../../engine/index.js'

export interface TrinoClientOptions {
  /** e.g. `http://127.0.0.1:8080`. */
  readonly server: string
  readonly user: string
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string
  /** Sent as `Authorization: Basic` with `user` (Trino's password authentication), when no token is given. */
  readonly password?: string
  readonly catalog?: string
  readonly schema?: string
  readonly source?: string
  readonly timeZone?: string
}

/** A statement's result as the client sees it: columns first, then rows page by page. */
export interface ClientResult {
  readonly queryId: string
  readonly columns: readonly ColumnMeta[]
  readonly rows: AsyncIterable<readonly (readonly unknown[])[]>
  /** Known once the rows are consumed (Trino repeats them on every page). */
  readonly update: () => { readonly updateType?: string; readonly updateCount?: number }
}

interface Page {
  id: string
  nextUri?: string
  columns?: { name: string; type: string }[]
  data?: unknown[][]
  error?: { message: string; errorName?: string; errorLocation?: { lineNumber: number; columnNumber: number } }
  updateType?: string
  updateCount?: number
}

/** Transient statuses Trino clients retry. */
const RETRY_STATUSES = new Set([502, 503, 504])

export class TrinoClient {
  catalog: string | undefined
  schema: string | undefined
  readonly properties = new Map<string, string>()
  readonly prepared = new Map<string, string>()
  private readonly server: string

  constructor(private readonly opts: TrinoClientOptions) {
    this.server = opts.server.replace(/\/+$/, '')
    this.catalog = opts.catalog
    this.schema = opts.schema
  }

  /** Runs one statement. Aborting `signal` cancels it on the server (DELETE nextUri) and rejects with CANCELLED. */
  async query(sql: string, signal?: AbortSignal): Promise<ClientResult> {
    let page = await this.request('POST', `${this.server}/v1/statement`, signal, sql)
    const buffered: unknown[][][] = []
    // Page until the columns are known (or the query ends), keeping any rows seen on the way.
    while (!page.columns && page.nextUri && !page.error) {
      page = await this.next(page.nextUri, signal)
      if (page.data?.length) buffered.push(page.data)
    }
    if (page.error) throw pageError(page)
    const columns = (page.columns ?? []).map(c => ({ name: c.name, type: c.type }))
    let update = { updateType: page.updateType, updateCount: page.updateCount }
    let current = page
    const self = this
    async function* rows(): AsyncGenerator<readonly (readonly unknown[])[]> {
      try {
        for (const b of buffered.splice(0)) yield b
        while (current.nextUri) {
          current = await self.next(current.nextUri, signal)
          if (current.error) throw pageError(current)
          update = { updateType: current.updateType ?? update.updateType, updateCount: current.updateCount ?? update.updateCount }
          if (current.data?.length) yield current.data
        }
      } finally {
        // Stopped early (consumer broke out, or an error): the server should not keep the query.
        if (current.nextUri) await self.cancel(current.nextUri)
      }
    }
    return { queryId: page.id, columns, rows: rows(), update: () => update }
  }

  private async next(uri: string, signal: AbortSignal | undefined): Promise<Page> {
    if (signal?.aborted) {
      await this.cancel(uri)
      throw new AkkoError('CANCELLED', 'Query was canceled')
    }
    try {
      return await this.request('GET', uri, signal)
    } catch (e) {
      if (signal?.aborted) {
        await this.cancel(uri)
        throw new AkkoError('CANCELLED', 'Query was canceled')
      }
      throw e
    }
  }

  private async cancel(uri: string): Promise<void> {
    try {
      await fetch(uri, { method: 'DELETE', headers: this.headers() })
    } catch {
      // The server drops abandoned queries on its own.
    }
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'X-Trino-User': this.opts.user, 'X-Trino-Source': this.opts.source ?? 'akko-cli' }
    if (this.opts.token) h.Authorization = `Bearer ${this.opts.token}`
    else if (this.opts.password !== undefined) h.Authorization = `Basic ${Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64')}`
    if (this.catalog) h['X-Trino-Catalog'] = this.catalog
    if (this.schema) h['X-Trino-Schema'] = this.schema
    if (this.opts.timeZone) h['X-Trino-Time-Zone'] = this.opts.timeZone
    if (this.properties.size) h['X-Trino-Session'] = [...this.properties].map(([k, v]) => `${k}=${enc(v)}`).join(',')
    if (this.prepared.size) h['X-Trino-Prepared-Statement'] = [...this.prepared].map(([k, v]) => `${enc(k)}=${enc(v)}`).join(',')
    return h
  }

  private async request(method: 'GET' | 'POST', url: string, signal: AbortSignal | undefined, body?: string): Promise<Page> {
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        res = await fetch(url, { method, headers: { ...this.headers(), 'content-type': 'text/plain; charset=utf-8' }, body, signal })
      } catch (e) {
        if (signal?.aborted) throw e
        throw new AkkoError('INVALID_CONFIG', `Cannot reach the server at ${this.server}: ${(e as Error).message} (is \`akko serve\` running?)`, { server: this.server })
      }
      if (RETRY_STATUSES.has(res.status) && attempt < 5) {
        await new Promise(r => setTimeout(r, 100 * 2 ** attempt))
        continue
      }
      if (res.status === 401) {
        throw new AkkoError('UNAUTHENTICATED', `The server at ${this.server} refused the credentials: pass --token (the admin token is in $AKKO_HOME/secrets/admin-token)`)
      }
      if (res.status !== 200) {
        const text = (await res.text()).trim()
        throw new AkkoError('INVALID_REQUEST', `Server answered ${res.status}: ${text.slice(0, 500) || res.statusText}`, { status: res.status })
      }
      this.applySessionHeaders(res.headers)
      return (await res.json()) as Page
    }
  }

  private applySessionHeaders(h: Headers): void {
    const list = (name: string): string[] => (h.get(name) ?? '').split(',').map(s => s.trim()).filter(Boolean)
    const setCatalog = h.get('x-trino-set-catalog')
    if (setCatalog !== null) this.catalog = setCatalog
    const setSchema = h.get('x-trino-set-schema')
    if (setSchema !== null) this.schema = setSchema
    for (const kv of list('x-trino-set-session')) {
      const [k, v] = splitPair(kv)
      this.properties.set(k, v)
    }
    for (const k of list('x-trino-clear-session')) this.properties.delete(k)
    for (const kv of list('x-trino-added-prepare')) {
      const [k, v] = splitPair(kv)
      this.prepared.set(k, v)
    }
    for (const k of list('x-trino-deallocated-prepare')) this.prepared.delete(dec(k))
  }
}

/** The server's QueryError as an AkkoError with the matching code (by Trino error name), location kept. */
function pageError(page: Page): AkkoError {
  const err = page.error!
  const code = codeForTrinoName(err.errorName)
  const loc = err.errorLocation
  return new AkkoError(code, err.message, { queryId: page.id, errorName: err.errorName, ...(loc ? { line: loc.lineNumber, column: loc.columnNumber } : {}) })
}

function codeForTrinoName(name: string | undefined): ErrorCode {
  if (!name) return 'INTERNAL'
  if (name in ERROR_CODES) return name as ErrorCode
  const byTrinoName = (Object.keys(ERROR_CODES) as ErrorCode[]).find(c => (ERROR_CODES[c] as { trinoName?: string }).trinoName === name)
  return byTrinoName ?? 'INVALID_REQUEST'
}

function splitPair(kv: string): [string, string] {
  const eq = kv.indexOf('=')
  return eq < 0 ? [dec(kv), ''] : [dec(kv.slice(0, eq)), dec(kv.slice(eq + 1))]
}

const enc = (s: string): string => encodeURIComponent(s)
const dec = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}
