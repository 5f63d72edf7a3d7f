import type { AuditEvent, AuditFilter, AuditReader } from './event.js'

/** Where an export writes: a Node `Writable` (back-pressure is honoured) or anything with `write`. */
export type AuditOutput = { write(chunk: string): unknown; once?(event: 'drain', listener: () => void): unknown }

/** Events fetched per round trip while exporting, by default. */
const PAGE = 1000

/** One event as one JSON line (the export format and the HTTP sink's body): keys in a fixed order, `\n` last. */
export function auditEventLine(e: AuditEvent): string {
  return JSON.stringify(e) + '\n'
}

/**
 * Streams the events matching `filter` to `out`, one JSON object per line, oldest first, paging by id so
 * any number of events goes through bounded memory. `filter.limit` caps the total. Returns how many were
 * written.
 * @example await auditExport(trail, createWriteStream('audit.jsonl'), { since: '2025-01-01T00:00:00Z', kind: 'query' })
 */
export async function auditExport(reader: AuditReader, out: AuditOutput, filter: AuditFilter = {}, o: { signal?: AbortSignal; pageSize?: number } = {}): Promise<number> {
  const pageSize = o.pageSize ?? PAGE
  if (filter.newest) return writeAll(out, await reader.events(filter))
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY
  let afterId = filter.afterId
  let written = 0
  while (remaining > 0) {
    o.signal?.throwIfAborted()
    const want = Math.min(pageSize, remaining)
    const page = await reader.events({ ...filter, limit: want, ...(afterId !== undefined ? { afterId } : {}) })
    written += await writeAll(out, page)
    remaining -= page.length
    if (page.length < want) break
    afterId = page[page.length - 1]!.id
  }
  return written
}

async function writeAll(out: AuditOutput, events: readonly AuditEvent[]): Promise<number> {
  for (const e of events) {
    if (out.write(auditEventLine(e)) === false && out.once) await new Promise<void>((resolve) => out.once!('drain', resolve))
  }
  return events.length
}
