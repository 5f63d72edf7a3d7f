/**
 * Fetching one page of an HTTP JSON API with retries: 408, 429 and 5xx answers and network failures are
 * retried with exponential backoff (jittered), honouring `Retry-After` (seconds or an HTTP date, RFC 9110
 * §10.2.3) up to a cap. Secrets (header and query values given as Secret) never reach a message or a log:
 * URLs are shown with those values replaced by `***`, and any text is scrubbed of them.
 * @module
 */
import { AkkoError, Secret, type Logger } from '../../core/index.js'

export interface HttpRetryOptions {
  /** Retries after the first attempt (default 5). */
  readonly retries?: number
  /** First backoff delay in ms, doubled each retry (default 500). */
  readonly retryBaseMs?: number
  /** Longest wait between attempts, including a server's Retry-After (default 30,000). */
  readonly retryMaxMs?: number
  /** Time allowed for one attempt, headers and body (default 30,000). */
  readonly timeoutMs?: number
}

/** What the fetcher needs: the request, how to show it, and the secrets to scrub. */
export interface HttpClient {
  readonly fetch: typeof fetch
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly headers: Readonly<Record<string, string>>
  readonly secrets: readonly string[]
  /** Query parameters whose values are secret, masked in displayed URLs. */
  readonly secretParams: ReadonlySet<string>
  readonly log: Logger
}

export interface HttpPage {
  readonly body: unknown
  readonly headers: Headers
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504])

/** Builds the client: reveals secrets for the request only, remembers them for scrubbing. */
export function httpClientCreate(opts: {
  readonly headers?: Readonly<Record<string, string | Secret>>
  readonly query?: Readonly<Record<string, string | Secret>>
  readonly fetch?: typeof fetch
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly log: Logger
}): HttpClient {
  const secrets: string[] = []
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v instanceof Secret) {
      const value = v.reveal()
      // A bearer token is also secret without its scheme word.
      secrets.push(value, ...value.split(/\s+/).filter(p => p.length >= 8))
      headers[k] = value
    } else {
      headers[k] = v
    }
  }
  const secretParams = new Set<string>()
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (v instanceof Secret) {
      secretParams.add(k)
      secrets.push(v.reveal(), encodeURIComponent(v.reveal()))
    }
  }
  return {
    fetch: opts.fetch ?? globalThis.fetch,
    sleep: opts.sleep ?? sleep,
    headers,
    secrets: secrets.filter(s => s.length > 0),
    secretParams,
    log: opts.log,
  }
}

/** `url` as shown in messages: secret query values and any password replaced by `***`. */
export function httpDisplayUrl(client: HttpClient, url: URL): string {
  const u = new URL(url)
  if (u.password) u.password = '***'
  for (const p of client.secretParams) if (u.searchParams.has(p)) u.searchParams.set(p, '***')
  return httpScrub(client, decodeURI(u.toString()))
}

/** Text with every secret value replaced by `***`. */
export function httpScrub(client: HttpClient, text: string): string {
  let out = text
  for (const s of client.secrets) out = out.split(s).join('***')
  return out
}

/** GETs `url` and parses the JSON body, retrying what is worth retrying. CONNECTOR_ERROR when it gives up. */
export async function httpGetJson(client: HttpClient, url: URL, page: number, opts: HttpRetryOptions, signal?: AbortSignal): Promise<HttpPage> {
  const retries = opts.retries ?? 5
  const base = opts.retryBaseMs ?? 500
  const cap = opts.retryMaxMs ?? 30_000
  const shown = httpDisplayUrl(client, url)
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted()
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000)
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout
    let res: Response
    let text: string
    try {
      res = await client.fetch(url, { headers: { accept: 'application/json', ...client.headers }, signal: both, redirect: 'manual' })
      text = await res.text()
    } catch (e) {
      if (signal?.aborted) throw new AkkoError('CANCELLED', `Fetching ${shown} was cancelled; nothing was written`)
      const why = timeout.aborted ? `no answer within ${opts.timeoutMs ?? 30_000} ms` : httpScrub(client, (e as Error).message)
      if (attempt < retries) {
        await backoff(client, shown, attempt, base, cap, undefined, why, signal)
        continue
      }
      throw new AkkoError('CONNECTOR_ERROR', `HTTP source ${shown} failed on page ${page} after ${attempt + 1} attempt(s): ${why}`, { url: shown, page })
    }
    if (RETRYABLE.has(res.status) && attempt < retries) {
      await backoff(client, shown, attempt, base, cap, res.headers.get('retry-after') ?? undefined, `HTTP ${res.status}`, signal)
      continue
    }
    if (!res.ok) throw statusError(client, shown, res, text, page, attempt)
    try {
      return { body: JSON.parse(text) as unknown, headers: res.headers }
    } catch {
      throw new AkkoError('CONNECTOR_ERROR', `HTTP source ${shown} answered page ${page} with a body that is not JSON: ${snippet(client, text)}`, { url: shown, page })
    }
  }
}

/** The wait before a retry: Retry-After when the server sent one, else exponential with jitter; both capped. */
export function httpRetryDelay(attempt: number, baseMs: number, capMs: number, retryAfter: string | undefined, now = Date.now(), random = Math.random): number {
  if (retryAfter !== undefined) {
    const secs = Number(retryAfter.trim())
    if (retryAfter.trim() !== '' && Number.isFinite(secs) && secs >= 0) return Math.min(capMs, secs * 1000)
    const at = Date.parse(retryAfter)
    if (!Number.isNaN(at)) return Math.min(capMs, Math.max(0, at - now))
  }
  const d = Math.min(capMs, baseMs * 2 ** attempt)
  return Math.round(d / 2 + (random() * d) / 2)
}

async function backoff(client: HttpClient, shown: string, attempt: number, base: number, cap: number, retryAfter: string | undefined, why: string, signal?: AbortSignal): Promise<void> {
  const ms = httpRetryDelay(attempt, base, cap, retryAfter)
  client.log.emit({ code: 'I201', level: 'warn', msg: 'HTTP source: retrying', url: shown, reason: why, attempt: attempt + 1, delayMs: ms })
  await client.sleep(ms, signal)
}

function statusError(client: HttpClient, shown: string, res: Response, text: string, page: number, attempt: number): AkkoError {
  const tries = attempt > 0 ? ` after ${attempt + 1} attempts` : ''
  const hint = res.status === 401 || res.status === 403
    ? ' Check the credentials given in the headers.'
    : res.status >= 300 && res.status < 400 ? ' Redirects are not followed: use the final URL.' : ''
  return new AkkoError('CONNECTOR_ERROR', `HTTP source ${shown} answered ${res.status} ${res.statusText} on page ${page}${tries}.${hint} Body: ${snippet(client, text)}`, { url: shown, page, status: res.status })
}

function snippet(client: HttpClient, text: string): string {
  const t = httpScrub(client, text.replace(/\s+/g, ' ').trim())
  return t.length > 200 ? `${t.slice(0, 197)}...` : t || '(empty)'
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(t); reject(new AkkoError('CANCELLED', 'The HTTP load was cancelled; nothing was written')) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
