import { manifestListRead, manifestsRewrite } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputJson } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { tableArg } from './args.js'

/**
 * `akko iceberg rewrite-manifests <ns.table>`: regroups the current snapshot's manifests (one per content and
 * partition spec), so planning reads fewer files after many small commits. Reports the manifest count before
 * and after.
 */
export const rewriteManifests: Command = {
  name: 'rewrite-manifests',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'Rewrite the current snapshot\'s manifests into one per content and partition spec',
  options: { format: FORMAT_OPTION, home: HOME_OPTION },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const res = await withPlatform(io, values.home, async p => {
      const { metadata: m } = await p.catalog.loadTable(ident)
      const current = m.snapshots.find(s => s['snapshot-id'] === m.refs.main?.['snapshot-id'])
      const before = current ? (await manifestListRead(p.store, current['manifest-list'])).length : 0
      const result = await manifestsRewrite(p.tables, ident)
      const after = result ? (await manifestListRead(p.store, result.snapshot['manifest-list'])).length : before
      return { snapshotId: result?.snapshot['snapshot-id'] ?? null, before, after }
    })
    if (values.format === 'json') {
      outputJson(io, { table: positionals[0], snapshotId: res.snapshotId, manifestsBefore: res.before, manifestsAfter: res.after })
      return EXIT_OK
    }
    io.stdout.write(res.snapshotId === null
      ? `Nothing to rewrite: ${positionals[0]} has no snapshot yet.\n`
      : `Rewrote the manifests of ${positionals[0]}: ${res.before} → ${res.after}; new snapshot ${res.snapshotId}.\n`)
    return EXIT_OK
  },
}
