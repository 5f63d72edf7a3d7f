import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AkkoError } from '../../core/index.js'
import { SqlReader, sqlHead } from './iceberg-sql-reader.js'
import { fieldIdsFrom, icebergToTrinoType, trinoTypeParse } from './iceberg-types.js'
import { partitionFieldParse } from './iceberg-properties.js'
import { durationParse, sizeParse } from './iceberg-procedures.js'
import { icebergDdlHandler } from './iceberg-ddl.js'
import { icebergDmlHandler } from './iceberg-dml.js'

describe('Iceberg statement parsing', () => {
  test('handlers claim their statements by leading keywords, ignoring comments and case', () => {
    assert.equal(icebergDdlHandler.matches('', '/* c */ create table t (a bigint)'), true)
    assert.equal(icebergDdlHandler.matches('', 'CREATE OR REPLACE VIEW v AS SELECT 1'), true)
    assert.equal(icebergDdlHandler.matches('', 'comment on table t is \'x\''), true)
    assert.equal(icebergDdlHandler.matches('', 'SELECT 1'), false)
    assert.equal(icebergDmlHandler.matches('', '-- hi\nmerge into t using s on true when matched then delete'), true)
    assert.equal(icebergDmlHandler.matches('', 'DELETE FROM t'), true)
    assert.equal(icebergDmlHandler.matches('', 'INSERT OVERWRITE t'), false)
    assert.deepEqual(sqlHead(' update "t" set a = 1'), ['UPDATE'])
  })

  test('the reader keeps quoted names, folds unquoted ones, and slices expressions at depth 0', () => {
    const r = new SqlReader(`UPDATE "My"."T" SET a = f(1, 2), "B" = 'x,y' WHERE c = (SELECT 1 WHERE true);`)
    r.expectKw('UPDATE')
    assert.deepEqual(r.qualifiedName(), ['My', 'T'])
    r.expectKw('SET')
    assert.equal(r.ident(), 'a')
    r.expectPunct('=')
    assert.equal(r.skipUntil([[','], ['WHERE']]), 'f(1, 2)')
    r.expectPunct(',')
    assert.equal(r.ident(), 'B')
    r.expectPunct('=')
    assert.equal(r.skipUntil([[','], ['WHERE']]), "'x,y'")
    r.expectKw('WHERE')
    assert.equal(r.rest(), 'c = (SELECT 1 WHERE true)')
  })

  test('stacked statements and unterminated quotes are syntax errors with a location', () => {
    assert.throws(() => new SqlReader('DROP TABLE a; DROP TABLE b'), (e: unknown) => e instanceof AkkoError && e.code === 'SYNTAX_ERROR' && e.details.line === 1 && e.details.column === 15)
    assert.throws(() => new SqlReader("INSERT INTO t VALUES ('x)"), (e: unknown) => e instanceof AkkoError && e.code === 'SYNTAX_ERROR')
  })

  test('Trino types map to Iceberg types and back', () => {
    const ids = fieldIdsFrom(1)
    assert.equal(trinoTypeParse('bigint', ids), 'long')
    assert.equal(trinoTypeParse('decimal(12,2)', ids), 'decimal(12, 2)')
    assert.equal(trinoTypeParse('timestamp(6) with time zone', ids), 'timestamptz')
    assert.equal(trinoTypeParse('varchar(20)', ids), 'string')
    const nested = trinoTypeParse('map(varchar, array(row(a integer, b double)))', ids)
    assert.equal(icebergToTrinoType(nested), 'map(varchar, array(row(a integer, b double)))')
    assert.throws(() => trinoTypeParse('timestamp(3)', ids), (e: unknown) => e instanceof AkkoError && e.code === 'NOT_SUPPORTED')
    assert.throws(() => trinoTypeParse('json', ids), (e: unknown) => e instanceof AkkoError && e.code === 'NOT_SUPPORTED')
  })

  test('partitioning entries, durations and sizes parse as Trino writes them', () => {
    assert.deepEqual(partitionFieldParse('bucket(id, 16)'), { column: 'id', transform: 'bucket[16]', name: 'id_bucket' })
    assert.deepEqual(partitionFieldParse('truncate(s, 4)'), { column: 's', transform: 'truncate[4]', name: 's_trunc' })
    assert.deepEqual(partitionFieldParse('day(ts)'), { column: 'ts', transform: 'day', name: 'ts_day' })
    assert.deepEqual(partitionFieldParse('"Region"'), { column: 'Region', transform: 'identity', name: 'Region' })
    assert.throws(() => partitionFieldParse('week(ts)'), (e: unknown) => e instanceof AkkoError && e.code === 'INVALID_ARGUMENT')
    assert.equal(durationParse('7d'), 7 * 24 * 3600 * 1000)
    assert.equal(durationParse('1.5h'), 5_400_000)
    assert.equal(sizeParse('128MB'), 128 * 1024 * 1024)
    assert.throws(() => sizeParse('lots'), (e: unknown) => e instanceof AkkoError && e.code === 'INVALID_ARGUMENT')
  })
})
