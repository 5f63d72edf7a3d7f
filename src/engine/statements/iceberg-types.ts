/**
 * Trino types as written in DDL (`bigint`, `decimal(12,2)`, `timestamp(6) with time zone`, `array(row(a int))`)
 * mapped to Iceberg types, the way Trino's Iceberg connector maps them (spec "Schemas and Data Types").
 * The same parser reads the Trino type strings the engine reports for a query's columns (CTAS).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { IcebergType, StructField } from '../../storage/index.js'
import { SqlReader } from './iceberg-sql-reader.js'

/** Hands out field ids for nested types; metadataNew and add-schema reassign nothing we give them except at creation. */
export interface FieldIds {
  next(): number
}

/** Sequential ids from `start`. */
export function fieldIdsFrom(start: number): FieldIds {
  let id = start
  return { next: () => id++ }
}

/** Reads one Trino type at the reader's cursor and returns its Iceberg type; NOT_SUPPORTED for types Iceberg cannot store. */
export function trinoTypeRead(r: SqlReader, ids: FieldIds): IcebergType {
  const at = r.offset()
  const name = r.ident('type name')
  const args = (): string[] => {
    if (!r.acceptPunct('(')) return []
    const out: string[] = []
    do {
      const t = r.peek()
      if (t?.kind !== 'number') throw r.error('expected a number')
      out.push(t.value)
      r.pos++
    } while (r.acceptPunct(','))
    r.expectPunct(')')
    return out
  }
  switch (name) {
    case 'boolean': return 'boolean'
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int': return 'int'
    case 'bigint': return 'long'
    case 'real': return 'float'
    case 'double':
      r.acceptKw('PRECISION')
      return 'double'
    case 'decimal':
    case 'numeric': {
      const [p = '38', s = '0'] = args()
      const precision = Number(p)
      const scale = Number(s)
      if (!(precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision)) {
        throw new AkkoError('INVALID_ARGUMENT', `Invalid decimal(${p},${s}): precision must be 1..38 and scale 0..precision`, { at })
      }
      return `decimal(${precision}, ${scale})`
    }
    case 'varchar':
    case 'char':
    case 'string':
      args()
      return 'string'
    case 'varbinary': return 'binary'
    case 'date': return 'date'
    case 'uuid': return 'uuid'
    case 'time': {
      precisionCheck(args(), name)
      if (r.isKw('WITH', 'TIME', 'ZONE')) throw unsupportedType('time with time zone')
      r.acceptKw('WITHOUT', 'TIME', 'ZONE')
      return 'time'
    }
    case 'timestamp': {
      precisionCheck(args(), name)
      if (r.acceptKw('WITH', 'TIME', 'ZONE')) return 'timestamptz'
      r.acceptKw('WITHOUT', 'TIME', 'ZONE')
      return 'timestamp'
    }
    case 'array': {
      r.expectPunct('(')
      const elementId = ids.next()
      const element = trinoTypeRead(r, ids)
      r.expectPunct(')')
      return { type: 'list', 'element-id': elementId, element, 'element-required': false }
    }
    case 'map': {
      r.expectPunct('(')
      const keyId = ids.next()
      const valueId = ids.next()
      const key = trinoTypeRead(r, ids)
      r.expectPunct(',')
      const value = trinoTypeRead(r, ids)
      r.expectPunct(')')
      return { type: 'map', 'key-id': keyId, key, 'value-id': valueId, value, 'value-required': false }
    }
    case 'row': {
      r.expectPunct('(')
      const fields: StructField[] = []
      do {
        const fieldName = r.ident('field name')
        const id = ids.next()
        fields.push({ id, name: fieldName, required: false, type: trinoTypeRead(r, ids) })
      } while (r.acceptPunct(','))
      r.expectPunct(')')
      return { type: 'struct', fields }
    }
    default:
      throw unsupportedType(name)
  }
}

/** Parses a whole Trino type string, e.g. one of a query's `ColumnMeta.type`. */
export function trinoTypeParse(type: string, ids: FieldIds): IcebergType {
  const r = new SqlReader(type)
  const t = trinoTypeRead(r, ids)
  r.expectEnd()
  return t
}

/** The Trino type Trino's Iceberg connector shows for an Iceberg type. */
export function icebergToTrinoType(t: IcebergType): string {
  if (typeof t === 'string') {
    if (t.startsWith('decimal')) return t.replace(/\s+/g, '')
    const m: Record<string, string> = {
      boolean: 'boolean', int: 'integer', long: 'bigint', float: 'real', double: 'double', string: 'varchar', binary: 'varbinary',
      date: 'date', time: 'time(6)', timestamp: 'timestamp(6)', timestamptz: 'timestamp(6) with time zone', uuid: 'uuid',
    }
    return m[t] ?? (t.startsWith('fixed') ? 'varbinary' : t)
  }
  if (t.type === 'list') return `array(${icebergToTrinoType(t.element)})`
  if (t.type === 'map') return `map(${icebergToTrinoType(t.key)}, ${icebergToTrinoType(t.value)})`
  return `row(${t.fields.map(f => `${f.name} ${icebergToTrinoType(f.type)}`).join(', ')})`
}

function precisionCheck(args: readonly string[], name: string): void {
  // Iceberg stores microseconds; Trino's Iceberg connector accepts only precision 6 for time and timestamp.
  if (args.length > 0 && args[0] !== '6') throw new AkkoError('NOT_SUPPORTED', `Type ${name}(${args[0]}) is not supported by Iceberg tables: use ${name}(6)`, { type: name })
}

function unsupportedType(name: string): AkkoError {
  return new AkkoError('NOT_SUPPORTED', `Type '${name}' is not supported for Iceberg table columns`, { type: name })
}
