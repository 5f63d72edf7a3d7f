/**
 * How one Trino function is provided on DuckDB. Three shapes:
 * - same name, same semantics: listed in `same` only (nothing to do);
 * - a pure rename: `duck` names the DuckDB function;
 * - a macro: `macro` holds DuckDB macro overloads `(params) AS body, (params) AS body`; the macro is created
 *   as `trino_<name>` so it never shadows a DuckDB builtin that the storage layer's own SQL relies on
 *   (scan SQL and partition transforms run on the same connections as user queries).
 */
export interface TrinoFunctionDef {
  /** Trino's name, lower case. */
  readonly trino: string
  /** DuckDB function to call instead, when only the name differs. */
  readonly duck?: string
  /** Macro overloads, e.g. `(u, x DATE) AS …, (u, x) AS …`. */
  readonly macro?: string
}

/** Prefix of every macro this module defines; a user cannot create objects, so the names cannot collide. */
export const TRINO_MACRO_PREFIX = 'trino_'

/** The DuckDB name a definition resolves to. */
export function trinoFunctionTarget(def: TrinoFunctionDef): string {
  if (def.macro !== undefined) return TRINO_MACRO_PREFIX + def.trino
  return def.duck ?? def.trino
}

/** Quotes a string as a SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/**
 * Builds `replace(replace(… x …))` translating pattern tokens in one pass: each token first becomes a private
 * control character, then each control character becomes its translation. The detour is needed because a
 * translation such as `%M` contains letters that a later token (`M`) would otherwise rewrite again.
 * Tokens must be listed longest first within each letter.
 */
export function patternTranslateSql(input: string, tokens: ReadonlyArray<readonly [string, string]>): string {
  if (tokens.length > 28) throw new Error('patternTranslateSql: too many tokens for the control-character range')
  let expr = input
  tokens.forEach(([token], i) => {
    expr = `replace(${expr}, ${sqlString(token)}, chr(${i + 1}))`
  })
  tokens.forEach(([, out], i) => {
    expr = `replace(${expr}, chr(${i + 1}), ${sqlString(out)})`
  })
  return expr
}
