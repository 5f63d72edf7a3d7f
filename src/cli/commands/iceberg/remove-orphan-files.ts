import { orphanFilesRemove } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputJson } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { olderThanArg, tableArg } from './args.js'
import { progressReport } from './progress-report.js'

/**
 * `akko iceberg remove-orphan-files <ns.table>`: deletes files under the table's location that no snapshot
 * or metadata file references, such as those left by a crashed writer. The age limit (default 3 days) keeps
 * files a writer is about to commit safe.
 */
export const removeOrphanFiles: Command = {
  name: 'remove-orphan-files',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'Delete files under the table location that nothing references (e.g. left by failed writes)',
  options: {
    'older-than': { type: 'string', default: '3d', valueName: '<time|duration>', description: 'Only files last modified before this ISO time or this long ago (7d, 12h, 0s)' },
    'dry-run': { type: 'boolean', description: 'List the orphan files without deleting them' },
    format: FORMAT_OPTION,
    home: HOME_OPTION,
  },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const olderThanMs = olderThanArg(String(values['older-than']))
    const dryRun = values['dry-run'] === true
    const report = progressReport(io)
    const { orphans } = await withPlatform(io, values.home, p => orphanFilesRemove(p.tables, ident, { olderThanMs, dryRun, progress: report.progress }))
      .finally(() => report.finish())
    if (values.format === 'json') {
      outputJson(io, { table: positionals[0], dryRun, orphans })
      return EXIT_OK
    }
    const lines = orphans.map(o => `${dryRun ? 'would remove' : 'removed'} ${o}`)
    lines.push(dryRun
      ? `${orphans.length} orphan file(s) would be removed (dry run, nothing deleted).`
      : `Removed ${orphans.length} orphan file(s).`)
    io.stdout.write(lines.join('\n') + '\n')
    return EXIT_OK
  },
}
