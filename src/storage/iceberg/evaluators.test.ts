import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  exprAnd, exprBind, exprEq, exprGt, exprGtEq, exprIn, exprIsNaN, exprIsNull, exprLt, exprLtEq, exprNot, exprNotEq, exprNotIn,
  exprNotNaN, exprNotNull, exprNotStartsWith, exprOr, exprStartsWith, exprToString, type Expr,
} from './expressions.js'
import { manifestEvaluator, metricsEvaluator, partitionEvaluator, partitionProjection, residualFor } from './evaluators.js'
import { transformApply } from './transforms.js'
import { valueCoerce, valueToBytes } from './values.js'
import type { DataFile, FieldSummary, ManifestFile, PartitionSpec, PartitionValues, Schema, StructType } from './spec.js'

const schema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'name', required: false, type: 'string' },
    { id: 4, name: 'price', required: false, type: 'double' },
    { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': false } },
    { id: 7, name: 'cat', required: false, type: 'string' },
    { id: 8, name: 'n', required: false, type: 'int' },
  ],
}

const spec: PartitionSpec = {
  'spec-id': 0, fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
    { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[16]' },
    { 'source-id': 3, 'field-id': 1002, name: 'name_trunc', transform: 'truncate[3]' },
    { 'source-id': 7, 'field-id': 1003, name: 'cat', transform: 'identity' },
    { 'source-id': 8, 'field-id': 1004, name: 'n_void', transform: 'void' },
  ],
}

const partitionType: StructType = {
  type: 'struct', fields: [
    { id: 1000, name: 'ts_day', required: false, type: 'date' },
    { id: 1001, name: 'id_bucket', required: false, type: 'int' },
    { id: 1002, name: 'name_trunc', required: false, type: 'string' },
    { id: 1003, name: 'cat', required: false, type: 'string' },
    { id: 1004, name: 'n_void', required: false, type: 'int' },
  ],
}

const day = (iso: string): number => valueCoerce('date', iso) as number
const bucket = (id: bigint): number => transformApply('bucket[16]', 'long', id) as number
const bind = (e: Expr) => exprBind(e, schema)

// ---------------------------------------------------------------- partition projection + partition tuples

const partition = (over: Partial<Record<string, unknown>> = {}): PartitionValues =>
  ({ ts_day: day('2024-01-15'), id_bucket: bucket(34n), name_trunc: 'abc', cat: 'books', n_void: null, ...over })

const keeps = (e: Expr, p: PartitionValues = partition()): boolean =>
  partitionEvaluator(partitionProjection(bind(e), spec, schema), partitionType)(p)

