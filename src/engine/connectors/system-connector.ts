/**
 * Catalog `system` (`system.runtime.queries`, `system.runtime.nodes`, `system.metadata.catalogs`,
 * `system.audit.events`) and the `information_schema` every catalog has (schemata, tables, columns), built from
 * the Connector interface. Rows list only what the caller may see (`ScanContext.access`).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { AuditFilter, AuditReader } from '../../govern/index.js'
import type { Session } from '../engine.js'
import type { QueryInfo } from '../session/query-registry.js'
import type { ColumnInfo, Connector, PushdownPredicate, ScanAccess, ScanContext, ScanRequest, TableRef } from './connector.js'
import { col, valuesColumnInfo, valuesSql, type ValuesColumn } from './values-sql.js'

interface VirtualTable {
  readonly columns: readonly ValuesColumn[]
  rows(ctx: ScanContext, req: ScanRequest): Promise<unknown[][]>
}

/** Everything passes when no access rules apply. */
const OPEN: ScanAccess = {
  filterCatalogs: async c => [...c],
  filterSchemas: async (_c, s) => [...s],
  filterTables: async (_c, _s, t) => [...t],
  visibleColumns: async (_r, cols) => [...cols],
  canViewQuery: async () => true,
}
const accessOf = (ctx: ScanContext): ScanAccess => ctx.access ?? OPEN

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
      return { sql: valuesSql(t.columns, await t.rows(ctx, req)) }
    },
  }
}

/** One CDC pipeline as `system.runtime.cdc_pipelines` lists it (times are ISO-8601 strings). */
export interface CdcPipelineRow {
  readonly name: string
  readonly state: string
  readonly lagMs: number
  readonly lastAppliedLsn: string | null
  readonly lastAppliedCommitTime: string | null
  readonly rowsApplied: number
  readonly transactionsApplied: number
  readonly error: string | null
}

/** Tables of `system.runtime` whose rows other layers provide. */
export interface RuntimeTables {
  /** `system.runtime.cdc_pipelines` (empty when absent). */
  readonly cdcPipelines?: () => readonly CdcPipelineRow[]
}

/** The service identity CDC pipelines run as: their rows are visible to whoever may view that user's queries. */
export const CDC_PIPELINES_OWNER = 'akko-cdc'

/** The `system` catalog. `queries` lists the registry; `catalogs` the engine's connectors; `audit` reads the trail. */
export function systemConnector(opts: {
  readonly queries: () => readonly QueryInfo[]
  readonly catalogs: () => readonly Connector[]
  readonly audit?: AuditReader
  readonly runtimeTables?: RuntimeTables
  readonly nodeId?: string
  readonly version?: string
}): Connector {
  return virtualConnector('system', 'system', {
    runtime: {
      queries: {
        columns: [
          col.varchar('query_id'), col.varchar('state'), col.varchar('user'), col.varchar('source'), col.varchar('query'), col.varchar('error_code'),
          col.timestamptz('created'), col.timestamptz('started'), col.timestamptz('end'), col.bigint('output_rows'),
        ],
        rows: async ctx => {
          const out: unknown[][] = []
          for (const q of opts.queries()) {
            if (!(await accessOf(ctx).canViewQuery(q.user))) continue
            out.push([q.queryId, q.state, q.user, q.source ?? null, q.sql, q.error ?? null, q.created, q.started ?? null, q.ended ?? null, q.rows])
          }
          return out
        },
      },
      cdc_pipelines: {
        columns: [
          col.varchar('name'), col.varchar('state'), col.bigint('lag_ms'), col.varchar('last_applied_lsn'), col.timestamptz('last_applied_commit_time'),
          col.bigint('rows_applied'), col.bigint('transactions_applied'), col.varchar('error'),
        ],
        // Visible under the rule of system.runtime.queries, the pipelines being owned by their service identity.
        rows: async ctx => {
          const list = opts.runtimeTables?.cdcPipelines?.() ?? []
          if (list.length === 0 || !(await accessOf(ctx).canViewQuery(CDC_PIPELINES_OWNER))) return []
          return list.map(p => [
            p.name, p.state, Math.round(p.lagMs), p.lastAppliedLsn, p.lastAppliedCommitTime === null ? null : new Date(p.lastAppliedCommitTime),
            p.rowsApplied, p.transactionsApplied, p.error,
          ])
        },
      },
      nodes: {
        columns: [col.varchar('node_id'), col.varchar('http_uri'), col.varchar('node_version'), col.boolean('coordinator'), col.varchar('state')],
        rows: async () => [[opts.nodeId ?? 'akko', null, opts.version ?? 'akko', true, 'active']],
      },
    },
    metadata: {
      catalogs: {
        columns: [col.varchar('catalog_name'), col.varchar('connector_id'), col.varchar('connector_name')],
        rows: async ctx => {
          const all = opts.catalogs()
          const visible = new Set(await accessOf(ctx).filterCatalogs(all.map(c => c.catalog)))
          return all.filter(c => visible.has(c.catalog)).map(c => [c.catalog, c.catalog, c.kind])
        },
      },
    },
    audit: {
      events: {
        columns: AUDIT_COLUMNS,
        rows: async (_ctx, req) => {
          if (!opts.audit) return []
          // The newest events matching the WHERE conjuncts the trail can apply (the engine applies the whole WHERE).
          const events = await opts.audit.events({ ...auditFilterFrom(req.filters), newest: true, limit: AUDIT_EVENTS_MAX })
          return events.map(e => [
            e.id, new Date(e.time), e.kind, e.actor, e.runAs ?? null, e.outcome, e.action, e.source, e.queryId ?? null, e.queryText ?? null,
            [...(e.catalogs ?? [])], [...(e.tables ?? [])], [...(e.rules ?? [])], e.rows ?? null, e.durationMs ?? null,
            e.error?.code ?? null, e.error?.message ?? null, e.remote ?? null, e.details ? JSON.stringify(e.details) : null,
          ])
        },
      },
    },
  })
}

