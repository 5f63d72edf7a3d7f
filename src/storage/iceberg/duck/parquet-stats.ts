/**
 * Per-file column metrics of a data file (spec "Manifests": column_sizes, value_counts, null_value_counts,
 * nan_value_counts, lower_bounds, upper_bounds), built from the statistics DuckDB returns when it writes
 * Parquet (`COPY … (RETURN_STATS)`), so no footer or data is read back to compute them.
 * @module
 */
import type { IcebergType, PrimitiveType, StructType } from '../spec.js'
import { typeBaseName } from '../types.js'
import { valueCoerce, valueToBytes, valueTruncateLower, valueTruncateUpper } from '../values.js'
import { sqlIdent } from './sql-text.js'

/** Iceberg's default metrics mode `truncate(16)`: string and binary bounds keep 16 code points / bytes. */
export const BOUND_TRUNCATE_WIDTH = 16

/** One Parquet leaf column of an Iceberg schema. */
export interface ParquetLeaf {
  /** The column path as DuckDB names it in its write statistics: `"s"."p"`, `"tags"."element"`, `"m"."key"`. */
  readonly statsKey: string
  /** SQL to reach the value from a row (only meaningful when not `repeated`): `"s"."p"`. */
  readonly columnSql: string
  readonly id: number
  readonly type: PrimitiveType
  /** Inside a list or map: no bounds and no NaN counts are kept for it. */
  readonly repeated: boolean
}

/** Every leaf column of a schema, in Parquet column order (depth first). */
export function parquetLeaves(schema: StructType): ParquetLeaf[] {
  const out: ParquetLeaf[] = []
  const visit = (type: IcebergType, id: number, path: string[], repeated: boolean): void => {
    if (typeof type === 'string') {
      const key = path.map(sqlIdent).join('.')
      out.push({ statsKey: key, columnSql: key, id, type, repeated })
      return
    }
    if (type.type === 'struct') for (const f of type.fields) visit(f.type, f.id, [...path, f.name], repeated)
    else if (type.type === 'list') visit(type.element, type['element-id'], [...path, 'element'], true)
    else {
      visit(type.key, type['key-id'], [...path, 'key'], true)
      visit(type.value, type['value-id'], [...path, 'value'], true)
    }
  }
  for (const f of schema.fields) visit(f.type, f.id, [f.name], false)
  return out
}

/** DuckDB's statistics of one column of one written file: stat name → text (`min`, `max`, `null_count`, `has_nan`…). */
export type ColumnStats = ReadonlyMap<string, string>

/** The metric maps of a DataFile. */
export interface FileMetrics {
  readonly column_sizes: Map<number, number>
  readonly value_counts: Map<number, number>
  readonly null_value_counts: Map<number, number>
  readonly nan_value_counts: Map<number, number>
  readonly lower_bounds: Map<number, Uint8Array>
  readonly upper_bounds: Map<number, Uint8Array>
}

/**
 * Builds the metric maps of one file. `nanCounts` holds counted NaNs for float/double leaves of files where
 * DuckDB reported `has_nan`; a leaf without `has_nan` has zero NaNs. Bounds never include NaN (DuckDB's
 * min/max skip it), are widened to -0.0 / +0.0 around zero, and strings/binary are truncated to 16.
 */
export function fileMetricsBuild(leaves: readonly ParquetLeaf[], stats: ReadonlyMap<string, ColumnStats>, nanCounts: ReadonlyMap<number, number>): FileMetrics {
  const m: FileMetrics = {
    column_sizes: new Map(), value_counts: new Map(), null_value_counts: new Map(),
    nan_value_counts: new Map(), lower_bounds: new Map(), upper_bounds: new Map(),
  }
  for (const leaf of leaves) {
    const s = stats.get(leaf.statsKey)
    if (!s) continue
    setCount(m.column_sizes, leaf.id, s.get('column_size_bytes'))
    setCount(m.value_counts, leaf.id, s.get('num_values'))
    setCount(m.null_value_counts, leaf.id, s.get('null_count'))
    const base = typeBaseName(leaf.type)
    if (base === 'float' || base === 'double') {
      const hasNan = s.get('has_nan') === 'true'
      const counted = nanCounts.get(leaf.id)
      if (!hasNan) m.nan_value_counts.set(leaf.id, 0)
      else if (counted !== undefined) m.nan_value_counts.set(leaf.id, counted)
    }
    if (leaf.repeated) continue
    const lower = boundLower(leaf.type, s.get('min'))
    const upper = boundUpper(leaf.type, s.get('max'))
    if (lower) m.lower_bounds.set(leaf.id, lower)
    if (upper) m.upper_bounds.set(leaf.id, upper)
  }
  return m
}

function setCount(map: Map<number, number>, id: number, text: string | undefined): void {
  if (text === undefined) return
  const n = Number(text)
  if (Number.isSafeInteger(n)) map.set(id, n)
}

/**
 * A DuckDB statistics text → Iceberg in-memory value, or undefined when the text cannot be represented
 * (infinite dates, BC years): a missing bound is always valid, a wrong one never is.
 */
export function statParse(type: PrimitiveType, text: string | undefined): unknown {
  if (text === undefined) return undefined
  try {
    switch (typeBaseName(type)) {
      case 'boolean': return text === 'true' || text === '1'
      case 'float': case 'double': {
        const n = FLOAT_WORDS[text.toLowerCase()] ?? Number(text)
        return Number.isNaN(n) ? undefined : valueCoerce(type, n)
      }
      // DuckDB reports blob statistics in hexadecimal.
      case 'binary': case 'fixed': return /^([0-9a-fA-F]{2})*$/.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined
      default: return valueCoerce(type, text)
    }
  } catch {
    return undefined
  }
}

const FLOAT_WORDS: Readonly<Record<string, number>> = { inf: Infinity, infinity: Infinity, '-inf': -Infinity, '-infinity': -Infinity }

function boundLower(type: PrimitiveType, text: string | undefined): Uint8Array | undefined {
  let v = statParse(type, text)
  if (v === undefined) return undefined
  // -0.0 sorts before +0.0 in Iceberg; DuckDB may report either, so widen.
  if (typeof v === 'number' && v === 0) v = -0
  return boundBytes(type, valueTruncateLower(boundType(type), v, BOUND_TRUNCATE_WIDTH))
}

function boundUpper(type: PrimitiveType, text: string | undefined): Uint8Array | undefined {
  let v = statParse(type, text)
  if (v === undefined) return undefined
  if (typeof v === 'number' && v === 0) v = 0
  const truncated = valueTruncateUpper(boundType(type), v, BOUND_TRUNCATE_WIDTH)
  return truncated === null ? undefined : boundBytes(type, truncated)
}

// A truncated fixed[L] bound no longer has L bytes: serialize it as the raw bytes it is.
const boundType = (type: PrimitiveType): PrimitiveType => (typeBaseName(type) === 'fixed' ? 'binary' : type)

function boundBytes(type: PrimitiveType, v: unknown): Uint8Array | undefined {
  try {
    return valueToBytes(boundType(type), v)
  } catch {
    return undefined
  }
}
