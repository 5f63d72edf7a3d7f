import type { DataFile } from '../iceberg/spec.js'

/**
 * Snapshot summary with the spec's optional metrics (Appendix F): added/deleted counts for this snapshot and the
 * running `total-*` values Trino and Spark display, carried from the parent's summary.
 */
export function summaryBuild(
  operation: string,
  parent: Readonly<Record<string, string>> | undefined,
  added: readonly DataFile[],
  removed: readonly DataFile[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> & { operation: string } {
  const sum = (files: readonly DataFile[], content: number | 'deletes', field: 'record_count' | 'file_size_in_bytes' | 'count') =>
    files.filter(f => (content === 'deletes' ? f.content !== 0 : f.content === content))
      .reduce((acc, f) => acc + (field === 'count' ? 1 : Number(f[field])), 0)
  const addedData = sum(added, 0, 'count')
  const removedData = sum(removed, 0, 'count')
  const addedDeletes = sum(added, 'deletes', 'count')
  const removedDeletes = sum(removed, 'deletes', 'count')
  const addedRecords = sum(added, 0, 'record_count')
  const removedRecords = sum(removed, 0, 'record_count')
  const addedSize = added.reduce((a, f) => a + Number(f.file_size_in_bytes), 0)
  const removedSize = removed.reduce((a, f) => a + Number(f.file_size_in_bytes), 0)
  const addedPos = sum(added, 1, 'record_count')
  const addedEq = sum(added, 2, 'record_count')
  const removedPos = sum(removed, 1, 'record_count')
  const removedEq = sum(removed, 2, 'record_count')
  const prev = (k: string) => Number(parent?.[k] ?? 0)
  const s: Record<string, string> = { operation }
  const put = (k: string, v: number) => { if (v) s[k] = String(v) }
  put('added-data-files', addedData)
  put('deleted-data-files', removedData)
  put('added-delete-files', addedDeletes)
  put('removed-delete-files', removedDeletes)
  put('added-position-delete-files', added.filter(f => f.content === 1).length)
  put('added-equality-delete-files', added.filter(f => f.content === 2).length)
  put('added-records', addedRecords)
  put('deleted-records', removedRecords)
  put('added-files-size', addedSize)
  put('removed-files-size', removedSize)
  put('added-position-deletes', addedPos)
  put('added-equality-deletes', addedEq)
  const partitions = new Set([...added, ...removed].map(f => JSON.stringify(f.partition, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))))
  put('changed-partition-count', partitions.size)
  s['total-records'] = String(prev('total-records') + addedRecords - removedRecords)
  s['total-files-size'] = String(prev('total-files-size') + addedSize - removedSize)
  s['total-data-files'] = String(prev('total-data-files') + addedData - removedData)
  s['total-delete-files'] = String(prev('total-delete-files') + addedDeletes - removedDeletes)
  s['total-position-deletes'] = String(prev('total-position-deletes') + addedPos - removedPos)
  s['total-equality-deletes'] = String(prev('total-equality-deletes') + addedEq - removedEq)
  s['engine-name'] = 'akko'
  return Object.assign(s, extra, { operation })
}