/** Rows `system.audit.events` reads at most per query: the newest ones (narrow older searches with WHERE time/kind/actor/id). */
const AUDIT_EVENTS_MAX = 100_000

const AUDIT_COLUMNS: readonly ValuesColumn[] = [
  col.bigint('id'), col.timestamptz('time'), col.varchar('kind'), col.varchar('actor'), col.varchar('run_as'), col.varchar('outcome'),
  col.varchar('action'), col.varchar('source'), col.varchar('query_id'), col.varchar('query_text'),
  col.varcharArray('catalogs'), col.varcharArray('tables'), col.varcharArray('rules'), col.bigint('rows'), col.bigint('duration_ms'),
  col.varchar('error_code'), col.varchar('error_message'), col.varchar('remote'), col.json('details'),
]

/** The part of a query's WHERE the audit reader can apply itself (the engine still applies all of it). */
export function auditFilterFrom(filters: readonly PushdownPredicate[]): AuditFilter {
  const f: { since?: string; until?: string; kind?: AuditFilter['kind']; actor?: string; afterId?: number } = {}
  const iso = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined)
  for (const p of filters) {
    if (p.column === 'kind' && p.op === '=' && typeof p.value === 'string') f.kind = p.value as AuditFilter['kind']
    else if (p.column === 'actor' && p.op === '=' && typeof p.value === 'string') f.actor = p.value
    else if (p.column === 'id' && (p.op === '>' || p.op === '>=') && (typeof p.value === 'number' || typeof p.value === 'bigint')) {
      const after = Math.floor(Number(p.value)) - (p.op === '>=' ? 1 : 0)
      if (after >= 0) f.afterId = Math.max(f.afterId ?? 0, after)
    } else if (p.column === 'time' && (p.op === '>=' || p.op === '>')) {
      // `>` keeps the bound inclusive: the engine's own filter drops the equal ones.
      const t = iso(p.value)
      if (t !== undefined) f.since = t
    } else if (p.column === 'time' && p.op === '<') {
      const t = iso(p.value)
      if (t !== undefined) f.until = t
    }
  }
  return f
}

const INFO = 'information_schema'

/**
 * Adds `information_schema` (schemata, tables, columns) to a connector, computed from its listings. Listing
 * failures of one table (e.g. an unreadable metadata file) leave that table out rather than failing the query.
 */
export function withInformationSchema(inner: Connector): Connector {
  const session = (ctx: ScanContext): Session => ctx.session
  const schemasOf = async (ctx: ScanContext): Promise<string[]> => accessOf(ctx).filterSchemas(inner.catalog, await inner.listSchemas(session(ctx)))
  const tablesOf = async (ctx: ScanContext, schema: string): Promise<string[]> => accessOf(ctx).filterTables(inner.catalog, schema, await inner.listTables(session(ctx), schema))
  const tables: Readonly<Record<string, VirtualTable>> = {
    schemata: {
      columns: [col.varchar('catalog_name'), col.varchar('schema_name')],
      rows: async ctx => [...(await schemasOf(ctx)), INFO].sort().map(x => [inner.catalog, x]),
    },
    tables: {
      columns: [col.varchar('table_catalog'), col.varchar('table_schema'), col.varchar('table_name'), col.varchar('table_type')],
      rows: async ctx => {
        const out: unknown[][] = []
        for (const schema of await schemasOf(ctx)) for (const t of await tablesOf(ctx, schema)) out.push([inner.catalog, schema, t, 'BASE TABLE'])
        for (const t of Object.keys(tables)) out.push([inner.catalog, INFO, t, 'BASE TABLE'])
        return out
      },
    },
    columns: {
      columns: [
        col.varchar('table_catalog'), col.varchar('table_schema'), col.varchar('table_name'), col.varchar('column_name'), col.bigint('ordinal_position'),
        col.varchar('column_default'), col.varchar('is_nullable'), col.varchar('data_type'), col.varchar('comment'),
      ],
      rows: async ctx => {
        const out: unknown[][] = []
        for (const schema of await schemasOf(ctx)) {
          for (const table of await tablesOf(ctx, schema)) {
            const ref = { catalog: inner.catalog, schema, table }
            const all: ColumnInfo[] = (await inner.describeTable(session(ctx), ref).catch(() => undefined)) ?? []
            const visible = new Set((await accessOf(ctx).visibleColumns(ref, all)).map(c => c.name))
            // Ordinal positions are the table's, as Trino keeps them when columns are hidden.
            all.forEach((c, i) => {
              if (visible.has(c.name)) out.push([inner.catalog, schema, table, c.name, i + 1, null, c.nullable ? 'YES' : 'NO', c.type, c.comment ?? null])
            })
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
    ...(inner.scanColumns ? { scanColumns: (ctx: ScanContext, ref: TableRef) => (ref.schema === INFO ? info.describeTable(ctx.session, ref) : inner.scanColumns!(ctx, ref)) } : {}),
    scan: (ctx, ref, req) => (ref.schema === INFO ? info.scan(ctx, ref, req) : inner.scan(ctx, ref, req)),
    ...(inner.tableProperties ? { tableProperties: (s: Session, ref: TableRef) => (ref.schema === INFO ? Promise.resolve(undefined) : inner.tableProperties!(s, ref)) } : {}),
    ...(inner.stats ? { stats: (s: Session, ref: TableRef) => (ref.schema === INFO ? Promise.resolve(undefined) : inner.stats!(s, ref)) } : {}),
  }
}
