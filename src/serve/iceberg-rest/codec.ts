import { createHash } from 'node:crypto'
import { AkkoError } from '../../core/index.js'
import { jsonParseLossless, jsonStringifyLossless } from '../../storage/index.js'
import { metadataSerialize } from '../../storage/index.js'
import type { TableMetadata } from '../../storage/index.js'
import type { Namespace, TableIdent } from '../../storage/index.js'

/** The unit separator joining namespace levels in paths and in the `parent` query (REST spec). */
export const NAMESPACE_SEPARATOR = '\x1f'

export type JsonObject = Record<string, unknown>

const bad = (message: string, details: Record<string, unknown> = {}): AkkoError => new AkkoError('INVALID_REQUEST', message, details)

/** Parses a request body losslessly (snapshot ids exceed 2^53); it must be a JSON object. */
export function bodyParse(text: string): JsonObject {
  if (!text.trim()) throw bad('The request body is empty: a JSON object is required')
  const v = jsonParseLossless(text)
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('The request body must be a JSON object')
  return v as JsonObject
}

/** A namespace from a path segment or `parent` query: levels joined by 0x1F (already percent-decoded). */
export function namespaceDecode(raw: string): Namespace {
  const levels = raw.split(NAMESPACE_SEPARATOR)
  if (levels.some(l => l === '')) throw bad(`Invalid namespace ${JSON.stringify(raw)}: levels are joined by %1F and must not be empty`)
  return levels
}

export function fieldString(o: JsonObject, key: string): string {
  const v = o[key]
  if (typeof v !== 'string' || v === '') throw bad(`Field "${key}" is required and must be a non-empty string`, { field: key })
  return v
}

export function fieldOptionalString(o: JsonObject, key: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : fieldString(o, key)
}

export function fieldBoolean(o: JsonObject, key: string): boolean {
  const v = o[key]
  if (v === undefined || v === null) return false
  if (typeof v !== 'boolean') throw bad(`Field "${key}" must be a boolean`, { field: key })
  return v
}

export function fieldObject(o: JsonObject, key: string): JsonObject {
  const v = o[key]
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`Field "${key}" is required and must be an object`, { field: key })
  return v as JsonObject
}

export function fieldArray(o: JsonObject, key: string): unknown[] {
  const v = o[key]
  if (!Array.isArray(v)) throw bad(`Field "${key}" is required and must be an array`, { field: key })
  return v
}

export function fieldStringList(o: JsonObject, key: string, required: boolean): string[] {
  if (!required && (o[key] === undefined || o[key] === null)) return []
  const v = fieldArray(o, key)
  if (v.some(x => typeof x !== 'string')) throw bad(`Field "${key}" must be an array of strings`, { field: key })
  return v as string[]
}

/** A `{string: string}` map such as table or namespace properties. */
export function fieldStringMap(o: JsonObject, key: string): Record<string, string> {
  const v = o[key]
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`Field "${key}" must be an object of string values`, { field: key })
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw bad(`Property "${k}" in "${key}" must be a string`, { field: key, key: k })
  return v as Record<string, string>
}

export function fieldNamespace(o: JsonObject, key: string): Namespace {
  const ns = fieldStringList(o, key, true)
  if (!ns.length || ns.some(l => l === '')) throw bad(`Field "${key}" must be a non-empty array of non-empty names`, { field: key })
  return ns
}

/** A `TableIdentifier` object: `{namespace: [..], name}`. */
export function fieldTableIdent(o: JsonObject, key: string): TableIdent {
  const v = fieldObject(o, key)
  return { namespace: fieldNamespace(v, 'namespace'), name: fieldString(v, 'name') }
}

/**
 * Pages a sorted listing with an opaque token (the last key served), so paging stays correct while
 * entries are added or removed between requests. Without `pageSize` everything is returned at once.
 */
export function pageOf<T>(items: readonly T[], key: (t: T) => string, pageToken?: string, pageSize?: string): { page: T[]; next?: string } {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  let start = 0
  if (pageToken) {
    const after = Buffer.from(pageToken, 'base64url').toString('utf8')
    start = sorted.findIndex(t => key(t) > after)
    if (start < 0) start = sorted.length
  }
  if (pageSize === undefined || pageSize === '') return { page: sorted.slice(start) }
  const size = Number(pageSize)
  if (!Number.isInteger(size) || size < 1) throw bad(`pageSize must be a positive integer, got ${JSON.stringify(pageSize)}`)
  const page = sorted.slice(start, start + size)
  const more = start + size < sorted.length
  return { page, next: more ? Buffer.from(key(page[page.length - 1]!), 'utf8').toString('base64url') : undefined }
}

/** A JSON response written losslessly (64-bit ids as bare numbers). */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(jsonStringifyLossless(body), { status, headers: { 'content-type': 'application/json', ...headers } })
}

/**
 * `LoadTableResult` / `CommitTableResponse`. The metadata is embedded exactly as the metadata file
 * serializes it, so a client sees the same document it would read from storage.
 */
export function loadTableResponse(metadataLocation: string | undefined, metadata: TableMetadata, opts: { config?: boolean; etag?: string } = {}): Response {
  const parts: string[] = []
  if (metadataLocation !== undefined) parts.push(`"metadata-location":${JSON.stringify(metadataLocation)}`)
  parts.push(`"metadata":${metadataSerialize(metadata)}`)
  if (opts.config) parts.push('"config":{}')
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (opts.etag) headers.etag = opts.etag
  return new Response(`{${parts.join(',')}}`, { status: 200, headers })
}

/** A strong ETag for a load response: the metadata file is immutable, so its location identifies it. */
export const tableEtag = (metadataLocation: string, snapshots: string): string =>
  `"${createHash('sha256').update(`${metadataLocation}\n${snapshots}`).digest('hex').slice(0, 32)}"`

/** `snapshots=refs`: only the snapshots a branch or tag points at (REST loadTable). */
export function metadataWithRefSnapshots(m: TableMetadata): TableMetadata {
  const keep = new Set(Object.values(m.refs).map(r => r['snapshot-id']))
  return { ...m, snapshots: m.snapshots.filter(s => keep.has(s['snapshot-id'])) }
}

/**
 * Create-table bodies: some clients spell partition and sort fields in snake_case (`source_id`,
 * `field_id`, `null_order`); accept both spellings and pass the spec's kebab-case on.
 */
export function kebabFields(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
  const o = v as JsonObject
  if (!Array.isArray(o.fields)) return v
  const fields = o.fields.map(f => {
    if (f === null || typeof f !== 'object') return f
    const out: JsonObject = {}
    for (const [k, x] of Object.entries(f)) out[k === 'source_id' || k === 'field_id' || k === 'null_order' ? k.replace('_', '-') : k] = x
    return out
  })
  return { ...o, fields }
}
