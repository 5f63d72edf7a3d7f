import type { Command } from '../../command.js'
import { compact } from './compact.js'
import { expireSnapshots } from './expire-snapshots.js'
import { files } from './files.js'
import { namespaces } from './namespaces.js'
import { removeOrphanFiles } from './remove-orphan-files.js'
import { rewriteManifests } from './rewrite-manifests.js'
import { show } from './show.js'
import { snapshots } from './snapshots.js'
import { tables } from './tables.js'

/**
 * `akko iceberg <sub-command>`: one file per sub-command in this folder, listed here in help order
 * (inspection first, then maintenance). Each opens the platform through `withPlatform` (../shared.ts);
 * long maintenance work reports progress through `progressReport` (./progress-report.ts).
 */
export const ICEBERG_SUBCOMMANDS: readonly Command[] = [
  namespaces, tables, show, snapshots, files,
  expireSnapshots, removeOrphanFiles, compact, rewriteManifests,
]

export const iceberg: Command = {
  name: 'iceberg',
  summary: 'Inspect and maintain Iceberg tables in-process: namespaces, tables, snapshots, files, compaction, expiry, orphans',
  subcommands: new Map(ICEBERG_SUBCOMMANDS.map(c => [c.name, c])),
}
