import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonParseLossless } from './json.js'
import type { TableMetadata } from './spec.js'
import {
  requirementsCheck, requirementsParse, updatesApply, updatesEmptyBase, updatesParse, type TableRequirement, type TableUpdate,
} from './updates.js'

const UUID = '9c12d441-03fe-4693-9a96-a0705ddf69c1'
const BIG_ID = 7505300640432048841n

function table(over: Partial<TableMetadata> = {}): TableMetadata {
  return {
    'format-version': 2, 'table-uuid': UUID, location: 's3://b/wh/db/t', 'last-sequence-number': 1, 'last-updated-ms': 1000,
    'last-column-id': 3,
    schemas: [{ type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'ts', required: false, type: 'timestamptz' },
      { id: 3, name: 'name', required: false, type: 'string' },
    ] }],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] }],
    'default-spec-id': 0, 'last-partition-id': 1000, properties: { owner: 'ana' }, 'current-snapshot-id': 100n,
    snapshots: [{ 'snapshot-id': 100n, 'sequence-number': 1, 'timestamp-ms': 900, 'manifest-list': 's3://b/m1.avro', summary: { operation: 'append' }, 'schema-id': 0 }],
    'snapshot-log': [{ 'snapshot-id': 100n, 'timestamp-ms': 900 }], 'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }], 'default-sort-order-id': 0,
    refs: { main: { 'snapshot-id': 100n, type: 'branch' } },
    ...over,
  }
}

const apply = (m: TableMetadata, ups: unknown, extra: { metadataLocation?: string } = {}): TableMetadata =>
  updatesApply(m, updatesParse(ups), { nowMs: 5000, ...extra })

const snapshot = (id: bigint, parent: bigint | undefined, seq: number) => ({
  'snapshot-id': id, ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }), 'sequence-number': seq,
  'timestamp-ms': 4000, 'manifest-list': `s3://b/snap-${id}.avro`, summary: { operation: 'append' },
})

/** Asserts the call throws an AkkoError with this code and leaves the base untouched. */
function rejects(m: TableMetadata, ups: unknown, code: string, match?: RegExp): void {
  const before = structuredClone(m)
  assert.throws(() => apply(m, ups), (e: Error & { code?: string }) => {
    assert.equal(e.code, code, e.message)
    if (match) assert.match(e.message, match)
    return true
  })
  assert.deepEqual(m, before)
}

