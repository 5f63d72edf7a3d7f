/**
 * `GET /api/cdc`: the platform's CDC pipelines with their state and lag (what `akko cdc status` shows), and the
 * client the CLI uses against a running server. Any authenticated caller may read.
 * @module
 */
import { Hono } from 'hono'
import { AkkoError, ERROR_CODES } from '../../core/index.js'
import type { CdcPipelineInfo } from '../../ingest/index.js'
import type { HttpEnv } from '../http/index.js'

/** What the API needs: the platform's CDC manager provides it. */
export interface CdcStatusSource {
  status(): readonly CdcPipelineInfo[]
  /** Whether the pipelines run in this process (false: configured, not started, e.g. outside `akko serve`). */
  readonly started: boolean
}

/** The routes, to mount under `/api` (`api.route('/', cdcApi(platform.cdc))`). */
export function cdcApi(cdc: CdcStatusSource): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  app.get('/cdc', c => c.json({ started: cdc.started, pipelines: cdc.status() }))
  app.get('/cdc/:name', c => {
    const name = c.req.param('name')
    const p = cdc.status().find(x => x.name === name)
    if (!p) throw new AkkoError('NOT_FOUND', `No CDC pipeline named ${name} is configured`, { pipeline: name })
    return c.json(p)
  })
  return app
}

/** `GET /api/cdc` of a running server. */
export async function cdcApiStatus(server: string, token?: string, fetchFn: typeof fetch = fetch): Promise<{ started: boolean; pipelines: CdcPipelineInfo[] }> {
  const url = server.replace(/\/+$/, '') + '/api/cdc'
  let res: Response
  try {
    res = await fetchFn(url, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } })
  } catch (e) {
    throw new AkkoError('UNAVAILABLE', `Cannot reach the server at ${url}: ${(e as Error).message}. Is \`akko serve\` running?`)
  }
  const text = await res.text()
  let v: unknown
  try {
    v = text ? JSON.parse(text) : undefined
  } catch {
    throw new AkkoError('UNAVAILABLE', `The server at ${url} answered ${res.status} with something that is not JSON`)
  }
  if (!res.ok) {
    const err = (v as { error?: { code?: string; message?: string } } | undefined)?.error
    const code = err?.code && Object.hasOwn(ERROR_CODES, err.code) ? (err.code as AkkoError['code']) : 'INTERNAL'
    throw new AkkoError(code, err?.message ?? `The server answered ${res.status}`)
  }
  return v as { started: boolean; pipelines: CdcPipelineInfo[] }
}
