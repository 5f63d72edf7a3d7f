import { dataFilesRewrite } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputJson } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { byteSizeArg, tableArg } from './args.js'
import { progressReport } from './progress-report.js'

/**
 * `akko iceberg compact <ns.table>`: rewrites each partition's small files (and files with deletes) into
 * files near the target size, applying the deletes. The rows do not change; the commit is a `replace`.
 */
export const compact: Command = {
  name: 'compact',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'Rewrite small data files (and files with deletes) into fewer, larger ones; rows are unchanged',
  options: {
    'target-file-size': { type: 'string', valueName: '<size>', description: 'Target size of the new files, e.g. 128MB (default: the table\'s write.target-file-size-bytes, else 512MB)' },
    format: FORMAT_OPTION,
    home: HOME_OPTION,
  },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const targetFileSizeBytes = typeof values['target-file-size'] === 'string' ? byteSizeArg(values['target-file-size']) : undefined
    const report = progressReport(io)
    const res = await withPlatform(io, values.home, p =>
      dataFilesRewrite(p.tables, ident, { ...(targetFileSizeBytes === undefined ? {} : { targetFileSizeBytes }), progress: report.progress }),
    ).finally(() => report.finish())
    const snapshotId = res.result?.snapshot['snapshot-id'] ?? null
    if (values.format === 'json') {
      outputJson(io, { table: positionals[0], rewrittenFiles: res.rewritten, addedFiles: res.added, snapshotId })
      return EXIT_OK
    }
    io.stdout.write(snapshotId === null
      ? `Nothing to compact in ${positionals[0]}: no partition has several small files or files with deletes.\n`
      : `Rewrote ${res.rewritten} data file(s) of ${positionals[0]} into ${res.added}; new snapshot ${snapshotId}.\n`)
    return EXIT_OK
  },
}
