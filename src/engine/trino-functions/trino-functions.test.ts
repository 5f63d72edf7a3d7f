import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { TRINO_FUNCTION_MACROS, TRINO_FUNCTION_RENAMES, trinoFunctionSupported, trinoMacroName } from './index.js'

// Expected values are Trino's (its documentation's examples where it gives one), so a macro drifting from
// Trino's semantics fails here. Queries are written with Trino's names and renamed the way the engine's
// rewriter does (textually here, which is enough for these literal-only queries).
let instance: DuckDBInstance
let conn: DuckDBConnection

before(async () => {
  instance = await DuckDBInstance.create(':memory:')
  conn = await instance.connect()
  for (const m of TRINO_FUNCTION_MACROS) await conn.run(m)
})
after(() => {
  conn.closeSync()
  instance.closeSync()
})

function toDuck(sql: string): string {
  return sql.replace(/(?<![\w.])([a-z_][a-z0-9_]*)\s*\(/gi, (all, name: string) => {
    const target = TRINO_FUNCTION_RENAMES[name.toLowerCase()]
    return target ? `${target}(` : all
  })
}

/** The single value of a one-row, one-column Trino query, as DuckDB's JSON rendering of it. */
async function value(sql: string): Promise<unknown> {
  const r = await conn.runAndReadAll(toDuck(sql))
  const rows = r.getRowsJson()
  assert.equal(rows.length, 1)
  return rows[0]![0]
}

async function check(sql: string, expected: unknown): Promise<void> {
  assert.deepEqual(await value(sql), expected, sql)
}

describe('date and time', () => {
  test('date_add adds units and keeps dates as dates', async () => {
    await check("SELECT date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00')", '2020-03-01 00:01:26')
    await check("SELECT date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00')", '2020-03-01 09:00:00')
    await check("SELECT date_add('day', 1, DATE '2020-02-28')", '2020-02-29')
    await check("SELECT date_add('month', 1, DATE '2020-01-31')", '2020-02-29')
    await check("SELECT date_add('quarter', 1, DATE '2020-01-15')", '2020-04-15')
    await check("SELECT CAST(date_add('day', -1, TIMESTAMP '2020-03-01 00:00:00 UTC') AS VARCHAR)", '2020-02-29 00:00:00')
  })

  test('date_add refuses an unknown unit', async () => {
    await assert.rejects(value("SELECT date_add('fortnight', 1, DATE '2020-01-01')"), /Unsupported unit fortnight/)
  })

  test('date_diff counts whole units elapsed', async () => {
    await check("SELECT date_diff('second', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00')", '86400')
    await check("SELECT date_diff('day', DATE '2020-03-01', DATE '2020-03-02')", '1')
    await check(
      "SELECT date_diff('millisecond', TIMESTAMP '2020-06-01 12:30:45.000000', TIMESTAMP '2020-06-02 12:30:45.123456')",
      '86400123',
    )
    // 2 hours apart across midnight: no whole day (DuckDB's own date_diff says 1)
    await check("SELECT date_diff('day', TIMESTAMP '2020-01-01 23:00:00', TIMESTAMP '2020-01-02 01:00:00')", '0')
    await check("SELECT date_diff('month', DATE '2020-01-31', DATE '2020-02-28')", '0')
    await check("SELECT date_diff('year', DATE '2020-05-01', DATE '2018-06-01')", '-1')
  })

  test('date_trunc on a date is a date', async () => {
    await check("SELECT date_trunc('month', DATE '2001-08-22')", '2001-08-01')
    await check("SELECT date_trunc('hour', TIMESTAMP '2001-08-22 03:04:05.321')", '2001-08-22 03:00:00')
  })

  test('unix time conversions', async () => {
    await check("SELECT CAST(from_unixtime(0) AS VARCHAR)", '1970-01-01 00:00:00+00')
    await check('SELECT CAST(from_unixtime(1.5) AS VARCHAR)', '1970-01-01 00:00:01.5+00')
    await check("SELECT to_unixtime(TIMESTAMP '1970-01-01 00:01:00 UTC')", 60)
  })

  test('format_datetime translates Joda patterns', async () => {
    await check(
      "SELECT format_datetime(TIMESTAMP '2021-06-15 13:04:05.123', 'yyyy-MM-dd''T''HH:mm:ss.SSS')",
      '2021-06-15T13:04:05.123',
    )
    await check("SELECT format_datetime(TIMESTAMP '2021-06-05 13:04:05', 'EEE, d MMM yyyy h a')", 'Sat, 5 Jun 2021 1 PM')
    await check("SELECT format_datetime(TIMESTAMP '2021-06-05 13:04:05', 'EEEE MMMM yy')", 'Saturday June 21')
    await check("SELECT format_datetime(TIMESTAMP '2021-06-05 13:04:05', '100% dd')", '100% 05')
  })

  test('date_format translates MySQL patterns', async () => {
    await check("SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')", '10-20-2022 05')
    await check("SELECT date_format(TIMESTAMP '2022-10-20 05:10:07', '%Y-%m-%d %T %i %M %W %%')", '2022-10-20 05:10:07 10 October Thursday %')
    await check("SELECT date_format(TIMESTAMP '2022-10-20 15:10:07', '%h:%i %p %e/%c')", '03:10 PM 20/10')
  })

  test('time zones: at_timezone gives the wall clock there, with_timezone reads one', async () => {
    await check("SELECT CAST(at_timezone(TIMESTAMP '2012-10-31 01:00:00 UTC', 'America/Los_Angeles') AS VARCHAR)", '2012-10-30 18:00:00')
    await check("SELECT CAST(with_timezone(TIMESTAMP '2001-08-22 03:04:05', 'America/Los_Angeles') AS VARCHAR)", '2001-08-22 10:04:05+00')
  })

  test('field extraction follows Trino (ISO weeks, Monday = 1, millisecond within the second)', async () => {
    await check("SELECT day_of_week(DATE '2024-01-07')", '7')
    await check("SELECT dow(DATE '2024-01-08')", '1')
    await check("SELECT day_of_year(DATE '2024-03-01')", '61')
    await check("SELECT week_of_year(DATE '2024-12-30')", '1')
    await check("SELECT year_of_week(DATE '2024-12-30')", '2025')
    await check("SELECT millisecond(TIMESTAMP '2020-01-01 00:00:05.123')", '123')
    await check("SELECT last_day_of_month(DATE '2024-02-10')", '2024-02-29')
    await check("SELECT to_iso8601(DATE '2024-02-10')", '2024-02-10')
    await check("SELECT CAST(from_iso8601_date('2024-02-10') AS VARCHAR)", '2024-02-10')
  })
})

describe('strings and regular expressions', () => {
  test('regexp functions', async () => {
    await check("SELECT regexp_like('1a 2b 14m', '\\d+b')", true)
    await check("SELECT regexp_extract('1a 2b 14m', '\\d+')", '1')
    await check("SELECT regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)", 'a')
    await check("SELECT regexp_extract('abc', '\\d+')", null)
    await check("SELECT regexp_replace('1a 2b 14m', '\\d+[ab] ')", '14m')
    await check("SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')", '3ca 3cb 14m')
    await check("SELECT regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')", '3')
    await check("SELECT regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')", ['1', '2', '14', ''])
  })

  test('split_part is 1-based and NULL past the last field', async () => {
    await check("SELECT split_part('a,b,c', ',', 2)", 'b')
    await check("SELECT split_part('a,,c', ',', 2)", '')
    await check("SELECT split_part('a,b,c', ',', 4)", null)
    await assert.rejects(value("SELECT split_part('a,b,c', ',', 0)"), /Index must be greater than zero/)
    await check("SELECT split('a.b.c', '.')", ['a', 'b', 'c'])
  })

  test('concat is NULL when an argument is NULL; replace with two arguments removes', async () => {
    await check("SELECT concat('a', 'b', 'c')", 'abc')
    await check("SELECT concat('a', CAST(NULL AS VARCHAR))", null)
    await check('SELECT concat(ARRAY[1], ARRAY[2, 3])', [1, 2, 3])
    await check("SELECT replace('banana', 'a')", 'bnn')
    await check("SELECT replace('banana', 'a', 'o')", 'bonono')
  })

  test('renamed string functions', async () => {
    await check("SELECT codepoint('A')", 65)
    await check("SELECT levenshtein_distance('kitten', 'sitting')", '3')
    await check("SELECT hamming_distance('abcde', 'abXdY')", '2')
    await check("SELECT from_utf8(to_utf8('héllo'))", 'héllo')
  })
})

describe('JSON', () => {
  test('json_extract_scalar is NULL for objects and arrays', async () => {
    await check(`SELECT json_extract_scalar('{"a":{"b":1}}', '$.a')`, null)
    await check(`SELECT json_extract_scalar('{"a":{"b":1}}', '$.a.b')`, '1')
    await check(`SELECT json_extract_scalar('[1, 2, 3]', '$[2]')`, '3')
    await check(`SELECT json_extract_scalar('{"s":"x y"}', '$.s')`, 'x y')
  })

  test('json_parse, json_format, json_array_length, json_array_get, json_size', async () => {
    await check(`SELECT json_format(json_parse('[1, 2, 3]'))`, '[1,2,3]')
    await check(`SELECT json_array_length('[1, 2, 3]')`, '3')
    await check(`SELECT CAST(json_array_get('["a", [3, 9], "c"]', 1) AS VARCHAR)`, '[3,9]')
    await check(`SELECT json_size('{"x": {"a": 1, "b": 2}}', '$.x')`, '2')
    await check(`SELECT json_size('{"x": [1, 2, 3]}', '$.x')`, '3')
    await check(`SELECT json_size('{"x": 1}', '$.x')`, '0')
  })
})

describe('arrays and maps', () => {
  test('cardinality, contains, element_at', async () => {
    await check('SELECT cardinality(ARRAY[1, 2, 3])', '3')
    await check('SELECT contains(ARRAY[1, 2], 2)', true)
    await check('SELECT element_at(ARRAY[1, 2, 3], -1)', 3)
    await check('SELECT element_at(ARRAY[1, 2, 3], 5)', null)
    await check("SELECT element_at(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), 'b')", 2)
    await check("SELECT element_at(MAP(ARRAY['a'], ARRAY[1]), 'z')", null)
  })

  test('array_join, sequence, array_distinct, array_position, array_remove, slice', async () => {
    await check("SELECT array_join(ARRAY[1, NULL, 2], ',')", '1,2')
    await check("SELECT array_join(ARRAY[1, NULL, 2], ',', 'N')", '1,N,2')
    await check('SELECT sequence(1, 5)', ['1', '2', '3', '4', '5'])
    await check('SELECT sequence(1, 9, 4)', ['1', '5', '9'])
    await check("SELECT sequence(DATE '2020-01-30', DATE '2020-02-01')", ['2020-01-30', '2020-01-31', '2020-02-01'])
    await check('SELECT array_distinct(ARRAY[3, 1, 3, 2, 1])', [3, 1, 2])
    await check('SELECT array_position(ARRAY[10, 20], 20)', '2')
    await check('SELECT array_position(ARRAY[10, 20], 5)', '0')
    await check('SELECT array_remove(ARRAY[1, 2, 1, 3], 1)', [2, 3])
    await check('SELECT slice(ARRAY[1, 2, 3, 4], 2, 2)', [2, 3])
    await check('SELECT array_max(ARRAY[1, 7, 3])', 7)
    await check('SELECT array_sort(ARRAY[3, NULL, 1])', [1, 3, null])
    await check('SELECT arrays_overlap(ARRAY[1, 2], ARRAY[2, 5])', true)
    await check('SELECT transform(ARRAY[1, 2], x -> x * 10)', [10, 20])
  })
})

describe('math, conditionals, aggregates', () => {
  test('math', async () => {
    await check('SELECT truncate(-1.7e0)', -1)
    await check('SELECT is_nan(nan())', true)
    await check('SELECT infinity() > 1e308', true)
    await check('SELECT is_infinite(infinity())', true)
    await check('SELECT bitwise_and(12, 10)', 8)
    await check('SELECT bitwise_or(12, 10)', 14)
    await check('SELECT bitwise_xor(12, 10)', 6)
    await check('SELECT round(e(), 5)', 2.71828)
    await check('SELECT rand(10) BETWEEN 0 AND 9', true)
  })

  test('if with two and three arguments', async () => {
    await check("SELECT if(1 > 2, 'a')", null)
    await check("SELECT if(1 < 2, 'a', 'b')", 'a')
  })

  test('aggregates', async () => {
    const r = await conn.runAndReadAll(
      toDuck(
        'SELECT approx_distinct(x % 7), approx_percentile(x, 0.5), arbitrary(y), count_if(x > 6), every(x > 0), ' +
          'max_by(y, x), geometric_mean(x) ' +
          'FROM (SELECT x, CASE WHEN x > 3 THEN x END AS y FROM range(1, 10) t(x))',
      ),
    )
    const [distinct, median, any, countIf, every, maxBy, geo] = r.getRowsJson()[0]!
    assert.equal(distinct, '7')
    assert.equal(median, '5')
    assert.ok(any !== null && Number(any) >= 4, 'arbitrary skips NULLs')
    assert.equal(countIf, '3')
    assert.equal(every, true)
    assert.equal(maxBy, '9')
    assert.ok(Math.abs(Number(geo) - 4.147166) < 1e-5)
  })

  test('approx_distinct is exact on a thousand values', async () => {
    await check('SELECT approx_distinct(x) FROM range(1000) t(x)', '1000')
  })
})

describe('function list', () => {
  test('supported names: renamed, macros, same name; others not', () => {
    for (const n of ['date_add', 'DATE_DIFF', 'approx_distinct', 'lower', 'count', 'row_number', 'json_extract_scalar']) {
      assert.ok(trinoFunctionSupported(n), n)
    }
    for (const n of ['read_csv', 'getenv', 'current_setting', 'glob', 'duckdb_settings', 'trino_date_add', 'toString']) {
      assert.ok(!trinoFunctionSupported(n), n)
    }
  })

  test('every macro is prefixed and every rename target exists on the connection', async () => {
    for (const m of TRINO_FUNCTION_MACROS) assert.match(m, /^CREATE OR REPLACE TEMP MACRO trino_\w+\(/)
    assert.ok(trinoMacroName('trino_date_add'))
    const names = Object.values(TRINO_FUNCTION_RENAMES)
    const r = await conn.runAndReadAll(
      `SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name IN (${names.map((n) => `'${n}'`).join(', ')})`,
    )
    const found = new Set(r.getRowsJson().map((row) => row[0] as string))
    assert.deepEqual(names.filter((n) => !found.has(n)), [])
  })
})
