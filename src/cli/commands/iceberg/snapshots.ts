import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputRows } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { tableArg } from './args.js'

const COLUMNS = ['snapshot_id', 'parent_id', 'sequence', 'committed_at', 'operation', 'added_files', 'deleted_files', 'added_records', 'deleted_records', 'total_records', 'current']

/** Summary counts are strings in the metadata; show them as numbers when they are. */
const count = (v: string | undefined): number | null => (v === undefined || v === '' || !/^\d+$/.test(v) ? null : Number(v))

/** `akko iceberg snapshots <ns.table>`: the snapshot history, oldest first. */
export const snapshots: Command = {
  name: 'snapshots',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'List a table\'s snapshots: id, parent, sequence number, time, operation, summary counts',
  options: { format: FORMAT_OPTION, home: HOME_OPTION },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const { metadata: m } = await withPlatform(io, values.home, p => p.catalog.loadTable(ident))
    const rows = [...m.snapshots]
      .sort((a, b) => a['sequence-number'] - b['sequence-number'] || a['timestamp-ms'] - b['timestamp-ms'])
      .map(s => ({
        snapshot_id: s['snapshot-id'],
        parent_id: s['parent-snapshot-id'] ?? null,
        sequence: s['sequence-number'],
        committed_at: new Date(s['timestamp-ms']).toISOString(),
        operation: s.summary.operation,
        added_files: count(s.summary['added-data-files']),
        deleted_files: count(s.summary['deleted-data-files']),
        added_records: count(s.summary['added-records']),
        deleted_records: count(s.summary['deleted-records']),
        total_records: count(s.summary['total-records']),
        current: s['snapshot-id'] === m['current-snapshot-id'] ? '*' : '',
      }))
    outputRows(io, rows, COLUMNS, values.format)
    return EXIT_OK
  },
}
