import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  exprAnd, exprBind, exprEq, exprGt, exprGtEq, exprIn, exprIsNaN, exprIsNull, exprLt, exprNot, exprNotEq, exprNotIn, exprOr,
  exprRewriteNot, exprStartsWith, exprToString, exprTrue, type BoundExpr, type BoundTerm,
} from './expressions.js'
import type { Schema } from './spec.js'

const schema: Schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'Name', required: false, type: 'string' },
    { id: 4, name: 'price', required: false, type: 'double' },
    { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': false } },
    { id: 7, name: 'addr', required: false, type: { type: 'struct', fields: [{ id: 8, name: 'city', required: false, type: 'string' }] } },
    { id: 9, name: 'amount', required: false, type: 'decimal(10,2)' },
  ],
}

const bind = (e: Parameters<typeof exprBind>[0], caseSensitive = true): BoundExpr => exprBind(e, schema, { caseSensitive })

describe('exprBind', () => {
  test('resolves names and ids to field ids and coerces literals to the column type', () => {
    const b = bind(exprAnd(exprEq('id', 5), exprGt({ id: 2 }, '2024-01-15T10:00:00Z'), exprEq('amount', '14.20')))
    assert.equal(b.kind, 'and')
    const [id, ts, amount] = (b as Extract<BoundExpr, { kind: 'and' }>).args as unknown as Array<{ term: BoundTerm; value: unknown }>
    assert.deepEqual(id, { kind: 'pred', op: 'eq', term: { id: 1, name: 'id', type: 'long', repeated: false }, value: 5n })
    assert.equal(ts!.term.name, 'ts')
    assert.equal(ts!.value, 1705312800000000n)
    assert.equal(amount!.value, 1420n)
  })

  test('nested struct fields bind by dotted name; list elements are marked repeated', () => {
    const city = bind(exprEq('addr.city', 'Lyon')) as Extract<BoundExpr, { kind: 'pred' }>
    assert.deepEqual(city.term, { id: 8, name: 'addr.city', type: 'string', repeated: false })
    const tag = bind(exprEq('tags.element', 'x')) as Extract<BoundExpr, { kind: 'pred' }>
    assert.equal(tag.term.repeated, true)
    const addrNull = bind(exprIsNull('addr')) as Extract<BoundExpr, { kind: 'pred' }>
    assert.equal(addrNull.term.type, 'struct')
  })

  test('case-insensitive binding finds differently cased names; case-sensitive does not', () => {
    const b = bind(exprEq('name', 'x'), false) as Extract<BoundExpr, { kind: 'pred' }>
    assert.equal(b.term.id, 3)
    assert.throws(() => bind(exprEq('name', 'x')), { code: 'COLUMN_NOT_FOUND', message: /'name'/ })
  })

  test('unknown columns fail with COLUMN_NOT_FOUND, by name or by id', () => {
    assert.throws(() => bind(exprOr(exprEq('id', 1), exprEq('nope', 1))), { code: 'COLUMN_NOT_FOUND', message: /nope/ })
    assert.throws(() => bind(exprIsNull({ id: 99 })), { code: 'COLUMN_NOT_FOUND', message: /99/ })
  })

  test('impossible literals and misplaced predicates fail with INVALID_ARGUMENT', () => {
    assert.throws(() => bind(exprEq('id', 'abc')), { code: 'INVALID_ARGUMENT', message: /'id'.*'abc'/ })
    assert.throws(() => bind(exprEq('id', 1.5)), { code: 'INVALID_ARGUMENT' })
    assert.throws(() => bind(exprEq('id', null)), { code: 'INVALID_ARGUMENT', message: /isNull/ })
    assert.throws(() => bind(exprStartsWith('id', '1')), { code: 'INVALID_ARGUMENT', message: /string/ })
    assert.throws(() => bind(exprIsNaN('id')), { code: 'INVALID_ARGUMENT', message: /float and double/ })
    assert.throws(() => bind(exprEq('addr', 1)), { code: 'INVALID_ARGUMENT', message: /primitive/ })
    assert.throws(() => bind(exprLt('price', Number.NaN)), { code: 'INVALID_ARGUMENT', message: /NaN/ })
  })

  test('x = NaN binds as isNaN, x != NaN as notNaN', () => {
    assert.equal(exprToString(bind(exprEq('price', Number.NaN))), 'price isNaN')
    assert.equal(exprToString(bind(exprNotEq('price', 'NaN'))), 'price notNaN')
  })

  test('in-lists are coerced and deduplicated; empty and single-value lists simplify', () => {
    assert.equal(exprToString(bind(exprIn('id', [3, '3', 4n]))), 'id in (3, 4)')
    assert.equal(exprToString(bind(exprIn('id', ['7']))), 'id eq 7')
    assert.equal(exprToString(bind(exprNotIn('id', [7]))), 'id notEq 7')
    assert.deepEqual(bind(exprIn('id', [])), { kind: 'false' })
    assert.deepEqual(bind(exprNotIn('id', [])), { kind: 'true' })
    assert.deepEqual(bind(exprAnd(exprIn('id', []), exprEq('id', 1))), { kind: 'false' })
  })
})

describe('exprRewriteNot', () => {
  test('pushes NOT through and/or with De Morgan and negates predicates', () => {
    const e = exprNot(exprAnd(exprLt('id', 5), exprOr(exprIsNull('Name'), exprStartsWith('Name', 'a'))))
    assert.equal(exprToString(exprRewriteNot(e)), '(id gtEq 5 or (Name notNull and Name notStartsWith \'a\'))')
  })

  test('double negation cancels and constants fold', () => {
    assert.equal(exprToString(exprRewriteNot(exprNot(exprNot(exprGtEq('id', 1))))), 'id gtEq 1')
    assert.deepEqual(exprRewriteNot(exprNot(exprTrue())), { kind: 'false' })
    assert.equal(exprToString(exprRewriteNot(exprNot(exprIn('id', [1, 2])))), 'id notIn (1, 2)')
  })

  test('works on bound expressions too', () => {
    const b = exprRewriteNot(bind(exprNot(exprEq('id', 5))))
    assert.deepEqual(b, { kind: 'pred', op: 'notEq', term: { id: 1, name: 'id', type: 'long', repeated: false }, value: 5n })
  })
})
