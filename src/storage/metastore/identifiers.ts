import { AkkoError } from '../../core/index.js'
import type { Namespace, TableIdent } from './metastore.js'

/** The separator the Iceberg REST spec uses to join namespace levels in URLs; never allowed inside a level. */
export const NAMESPACE_SEPARATOR = '\u001f'

/** Human-readable form of a namespace for messages: levels joined by dots. */
export const namespaceText = (ns: Namespace): string => ns.join('.')

/** Human-readable form of a table identifier for messages. */
export const identText = (id: TableIdent): string => [...id.namespace, id.name].join('.')

/**
 * Checks a namespace given by a caller: a non-empty list of non-empty strings, none containing the unit
 * separator (it would make the REST form ambiguous) or NUL (PostgreSQL text cannot hold it).
 * Levels are case-sensitive and stored as given.
 */
export function namespaceCheck(ns: unknown, what = 'namespace'): Namespace {
  if (!Array.isArray(ns) || ns.length === 0) throw invalid(`The ${what} must be a non-empty list of levels`, ns)
  for (const level of ns) {
    if (typeof level !== 'string' || level === '') throw invalid(`Every level of the ${what} must be a non-empty string`, ns)
    if (level.includes(NAMESPACE_SEPARATOR)) throw invalid(`A ${what} level may not contain the unit separator (\\u001f)`, ns)
    if (level.includes('\u0000')) throw invalid(`A ${what} level may not contain a NUL character`, ns)
  }
  return Object.freeze([...ns] as string[])
}

/** Checks a table or view identifier: a valid namespace and a non-empty name. */
export function identCheck(id: unknown): TableIdent {
  const ident = id as Partial<TableIdent> | null
  if (!ident || typeof ident !== 'object') throw invalid('A table identifier needs a namespace and a name', id)
  const namespace = namespaceCheck(ident.namespace)
  const name = ident.name
  if (typeof name !== 'string' || name === '') throw invalid('A table or view name must be a non-empty string', id)
  if (name.includes('\u0000')) throw invalid('A table or view name may not contain a NUL character', id)
  return Object.freeze({ namespace, name })
}

/** Checks a non-empty string value such as a metadata location or a property. */
export function textCheck(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('\u0000')) throw invalid(`${what} must be a non-empty string without NUL characters`, value)
  return value
}

/** A stable key for an identifier, used to detect duplicates and to order row locks. */
export const identKey = (id: TableIdent): string => JSON.stringify([...id.namespace, id.name])

function invalid(message: string, value: unknown): AkkoError {
  return new AkkoError('INVALID_ARGUMENT', message, { value })
}