describe('partitionProjection + partitionEvaluator', () => {
  test('day(ts) prunes partitions outside a timestamp range', () => {
    assert.equal(keeps(exprGtEq('ts', '2024-01-20T00:00:00Z')), false)
    assert.equal(keeps(exprLt('ts', '2024-01-15T00:00:00Z')), false, 'x < midnight of the 15th cannot be in day 15')
    assert.equal(keeps(exprLtEq('ts', '2024-01-15T00:00:00Z')), true)
    assert.equal(keeps(exprGt('ts', '2024-01-15T23:59:59.999999Z')), false, 'x > the last microsecond of the 15th is on the 16th')
    assert.equal(keeps(exprAnd(exprGtEq('ts', '2024-01-10T00:00:00Z'), exprLt('ts', '2024-01-16T00:00:00Z'))), true)
    assert.equal(keeps(exprEq('ts', '2024-01-15T08:30:00Z')), true)
    assert.equal(keeps(exprEq('ts', '2024-01-16T08:30:00Z')), false)
  })

  test('the projection of a range on day(ts) is an inclusive range on ts_day', () => {
    const projected = partitionProjection(bind(exprLt('ts', '2024-01-15T00:00:00Z')), spec, schema)
    assert.equal(exprToString(projected), `ts_day ltEq ${day('2024-01-14')}`)
  })

  test('bucket(id) prunes equality and in-lists, but not ranges', () => {
    assert.equal(keeps(exprEq('id', 34)), true)
    const other = [35n, 36n, 37n, 38n].find((v) => bucket(v) !== bucket(34n))!
    assert.equal(keeps(exprEq('id', other)), false)
    assert.equal(keeps(exprIn('id', [other, 34n])), true)
    assert.equal(keeps(exprIn('id', [other, other + 1000n].filter((v) => bucket(v) !== bucket(34n)).concat(other))), false)
    assert.equal(keeps(exprGt('id', 1_000_000)), true)
    assert.equal(keeps(exprNotEq('id', 34)), true, 'notEq cannot be projected onto a bucket')
  })

  test('truncate(name) prunes equality, ranges and prefixes', () => {
    assert.equal(keeps(exprEq('name', 'abcdef')), true)
    assert.equal(keeps(exprEq('name', 'abdxyz')), false)
    assert.equal(keeps(exprStartsWith('name', 'abx')), false)
    assert.equal(keeps(exprStartsWith('name', 'ab')), true)
    assert.equal(keeps(exprStartsWith('name', 'abcz')), true)
    assert.equal(keeps(exprGt('name', 'abd')), false)
    assert.equal(keeps(exprLt('name', 'abb')), false)
    assert.equal(keeps(exprNotStartsWith('name', 'ab')), false, 'every name in partition abc starts with ab')
    assert.equal(keeps(exprNotStartsWith('name', 'abcd')), true, 'a prefix longer than the width cannot be decided')
  })

  test('identity(cat) projects every predicate, including negations and null tests', () => {
    assert.equal(keeps(exprNotEq('cat', 'books')), false)
    assert.equal(keeps(exprNot(exprEq('cat', 'books'))), false, 'NOT is pushed down before projecting')
    assert.equal(keeps(exprNotIn('cat', ['books', 'toys'])), false)
    assert.equal(keeps(exprIn('cat', ['books', 'toys'])), true)
    assert.equal(keeps(exprIsNull('cat')), false)
    assert.equal(keeps(exprIsNull('cat'), partition({ cat: null })), true)
    assert.equal(keeps(exprEq('cat', 'books'), partition({ cat: null })), false)
  })

  test('void transforms and unpartitioned columns never prune; or keeps if either side might match', () => {
    assert.equal(keeps(exprEq('n', 5)), true)
    assert.equal(keeps(exprEq('price', 5)), true)
    assert.equal(keeps(exprOr(exprEq('cat', 'toys'), exprEq('id', 34))), true)
    assert.equal(keeps(exprOr(exprEq('cat', 'toys'), exprGtEq('ts', '2025-01-01T00:00:00Z'))), false)
    assert.equal(exprToString(partitionProjection(bind(exprEq('n', 5)), spec, schema)), 'true')
  })
})

// ---------------------------------------------------------------- manifest summaries

function summary(type: string, lower: unknown, upper: unknown, containsNull = false, containsNan: boolean | null = null): FieldSummary {
  return {
    contains_null: containsNull, contains_nan: containsNan,
    lower_bound: lower === null ? null : valueToBytes(type, lower), upper_bound: upper === null ? null : valueToBytes(type, upper),
  }
}

function manifest(partitions: FieldSummary[] | null): ManifestFile {
  return {
    manifest_path: 's3://b/m.avro', manifest_length: 100, partition_spec_id: 0, content: 0, sequence_number: 1, min_sequence_number: 1,
    added_snapshot_id: 1n, added_files_count: 1, existing_files_count: 0, deleted_files_count: 0, added_rows_count: 10,
    existing_rows_count: 0, deleted_rows_count: 0, partitions,
  }
}

const januaryManifest = manifest([
  summary('date', day('2024-01-01'), day('2024-01-31')),
  summary('int', 2, 9),
  summary('string', 'abc', 'abf'),
  summary('string', null, null, true),
  { contains_null: true, lower_bound: null, upper_bound: null },
])

const mightContain = (e: Expr, m: ManifestFile = januaryManifest): boolean =>
  manifestEvaluator(partitionProjection(bind(e), spec, schema), spec, schema)(m)

