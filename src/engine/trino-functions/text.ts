/**
 * Trino string, regular expression and JSON functions on DuckDB.
 *
 * Differences that matter: Trino's `regexp_replace` replaces every match and writes groups as `$1` (DuckDB:
 * first match only unless 'g', groups as `\1`); `regexp_extract` and `split_part` return NULL where DuckDB
 * returns ''; `concat` is NULL when an argument is NULL (DuckDB skips NULLs); `json_extract_scalar` is NULL for
 * objects and arrays.
 */
import type { TrinoFunctionDef } from './definition.js'

// `$n` group references → DuckDB's `\n`; the replacement text below is RE2's: `\\` a backslash, `\1` group 1.
const DOLLAR_GROUPS = "regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g')"

// Macros are not variadic: Trino's concat is provided for 2 to 8 arguments.
function concatOverloads(): string {
  const out: string[] = []
  for (let n = 2; n <= 8; n++) {
    const ps = Array.from({ length: n }, (_, i) => `a${i + 1}`)
    out.push(`(${ps.join(', ')}) AS ${ps.join(' || ')}`)
  }
  return out.join(', ')
}

/** String and regular expression functions. */
export const STRING_FUNCTIONS: readonly TrinoFunctionDef[] = [
  { trino: 'regexp_like', duck: 'regexp_matches' },
  {
    trino: 'regexp_extract',
    macro:
      '(s, p) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) END, ' +
      '(s, p, g) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END',
  },
  { trino: 'regexp_replace', macro: `(s, p) AS regexp_replace(s, p, '', 'g'), (s, p, r) AS regexp_replace(s, p, ${DOLLAR_GROUPS}, 'g')` },
  { trino: 'regexp_count', macro: '(s, p) AS CAST(len(regexp_extract_all(s, p)) AS BIGINT)' },
  { trino: 'regexp_split', duck: 'regexp_split_to_array' },
  {
    trino: 'split_part',
    macro:
      "(s, d, i) AS CASE WHEN i < 1 THEN error('Index must be greater than zero') " +
      'WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END',
  },
  { trino: 'split', duck: 'string_split' },
  { trino: 'concat', macro: concatOverloads() },
  { trino: 'replace', macro: "(s, f) AS replace(s, f, ''), (s, f, r) AS replace(s, f, r)" },
  { trino: 'codepoint', duck: 'unicode' },
  { trino: 'levenshtein_distance', duck: 'levenshtein' },
  { trino: 'hamming_distance', duck: 'hamming' },
  { trino: 'to_utf8', duck: 'encode' },
  { trino: 'from_utf8', duck: 'decode' },
]

/** JSON functions (DuckDB's json extension is linked into the engine, no loading involved). */
export const JSON_FUNCTIONS: readonly TrinoFunctionDef[] = [
  {
    trino: 'json_extract_scalar',
    macro: "(j, p) AS CASE WHEN json_type(json_extract(j, p)) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END",
  },
  { trino: 'json_parse', macro: '(s) AS json(s)' },
  { trino: 'json_format', macro: '(j) AS CAST(j AS VARCHAR)' },
  { trino: 'json_array_length', macro: '(j) AS CAST(json_array_length(j) AS BIGINT)' },
  { trino: 'json_array_get', macro: "(j, i) AS json_extract(j, '$[' || CAST(i AS VARCHAR) || ']')" },
  { trino: 'json_size', macro: "(j, p) AS CAST(CASE json_type(json_extract(j, p)) WHEN 'ARRAY' THEN json_array_length(json_extract(j, p)) WHEN 'OBJECT' THEN len(json_keys(json_extract(j, p))) ELSE 0 END AS BIGINT)" },
]

/** Same name and meaning in both engines. */
export const TEXT_SAME: readonly string[] = [
  'length', 'char_length', 'lower', 'upper', 'lpad', 'rpad', 'ltrim', 'rtrim', 'trim', 'concat_ws', 'reverse',
  'substr', 'substring', 'strpos', 'position', 'starts_with', 'chr', 'translate', 'regexp_extract_all',
  'json_extract', 'to_hex', 'from_hex', 'uuid',
]
