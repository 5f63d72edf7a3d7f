import type { Namespace } from '../../../storage/index.js'
import type { IcebergCatalog } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputRows } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { namespaceArg } from './args.js'

/** Every namespace under `parent`, depth first (the catalog lists one level at a time). */
export async function namespacesAll(catalog: IcebergCatalog, parent: Namespace = []): Promise<Array<{ namespace: Namespace; properties: Readonly<Record<string, string>> }>> {
  const out: Array<{ namespace: Namespace; properties: Readonly<Record<string, string>> }> = []
  for (const rec of await catalog.listNamespaces(parent)) {
    out.push(rec)
    out.push(...(await namespacesAll(catalog, rec.namespace)))
  }
  return out
}

/** `akko iceberg namespaces [parent]`. */
export const namespaces: Command = {
  name: 'namespaces',
  args: '[parent]',
  positionals: { min: 0, max: 1 },
  summary: 'List namespaces (all levels, or those under a parent) with their properties',
  options: { format: FORMAT_OPTION, home: HOME_OPTION },
  async run({ values, positionals }, io) {
    const parent = positionals[0] ? namespaceArg(positionals[0]) : []
    const rows = await withPlatform(io, values.home, async p =>
      (await namespacesAll(p.catalog, parent)).map(n => ({ namespace: n.namespace.join('.'), properties: Object.keys(n.properties).length ? n.properties : null })),
    )
    outputRows(io, rows, ['namespace', 'properties'], values.format)
    return EXIT_OK
  },
}