describe('manifestEvaluator', () => {
  test('prunes manifests whose partition range misses the filter', () => {
    assert.equal(mightContain(exprGtEq('ts', '2024-02-01T00:00:00Z')), false)
    assert.equal(mightContain(exprLt('ts', '2024-01-01T00:00:00Z')), false)
    assert.equal(mightContain(exprEq('ts', '2024-01-20T12:00:00Z')), true)
    assert.equal(mightContain(exprAnd(exprGtEq('ts', '2023-12-01T00:00:00Z'), exprLt('ts', '2024-01-02T00:00:00Z'))), true)
  })

  test('truncated string summaries prune prefixes and values outside their bounds', () => {
    assert.equal(mightContain(exprStartsWith('name', 'abd')), true)
    assert.equal(mightContain(exprStartsWith('name', 'abz')), false)
    assert.equal(mightContain(exprStartsWith('name', 'aa')), false)
    assert.equal(mightContain(exprEq('name', 'abezzz')), true)
    assert.equal(mightContain(exprNotStartsWith('name', 'ab')), false, 'both bounds start with ab and there are no nulls')
    assert.equal(mightContain(exprNotStartsWith('name', 'abc')), true)
  })

  test('null-only fields: isNull might match, comparisons and notNull cannot', () => {
    assert.equal(mightContain(exprIsNull('cat')), true)
    assert.equal(mightContain(exprNotNull('cat')), false)
    assert.equal(mightContain(exprEq('cat', 'books')), false)
    assert.equal(mightContain(exprIsNull('ts')), false, 'contains_null is false for ts_day')
  })

  test('bucket summaries prune equality outside the bucket range', () => {
    const inside = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n].find((v) => bucket(v) >= 2 && bucket(v) <= 9)!
    const outside = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n].find((v) => bucket(v) < 2 || bucket(v) > 9)!
    assert.equal(mightContain(exprEq('id', inside)), true)
    assert.equal(mightContain(exprEq('id', outside)), false)
  })

  test('manifests without summaries and fields without bounds always might match', () => {
    assert.equal(mightContain(exprEq('cat', 'x'), manifest(null)), true)
    assert.equal(mightContain(exprEq('id', 1), manifest([
      summary('date', null, null), { contains_null: false }, summary('string', null, null), summary('string', null, null), { contains_null: false }])), true)
  })
})

// ---------------------------------------------------------------- file metrics

const enc = (type: string, v: unknown): Uint8Array => valueToBytes(type, valueCoerce(type, v))

function dataFile(over: Partial<DataFile> = {}): DataFile {
  return {
    content: 0, file_path: 's3://b/data/f.parquet', file_format: 'PARQUET', partition: {}, record_count: 10, file_size_in_bytes: 1000,
    value_counts: new Map([[1, 10], [3, 10], [4, 10], [6, 30], [7, 10]]),
    null_value_counts: new Map([[1, 0], [3, 2], [4, 0], [6, 0], [7, 10]]),
    nan_value_counts: new Map([[4, 0]]),
    lower_bounds: new Map([[1, enc('long', 10)], [3, enc('string', 'abc')], [4, enc('double', -1.5)], [6, enc('string', 'a')]]),
    upper_bounds: new Map([[1, enc('long', 20)], [3, enc('string', 'abd')], [4, enc('double', 0)], [6, enc('string', 'z')]]),
    ...over,
  }
}

const fileMightMatch = (e: Expr, f: DataFile = dataFile()): boolean => metricsEvaluator(bind(e), schema)(f)

