import type { Namespace, TableIdent } from '../../../storage/metastore/metastore.js'
import { usageError } from '../../command.js'

/** `a.b` → ['a', 'b']. */
export function namespaceArg(text: string): Namespace {
  const levels = text.split('.')
  if (levels.some(l => l === '')) throw usageError(`Invalid namespace "${text}": use names separated by dots, e.g. sales or sales.eu`)
  return levels
}

/** `a.b.t` → namespace ['a', 'b'], table 't'. */
export function tableArg(text: string): TableIdent {
  const levels = namespaceArg(text)
  if (levels.length < 2) throw usageError(`Invalid table "${text}": use <namespace>.<table>, e.g. sales.orders`)
  return { namespace: levels.slice(0, -1), name: levels[levels.length - 1]! }
}
