/**
 * SHOW STATS for Iceberg tables from metadata only: the live data files' record counts and column metrics
 * (null counts, column sizes, lower and upper bounds), as Trino's Iceberg connector reports them. Distinct
 * counts are unknown without Puffin statistics; bounds are shown for non-string primitives.
 */
import { scanPlan, valueCompare, valueFromBytes, valueToJson, type TableContext, type TableMetadata } from '../../storage/index.js'
import type { TableStats } from './connector.js'

const NO_BOUNDS = new Set(['string', 'binary', 'uuid'])

/** Statistics of the table's current snapshot. */
export async function icebergTableStats(tables: TableContext, metadata: TableMetadata): Promise<TableStats> {
  const plan = await scanPlan(tables, metadata)
  const files = plan.tasks.map(t => t.dataFile)
  const deleted = plan.tasks.flatMap(t => t.deletes).filter((d, i, all) => all.findIndex(x => x.file.file_path === d.file.file_path) === i)
    .reduce((a, d) => a + (d.file.content === 1 ? Number(d.file.record_count) : 0), 0)
  const rows = files.reduce((a, f) => a + Number(f.record_count), 0)
  const rowCount = Math.max(0, rows - deleted)
  const columns = plan.schema.fields.map(field => {
    const type = field.type
    if (typeof type !== 'string') return { name: field.name }
    let nulls = 0
    let nullsKnown = true
    let size = 0
    let low: unknown
    let high: unknown
    for (const f of files) {
      const n = f.null_value_counts?.get(field.id)
      if (n === undefined) nullsKnown = false
      else nulls += Number(n)
      size += Number(f.column_sizes?.get(field.id) ?? 0)
      if (NO_BOUNDS.has(type)) continue
      const lo = f.lower_bounds?.get(field.id)
      const hi = f.upper_bounds?.get(field.id)
      if (lo) {
        const v = valueFromBytes(type, lo)
        if (low === undefined || valueCompare(type, v, low) < 0) low = v
      }
      if (hi) {
        const v = valueFromBytes(type, hi)
        if (high === undefined || valueCompare(type, v, high) > 0) high = v
      }
    }
    const show = (v: unknown) => (v === undefined ? undefined : String(valueToJson(type, v)))
    return {
      name: field.name,
      ...(type === 'string' || type === 'binary' ? { dataSize: size } : {}),
      ...(nullsKnown && rows > 0 ? { nullsFraction: nulls / rows } : {}),
      ...(low !== undefined ? { low: show(low) } : {}),
      ...(high !== undefined ? { high: show(high) } : {}),
    }
  })
  return { rowCount, columns }
}

/** The `WITH (…)` properties Trino's Iceberg connector shows for a table: format, version, location, partitioning. */
export function icebergTableProperties(metadata: TableMetadata): Record<string, string> {
  const lit = (v: string) => `'${v.replaceAll("'", "''")}'`
  const schema = metadata.schemas.find(s => s['schema-id'] === metadata['current-schema-id'])
  const spec = metadata['partition-specs'].find(s => s['spec-id'] === metadata['default-spec-id'])
  const nameOf = (id: number) => schema?.fields.find(f => f.id === id)?.name ?? String(id)
  const partitioning = (spec?.fields ?? []).filter(f => f.transform !== 'void').map(f => {
    const col = nameOf(f['source-id'])
    const m = /^(bucket|truncate)\[(\d+)\]$/.exec(f.transform)
    return m ? `${m[1]}(${col}, ${m[2]})` : f.transform === 'identity' ? col : `${f.transform}(${col})`
  })
  return {
    format: lit('PARQUET'),
    format_version: String(metadata['format-version']),
    location: lit(metadata.location),
    ...(partitioning.length ? { partitioning: `ARRAY[${partitioning.map(lit).join(', ')}]` } : {}),
  }
}
