/**
 * Loading a paginated HTTP JSON API into an Iceberg table. Pages are fetched one after the other (retrying
 * 429 and 5xx answers), their records spooled to a local JSON lines file, and only when the last page is in
 * are they checked and appended, in one commit: nothing is visible before the walk has finished, and a failed
 * walk writes nothing.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AkkoError, type Secret } from '../../core/index.js'
import type { TableContext } from '../../storage/index.js'
import { httpClientCreate, httpDisplayUrl, httpGetJson, type HttpClient, type HttpRetryOptions } from './http-fetch.js'
import { loadSources } from './load-source.js'
import { loadTargetIdent } from './table-target.js'
import type { LoadReport, LoadTargetOptions } from './types.js'

/**
 * How the API pages:
 * - `next-link`: the body holds the next page's URL (absolute or relative) at `path` (e.g. `next`, `links.next`);
 * - `link-header`: a `Link: <…>; rel="next"` header (RFC 8288);
 * - `page`: a page-number parameter (`param`, default `page`, from `start`, default 1), until a page is empty
 *   or shorter than `size` (sent as `sizeParam` when both are given);
 * - `offset`: an offset parameter (default `offset`) advanced by the records received, with `limit` sent as
 *   `limitParam` (default `limit`), until a page is shorter than `limit`;
 * - `cursor`: the body holds an opaque cursor at `path`, sent back as `param`;
 * - `none` (default): one request.
 */
export type HttpPagination =
  | { readonly style: 'none' }
  | { readonly style: 'next-link'; readonly path: string }
  | { readonly style: 'link-header' }
  | { readonly style: 'page'; readonly param?: string; readonly start?: number; readonly sizeParam?: string; readonly size?: number }
  | { readonly style: 'offset'; readonly param?: string; readonly limitParam?: string; readonly limit: number }
  | { readonly style: 'cursor'; readonly path: string; readonly param: string }