describe('updatesParse / requirementsParse', () => {
  test('parses a Java-style append commit and normalizes ids to bigint', () => {
    const body = jsonParseLossless(`{"requirements":[{"type":"assert-table-uuid","uuid":"${UUID}"},{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":100}],
      "updates":[{"action":"add-snapshot","snapshot":{"snapshot-id":${BIG_ID},"parent-snapshot-id":100,"sequence-number":2,"timestamp-ms":4000,
        "manifest-list":"s3://b/x.avro","summary":{"operation":"append","added-records":"3"},"schema-id":0}},
        {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${BIG_ID}}]}`) as Record<string, unknown>
    const reqs = requirementsParse(body.requirements)
    const ups = updatesParse(body.updates)
    assert.deepEqual(reqs[1], { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 100n })
    assert.equal(ups[0]!.action, 'add-snapshot')
    assert.equal((ups[0] as Extract<TableUpdate, { action: 'add-snapshot' }>).snapshot['snapshot-id'], BIG_ID)
    assert.equal((ups[0] as Extract<TableUpdate, { action: 'add-snapshot' }>).snapshot['parent-snapshot-id'], 100n)
    assert.deepEqual(ups[1], { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': BIG_ID })
  })

  test('accepts null snapshot-id in assert-ref-snapshot-id but requires the key', () => {
    assert.deepEqual(requirementsParse([{ type: 'assert-ref-snapshot-id', ref: 'b', 'snapshot-id': null }]),
      [{ type: 'assert-ref-snapshot-id', ref: 'b', 'snapshot-id': null }])
    assert.throws(() => requirementsParse([{ type: 'assert-ref-snapshot-id', ref: 'b' }]), { code: 'INVALID_REQUEST' })
  })

  test('rejects unknown actions and types by name', () => {
    assert.throws(() => updatesParse([{ action: 'drop-everything' }]), { code: 'INVALID_REQUEST', message: /drop-everything/ })
    assert.throws(() => requirementsParse([{ type: 'assert-nothing' }]), { code: 'INVALID_REQUEST', message: /assert-nothing/ })
    assert.throws(() => updatesParse([{ action: 'add-encryption-key', 'encryption-key': {} }]), { code: 'NOT_SUPPORTED' })
    assert.throws(() => updatesParse([{ action: 'toString' }]), { code: 'INVALID_REQUEST' })
  })

  test('rejects wrong field types with the path of the field', () => {
    assert.throws(() => updatesParse({}), { code: 'INVALID_REQUEST' })
    assert.throws(() => updatesParse([{ action: 'set-current-schema', 'schema-id': '1' }]), { code: 'INVALID_REQUEST', message: /updates\[0\]\.schema-id/ })
    assert.throws(() => updatesParse([{ action: 'set-properties', updates: { a: 1 } }]), { code: 'INVALID_REQUEST', message: /updates\.a/ })
    assert.throws(() => updatesParse([{ action: 'remove-snapshots', 'snapshot-ids': [1.5] }]), { code: 'INVALID_REQUEST' })
    assert.throws(() => updatesParse([{ action: 'set-snapshot-ref', 'ref-name': 'x', type: 'leaf', 'snapshot-id': 1 }]), { code: 'INVALID_REQUEST' })
    assert.throws(() => updatesParse([{ action: 'add-schema', schema: { type: 'struct', fields: [{ id: 1, name: 'a', required: 'no', type: 'int' }] } }]),
      { code: 'INVALID_REQUEST', message: /required/ })
    assert.throws(() => updatesParse([{ action: 'add-schema', schema: { type: 'struct', fields: [{ id: 1, name: 'a', required: true, type: 'integer' }] } }]),
      { code: 'INVALID_REQUEST', message: /integer/ })
    assert.throws(() => requirementsParse([{ type: 'assert-current-schema-id', 'current-schema-id': null }]), { code: 'INVALID_REQUEST' })
    assert.throws(() => updatesParse([{ action: 'add-sort-order', 'sort-order': { 'order-id': 1, fields: [{ 'source-id': 1, transform: 'identity', direction: 'up', 'null-order': 'nulls-first' }] } }]),
      { code: 'INVALID_REQUEST', message: /direction/ })
  })
})

describe('requirementsCheck', () => {
  const m = table()
  const cases: Array<[TableRequirement, TableRequirement]> = [
    [{ type: 'assert-table-uuid', uuid: UUID }, { type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }],
    [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 100n }, { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 99n }],
    [{ type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': null }, { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }],
    [{ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 3 }, { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 }],
    [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }, { type: 'assert-current-schema-id', 'current-schema-id': 1 }],
    [{ type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 1000 }, { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 }],
    [{ type: 'assert-default-spec-id', 'default-spec-id': 0 }, { type: 'assert-default-spec-id', 'default-spec-id': 1 }],
    [{ type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 }, { type: 'assert-default-sort-order-id', 'default-sort-order-id': 1 }],
  ]
  for (const [ok, ko] of cases) {
    test(`${ok.type} holds when equal and conflicts otherwise`, () => {
      requirementsCheck(m, [ok])
      assert.throws(() => requirementsCheck(m, [ok, ko]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'COMMIT_CONFLICT')
        assert.match(e.message, new RegExp(ko.type))
        assert.match(e.message, /expected .* found /)
        return true
      })
    })
  }

  test('assert-ref-snapshot-id with an id fails when the ref is missing', () => {
    assert.throws(() => requirementsCheck(m, [{ type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': 100n }]),
      { code: 'COMMIT_CONFLICT', message: /expected 100, found none/ })
  })

  test('assert-ref-snapshot-id on main also works for v1 metadata without refs', () => {
    requirementsCheck(table({ refs: {} }), [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 100n }])
  })

  test('assert-create holds only when the table does not exist', () => {
    requirementsCheck(undefined, [{ type: 'assert-create' }])
    assert.throws(() => requirementsCheck(m, [{ type: 'assert-create' }]), { code: 'COMMIT_CONFLICT', message: /assert-create/ })
    assert.throws(() => requirementsCheck(undefined, [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }]), { code: 'COMMIT_CONFLICT' })
  })
})

describe('updatesApply: snapshots and refs', () => {
  test('an append adds the snapshot, moves main, logs it and bumps sequence and time', () => {
    const m = table()
    const out = apply(m, [{ action: 'add-snapshot', snapshot: snapshot(200n, 100n, 2) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 200n }])
    assert.equal(out['current-snapshot-id'], 200n)
    assert.equal(out['last-sequence-number'], 2)
    assert.equal(out['last-updated-ms'], 5000)
    assert.deepEqual(out['snapshot-log'], [{ 'snapshot-id': 100n, 'timestamp-ms': 900 }, { 'snapshot-id': 200n, 'timestamp-ms': 4000 }])
    assert.equal(out.snapshots.length, 2)
    assert.equal(m.snapshots.length, 1, 'base untouched')
    assert.equal(m['current-snapshot-id'], 100n)
  })

  test('a stale sequence number is a conflict; a duplicate id or unknown parent is rejected', () => {
    rejects(table(), [{ action: 'add-snapshot', snapshot: snapshot(200n, 100n, 1) }], 'COMMIT_CONFLICT', /sequence number 1/)
    rejects(table(), [{ action: 'add-snapshot', snapshot: snapshot(100n, undefined, 5) }], 'INVALID_REQUEST', /already exists/)
    rejects(table(), [{ action: 'add-snapshot', snapshot: snapshot(200n, 42n, 2) }], 'COMMIT_CONFLICT', /parent 42/)
  })

  test('the first snapshot of a table needs no parent; v1 tables do not check sequence numbers', () => {
    const empty = table({ snapshots: [], refs: {}, 'current-snapshot-id': null, 'snapshot-log': [], 'last-sequence-number': 0 })
    const out = apply(empty, [{ action: 'add-snapshot', snapshot: snapshot(1n, undefined, 1) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1n }])
    assert.equal(out['current-snapshot-id'], 1n)
    const v1 = apply(table({ 'format-version': 1 }), [{ action: 'add-snapshot', snapshot: snapshot(2n, 100n, 0) }])
    assert.equal(v1.snapshots.length, 2)
  })

  test('set-snapshot-ref to an unknown snapshot is rejected; tags and branches keep retention settings', () => {
    rejects(table(), [{ action: 'set-snapshot-ref', 'ref-name': 'x', type: 'tag', 'snapshot-id': 5 }], 'INVALID_REQUEST', /unknown snapshot 5/)
    rejects(table(), [{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'tag', 'snapshot-id': 100 }], 'INVALID_REQUEST', /branch/)
    const out = apply(table(), [{ action: 'set-snapshot-ref', 'ref-name': 'v1', type: 'tag', 'snapshot-id': 100, 'max-ref-age-ms': 60000 }])
    assert.deepEqual(out.refs.v1, { type: 'tag', 'snapshot-id': 100n, 'max-ref-age-ms': 60000 })
    assert.equal(out['snapshot-log'].length, 1, 'tags do not touch the snapshot log')
  })

  test('only the final main snapshot of a commit is logged', () => {
    const out = apply(table(), [
      { action: 'add-snapshot', snapshot: snapshot(200n, 100n, 2) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 200n },
      { action: 'add-snapshot', snapshot: snapshot(300n, 200n, 3) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 300n },
    ])
    assert.deepEqual(out['snapshot-log'].map((e) => e['snapshot-id']), [100n, 300n])
    assert.equal(out['last-sequence-number'], 3)
  })

  test('a rollback of main to an older snapshot is logged at commit time', () => {
    const two = apply(table(), [{ action: 'add-snapshot', snapshot: snapshot(200n, 100n, 2) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 200n }])
    const back = updatesApply(two, updatesParse([{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 100 }]), { nowMs: 7000 })
    assert.equal(back['current-snapshot-id'], 100n)
    assert.deepEqual(back['snapshot-log'].at(-1), { 'snapshot-id': 100n, 'timestamp-ms': 7000 })
  })

  test('remove-snapshots drops refs to removed snapshots, their statistics and earlier history', () => {
    const two = apply(table(), [{ action: 'add-snapshot', snapshot: snapshot(200n, 100n, 2) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 200n },
      { action: 'set-snapshot-ref', 'ref-name': 'old', type: 'tag', 'snapshot-id': 100n },
      { action: 'set-statistics', statistics: { 'snapshot-id': 100, 'statistics-path': 's3://b/s.puffin', 'file-size-in-bytes': 10, 'file-footer-size-in-bytes': 5, 'blob-metadata': [] } }])
    assert.equal(two.statistics?.length, 1)
    const out = apply(two, [{ action: 'remove-snapshots', 'snapshot-ids': [100, 999] }])
    assert.deepEqual(out.snapshots.map((s) => s['snapshot-id']), [200n])
    assert.equal(out.refs.old, undefined)
    assert.equal(out['current-snapshot-id'], 200n)
    assert.deepEqual(out['snapshot-log'].map((e) => e['snapshot-id']), [200n])
    assert.deepEqual(out.statistics, [])
    const none = apply(two, [{ action: 'remove-snapshots', 'snapshot-ids': [200] }])
    assert.equal(none['current-snapshot-id'], null)
    assert.equal(none.refs.main, undefined)
  })

  test('remove-snapshot-ref removes a branch; removing main leaves no current snapshot', () => {
    const withTag = apply(table(), [{ action: 'set-snapshot-ref', 'ref-name': 'v1', type: 'tag', 'snapshot-id': 100 }])
    assert.equal(apply(withTag, [{ action: 'remove-snapshot-ref', 'ref-name': 'v1' }]).refs.v1, undefined)
    const out = apply(table(), [{ action: 'remove-snapshot-ref', 'ref-name': 'main' }])
    assert.equal(out['current-snapshot-id'], null)
    assert.equal(out.snapshots.length, 1)
  })
})

describe('updatesApply: schemas, specs, sort orders', () => {
  const schema1 = { type: 'struct', fields: [
    { id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'name', required: false, type: 'string' }, { id: 4, name: 'amount', required: false, type: 'decimal(10,2)' },
  ] }

  test('add-schema assigns the next id, raises last-column-id and set-current-schema -1 selects it', () => {
    const out = apply(table(), [{ action: 'add-schema', schema: { ...schema1, 'schema-id': 7 } }, { action: 'set-current-schema', 'schema-id': -1 }])
    assert.equal(out.schemas.length, 2)
    assert.equal(out['current-schema-id'], 1)
    assert.equal(out.schemas[1]!['schema-id'], 1)
    assert.equal(out['last-column-id'], 4)
  })

  test('add-schema reuses an identical schema instead of adding a duplicate', () => {
    const m = table()
    const out = apply(m, [{ action: 'add-schema', schema: { type: 'struct', 'schema-id': 5, fields: m.schemas[0]!.fields } },
      { action: 'set-current-schema', 'schema-id': -1 }])
    assert.equal(out.schemas.length, 1)
    assert.equal(out['current-schema-id'], 0)
  })

  test('add-schema rejects invalid schemas and a last-column-id that goes backwards', () => {
    rejects(table(), [{ action: 'add-schema', schema: { type: 'struct', fields: [
      { id: 1, name: 'a', required: true, type: 'int' }, { id: 1, name: 'b', required: true, type: 'int' }] } }], 'INVALID_SCHEMA')
    rejects(table(), [{ action: 'add-schema', schema: schema1, 'last-column-id': 2 }], 'INVALID_REQUEST', /last-column-id 2/)
    const out = apply(table(), [{ action: 'add-schema', schema: schema1, 'last-column-id': 9 }])
    assert.equal(out['last-column-id'], 9)
  })

  test('set-current-schema needs a known id; -1 needs a schema added in the same commit', () => {
    rejects(table(), [{ action: 'set-current-schema', 'schema-id': 3 }], 'INVALID_REQUEST', /unknown schema id 3/)
    rejects(table(), [{ action: 'set-current-schema', 'schema-id': -1 }], 'INVALID_REQUEST', /last added/)
  })

  test('remove-schemas removes old schemas but never the current one', () => {
    const two = apply(table(), [{ action: 'add-schema', schema: schema1 }, { action: 'set-current-schema', 'schema-id': -1 }])
    assert.deepEqual(apply(two, [{ action: 'remove-schemas', 'schema-ids': [0] }]).schemas.map((s) => s['schema-id']), [1])
    rejects(two, [{ action: 'remove-schemas', 'schema-ids': [1] }], 'INVALID_REQUEST', /current schema/)
  })

  test('add-spec assigns ids above last-partition-id and set-default-spec -1 selects it', () => {
    const out = apply(table(), [{ action: 'add-spec', spec: { fields: [
      { 'source-id': 2, name: 'ts_day', transform: 'day' }, { 'source-id': 1, name: 'id_bucket', transform: 'bucket[16]' }] } },
    { action: 'set-default-spec', 'spec-id': -1 }])
    assert.equal(out['default-spec-id'], 1)
    assert.deepEqual(out['partition-specs'][1]!.fields.map((f) => f['field-id']), [1000, 1001], 'the day field keeps its earlier id')
    assert.equal(out['last-partition-id'], 1001)
  })

  test('add-spec reuses an identical spec, and rejects unknown sources and inapplicable transforms', () => {
    const same = apply(table(), [{ action: 'add-spec', spec: { fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] } },
      { action: 'set-default-spec', 'spec-id': -1 }])
    assert.equal(same['partition-specs'].length, 1)
    rejects(table(), [{ action: 'add-spec', spec: { fields: [{ 'source-id': 42, name: 'x', transform: 'identity' }] } }], 'INVALID_REQUEST', /source column id 42/)
    rejects(table(), [{ action: 'add-spec', spec: { fields: [{ 'source-id': 3, name: 'x', transform: 'day' }] } }], 'INVALID_REQUEST', /'day' cannot be applied/)
    rejects(table(), [{ action: 'add-spec', spec: { fields: [{ 'source-id': 1, name: 'x', transform: 'identity' }, { 'source-id': 3, name: 'x', transform: 'identity' }] } }],
      'INVALID_REQUEST', /Duplicate/)
  })

  test('set-default-spec and remove-partition-specs', () => {
    rejects(table(), [{ action: 'set-default-spec', 'spec-id': 4 }], 'INVALID_REQUEST', /unknown spec id 4/)
    const two = apply(table(), [{ action: 'add-spec', spec: { fields: [] } }, { action: 'set-default-spec', 'spec-id': -1 }])
    assert.equal(two['default-spec-id'], 1)
    assert.equal(two['last-partition-id'], 1000)
    assert.deepEqual(apply(two, [{ action: 'remove-partition-specs', 'spec-ids': [0] }])['partition-specs'].map((s) => s['spec-id']), [1])
    rejects(two, [{ action: 'remove-partition-specs', 'spec-ids': [1] }], 'INVALID_REQUEST', /default partition spec/)
  })

  test('add-sort-order and set-default-sort-order', () => {
    const order = { 'order-id': 9, fields: [{ 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }] }
    const out = apply(table(), [{ action: 'add-sort-order', 'sort-order': order }, { action: 'set-default-sort-order', 'sort-order-id': -1 }])
    assert.equal(out['default-sort-order-id'], 1)
    assert.equal(out['sort-orders'].length, 2)
    const again = apply(out, [{ action: 'add-sort-order', 'sort-order': order }, { action: 'set-default-sort-order', 'sort-order-id': -1 }])
    assert.equal(again['sort-orders'].length, 2, 'identical order reused')
    rejects(table(), [{ action: 'set-default-sort-order', 'sort-order-id': 3 }], 'INVALID_REQUEST', /unknown order id 3/)
    rejects(table(), [{ action: 'add-sort-order', 'sort-order': { 'order-id': 1, fields: [{ ...order.fields[0], 'source-id': 77 }] } }], 'INVALID_REQUEST', /77/)
  })
})

describe('updatesApply: table-level updates', () => {
  test('assign-uuid accepts the same uuid and refuses to reassign', () => {
    assert.equal(apply(table(), [{ action: 'assign-uuid', uuid: UUID.toUpperCase() }])['table-uuid'], UUID.toUpperCase())
    rejects(table(), [{ action: 'assign-uuid', uuid: '00000000-0000-0000-0000-000000000000' }], 'INVALID_REQUEST', /reassign/)
    rejects(table(), [{ action: 'assign-uuid', uuid: 'nope' }], 'INVALID_REQUEST', /not a UUID/)
  })

  test('upgrade-format-version upgrades but never downgrades', () => {
    assert.equal(apply(table({ 'format-version': 1 }), [{ action: 'upgrade-format-version', 'format-version': 2 }])['format-version'], 2)
    rejects(table(), [{ action: 'upgrade-format-version', 'format-version': 1 }], 'INVALID_REQUEST', /downgrade/)
  })

  test('set-location strips trailing slashes and refuses empty', () => {
    assert.equal(apply(table(), [{ action: 'set-location', location: 's3://b/new/' }]).location, 's3://b/new')
    rejects(table(), [{ action: 'set-location', location: '/' }], 'INVALID_REQUEST')
  })

  test('set-properties and remove-properties', () => {
    const out = apply(table(), [{ action: 'set-properties', updates: { a: '1', owner: 'bo' } }, { action: 'remove-properties', removals: ['a', 'missing'] }])
    assert.deepEqual(out.properties, { owner: 'bo' })
  })

  test('statistics and partition statistics are set per snapshot and removed', () => {
    const stats = { 'snapshot-id': 100, 'statistics-path': 's3://b/a.puffin', 'file-size-in-bytes': 10, 'file-footer-size-in-bytes': 5,
      'blob-metadata': [{ type: 'apache-datasketches-theta-v1', 'snapshot-id': 100, 'sequence-number': 1, fields: [1] }] }
    const out = apply(table(), [{ action: 'set-statistics', 'snapshot-id': 100, statistics: stats },
      { action: 'set-statistics', statistics: { ...stats, 'statistics-path': 's3://b/b.puffin' } },
      { action: 'set-partition-statistics', 'partition-statistics': { 'snapshot-id': 100, 'statistics-path': 's3://b/p.parquet', 'file-size-in-bytes': 3 } }])
    assert.deepEqual(out.statistics?.map((s) => s['statistics-path']), ['s3://b/b.puffin'])
    assert.equal(out['partition-statistics']?.[0]?.['snapshot-id'], 100n)
    const cleared = apply(out, [{ action: 'remove-statistics', 'snapshot-id': 100 }, { action: 'remove-partition-statistics', 'snapshot-id': 100 }])
    assert.deepEqual(cleared.statistics, [])
    assert.deepEqual(cleared['partition-statistics'], [])
    rejects(table(), [{ action: 'set-statistics', 'snapshot-id': 5, statistics: stats }], 'INVALID_REQUEST', /does not match/)
  })

  test('metadata-log records the previous file, bounded by write.metadata.previous-versions-max', () => {
    let m = table({ properties: { 'write.metadata.previous-versions-max': '2' } })
    for (let i = 0; i < 4; i++) {
      m = updatesApply(m, [{ action: 'set-properties', updates: { n: String(i) } }], { nowMs: 2000 + i, metadataLocation: `s3://b/m/v${i}.json` })
    }
    assert.deepEqual(m['metadata-log'], [
      { 'metadata-file': 's3://b/m/v2.json', 'timestamp-ms': 2001 }, { 'metadata-file': 's3://b/m/v3.json', 'timestamp-ms': 2002 }])
  })

  test('a failing update in the middle leaves the input untouched and names the update', () => {
    const m = table()
    const before = structuredClone(m)
    assert.throws(() => apply(m, [{ action: 'set-properties', updates: { x: 'y' } }, { action: 'add-snapshot', snapshot: snapshot(200n, 100n, 2) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 200 }, { action: 'set-current-schema', 'schema-id': 9 }]),
    { code: 'INVALID_REQUEST', message: /updates\[3\]/ })
    assert.deepEqual(m, before)
  })

  test('a staged create applies onto the empty base and must end with a complete table', () => {
    const create = [
      { action: 'assign-uuid', uuid: UUID }, { action: 'upgrade-format-version', 'format-version': 2 },
      { action: 'add-schema', schema: { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }] } },
      { action: 'set-current-schema', 'schema-id': -1 }, { action: 'add-spec', spec: { fields: [] } }, { action: 'set-default-spec', 'spec-id': -1 },
      { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'set-location', location: 's3://b/wh/db/new' }, { action: 'set-properties', updates: { k: 'v' } },
    ]
    const out = apply(updatesEmptyBase(), create)
    assert.equal(out['table-uuid'], UUID)
    assert.equal(out['current-schema-id'], 0)
    assert.equal(out['default-spec-id'], 0)
    assert.equal(out['last-partition-id'], 999)
    assert.equal(out['default-sort-order-id'], 0)
    assert.equal(out['last-column-id'], 1)
    assert.throws(() => apply(updatesEmptyBase(), create.slice(0, 4)), { code: 'INVALID_REQUEST', message: /location/ })
  })
})
