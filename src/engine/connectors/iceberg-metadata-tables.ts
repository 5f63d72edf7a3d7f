/**
 * Iceberg metadata tables as Trino's Iceberg connector names them: `"t$snapshots"`, `"t$history"`,
 * `"t$refs"`, `"t$manifests"`, `"t$files"`, `"t$partitions"`. Rows are computed from the table metadata
 * (and the manifests for files/partitions) and handed to DuckDB as a VALUES relation.
 * @module
 */
import { manifestListRead, manifestRead, scanPlan, type TableContext, type TableMetadata } from '../../storage/index.js'
import { col, valuesColumnInfo, valuesSql, type ValuesColumn } from './values-sql.js'

export const METADATA_TABLES = ['snapshots', 'history', 'refs', 'manifests', 'files', 'partitions'] as const
export type MetadataTable = (typeof METADATA_TABLES)[number]

const COLUMNS: Readonly<Record<MetadataTable, readonly ValuesColumn[]>> = {
  snapshots: [col.timestamptz('committed_at'), col.bigint('snapshot_id'), col.bigint('parent_id'), col.varchar('operation'), col.varchar('manifest_list'), col.stringMap('summary')],
  history: [col.timestamptz('made_current_at'), col.bigint('snapshot_id'), col.bigint('parent_id'), col.boolean('is_current_ancestor')],
  refs: [col.varchar('name'), col.varchar('type'), col.bigint('snapshot_id'), col.bigint('max_reference_age_in_ms'), col.integer('min_snapshots_to_keep'), col.bigint('max_snapshot_age_in_ms')],
  manifests: [
    col.integer('content'), col.varchar('path'), col.bigint('length'), col.integer('partition_spec_id'), col.bigint('added_snapshot_id'),
    col.integer('added_data_files_count'), col.bigint('added_rows_count'), col.integer('existing_data_files_count'), col.bigint('existing_rows_count'),
    col.integer('deleted_data_files_count'), col.bigint('deleted_rows_count'),
  ],
  files: [col.integer('content'), col.varchar('file_path'), col.varchar('file_format'), col.integer('spec_id'), col.varchar('partition'), col.bigint('record_count'), col.bigint('file_size_in_bytes')],
  partitions: [col.varchar('partition'), col.bigint('record_count'), col.bigint('file_count'), col.bigint('total_size')],
}

/** Splits `t$snapshots` into the table and the metadata table; undefined for a plain name. */
export function metadataTableParse(name: string): { table: string; kind: MetadataTable } | undefined {
  const at = name.lastIndexOf('$')
  if (at <= 0) return undefined
  const kind = name.slice(at + 1) as MetadataTable
  return METADATA_TABLES.includes(kind) ? { table: name.slice(0, at), kind } : undefined
}

/** Columns of a metadata table for describe. */
export function metadataTableColumns(kind: MetadataTable) {
  return valuesColumnInfo(COLUMNS[kind])
}

const partitionText = (p: Readonly<Record<string, unknown>>): string | null =>
  Object.keys(p).length === 0 ? null : JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))

/** The SQL of a metadata table's rows. */
export async function metadataTableSql(ctx: TableContext, m: TableMetadata, kind: MetadataTable, signal?: AbortSignal): Promise<string> {
  return valuesSql(COLUMNS[kind], await metadataRows(ctx, m, kind, signal))
}

async function metadataRows(ctx: TableContext, m: TableMetadata, kind: MetadataTable, signal?: AbortSignal): Promise<unknown[][]> {
  switch (kind) {
    case 'snapshots':
      return m.snapshots.map(s => [new Date(s['timestamp-ms']), s['snapshot-id'], s['parent-snapshot-id'] ?? null, s.summary.operation, s['manifest-list'], { ...s.summary }])
    case 'history': {
      const ancestors = new Set<bigint>()
      let cur = m['current-snapshot-id'] ?? null
      const byId = new Map(m.snapshots.map(s => [s['snapshot-id'], s]))
      while (cur !== null && cur !== undefined && byId.has(cur) && !ancestors.has(cur)) {
        ancestors.add(cur)
        cur = byId.get(cur)?.['parent-snapshot-id'] ?? null
      }
      return m['snapshot-log'].map(e => [new Date(e['timestamp-ms']), e['snapshot-id'], byId.get(e['snapshot-id'])?.['parent-snapshot-id'] ?? null, ancestors.has(e['snapshot-id'])])
    }
    case 'refs':
      return Object.entries(m.refs).map(([name, r]) => [name, r.type.toUpperCase(), r['snapshot-id'], r['max-ref-age-ms'] ?? null, r['min-snapshots-to-keep'] ?? null, r['max-snapshot-age-ms'] ?? null])
    case 'manifests': {
      const snap = m.snapshots.find(s => s['snapshot-id'] === m['current-snapshot-id'])
      if (!snap) return []
      const manifests = await manifestListRead(ctx.store, snap['manifest-list'])
      return manifests.map(f => [f.content, f.manifest_path, f.manifest_length, f.partition_spec_id, f.added_snapshot_id, f.added_files_count, f.added_rows_count, f.existing_files_count, f.existing_rows_count, f.deleted_files_count, f.deleted_rows_count])
    }
    case 'files': {
      const snap = m.snapshots.find(s => s['snapshot-id'] === m['current-snapshot-id'])
      if (!snap) return []
      const rows: unknown[][] = []
      for (const mf of await manifestListRead(ctx.store, snap['manifest-list'])) {
        signal?.throwIfAborted()
        for (const e of await manifestRead(ctx.store, mf)) {
          if (e.status === 2) continue
          const f = e.data_file
          rows.push([f.content, f.file_path, f.file_format, f.spec_id ?? mf.partition_spec_id, partitionText(f.partition), f.record_count, f.file_size_in_bytes])
        }
      }
      return rows
    }
    case 'partitions': {
      const plan = await scanPlan(ctx, m, { signal })
      const groups = new Map<string, { partition: string | null; records: number; files: number; size: number }>()
      for (const t of plan.tasks) {
        const p = partitionText(t.dataFile.partition)
        const key = p ?? ''
        const g = groups.get(key) ?? { partition: p, records: 0, files: 0, size: 0 }
        g.records += Number(t.dataFile.record_count)
        g.files += 1
        g.size += Number(t.dataFile.file_size_in_bytes)
        groups.set(key, g)
      }
      return [...groups.values()].map(g => [g.partition, g.records, g.files, g.size])
    }
  }
}
