import { manifestListRead, manifestRead, scanPlan, schemaIndex } from '../../../storage/index.js'
import type { DataFile, IcebergType, TableMetadata } from '../../../storage/index.js'
// Not on the storage surface yet; the same rendering as partition paths (`ts_day=2026-01-15`).
import { transformToHumanString } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputRows } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { snapshotIdArg, tableArg } from './args.js'

const COLUMNS = ['path', 'content', 'partition', 'records', 'size_bytes', 'sequence', 'delete_files']
const CONTENT = ['DATA', 'POSITION_DELETES', 'EQUALITY_DELETES'] as const

/**
 * `akko iceberg files <ns.table> [--snapshot ID]`: the live data and delete files of a snapshot. For a data
 * file, `delete_files` counts the delete files that apply to it (what a reader must merge, and what
 * compaction would remove); delete files are listed even when they no longer apply to any data file.
 */
export const files: Command = {
  name: 'files',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'List the live data and delete files of the current (or a given) snapshot, with partition, counts, size',
  options: {
    snapshot: { type: 'string', valueName: '<id>', description: 'Snapshot to list (default: the current one)' },
    format: FORMAT_OPTION,
    home: HOME_OPTION,
  },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const snapshotId = typeof values.snapshot === 'string' ? snapshotIdArg(values.snapshot) : undefined
    const rows = await withPlatform(io, values.home, async p => {
      const { metadata: m } = await p.catalog.loadTable(ident)
      const plan = await scanPlan(p.tables, m, snapshotId === undefined ? {} : { snapshotId })
      if (!plan.snapshot) return []
      const partitionText = partitionRenderer(m)
      const out: Array<Record<string, unknown>> = plan.tasks.map(t => ({
        ...fileRow(t.dataFile, partitionText),
        sequence: t.dataSequenceNumber,
        delete_files: t.deletes.length,
      }))
      // Delete files come from the delete manifests themselves: the plan only shows those attached to a data file.
      const deleteManifests = (await manifestListRead(p.store, plan.snapshot['manifest-list'])).filter(mf => mf.content === 1)
      for (const mf of deleteManifests) {
        for (const e of await manifestRead(p.store, mf)) {
          if (e.status === 2) continue
          out.push({ ...fileRow(e.data_file, partitionText), sequence: e.sequence_number, delete_files: null })
        }
      }
      return out
    })
    outputRows(io, rows, COLUMNS, values.format)
    return EXIT_OK
  },
}

function fileRow(f: DataFile, partitionText: (f: DataFile) => string): Record<string, unknown> {
  return {
    path: f.file_path,
    content: CONTENT[f.content] ?? String(f.content),
    partition: partitionText(f),
    records: Number(f.record_count),
    size_bytes: Number(f.file_size_in_bytes),
  }
}

/** `region=EU/ts_day=2026-01-15` from a file's partition tuple, using the spec it was written with. */
function partitionRenderer(m: TableMetadata): (f: DataFile) => string {
  const sourceTypes = new Map<number, IcebergType>()
  // Older schemas first so the current one wins; a dropped source column still resolves.
  for (const s of m.schemas) for (const [id, f] of schemaIndex(s).byId) sourceTypes.set(id, f.field.type)
  const current = m.schemas.find(s => s['schema-id'] === m['current-schema-id'])
  if (current) for (const [id, f] of schemaIndex(current).byId) sourceTypes.set(id, f.field.type)
  return f => {
    const spec = m['partition-specs'].find(s => s['spec-id'] === (f.spec_id ?? m['default-spec-id']))
    if (!spec || spec.fields.length === 0) return ''
    return spec.fields
      .map(pf => {
        const value = f.partition[pf.name]
        const type = sourceTypes.get(pf['source-id'])
        return `${pf.name}=${type === undefined ? String(value ?? 'null') : transformToHumanString(pf.transform, type, value)}`
      })
      .join('/')
  }
}
