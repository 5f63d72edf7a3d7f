/**
 * Catalog `system` (`system.runtime.queries`, `system.runtime.nodes`, `system.metadata.catalogs`) and the
 * `information_schema` every catalog has (schemata, tables, columns), built from the Connector interface.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { Session } from '../engine.js'
import type { QueryInfo } from '../session/query-registry.js'
import type { ColumnInfo, Connector, ScanContext, TableRef } from './connector.js'
import { col, valuesColumnInfo, valuesSql, type ValuesColumn } from './values-sql.js'

interface VirtualTable {
  readonly columns: readonly ValuesColumn[]
  rows(session: Session): Promise<unknown[][]>
}

function virtualConnector(catalog: string, kind: Connector['kind'], schemas: Readonly<Record<string, Readonly<Record<string, VirtualTable>>>>): Connector {
  const find = (ref: TableRef): VirtualTable | undefined => schemas[ref.schema]?.[ref.table]
  return {
    catalog,
    kind,
    listSchemas: async () => Object.keys(schemas).sort(),
    listTables: async (_s, schema) => Object.keys(schemas[schema] ?? {}).sort(),
    describeTable: async (_s, ref) => {
      const t = find(ref)
      return t ? valuesColumnInfo(t.columns) : undefined
    },
    async scan(ctx: ScanContext, ref: TableRef, req) {
      const t = find(ref)
      if (!t) throw new AkkoError('TABLE_NOT_FOUND', `Table '${ref.catalog}.${ref.schema}.${ref.table}' does not exist`, { ...ref })
      if (req.withRowIds) throw new AkkoError('NOT_SUPPORTED', `Table ${ref.catalog}.${ref.schema}.${ref.table} cannot be modified`, { ...ref })
      return { sql: valuesSql(t.columns, await t.rows(ctx.session)) }
    },
  }
}

/** The `system` catalog. `queries` lists the registry; `catalogs` the engine's connectors. */
export function systemConnector(opts: { readonly queries: () => readonly QueryInfo[]; readonly catalogs: () => readonly Connector[]; readonly nodeId?: string; readonly version?: string }): Connector {
  return virtualConnector('system', 'system', {
    runtime: {
      queries: {
        columns: [
          col.varchar('query_id'), col.varchar('state'), col.varchar('user'), col.varchar('source'), col.varchar('query'), col.varchar('error_code'),
          col.timestamptz('created'), col.timestamptz('started'), col.timestamptz('end'), col.bigint('output_rows'),
        ],
        rows: async () => opts.queries().map(q => [q.queryId, q.state, q.user, q.source ?? null, q.sql, q.error ?? null, q.created, q.started ?? null, q.ended ?? null, q.rows]),
      },
      nodes: {
        columns: [col.varchar('node_id'), col.varchar('http_uri'), col.varchar('node_version'), col.boolean('coordinator'), col.varchar('state')],
        rows: async () => [[opts.nodeId ?? 'akko', null, opts.version ?? 'akko', true, 'active']],
      },
    },
    metadata: {
      catalogs: {
        columns: [col.varchar('catalog_name'), col.varchar('connector_id'), col.varchar('connector_name')],
        rows: async () => opts.catalogs().map(c => [c.catalog, c.catalog, c.kind]),
      },
    },
  })
}

const INFO = 'information_schema'

/**
 * Adds `information_schema` (schemata, tables, columns) to a connector, computed from its listings. Listing
 * failures of one table (e.g. an unreadable metadata file) leave that table out rather than failing the query.
 */
export function withInformationSchema(inner: Connector): Connector {
  const tables: Readonly<Record<string, VirtualTable>> = {
    schemata: {
      columns: [col.varchar('catalog_name'), col.varchar('schema_name')],
      rows: async s => [...(await inner.listSchemas(s)), INFO].sort().map(x => [inner.catalog, x]),
    },
    tables: {
      columns: [col.varchar('table_catalog'), col.varchar('table_schema'), col.varchar('table_name'), col.varchar('table_type')],
      rows: async s => {
        const out: unknown[][] = []
        for (const schema of await inner.listSchemas(s)) for (const t of await inner.listTables(s, schema)) out.push([inner.catalog, schema, t, 'BASE TABLE'])
        for (const t of Object.keys(tables)) out.push([inner.catalog, INFO, t, 'BASE TABLE'])
        return out
      },
    },
    columns: {
      columns: [
        col.varchar('table_catalog'), col.varchar('table_schema'), col.varchar('table_name'), col.varchar('column_name'), col.bigint('ordinal_position'),
        col.varchar('column_default'), col.varchar('is_nullable'), col.varchar('data_type'), col.varchar('comment'),
      ],
      rows: async s => {
        const out: unknown[][] = []
        for (const schema of await inner.listSchemas(s)) {
          for (const table of await inner.listTables(s, schema)) {
            const cols: ColumnInfo[] = (await inner.describeTable(s, { catalog: inner.catalog, schema, table }).catch(() => undefined)) ?? []
            cols.forEach((c, i) => out.push([inner.catalog, schema, table, c.name, i + 1, null, c.nullable ? 'YES' : 'NO', c.type, c.comment ?? null]))
          }
        }
        return out
      },
    },
  }
  const info = virtualConnector(inner.catalog, inner.kind, { [INFO]: tables })
  return {
    catalog: inner.catalog,
    kind: inner.kind,
    listSchemas: async s => [...(await inner.listSchemas(s)), INFO].sort(),
    listTables: (s, schema) => (schema === INFO ? info.listTables(s, schema) : inner.listTables(s, schema)),
    describeTable: (s, ref) => (ref.schema === INFO ? info.describeTable(s, ref) : inner.describeTable(s, ref)),
    scan: (ctx, ref, req) => (ref.schema === INFO ? info.scan(ctx, ref, req) : inner.scan(ctx, ref, req)),
    ...(inner.tableProperties ? { tableProperties: (s: Session, ref: TableRef) => (ref.schema === INFO ? Promise.resolve(undefined) : inner.tableProperties!(s, ref)) } : {}),
    ...(inner.stats ? { stats: (s: Session, ref: TableRef) => (ref.schema === INFO ? Promise.resolve(undefined) : inner.stats!(s, ref)) } : {}),
  }
}
