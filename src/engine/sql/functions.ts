/**
 * Trino functions on DuckDB. Every function a query calls must be on the allow-list (same name and meaning in
 * both), be mapped to a DuckDB function or an `akko_*` macro defined once per sandbox instance, or be rewritten
 * at bind time (`format_datetime` with a constant pattern). Anything else is refused with NOT_SUPPORTED, which
 * is also what keeps DuckDB's file, URL, setting and catalog functions out of reach of user SQL.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { TRINO_FUNCTION_RENAMES, trinoFunctionSupported } from '../trino-functions/index.js'
import { constantString, constantValue, type FunctionNode } from './ast.js'

/**
 * Names that reach files, URLs, settings, secrets, extensions or the catalog. Checked before anything else, so
 * no allow-list mistake can let one through.
 */
const DENIED = /^(read_|glob$|.*_scan$|getenv$|current_setting$|duckdb_|pragma_|sniff_|parquet_|iceberg_|delta_|query$|query_table$|load$|install$|checkpoint$|force_checkpoint$|which_secret$|json_execute|json_serialize|json_deserialize|sql_auto_complete$|test_|icu_|enable_|disable_|set_|reset_|export_|import_|copy|attach|detach|current_database$|current_schema|current_catalog$|current_query$|has_.*_privilege$|pg_|system$|shell$|exec|http|s3|gcs|azure|httpfs|file|host)/i

/** DuckDB functions (and parser-internal operator names) user SQL may call as they are. */
const ALLOWED = new Set(`
~~ !~~ ~~* !~~* ~~~ !~~~ || + - * / // % ** ^ & | << >> ~ @ row struct_pack list_value array_value list_extract array_extract array_slice list_slice
date_part datepart timezone to_years to_months to_weeks to_days to_hours to_minutes to_seconds to_milliseconds to_microseconds to_centuries to_decades trunc
substring substr position strpos length char_length character_length lower upper concat concat_ws trim ltrim rtrim btrim replace reverse lpad rpad starts_with ends_with
split_part split string_split str_split repeat left right chr ascii translate levenshtein hamming jaro_winkler_similarity md5 sha256 sha1 hash to_base64 from_base64 hex unhex
regexp_matches regexp_extract regexp_extract_all regexp_full_match regexp_split_to_array like_escape not_like_escape ilike_escape contains prefix suffix
abs ceil ceiling floor round sqrt cbrt power pow exp ln log log10 log2 mod sign greatest least random pi degrees radians sin cos tan asin acos atan atan2 cot sinh cosh tanh
is_nan isnan isinf is_finite isfinite nullif coalesce ifnull if bit_count xor factorial gcd lcm even
sum avg mean min max count count_star count_if countif any_value first last arg_max arg_min max_by min_by bool_and bool_or bit_and bit_or bit_xor
stddev stddev_samp stddev_pop variance var_samp var_pop corr covar_samp covar_pop regr_slope regr_intercept regr_r2 regr_count regr_avgx regr_avgy
median quantile quantile_cont quantile_disc approx_count_distinct approx_quantile mode product list array_agg string_agg listagg histogram entropy kurtosis skewness geometric_mean geomean
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
now current_date current_timestamp get_current_time get_current_timestamp today date_trunc datetrunc date_diff datediff date_sub date_add year month day hour minute second millisecond microsecond
week weekofyear quarter dayofweek dayofmonth dayofyear isodow isoyear yearweek last_day epoch epoch_ms epoch_us to_timestamp make_date make_time make_timestamp strftime strptime
age dayname monthname century decade era
list_contains list_has list_position list_distinct list_unique list_sort list_reverse_sort list_reverse list_filter list_transform list_reduce list_concat list_cat list_zip flatten
list_max list_min list_sum list_avg list_count list_has_any list_has_all array_length len cardinality map map_keys map_values map_entries map_extract map_from_entries element_at
array_to_string list_aggregate unnest generate_series range array_concat array_contains array_position array_distinct array_sort array_reverse array_filter array_transform
json_extract json_extract_string json_extract_path json_extract_path_text json_array_length json_type json_valid json_keys to_json json_object json_array json_quote
uuid gen_random_uuid bar format printf nextval error
`.trim().split(/\s+/))

