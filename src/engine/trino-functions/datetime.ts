/**
 * Trino date and time functions on DuckDB.
 *
 * Differences that matter: Trino's `date_diff` counts whole units elapsed (DuckDB's `date_diff` counts unit
 * boundaries crossed; DuckDB's `date_sub` is the whole-unit one), `date_trunc`/`date_add` on a date return a
 * date (DuckDB returns a timestamp), `format_datetime` takes a Joda pattern and `date_format` a MySQL one
 * (DuckDB's strftime takes neither), `day_of_week` is ISO (Monday = 1) and `millisecond` is the millisecond
 * within the second. `parse_datetime`/`date_parse` are not provided: DuckDB's strptime needs a constant
 * format when the macro is created, so a translated pattern cannot be passed to it.
 */
import { patternTranslateSql, type TrinoFunctionDef } from './definition.js'

/** Joda-Time pattern letters → strftime, longest first per letter. Quoted literals lose their quotes. */
const JODA_TOKENS: ReadonlyArray<readonly [string, string]> = [
  ['%', '%%'],
  ["''", "'"],
  ["'", ''],
  ['yyyy', '%Y'],
  ['yy', '%y'],
  ['MMMM', '%B'],
  ['MMM', '%b'],
  ['MM', '%m'],
  ['M', '%-m'],
  ['dd', '%d'],
  ['d', '%-d'],
  ['HH', '%H'],
  ['H', '%-H'],
  ['hh', '%I'],
  ['h', '%-I'],
  ['mm', '%M'],
  ['m', '%-M'],
  ['ss', '%S'],
  ['s', '%-S'],
  ['SSSSSS', '%f'],
  ['SSS', '%g'],
  ['EEEE', '%A'],
  ['EEE', '%a'],
  ['a', '%p'],
  ['DDD', '%j'],
]

/** MySQL `date_format` specifiers (as Trino documents them) → strftime. */
const MYSQL_TOKENS: ReadonlyArray<readonly [string, string]> = [
  ['%%', '%%'],
  ['%a', '%a'],
  ['%b', '%b'],
  ['%c', '%-m'],
  ['%d', '%d'],
  ['%e', '%-d'],
  ['%f', '%f'],
  ['%H', '%H'],
  ['%h', '%I'],
  ['%I', '%I'],
  ['%i', '%M'],
  ['%j', '%j'],
  ['%k', '%-H'],
  ['%l', '%-I'],
  ['%M', '%B'],
  ['%m', '%m'],
  ['%p', '%p'],
  ['%r', '%I:%M:%S %p'],
  ['%S', '%S'],
  ['%s', '%S'],
  ['%T', '%H:%M:%S'],
  ['%v', '%V'],
  ['%W', '%A'],
  ['%Y', '%Y'],
  ['%y', '%y'],
]

// Trino's unit names for date_add/date_diff; anything else is an error there too.
const UNIT_INTERVAL = `CASE lower(u)
  WHEN 'millisecond' THEN to_milliseconds(CAST(n AS BIGINT))
  WHEN 'second' THEN to_seconds(CAST(n AS BIGINT))
  WHEN 'minute' THEN to_minutes(CAST(n AS BIGINT))
  WHEN 'hour' THEN to_hours(CAST(n AS BIGINT))
  WHEN 'day' THEN to_days(CAST(n AS INTEGER))
  WHEN 'week' THEN to_weeks(CAST(n AS INTEGER))
  WHEN 'month' THEN to_months(CAST(n AS INTEGER))
  WHEN 'quarter' THEN to_months(CAST(3 * n AS INTEGER))
  WHEN 'year' THEN to_years(CAST(n AS INTEGER))
  ELSE error('Unsupported unit ' || u || ': use millisecond, second, minute, hour, day, week, month, quarter or year') END`

/** Helper macros the Trino-named macros call; created first. */
export const DATETIME_HELPER_MACROS: readonly string[] = [
  `CREATE OR REPLACE TEMP MACRO trino_unit_interval(u, n) AS ${UNIT_INTERVAL}`,
  `CREATE OR REPLACE TEMP MACRO trino_joda_to_strftime(f) AS ${patternTranslateSql('f', JODA_TOKENS)}`,
  `CREATE OR REPLACE TEMP MACRO trino_mysql_to_strftime(f) AS ${patternTranslateSql('f', MYSQL_TOKENS)}`,
]

/** Date/time functions. */
export const DATETIME_FUNCTIONS: readonly TrinoFunctionDef[] = [
  { trino: 'date_trunc', macro: '(u, x DATE) AS CAST(date_trunc(u, x) AS DATE), (u, x) AS date_trunc(u, x)' },
  {
    trino: 'date_add',
    macro: '(u, n, x DATE) AS CAST(x + trino_unit_interval(u, n) AS DATE), (u, n, x) AS x + trino_unit_interval(u, n)',
  },
  { trino: 'date_diff', macro: '(u, a, b) AS date_sub(u, a, b)' },
  {
    trino: 'from_unixtime',
    macro: '(x) AS to_timestamp(CAST(x AS DOUBLE)), (x, zone) AS timezone(zone, to_timestamp(CAST(x AS DOUBLE)))',
  },
  { trino: 'to_unixtime', macro: '(x) AS epoch(x)' },
  { trino: 'format_datetime', macro: '(x, f) AS strftime(x, trino_joda_to_strftime(f))' },
  { trino: 'date_format', macro: '(x, f) AS strftime(x, trino_mysql_to_strftime(f))' },
  // DuckDB cannot carry a zone per value: the wall-clock time in `zone` is what analysts go on to truncate or
  // extract fields from, so that is what at_timezone returns.
  { trino: 'at_timezone', macro: '(x TIMESTAMP, zone) AS timezone(zone, CAST(x AS TIMESTAMPTZ)), (x, zone) AS timezone(zone, x)' },
  { trino: 'with_timezone', macro: '(x, zone) AS timezone(zone, CAST(x AS TIMESTAMP))' },
  { trino: 'from_iso8601_timestamp', macro: '(s) AS CAST(s AS TIMESTAMPTZ)' },
  { trino: 'from_iso8601_date', macro: '(s) AS CAST(s AS DATE)' },
  { trino: 'to_iso8601', macro: "(x DATE) AS strftime(x, '%Y-%m-%d'), (x) AS strftime(x, '%Y-%m-%dT%H:%M:%S.%g')" },
  { trino: 'millisecond', macro: '(x) AS millisecond(x) % 1000' },
  { trino: 'current_timezone', macro: "() AS current_setting('TimeZone')" },
  { trino: 'day_of_week', duck: 'isodow' },
  { trino: 'dow', duck: 'isodow' },
  { trino: 'day_of_month', duck: 'dayofmonth' },
  { trino: 'day_of_year', duck: 'dayofyear' },
  { trino: 'doy', duck: 'dayofyear' },
  { trino: 'week_of_year', duck: 'week' },
  { trino: 'year_of_week', duck: 'isoyear' },
  { trino: 'yow', duck: 'isoyear' },
  { trino: 'last_day_of_month', duck: 'last_day' },
]

/** Same name and meaning in both engines. */
export const DATETIME_SAME: readonly string[] = [
  'year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'date', 'now',
  'current_date', 'current_timestamp', 'current_time', 'localtimestamp', 'localtime',
]