describe('metricsEvaluator', () => {
  test('id bounds 10..20: pruned for id = 5, kept for id = 15', () => {
    assert.equal(fileMightMatch(exprEq('id', 5)), false)
    assert.equal(fileMightMatch(exprEq('id', 15)), true)
    assert.equal(fileMightMatch(exprEq('id', 21)), false)
    assert.equal(fileMightMatch(exprLt('id', 10)), false)
    assert.equal(fileMightMatch(exprLtEq('id', 10)), true)
    assert.equal(fileMightMatch(exprGt('id', 20)), false)
    assert.equal(fileMightMatch(exprGtEq('id', 20)), true)
    assert.equal(fileMightMatch(exprNotEq('id', 15)), true)
  })

  test('in-lists keep the file when any value may be inside the bounds', () => {
    assert.equal(fileMightMatch(exprIn('id', [1, 2, 30])), false)
    assert.equal(fileMightMatch(exprIn('id', [1, 15, 30])), true)
    assert.equal(fileMightMatch(exprNotIn('id', [10, 11, 12])), true)
  })

  test('NOT is pushed through before pruning', () => {
    assert.equal(fileMightMatch(exprNot(exprLt('id', 30))), false, 'not(id < 30) is id >= 30, above the upper bound 20')
    assert.equal(fileMightMatch(exprNot(exprAnd(exprGtEq('id', 10), exprLtEq('id', 20)))), false)
    assert.equal(fileMightMatch(exprNot(exprEq('id', 5))), true)
  })

  test('string bounds may be truncated, so they are inclusive limits', () => {
    assert.equal(fileMightMatch(exprEq('name', 'abcxyz')), true, 'abc is a truncated lower bound')
    assert.equal(fileMightMatch(exprEq('name', 'abczzzz')), true, 'abd is a rounded-up upper bound')
    assert.equal(fileMightMatch(exprEq('name', 'abb')), false)
    assert.equal(fileMightMatch(exprEq('name', 'abda')), false)
    assert.equal(fileMightMatch(exprStartsWith('name', 'abc')), true)
    assert.equal(fileMightMatch(exprStartsWith('name', 'ab')), true)
    assert.equal(fileMightMatch(exprStartsWith('name', 'abe')), false)
    assert.equal(fileMightMatch(exprStartsWith('name', 'aa')), false)
    assert.equal(fileMightMatch(exprNotStartsWith('name', 'ab')), true, 'the column has nulls, which do not start with ab')
    const noNulls = dataFile({ null_value_counts: new Map([[3, 0]]) })
    assert.equal(fileMightMatch(exprNotStartsWith('name', 'ab'), noNulls), false)
    assert.equal(fileMightMatch(exprNotStartsWith('name', 'abc'), noNulls), true)
  })

  test('a column whose every value is null: isNull might match, eq and notNull cannot', () => {
    assert.equal(fileMightMatch(exprIsNull('cat')), true)
    assert.equal(fileMightMatch(exprEq('cat', 'books')), false)
    assert.equal(fileMightMatch(exprNotNull('cat')), false)
    assert.equal(fileMightMatch(exprIsNull('id')), false, 'id has no nulls')
    assert.equal(fileMightMatch(exprNotNull('name')), true)
  })

  test('NaN counts and float bounds', () => {
    assert.equal(fileMightMatch(exprIsNaN('price')), false)
    assert.equal(fileMightMatch(exprNotNaN('price')), true)
    assert.equal(fileMightMatch(exprGt('price', 0)), false)
    assert.equal(fileMightMatch(exprEq('price', -0)), true)
    assert.equal(fileMightMatch(exprEq('price', 0)), true, '+0 matches a -0/0 upper bound')
    const allNaN = dataFile({ nan_value_counts: new Map([[4, 10]]), lower_bounds: new Map(), upper_bounds: new Map() })
    assert.equal(fileMightMatch(exprIsNaN('price'), allNaN), true)
    assert.equal(fileMightMatch(exprNotNaN('price'), allNaN), false)
    assert.equal(fileMightMatch(exprLt('price', 100), allNaN), false)
    const nanBound = dataFile({ nan_value_counts: null, lower_bounds: new Map([[4, enc('double', Number.NaN)]]) })
    assert.equal(fileMightMatch(exprLt('price', -100), nanBound), true, 'a NaN lower bound says nothing')
  })

  test('missing stats, empty files and repeated columns', () => {
    const bare = dataFile({ value_counts: null, null_value_counts: null, nan_value_counts: null, lower_bounds: null, upper_bounds: null })
    for (const e of [exprEq('id', 5), exprIsNull('id'), exprNotNull('cat'), exprIsNaN('price'), exprStartsWith('name', 'zz')]) {
      assert.equal(fileMightMatch(e, bare), true, exprToString(e))
    }
    assert.equal(fileMightMatch(exprEq('id', 15), dataFile({ record_count: 0 })), false)
    assert.equal(fileMightMatch(exprIsNull('tags.element')), true, 'element null counts do not describe rows')
    assert.equal(fileMightMatch(exprEq('tags.element', 'zzz')), true)
    assert.equal(fileMightMatch(exprIsNull('tags')), true)
  })

  test('or keeps the file if either side might match', () => {
    assert.equal(fileMightMatch(exprOr(exprEq('id', 5), exprEq('name', 'abcq'))), true)
    assert.equal(fileMightMatch(exprOr(exprEq('id', 5), exprEq('name', 'zzz'))), false)
  })
})

describe('residualFor', () => {
  const residual = (e: Expr, p: PartitionValues = partition()): string => exprToString(residualFor(bind(e), spec, p))

  test('identity partitions decide their predicates; the rest stays to be checked on rows', () => {
    assert.equal(residual(exprAnd(exprEq('cat', 'books'), exprGt('price', 5))), 'price gt 5')
    assert.equal(residual(exprAnd(exprEq('cat', 'toys'), exprGt('price', 5))), 'false')
    assert.equal(residual(exprOr(exprEq('cat', 'books'), exprGt('price', 5))), 'true')
    assert.equal(residual(exprNot(exprEq('cat', 'books'))), 'false')
  })

  test('other transforms can only rule predicates out', () => {
    assert.equal(residual(exprGtEq('ts', '2024-01-20T00:00:00Z')), 'false')
    assert.equal(residual(exprGtEq('ts', '2024-01-15T12:00:00Z')), `ts gtEq ${valueCoerce('timestamptz', '2024-01-15T12:00:00Z')}`)
    assert.equal(residual(exprEq('name', 'abd')), 'false')
    assert.equal(residual(exprEq('name', 'abcd')), "name eq 'abcd'")
  })
})
