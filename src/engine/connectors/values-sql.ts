/**
 * Small in-memory relations as DuckDB SQL: the rows of system tables, information_schema and Iceberg metadata
 * tables become a typed `VALUES` list, so they substitute into a query like any other relation.
 * @module
 */

/** A column of a VALUES relation: its name, DuckDB type, and Trino type for describe. */
export interface ValuesColumn {
  readonly name: string
  readonly duck: string
  readonly trino: string
}

const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`

/** A SQL literal for a JS value (string, number, bigint, boolean, Date, array, plain object as MAP, null). */
export function sqlValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`
  if (typeof v === 'bigint') return String(v)
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `'${v}'::DOUBLE`
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (v instanceof Date) return `'${v.toISOString()}'::TIMESTAMPTZ`
  if (Array.isArray(v)) return `[${v.map(sqlValue).join(', ')}]`
  if (typeof v === 'object') return `MAP {${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${sqlValue(k)}: ${sqlValue(x)}`).join(', ')}}`
  return `'${String(v).replaceAll("'", "''")}'`
}

/** `SELECT CAST(c AS T) AS c, … FROM (VALUES …)`; an empty, typed SELECT when there are no rows. */
export function valuesSql(columns: readonly ValuesColumn[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return `SELECT ${columns.map(c => `CAST(NULL AS ${c.duck}) AS ${ident(c.name)}`).join(', ')} WHERE false`
  const names = columns.map((_c, i) => `c${i}`)
  const body = rows.map(r => `(${columns.map((_c, i) => sqlValue(r[i])).join(', ')})`).join(', ')
  return `SELECT ${columns.map((c, i) => `CAST(${names[i]} AS ${c.duck}) AS ${ident(c.name)}`).join(', ')} FROM (VALUES ${body}) AS v(${names.join(', ')})`
}

/** Column infos (for describe) of a VALUES relation. */
export function valuesColumnInfo(columns: readonly ValuesColumn[]) {
  return columns.map(c => ({ name: c.name, type: c.trino, nullable: true }))
}

/** Shorthands for the common column types. */
export const col = {
  varchar: (name: string): ValuesColumn => ({ name, duck: 'VARCHAR', trino: 'varchar' }),
  bigint: (name: string): ValuesColumn => ({ name, duck: 'BIGINT', trino: 'bigint' }),
  integer: (name: string): ValuesColumn => ({ name, duck: 'INTEGER', trino: 'integer' }),
  boolean: (name: string): ValuesColumn => ({ name, duck: 'BOOLEAN', trino: 'boolean' }),
  timestamptz: (name: string): ValuesColumn => ({ name, duck: 'TIMESTAMPTZ', trino: 'timestamp(3) with time zone' }),
  stringMap: (name: string): ValuesColumn => ({ name, duck: 'MAP(VARCHAR, VARCHAR)', trino: 'map(varchar, varchar)' }),
  varcharArray: (name: string): ValuesColumn => ({ name, duck: 'VARCHAR[]', trino: 'array(varchar)' }),
  json: (name: string): ValuesColumn => ({ name, duck: 'JSON', trino: 'json' }),
}