/** Trino names whose DuckDB counterpart has another name (same arguments). */
const RENAMED: Readonly<Record<string, string>> = {
  approx_distinct: 'approx_count_distinct',
  approx_percentile: 'approx_quantile',
  arbitrary: 'any_value',
  regexp_like: 'regexp_matches',
  json_extract_scalar: 'json_extract_string',
  json_parse: 'akko_json_parse',
  json_format: 'akko_json_format',
  from_unixtime: 'to_timestamp',
  to_unixtime: 'epoch',
  at_timezone: 'akko_at_timezone',
  date_add: 'akko_date_add',
  day_of_week: 'isodow',
  dow: 'isodow',
  day_of_month: 'dayofmonth',
  day_of_year: 'dayofyear',
  doy: 'dayofyear',
  week_of_year: 'weekofyear',
  year_of_week: 'isoyear',
  yow: 'isoyear',
  last_day_of_month: 'last_day',
  to_iso8601: 'akko_to_iso8601',
  date: 'akko_date',
  typeof: 'akko_typeof',
  contains: 'list_contains',
  array_join: 'array_to_string',
  array_max: 'list_max',
  array_min: 'list_min',
  filter: 'list_filter',
  transform: 'list_transform',
  slice: 'list_slice',
  levenshtein_distance: 'levenshtein',
  hamming_distance: 'hamming',
  sequence: 'generate_series',
  rand: 'random',
  codepoint: 'unicode',
  to_hex: 'hex',
  from_hex: 'unhex',
  from_base64: 'from_base64',
  stddev: 'stddev_samp',
  variance: 'var_samp',
}

/** Macros defined once per sandbox instance (before its configuration is locked). */
export const TRINO_MACROS: readonly string[] = [
  `CREATE MACRO akko_date_add(unit, n, ts) AS ts + CAST(CAST(n AS VARCHAR) || ' ' || unit AS INTERVAL)`,
  `CREATE MACRO akko_at_timezone(ts, zone) AS timezone(zone, ts)`,
  `CREATE MACRO akko_json_parse(s) AS CAST(s AS JSON)`,
  `CREATE MACRO akko_json_format(j) AS CAST(j AS VARCHAR)`,
  `CREATE MACRO akko_to_iso8601(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S.%g')`,
  `CREATE MACRO akko_date(x) AS CAST(x AS DATE)`,
  // Trino's type names for DuckDB's (the mapping of types.ts trinoType, for scalars and arrays of scalars).
  `CREATE MACRO akko_trino_type_name(t) AS CASE
    WHEN t LIKE 'DECIMAL(%' THEN replace(lower(t), ' ', '')
    WHEN t = 'HUGEINT' THEN 'bigint' WHEN t = 'UTINYINT' THEN 'smallint' WHEN t = 'USMALLINT' THEN 'integer' WHEN t = 'UINTEGER' THEN 'bigint'
    WHEN t IN ('UBIGINT', 'UHUGEINT') THEN 'decimal(38,0)' WHEN t = 'FLOAT' THEN 'real' WHEN t = 'BLOB' THEN 'varbinary'
    WHEN t = 'TIME' THEN 'time(6)' WHEN t = 'TIME WITH TIME ZONE' THEN 'time(6) with time zone'
    WHEN t = 'TIMESTAMP' THEN 'timestamp(6)' WHEN t = 'TIMESTAMP_MS' THEN 'timestamp(3)' WHEN t = 'TIMESTAMP_S' THEN 'timestamp(0)'
    WHEN t = 'TIMESTAMP_NS' THEN 'timestamp(9)' WHEN t = 'TIMESTAMP WITH TIME ZONE' THEN 'timestamp(6) with time zone'
    WHEN t = 'INTERVAL' THEN 'interval day to second' WHEN t = '"NULL"' THEN 'unknown'
    ELSE lower(t) END`,
  `CREATE MACRO akko_typeof(x) AS CASE WHEN typeof(x) LIKE '%[]' THEN 'array(' || akko_trino_type_name(typeof(x)[:-3]) || ')' ELSE akko_trino_type_name(typeof(x)) END`,
]

/** Joda-Time pattern letters (Trino's format_datetime) to strftime. */
const JODA: ReadonlyArray<readonly [RegExp, string]> = [
  [/^yyyy/, '%Y'], [/^yy/, '%y'], [/^MMMM/, '%B'], [/^MMM/, '%b'], [/^MM/, '%m'], [/^M/, '%-m'], [/^dd/, '%d'], [/^d/, '%-d'],
  [/^HH/, '%H'], [/^H/, '%-H'], [/^hh/, '%I'], [/^h/, '%-I'], [/^mm/, '%M'], [/^m/, '%-M'], [/^ss/, '%S'], [/^s/, '%-S'],
  [/^SSSSSS/, '%f'], [/^SSS/, '%g'], [/^a/, '%p'], [/^EEEE/, '%A'], [/^EEE/, '%a'], [/^E/, '%a'], [/^ZZ/, '%z'], [/^Z/, '%z'], [/^z+/, '%Z'], [/^DDD/, '%j'],
]

