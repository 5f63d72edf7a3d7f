/**
 * Trino array and map functions on DuckDB.
 *
 * Differences that matter: `element_at` is NULL out of bounds for arrays and for a missing map key (DuckDB's
 * subscript does both, DuckDB's element_at returns a list); `array_position` is 0 when absent (DuckDB: NULL);
 * `array_distinct` keeps first occurrences in order (DuckDB's list_distinct does not); `sequence` on dates
 * steps by one day.
 */
import type { TrinoFunctionDef } from './definition.js'

/** Array and map functions. */
export const COLLECTION_FUNCTIONS: readonly TrinoFunctionDef[] = [
  // Trino's cardinality takes arrays and maps; DuckDB's `length` takes lists (and strings), its `cardinality`
  // maps only. Arrays are what analysts count; maps go through map_keys: cardinality(map_keys(m)).
  { trino: 'cardinality', macro: '(a) AS CAST(length(a) AS BIGINT)' },
  { trino: 'contains', duck: 'list_contains' },
  { trino: 'element_at', macro: '(a, i) AS a[i]' },
  {
    trino: 'array_join',
    macro:
      '(a, sep) AS array_to_string(a, sep), ' +
      '(a, sep, nullrep) AS array_to_string(list_transform(a, lambda x: coalesce(CAST(x AS VARCHAR), nullrep)), sep)',
  },
  {
    trino: 'sequence',
    macro:
      '(a DATE, b DATE) AS list_transform(generate_series(a, b, INTERVAL 1 DAY), lambda x: CAST(x AS DATE)), ' +
      '(a, b) AS generate_series(a, b), (a, b, step) AS generate_series(a, b, step)',
  },
  { trino: 'array_distinct', macro: '(a) AS list_filter(a, lambda x, i: list_position(a, x) = i)' },
  { trino: 'array_max', duck: 'list_max' },
  { trino: 'array_min', duck: 'list_min' },
  { trino: 'array_sort', duck: 'list_sort' },
  { trino: 'array_position', macro: '(a, x) AS CAST(coalesce(list_position(a, x), 0) AS BIGINT)' },
  { trino: 'array_remove', macro: '(a, x) AS list_filter(a, lambda e: e IS DISTINCT FROM x)' },
  { trino: 'array_intersect', duck: 'list_intersect' },
  { trino: 'arrays_overlap', duck: 'list_has_any' },
  { trino: 'slice', macro: '(a, s, n) AS list_slice(a, s, s + n - 1)' },
  { trino: 'transform', duck: 'list_transform' },
  { trino: 'filter', duck: 'list_filter' },
]

/** Same name and meaning in both engines. */
export const COLLECTION_SAME: readonly string[] = [
  'map', 'map_keys', 'map_values', 'map_entries', 'map_from_entries', 'map_concat', 'flatten', 'array_agg',
  'unnest', 'range',
]
