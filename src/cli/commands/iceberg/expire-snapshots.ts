import { snapshotsExpire } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputJson } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { olderThanArg, positiveIntArg, tableArg } from './args.js'
import { progressReport } from './progress-report.js'

/**
 * `akko iceberg expire-snapshots <ns.table>`: removes old snapshots from the table's history and deletes
 * the files only they used. Defaults follow Iceberg's: older than 5 days, keep at least the newest one.
 */
export const expireSnapshots: Command = {
  name: 'expire-snapshots',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'Expire old snapshots and delete the files only they reference (time travel to them ends)',
  options: {
    'older-than': { type: 'string', default: '5d', valueName: '<time|duration>', description: 'Expire snapshots committed before this ISO time or this long ago (7d, 12h, 0s)' },
    'retain-last': { type: 'string', default: '1', valueName: '<n>', description: 'Always keep the newest n snapshots of the main branch' },
    format: FORMAT_OPTION,
    home: HOME_OPTION,
  },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const olderThanMs = olderThanArg(String(values['older-than']))
    const retainLast = positiveIntArg('retain-last', String(values['retain-last']))
    const report = progressReport(io)
    const res = await withPlatform(io, values.home, p => snapshotsExpire(p.tables, ident, { olderThanMs, retainLast, progress: report.progress }))
      .finally(() => report.finish())
    if (values.format === 'json') {
      outputJson(io, { table: positionals[0], expiredSnapshots: res.expiredSnapshots, deletedFiles: res.deletedFiles })
      return EXIT_OK
    }
    const lines = [`Expired ${res.expiredSnapshots.length} snapshot(s) of ${positionals[0]} committed before ${new Date(olderThanMs).toISOString()}; deleted ${res.deletedFiles} file(s).`]
    for (const id of res.expiredSnapshots) lines.push(`  ${id}`)
    io.stdout.write(lines.join('\n') + '\n')
    return EXIT_OK
  },
}
