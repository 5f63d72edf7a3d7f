/**
 * Table properties of Trino's Iceberg connector (`WITH (partitioning = ARRAY['day(ts)'], format_version = 2, …)`)
 * read from the statement and turned into Iceberg partition specs, sort orders and table properties.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { Schema, SortOrder, StructField } from '../../storage/index.js'
import { SqlReader } from './iceberg-sql-reader.js'

/** A property value as written: a string, a number, a boolean or an ARRAY of strings. */
export type PropertyValue = string | number | boolean | readonly string[]

/** Reads `( name = value, … )` after WITH, or a bare `name = value, …` list (ALTER TABLE … SET PROPERTIES). */
export function propertiesRead(r: SqlReader, parenthesized: boolean): Map<string, PropertyValue> {
  const out = new Map<string, PropertyValue>()
  if (parenthesized) r.expectPunct('(')
  do {
    const name = r.ident('property name')
    r.expectPunct('=')
    if (out.has(name)) throw r.error(`Duplicate property: ${name}`)
    out.set(name, propertyValueRead(r))
  } while (r.acceptPunct(','))
  if (parenthesized) r.expectPunct(')')
  return out
}

function propertyValueRead(r: SqlReader): PropertyValue {
  const t = r.peek()
  if (t?.kind === 'string') return r.stringLit()
  if (t?.kind === 'number') {
    r.pos++
    return Number(t.value)
  }
  if (r.acceptKw('TRUE')) return true
  if (r.acceptKw('FALSE')) return false
  if (r.acceptKw('ARRAY')) {
    r.expectPunct('[')
    const items: string[] = []
    if (!r.isPunct(']')) {
      do items.push(r.stringLit('string literal in ARRAY'))
      while (r.acceptPunct(','))
    }
    r.expectPunct(']')
    return items
  }
  throw r.error('expected a property value (string, number, boolean or ARRAY[…])')
}

/** The table properties this connector knows; anything else is refused as Trino refuses it. */
export const TABLE_PROPERTIES = ['partitioning', 'sorted_by', 'format_version', 'location', 'format'] as const

/** Refuses unknown properties and wrong value kinds; returns the known ones typed. */
export function tablePropertiesCheck(props: ReadonlyMap<string, PropertyValue>, catalog: string): {
  partitioning?: readonly string[]
  sortedBy?: readonly string[]
  formatVersion?: number
  location?: string
} {
  for (const k of props.keys()) {
    if (!(TABLE_PROPERTIES as readonly string[]).includes(k)) {
      throw new AkkoError('INVALID_ARGUMENT', `Catalog '${catalog}' table property '${k}' does not exist`, { property: k })
    }
  }
  const list = (k: string): readonly string[] | undefined => {
    const v = props.get(k)
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw new AkkoError('INVALID_ARGUMENT', `Table property '${k}' must be an ARRAY of strings`, { property: k })
    return v as readonly string[]
  }
  const format = props.get('format')
  if (format !== undefined && String(format).toUpperCase() !== 'PARQUET') {
    throw new AkkoError('NOT_SUPPORTED', `File format ${String(format)} is not supported: tables are written as PARQUET`, { property: 'format' })
  }
  const fv = props.get('format_version')
  if (fv !== undefined && fv !== 2) throw new AkkoError('NOT_SUPPORTED', `format_version ${String(fv)} is not supported: tables use Iceberg format version 2`, { property: 'format_version' })
  const location = props.get('location')
  if (location !== undefined && typeof location !== 'string') throw new AkkoError('INVALID_ARGUMENT', "Table property 'location' must be a string", { property: 'location' })
  return { partitioning: list('partitioning'), sortedBy: list('sorted_by'), formatVersion: fv, location }
}

/** One partition field as Trino writes it: `region`, `day(ts)`, `bucket(id, 16)`, `truncate(s, 4)`. */
export interface PartitionFieldText {
  readonly column: string
  /** Iceberg transform: identity, year, month, day, hour, bucket[N], truncate[W], void. */
  readonly transform: string
  /** Iceberg's default partition field name (`ts_day`, `id_bucket`…). */
  readonly name: string
}

/** Parses one `partitioning` entry. INVALID_ARGUMENT for a malformed one. */
export function partitionFieldParse(text: string): PartitionFieldText {
  const bad = (): AkkoError => new AkkoError('INVALID_ARGUMENT', `Unable to parse partitioning value: ${text}`, { partitioning: text })
  let r: SqlReader
  try {
    r = new SqlReader(text)
    const first = r.ident()
    if (!r.acceptPunct('(')) {
      r.expectEnd()
      return { column: first, transform: 'identity', name: first }
    }
    const column = r.ident()
    let transform: string
    let suffix: string
    if (['year', 'month', 'day', 'hour'].includes(first)) {
      transform = first
      suffix = first
    } else if (first === 'bucket' || first === 'truncate') {
      r.expectPunct(',')
      const n = r.peek()
      if (n?.kind !== 'number' || !/^[1-9][0-9]*$/.test(n.value)) throw bad()
      r.pos++
      transform = `${first}[${n.value}]`
      suffix = first === 'bucket' ? 'bucket' : 'trunc'
    } else if (first === 'void') {
      transform = 'void'
      suffix = 'null'
    } else {
      throw bad()
    }
    r.expectPunct(')')
    r.expectEnd()
    return { column, transform, name: `${column}_${suffix}` }
  } catch (e) {
    if (e instanceof AkkoError && e.code === 'SYNTAX_ERROR') throw bad()
    throw e
  }
}

/** A top-level column by name: exact first, then case-insensitively (Trino folds unquoted names to lower case). */
export function columnFind(fields: readonly StructField[], name: string): StructField | undefined {
  return fields.find(f => f.name === name) ?? fields.find(f => f.name.toLowerCase() === name.toLowerCase())
}

/** Partition spec fields (client form, source ids of `schema`) for a `partitioning` list. */
export function partitionSpecFields(schema: Schema, partitioning: readonly string[]): { 'source-id': number; name: string; transform: string }[] {
  return partitioning.map(p => {
    const f = partitionFieldParse(p)
    const col = columnFind(schema.fields, f.column)
    if (!col) throw new AkkoError('COLUMN_NOT_FOUND', `Column '${f.column}' named in partitioning does not exist`, { column: f.column })
    return { 'source-id': col.id, name: f.transform === 'identity' ? col.name : `${col.name}_${f.name.slice(f.column.length + 1)}`, transform: f.transform }
  })
}

/** A sort order for `sorted_by = ARRAY['a', 'b DESC', 'c ASC NULLS LAST']`. */
export function sortOrderFrom(schema: Schema, sortedBy: readonly string[]): SortOrder {
  const fields = sortedBy.map(text => {
    const r = new SqlReader(text)
    const name = r.ident('column name')
    const col = columnFind(schema.fields, name)
    if (!col) throw new AkkoError('COLUMN_NOT_FOUND', `Column '${name}' named in sorted_by does not exist`, { column: name })
    const direction = r.acceptKw('DESC') ? 'desc' : (r.acceptKw('ASC'), 'asc')
    let nullOrder: 'nulls-first' | 'nulls-last' = direction === 'asc' ? 'nulls-first' : 'nulls-last'
    if (r.acceptKw('NULLS', 'FIRST')) nullOrder = 'nulls-first'
    else if (r.acceptKw('NULLS', 'LAST')) nullOrder = 'nulls-last'
    r.expectEnd()
    return { 'source-id': col.id, transform: 'identity', direction, 'null-order': nullOrder } as const
  })
  return { 'order-id': fields.length ? 1 : 0, fields }
}
