/**
 * Trino math, conditional and aggregate functions on DuckDB.
 *
 * Differences that matter: `approx_distinct` is computed exactly (DuckDB's HyperLogLog is off by more than
 * Trino's documented 2.3% standard error on small inputs, exact counts are within it and deterministic);
 * `arbitrary` returns a non-NULL value (DuckDB's `arbitrary` is `first`, which may be NULL); `if` takes two
 * or three arguments.
 */
import type { TrinoFunctionDef } from './definition.js'

/** Math functions. */
export const MATH_FUNCTIONS: readonly TrinoFunctionDef[] = [
  { trino: 'truncate', duck: 'trunc' },
  { trino: 'rand', macro: '() AS random(), (n) AS CAST(floor(random() * n) AS BIGINT)' },
  { trino: 'nan', macro: "() AS CAST('NaN' AS DOUBLE)" },
  { trino: 'infinity', macro: "() AS CAST('Infinity' AS DOUBLE)" },
  { trino: 'e', macro: '() AS exp(1)' },
  { trino: 'is_nan', duck: 'isnan' },
  { trino: 'is_finite', duck: 'isfinite' },
  { trino: 'is_infinite', duck: 'isinf' },
  { trino: 'bitwise_and', macro: '(a, b) AS a & b' },
  { trino: 'bitwise_or', macro: '(a, b) AS a | b' },
  { trino: 'bitwise_xor', macro: '(a, b) AS xor(a, b)' },
  { trino: 'bitwise_not', macro: '(a) AS ~a' },
]

/** Conditional expressions that are functions in Trino. */
export const CONDITIONAL_FUNCTIONS: readonly TrinoFunctionDef[] = [
  { trino: 'if', macro: '(c, a) AS CASE WHEN c THEN a END, (c, a, b) AS CASE WHEN c THEN a ELSE b END' },
]

/** Aggregates. Renames keep DISTINCT, FILTER and OVER working; macros only where semantics need it. */
export const AGGREGATE_FUNCTIONS: readonly TrinoFunctionDef[] = [
  { trino: 'approx_distinct', macro: '(x) AS count(DISTINCT x), (x, e) AS count(DISTINCT x)' },
  // Trino has bigint and double overloads: integers keep bigint, decimals (and reals) are computed as double.
  { trino: 'approx_percentile', macro: '(x BIGINT, p) AS approx_quantile(x, p), (x DOUBLE, p) AS approx_quantile(x, p)' },
  { trino: 'arbitrary', duck: 'any_value' },
  { trino: 'every', duck: 'bool_and' },
  { trino: 'geometric_mean', duck: 'geomean' },
]

/** Same name and meaning in both engines. */
export const NUMERIC_SAME: readonly string[] = [
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'sign', 'sqrt', 'cbrt', 'exp', 'ln', 'log', 'log2', 'log10', 'pow',
  'power', 'mod', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh',
  'cosh', 'tanh', 'greatest', 'least', 'random', 'coalesce', 'nullif',
  'count', 'sum', 'avg', 'min', 'max', 'count_if', 'max_by', 'min_by', 'bool_and', 'bool_or', 'stddev',
  'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'corr', 'covar_samp', 'covar_pop',
  'regr_slope', 'regr_intercept', 'histogram',
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value',
  'last_value', 'nth_value', 'grouping',
]
