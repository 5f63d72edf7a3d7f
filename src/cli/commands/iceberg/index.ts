import type { Command } from '../../command.js'
import { namespaces } from './namespaces.js'
import { show } from './show.js'
import { snapshots } from './snapshots.js'
import { tables } from './tables.js'

/**
 * `akko iceberg <sub-command>`. Extension point: maintenance sub-commands (`files`, `expire-snapshots`,
 * `compact`, `remove-orphan-files`, `rewrite-manifests`) are added as one file each in this folder and
 * listed here; they get the platform through `withPlatform` (../shared.ts) and may report progress with
 * `progressBar` (../../progress.ts).
 */
export const ICEBERG_SUBCOMMANDS: readonly Command[] = [namespaces, tables, show, snapshots]

export const iceberg: Command = {
  name: 'iceberg',
  summary: 'Inspect the Iceberg catalog in-process: namespaces, tables, table details, snapshots',
  subcommands: new Map(ICEBERG_SUBCOMMANDS.map(c => [c.name, c])),
}
