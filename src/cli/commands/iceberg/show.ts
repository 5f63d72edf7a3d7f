import type { IcebergType, PartitionSpec, Schema, SortOrder, TableMetadata } from '../../../storage/index.js'
import { EXIT_OK, type Command } from '../../command.js'
import { FORMAT_OPTION, formatTable, outputJson } from '../../output.js'
import { HOME_OPTION, withPlatform } from '../shared.js'
import { tableArg } from './args.js'

/** `akko iceberg show <ns.table>`: schema with field ids, partitioning, sort order, properties, current snapshot. */
export const show: Command = {
  name: 'show',
  args: '<namespace.table>',
  positionals: { min: 1, max: 1 },
  summary: 'Show a table: schema (field ids, types), partition spec, sort order, properties, current snapshot, location',
  options: { format: FORMAT_OPTION, home: HOME_OPTION },
  async run({ values, positionals }, io) {
    const ident = tableArg(positionals[0]!)
    const t = await withPlatform(io, values.home, p => p.catalog.loadTable(ident))
    const m = t.metadata
    const schema = m.schemas.find(s => s['schema-id'] === m['current-schema-id'])!
    const spec = m['partition-specs'].find(s => s['spec-id'] === m['default-spec-id'])
    const order = m['sort-orders'].find(o => o['order-id'] === m['default-sort-order-id'])
    const current = m.snapshots.find(s => s['snapshot-id'] === m['current-snapshot-id'])
    const names = fieldNames(schema)
    if (values.format === 'json') {
      outputJson(io, {
        table: positionals[0], location: m.location, metadataLocation: t.metadataLocation, formatVersion: m['format-version'],
        uuid: m['table-uuid'], schema, partitionSpec: spec ?? null, sortOrder: order ?? null, properties: m.properties, currentSnapshot: current ?? null,
      })
      return EXIT_OK
    }
    const out: string[] = [
      `Table:     ${positionals[0]}`,
      `Location:  ${m.location}`,
      `Metadata:  ${t.metadataLocation}`,
      `Format:    v${m['format-version']}  uuid ${m['table-uuid']}`,
      '',
      `Schema (id ${schema['schema-id']}):`,
      indent(formatTable(schemaRows(schema), ['id', 'name', 'type', 'required'])),
      `Partition spec${spec ? ` (id ${spec['spec-id']})` : ''}: ${describeSpec(spec, names)}`,
      `Sort order${order ? ` (id ${order['order-id']})` : ''}: ${describeOrder(order, names)}`,
      '',
      'Properties:',
      ...(Object.keys(m.properties).length ? Object.entries(m.properties).map(([k, v]) => `  ${k} = ${v}`) : ['  (none)']),
      '',
      `Current snapshot: ${describeSnapshot(m, current)}`,
    ]
    io.stdout.write(out.join('\n') + '\n')
    return EXIT_OK
  },
}

/** Rows of the schema, nested fields under dotted names (list elements as `.element`, maps as `.key`/`.value`). */
function schemaRows(schema: Schema): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = []
  const walk = (type: IcebergType, prefix: string): void => {
    if (typeof type === 'string') return
    if (type.type === 'struct') {
      for (const f of type.fields) {
        rows.push({ id: f.id, name: prefix + f.name, type: typeText(f.type), required: f.required ? 'required' : 'optional' })
        walk(f.type, `${prefix}${f.name}.`)
      }
    } else if (type.type === 'list') {
      rows.push({ id: type['element-id'], name: prefix + 'element', type: typeText(type.element), required: type['element-required'] ? 'required' : 'optional' })
      walk(type.element, prefix + 'element.')
    } else {
      rows.push({ id: type['key-id'], name: prefix + 'key', type: typeText(type.key), required: 'required' })
      rows.push({ id: type['value-id'], name: prefix + 'value', type: typeText(type.value), required: type['value-required'] ? 'required' : 'optional' })
      walk(type.key, prefix + 'key.')
      walk(type.value, prefix + 'value.')
    }
  }
  walk(schema, '')
  return rows
}

function typeText(t: IcebergType): string {
  if (typeof t === 'string') return t
  if (t.type === 'struct') return 'struct'
  if (t.type === 'list') return `list<${typeText(t.element)}>`
  return `map<${typeText(t.key)}, ${typeText(t.value)}>`
}

function fieldNames(schema: Schema): Map<number, string> {
  return new Map(schemaRows(schema).map(r => [r.id as number, r.name as string]))
}

function describeSpec(spec: PartitionSpec | undefined, names: Map<number, string>): string {
  if (!spec || !spec.fields.length) return 'unpartitioned'
  return spec.fields.map(f => `${f.name} = ${f.transform}(${names.get(f['source-id']) ?? `#${f['source-id']}`}) [field id ${f['field-id']}]`).join(', ')
}

function describeOrder(order: SortOrder | undefined, names: Map<number, string>): string {
  if (!order || !order.fields.length) return 'unsorted'
  return order.fields.map(f => `${f.transform}(${names.get(f['source-id']) ?? `#${f['source-id']}`}) ${f.direction} ${f['null-order']}`).join(', ')
}

function describeSnapshot(m: TableMetadata, s: TableMetadata['snapshots'][number] | undefined): string {
  if (!s) return 'none (the table is empty)'
  const total = s.summary['total-records']
  return `${s['snapshot-id']} (${s.summary.operation}, ${new Date(s['timestamp-ms']).toISOString()}, sequence ${s['sequence-number']}` +
    `${total !== undefined ? `, ${total} records` : ''}); ${m.snapshots.length} snapshot(s) in total`
}

const indent = (text: string): string => text.split('\n').map(l => (l ? '  ' + l : l)).join('\n')
