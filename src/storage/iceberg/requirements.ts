/**
 * Commit requirements (ICE-API `TableRequirement`): the optimistic-concurrency preconditions a client states
 * about the metadata it based its changes on. A failed check is a COMMIT_CONFLICT; the client reloads and retries.
 */
import { AkkoError } from '../../core/index.js'
import type { TableMetadata } from './spec.js'
import type { TableRequirement } from './updates.js'

const MAIN = 'main'

function conflict(what: string, expected: unknown, actual: unknown): never {
  throw new AkkoError('COMMIT_CONFLICT', `Requirement failed: ${what}: expected ${show(expected)}, found ${show(actual)}; reload the table and retry`,
    { requirement: what, expected: show(expected), actual: show(actual) })
}

const show = (v: unknown): string => (v === null || v === undefined ? 'none' : String(v))

/** The snapshot a ref points at, also for v1 metadata that only carries `current-snapshot-id`. */
export function refSnapshotId(m: TableMetadata, ref: string): bigint | null {
  const r = m.refs[ref]
  if (r) return r['snapshot-id']
  const current = m['current-snapshot-id']
  return ref === MAIN && current !== undefined && current !== null && current !== -1n ? current : null
}

/**
 * Checks commit requirements against the current metadata (`undefined` when the table does not exist).
 * Throws COMMIT_CONFLICT naming the failed requirement with expected and actual values; the client reloads and retries.
 */
export function requirementsCheck(current: TableMetadata | undefined, reqs: readonly TableRequirement[]): void {
  for (const r of reqs) {
    if (r.type === 'assert-create') {
      if (current) conflict('assert-create (table must not exist)', 'no table', `table ${current['table-uuid']}`)
      continue
    }
    if (!current) conflict(r.type, 'an existing table', 'no table')
    switch (r.type) {
      case 'assert-table-uuid':
        if (current['table-uuid'] !== r.uuid) conflict('assert-table-uuid', r.uuid, current['table-uuid'])
        break
      case 'assert-ref-snapshot-id': {
        const actual = refSnapshotId(current, r.ref)
        if (actual !== r['snapshot-id']) conflict(`assert-ref-snapshot-id for ref '${r.ref}'`, r['snapshot-id'], actual)
        break
      }
      case 'assert-last-assigned-field-id':
        if (current['last-column-id'] !== r['last-assigned-field-id']) {
          conflict('assert-last-assigned-field-id', r['last-assigned-field-id'], current['last-column-id'])
        }
        break
      case 'assert-current-schema-id':
        if (current['current-schema-id'] !== r['current-schema-id']) conflict('assert-current-schema-id', r['current-schema-id'], current['current-schema-id'])
        break
      case 'assert-last-assigned-partition-id':
        if (current['last-partition-id'] !== r['last-assigned-partition-id']) {
          conflict('assert-last-assigned-partition-id', r['last-assigned-partition-id'], current['last-partition-id'])
        }
        break
      case 'assert-default-spec-id':
        if (current['default-spec-id'] !== r['default-spec-id']) conflict('assert-default-spec-id', r['default-spec-id'], current['default-spec-id'])
        break
      case 'assert-default-sort-order-id':
        if (current['default-sort-order-id'] !== r['default-sort-order-id']) {
          conflict('assert-default-sort-order-id', r['default-sort-order-id'], current['default-sort-order-id'])
        }
        break
    }
  }
}
