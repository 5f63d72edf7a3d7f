/**
 * Trino functions on DuckDB: the macros the engine creates on every query connection, the name mapping its
 * rewriter applies to function calls, and the list of Trino functions known to work.
 *
 * The engine rewrites each call `f(…)` of a user query to `TRINO_FUNCTION_RENAMES[f] ?? f` after checking
 * `trinoFunctionSupported(f)`; macros are named `trino_<f>` so they never shadow a DuckDB builtin.
 * @module
 */
import { COLLECTION_FUNCTIONS, COLLECTION_SAME } from './collections.js'
import { DATETIME_FUNCTIONS, DATETIME_HELPER_MACROS, DATETIME_SAME } from './datetime.js'
import { TRINO_MACRO_PREFIX, trinoFunctionTarget, type TrinoFunctionDef } from './definition.js'
import { AGGREGATE_FUNCTIONS, CONDITIONAL_FUNCTIONS, MATH_FUNCTIONS, NUMERIC_SAME } from './numeric.js'
import { JSON_FUNCTIONS, STRING_FUNCTIONS, TEXT_SAME } from './text.js'

export { TRINO_MACRO_PREFIX, type TrinoFunctionDef } from './definition.js'

/** Every Trino function that needs a rename or a macro. */
export const TRINO_FUNCTION_DEFS: readonly TrinoFunctionDef[] = [
  ...DATETIME_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...JSON_FUNCTIONS,
  ...COLLECTION_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...CONDITIONAL_FUNCTIONS,
  ...AGGREGATE_FUNCTIONS,
]

/**
 * `CREATE OR REPLACE TEMP MACRO` statements to run once on each DuckDB connection that executes user SQL,
 * before its configuration is locked. Idempotent; helpers come first.
 */
export const TRINO_FUNCTION_MACROS: readonly string[] = [
  ...DATETIME_HELPER_MACROS,
  ...TRINO_FUNCTION_DEFS.filter((d) => d.macro !== undefined).map(
    (d) => `CREATE OR REPLACE TEMP MACRO ${trinoFunctionTarget(d)}${d.macro}`,
  ),
]

/** Trino function name (lower case) → the DuckDB function or `trino_` macro to call instead. */
export const TRINO_FUNCTION_RENAMES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(TRINO_FUNCTION_DEFS.map((d) => [d.trino, trinoFunctionTarget(d)])),
)

/** Trino functions DuckDB provides under the same name with the same meaning. */
export const TRINO_SAME_NAME_FUNCTIONS: ReadonlySet<string> = new Set([
  ...DATETIME_SAME,
  ...TEXT_SAME,
  ...COLLECTION_SAME,
  ...NUMERIC_SAME,
])

/**
 * Whether a Trino function name (any case) is provided: renamed, a macro, or identical in DuckDB. Names
 * outside this list are not known to behave as in Trino; the engine may refuse them with NOT_SUPPORTED.
 */
export function trinoFunctionSupported(name: string): boolean {
  const n = name.toLowerCase()
  return Object.hasOwn(TRINO_FUNCTION_RENAMES, n) || TRINO_SAME_NAME_FUNCTIONS.has(n)
}

/** Whether a DuckDB function name is one of this module's macros (helpers included). */
export function trinoMacroName(name: string): boolean {
  return name.toLowerCase().startsWith(TRINO_MACRO_PREFIX)
}