export interface LoadHttpJsonOptions extends LoadTargetOptions, HttpRetryOptions {
  /** The first page (http or https). */
  readonly url: string
  /** Query parameters added to every request; Secret values (API keys) are never shown. */
  readonly query?: Readonly<Record<string, string | Secret>>
  /** Request headers; give credentials as Secret (e.g. `authorization`), they are never shown or logged. */
  readonly headers?: Readonly<Record<string, string | Secret>>
  /** Dotted path to the records array in each body (`data.items`); absent: the body is the array. */
  readonly recordsPath?: string
  readonly pagination?: HttpPagination
  /** Most pages fetched (default 1000); the report says `truncated` when the API offered more. */
  readonly maxPages?: number
  /** Follow next links to another origin (scheme, host, port): off by default, as credentials would go there. */
  readonly followOtherOrigins?: boolean
  /** The fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch
  /** How to wait between retries (default: a timer). Tests pass one that records the delays. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/**
 * Fetches every page and appends all records to `table` in one commit (see the module comment). Records are
 * checked like JSON lines files; a bad record is reported by page and position in that page.
 * Errors: CONNECTOR_ERROR (the API failed, after retries; secrets scrubbed), INVALID_ARGUMENT (bad options, bad
 * rows, a records path that does not hold an array), CANCELLED, and those of `loadFiles`.
 */
export async function loadHttpJson(ctx: TableContext, opts: LoadHttpJsonOptions): Promise<LoadReport> {
  const ident = loadTargetIdent(opts.table)
  const client = httpClientCreate({ ...opts, log: ctx.log })
  const first = startUrl(opts)
  const maxPages = opts.maxPages ?? 1000
  if (!(Number.isSafeInteger(maxPages) && maxPages >= 1)) throw new AkkoError('INVALID_ARGUMENT', `maxPages must be a positive integer, got ${String(maxPages)}`, { option: 'maxPages' })
  const spool = join(ctx.store.scratchDir(), `akko-http-${randomUUID()}.jsonl`)
  try {
    const walk = await pagesSpool(ctx, client, opts, first, maxPages, spool)
    const display = httpDisplayUrl(client, first)
    const report = await loadSources(ctx, {
      ...opts,
      ident,
      format: 'jsonl',
      files: [{ index: 0, display, path: spool }],
      locate: (_f, row) => {
        let page = 0
        while (page + 1 < walk.pageStarts.length && walk.pageStarts[page + 1]! <= row) page++
        return { page: page + 1, row: row - walk.pageStarts[page]! + 1 }
      },
    })
    return Object.freeze({ ...report, pages: walk.pages, truncated: walk.truncated })
  } finally {
    await rm(spool, { force: true })
  }
}

interface Walk {
  readonly pages: number
  readonly truncated: boolean
  /** The 1-based record number each page starts at. */
  readonly pageStarts: readonly number[]
}

async function pagesSpool(ctx: TableContext, client: HttpClient, opts: LoadHttpJsonOptions, first: URL, maxPages: number, spool: string): Promise<Walk> {
  const pagination = opts.pagination ?? { style: 'none' }
  const fh = await open(spool, 'w')
  const pageStarts: number[] = []
  let records = 0
  let url: URL | undefined = paged(first, pagination, 0, 0)
  let page = 0
  try {
    while (url) {
      if (page === maxPages) {
        ctx.log.emit({ code: 'I203', level: 'warn', msg: 'HTTP source: stopped at maxPages', url: httpDisplayUrl(client, first), maxPages })
        return { pages: page, truncated: true, pageStarts }
      }
      page++
      const { body, headers } = await httpGetJson(client, url, page, opts, opts.signal)
      const items = recordsAt(client, url, body, opts.recordsPath, page)
      pageStarts.push(records + 1)
      if (items.length > 0) await fh.write(`${items.map(r => JSON.stringify(r)).join('\n')}\n`)
      records += items.length
      ctx.log.emit({ code: 'I202', level: 'debug', msg: 'HTTP source: page fetched', url: httpDisplayUrl(client, url), page, records: items.length })
      url = nextUrl(client, opts, pagination, first, url, body, headers, page, items.length, records)
    }
    return { pages: page, truncated: false, pageStarts }
  } finally {
    await fh.close()
  }
}

function startUrl(opts: LoadHttpJsonOptions): URL {
  let u: URL
  try {
    u = new URL(opts.url)
  } catch {
    throw new AkkoError('INVALID_ARGUMENT', 'url must be an absolute http or https URL', { option: 'url' })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AkkoError('INVALID_ARGUMENT', `url must use http or https, not ${u.protocol}`, { option: 'url' })
  for (const [k, v] of Object.entries(opts.query ?? {})) u.searchParams.set(k, typeof v === 'string' ? v : v.reveal())
  return u
}

/** The URL of the page after `pagesDone` pages (page and offset styles); others use `base` as is. */
function paged(base: URL, p: HttpPagination, pagesDone: number, recordsDone: number): URL {
  const u = new URL(base)
  if (p.style === 'page') {
    u.searchParams.set(p.param ?? 'page', String((p.start ?? 1) + pagesDone))
    if (p.sizeParam && p.size !== undefined) u.searchParams.set(p.sizeParam, String(p.size))
  } else if (p.style === 'offset') {
    u.searchParams.set(p.param ?? 'offset', String(recordsDone))
    u.searchParams.set(p.limitParam ?? 'limit', String(p.limit))
  }
  return u
}

function nextUrl(client: HttpClient, opts: LoadHttpJsonOptions, p: HttpPagination, first: URL, current: URL, body: unknown, headers: Headers, page: number, got: number, total: number): URL | undefined {
  switch (p.style) {
    case 'none':
      return undefined
    case 'page':
      return got === 0 || (p.size !== undefined && got < p.size) ? undefined : paged(first, p, page, total)
    case 'offset':
      return got < p.limit ? undefined : paged(first, p, page, total)
    case 'cursor': {
      const c = pathGet(body, p.path)
      if (c === undefined || c === null || c === '') return undefined
      const u = new URL(first)
      u.searchParams.set(p.param, String(c))
      return u
    }
    case 'next-link':
    case 'link-header': {
      const link = p.style === 'next-link' ? pathGet(body, p.path) : linkNext(headers.get('link'))
      if (link === undefined || link === null || link === '') return undefined
      if (typeof link !== 'string') throw new AkkoError('INVALID_ARGUMENT', `The next link at '${p.style === 'next-link' ? p.path : 'Link'}' on page ${page} is not a URL`, { page })
      const u = new URL(link, current)
      if (u.origin !== first.origin && !opts.followOtherOrigins) {
        throw new AkkoError('INVALID_ARGUMENT', `Page ${page} of ${httpDisplayUrl(client, first)} links to another origin (${u.origin}); credentials would be sent there. Pass followOtherOrigins: true if that is intended`, { page })
      }
      // Secret query parameters (API keys) are not always echoed in next links: keep them on every request.
      for (const [k, v] of Object.entries(opts.query ?? {})) if (!u.searchParams.has(k)) u.searchParams.set(k, typeof v === 'string' ? v : v.reveal())
      return u
    }
  }
}

/** The `rel="next"` target of a Link header (RFC 8288), if any. */
export function linkNext(header: string | null): string | undefined {
  if (!header) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return m[1]
  }
  return undefined
}

function recordsAt(client: HttpClient, url: URL, body: unknown, path: string | undefined, page: number): unknown[] {
  const v = path ? pathGet(body, path) : body
  if (Array.isArray(v)) return v
  // An API may signal the end with `data: null` rather than an empty array.
  if ((v === null || v === undefined) && page > 1) return []
  throw new AkkoError('INVALID_ARGUMENT', `Page ${page} of ${httpDisplayUrl(client, url)} has no array of records at '${path ?? '(the body)'}'`, { page, recordsPath: path ?? '' })
}

/** `a.b.0.c` in a parsed JSON body (numeric segments index arrays). */
function pathGet(body: unknown, path: string): unknown {
  let v: unknown = body
  for (const seg of path.split('.').filter(s => s !== '')) {
    if (v === null || typeof v !== 'object') return undefined
    v = Array.isArray(v) ? v[Number(seg)] : (v as Record<string, unknown>)[seg]
  }
  return v
}
