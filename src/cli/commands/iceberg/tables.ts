import type { TableIdent } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, outputRows } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { namespaceArg } from './args.js'
import { namespacesAll } from './namespaces.js'

/** `akko iceberg tables [namespace]`: one namespace's tables, or every table. */
export const tables: Command = {
  name: 'tables',
  args: '[namespace]',
  positionals: { min: 0, max: 1 },
  summary: 'List tables of a namespace (or of every namespace)',
  options: { format: FORMAT_OPTION, home: HOME_OPTION },
  async run({ values, positionals }, io) {
    const rows = await withPlatform(io, values.home, async p => {
      const spaces = positionals[0] ? [namespaceArg(positionals[0])] : (await namespacesAll(p.catalog)).map(n => n.namespace)
      const found: TableIdent[] = []
      for (const ns of spaces) found.push(...(await p.catalog.listTables(ns)))
      return found.map(t => ({ namespace: t.namespace.join('.'), table: t.name }))
    })
    outputRows(io, rows, ['namespace', 'table'], values.format)
    return EXIT_OK
  },
}