/** Converts a Joda-Time pattern to a strftime format (quoted text `'…'` copied, `%` escaped). */
export function jodaToStrftime(pattern: string): string {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    const rest = pattern.slice(i)
    if (rest[0] === "'") {
      const close = pattern.indexOf("'", i + 1)
      const lit = close < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, close)
      out += lit === '' ? "'" : lit.replaceAll('%', '%%')
      i = close < 0 ? pattern.length : close + 1
      continue
    }
    const hit = JODA.find(([re]) => re.test(rest))
    if (hit) {
      out += hit[1]
      i += (rest.match(hit[0]) as RegExpMatchArray)[0].length
      continue
    }
    if (/[A-Za-z]/.test(rest[0] as string)) throw new AkkoError('NOT_SUPPORTED', `format_datetime: pattern letter '${rest[0]}' is not supported`, { pattern })
    out += rest[0] === '%' ? '%%' : rest[0]
    i++
  }
  return out
}

/** MySQL-style specifiers (Trino's date_format/date_parse) to strftime. */
function mysqlToStrftime(f: string): string {
  const map: Record<string, string> = { i: '%M', s: '%S', S: '%S', h: '%I', k: '%-H', l: '%-I', c: '%-m', e: '%-d', f: '%f', r: '%I:%M:%S %p', T: '%H:%M:%S', v: '%V', x: '%G', W: '%A', D: '%-d', M: '%B' }
  return f.replace(/%(.)/g, (_m, c: string) => map[c] ?? `%${c}`)
}

/**
 * Checks one function call of user SQL and rewrites it in place to its DuckDB form. Throws NOT_SUPPORTED
 * (naming the function) for anything not known to be safe, PERMISSION_DENIED for qualified names that point
 * at another catalog or schema.
 */
export function functionBind(fn: FunctionNode): void {
  const name = fn.function_name.toLowerCase()
  if ((fn.catalog ?? '') !== '' || !['', 'main'].includes(fn.schema ?? '')) {
    throw new AkkoError('PERMISSION_DENIED', `Function ${[fn.catalog, fn.schema, fn.function_name].filter(Boolean).join('.')} is not available: functions cannot be qualified with a catalog or schema`, { function: fn.function_name })
  }
  fn.schema = ''
  if (DENIED.test(name)) throw new AkkoError('NOT_SUPPORTED', `Function ${fn.function_name} is not supported`, { function: fn.function_name })
  if (trinoFunctionSupported(name)) {
    fn.function_name = TRINO_FUNCTION_RENAMES[name] ?? name
    return
  }
  if (name === 'format_datetime' || name === 'date_format' || name === 'date_parse' || name === 'parse_datetime') {
    const pattern = constantValue(fn.children[1])
    if (typeof pattern !== 'string') throw new AkkoError('NOT_SUPPORTED', `Function ${name} needs a constant format pattern`, { function: name })
    const strf = name === 'format_datetime' || name === 'parse_datetime' ? jodaToStrftime(pattern) : mysqlToStrftime(pattern)
    fn.function_name = name === 'format_datetime' || name === 'date_format' ? 'strftime' : 'strptime'
    fn.children[1] = constantString(strf)
    return
  }
  if (name === 'regexp_replace') {
    // Trino replaces every match; DuckDB only the first unless asked with the 'g' option.
    if (fn.children.length === 2) fn.children.push(constantString(''))
    if (fn.children.length === 3) fn.children.push(constantString('g'))
    return
  }
  const renamed = RENAMED[name]
  if (renamed) {
    fn.function_name = renamed
    return
  }
  if (!ALLOWED.has(name)) throw new AkkoError('NOT_SUPPORTED', `Function ${fn.function_name} is not supported`, { function: fn.function_name })
}

/** Table functions user SQL may call in FROM. */
const TABLE_FUNCTIONS = new Set(['unnest', 'range', 'generate_series'])

/** Checks a table function of user SQL (arguments are checked as ordinary expressions by the caller). */
export function tableFunctionCheck(fn: FunctionNode): void {
  const name = fn.function_name.toLowerCase()
  if (!TABLE_FUNCTIONS.has(name) || (fn.catalog ?? '') !== '' || !['', 'main'].includes(fn.schema ?? '')) {
    throw new AkkoError('NOT_SUPPORTED', `Table function ${fn.function_name} is not supported (allowed: ${[...TABLE_FUNCTIONS].join(', ')})`, { function: fn.function_name })
  }
}
