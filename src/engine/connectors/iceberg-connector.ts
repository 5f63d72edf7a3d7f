/**
 * Catalog `iceberg`: schemas are the catalog's (single-level) namespaces, tables are Iceberg tables read
 * through the storage layer's scan planning (pushdown predicates prune manifests and files), with time travel,
 * `_file`/`_pos` row ids for row-level changes, and the `$snapshots`-style metadata tables.
 * @module
 */
import { icebergTableProperties, icebergTableStats } from './iceberg-stats.js'
import { AkkoError } from '../../core/index.js'
import {
  currentSchema, exprAnd, exprEq, exprGt, exprGtEq, exprIn, exprIsNull, exprLt, exprLtEq, exprNotEq, exprNotNull, scanPlan, scanSql, tableLoad,
  type Expr, type IcebergCatalog, type IcebergType, type Schema, type TableContext, type TableIdent,
} from '../../storage/index.js'
import type { Session } from '../engine.js'
import type { ColumnInfo, Connector, PushdownPredicate, ScanContext, ScanRequest, TableRef } from './connector.js'
import { viewDefinition } from '../statements/iceberg-views.js'
import { metadataTableColumns, metadataTableParse, metadataTableSql } from './iceberg-metadata-tables.js'

/** Trino's type for an Iceberg type (as Trino's Iceberg connector maps them). */
export function icebergTypeToTrino(t: IcebergType): string {
  if (typeof t === 'string') {
    const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t)
    if (dec) return `decimal(${dec[1]},${dec[2]})`
    if (/^fixed\[\d+\]$/.test(t)) return 'varbinary'
    const map: Record<string, string> = {
      boolean: 'boolean', int: 'integer', long: 'bigint', float: 'real', double: 'double', date: 'date', time: 'time(6)',
      timestamp: 'timestamp(6)', timestamptz: 'timestamp(6) with time zone', timestamp_ns: 'timestamp(9)', timestamptz_ns: 'timestamp(9) with time zone',
      string: 'varchar', uuid: 'uuid', binary: 'varbinary',
    }
    const out = map[t]
    if (!out) throw new AkkoError('NOT_SUPPORTED', `Iceberg type ${t} has no Trino equivalent`, { type: t })
    return out
  }
  if (t.type === 'list') return `array(${icebergTypeToTrino(t.element)})`
  if (t.type === 'map') return `map(${icebergTypeToTrino(t.key)}, ${icebergTypeToTrino(t.value)})`
  return `row(${t.fields.map(f => `${/^[a-z_][a-z0-9_]*$/.test(f.name) ? f.name : `"${f.name.replaceAll('"', '""')}"`} ${icebergTypeToTrino(f.type)})`).join(', ')})`
}

/** Iceberg filter for the pushdown predicates the engine extracted (unknown columns are skipped). */
export function pushdownToExpr(filters: readonly PushdownPredicate[], schema: Schema): Expr | undefined {
  const names = new Set(schema.fields.map(f => f.name.toLowerCase()))
  const parts: Expr[] = []
  for (const p of filters) {
    if (!names.has(p.column.toLowerCase())) continue
    const v = typeof p.value === 'bigint' ? Number(p.value) : p.value
    switch (p.op) {
      case '=': parts.push(exprEq(p.column, v)); break
      case '<>': parts.push(exprNotEq(p.column, v)); break
      case '<': parts.push(exprLt(p.column, v)); break
      case '<=': parts.push(exprLtEq(p.column, v)); break
      case '>': parts.push(exprGt(p.column, v)); break
      case '>=': parts.push(exprGtEq(p.column, v)); break
      case 'in': parts.push(exprIn(p.column, (v as unknown[]).map(x => (typeof x === 'bigint' ? Number(x) : x)))); break
      case 'is null': parts.push(exprIsNull(p.column)); break
      case 'is not null': parts.push(exprNotNull(p.column)); break
    }
  }
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : exprAnd(...parts)
}

/** The `iceberg` catalog over the storage layer. */
export function icebergConnector(opts: { readonly catalog: IcebergCatalog; readonly tables: TableContext; readonly name?: string }): Connector {
  const { catalog, tables } = opts
  const ident = (ref: TableRef, table = ref.table): TableIdent => ({ namespace: [ref.schema], name: table })
  const notFound = (ref: TableRef): AkkoError => new AkkoError('TABLE_NOT_FOUND', `Table '${ref.catalog}.${ref.schema}.${ref.table}' does not exist`, { catalog: ref.catalog, schema: ref.schema, table: ref.table })
  const load = async (ref: TableRef, table = ref.table) => {
    try {
      return await tableLoad(tables, ident(ref, table))
    } catch (e) {
      if (e instanceof AkkoError && (e.code === 'TABLE_NOT_FOUND' || e.code === 'NAMESPACE_NOT_FOUND')) throw notFound(ref)
      throw e
    }
  }
  /** The table's state loaded once per statement: the columns the binder checks are those of the snapshot it scans. */
  const loadIn = (ctx: ScanContext, ref: TableRef, table = ref.table): ReturnType<typeof load> => {
    if (!ctx.memo) return load(ref, table)
    const key = `iceberg-load\u0000${ref.catalog}\u0000${ref.schema}\u0000${table}`
    let hit = ctx.memo.get(key) as ReturnType<typeof load> | undefined
    if (!hit) {
      hit = load(ref, table)
      ctx.memo.set(key, hit)
      hit.catch(() => ctx.memo?.delete(key))
    }
    return hit
  }
  const columnsOf = (m: Parameters<typeof currentSchema>[0]): ColumnInfo[] =>
    currentSchema(m).fields.map(f => ({ name: f.name, type: icebergTypeToTrino(f.type), nullable: !f.required, ...(f.doc ? { comment: f.doc } : {}) }))
  return {
    catalog: opts.name ?? 'iceberg',
    kind: 'iceberg',
    async scanColumns(ctx: ScanContext, ref: TableRef): Promise<ColumnInfo[] | undefined> {
      const meta = metadataTableParse(ref.table)
      try {
        const state = await loadIn(ctx, ref, meta?.table)
        return meta ? metadataTableColumns(meta.kind) : columnsOf(state.metadata)
      } catch (e) {
        if (e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND') return undefined
        throw e
      }
    },
    async listSchemas(_s: Session) {
      return (await catalog.listNamespaces()).filter(n => n.namespace.length === 1).map(n => n.namespace[0] as string).sort()
    },
    async listTables(_s: Session, schema: string) {
      // Trino lists views with the tables (SHOW TABLES, information_schema.tables).
      const views = await catalog.metastore.listTables([schema], 'view')
      return [...new Set([...(await catalog.listTables([schema])), ...views].map(t => t.name))].sort()
    },
    async describeTable(_s: Session, ref: TableRef): Promise<ColumnInfo[] | undefined> {
      const meta = metadataTableParse(ref.table)
      try {
        if (meta) {
          await load(ref, meta.table)
          return metadataTableColumns(meta.kind)
        }
        return columnsOf((await load(ref)).metadata)
      } catch (e) {
        if (!(e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND')) throw e
        if (meta) return undefined
        return (await viewDefinition(catalog, ref))?.columns.map(c => ({ ...c }))
      }
    },
    async tableProperties(_s: Session, ref: TableRef) {
      if (metadataTableParse(ref.table)) return undefined
      try {
        return icebergTableProperties((await load(ref)).metadata)
      } catch (e) {
        if (e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND') return undefined
        throw e
      }
    },
    async stats(_s: Session, ref: TableRef) {
      if (metadataTableParse(ref.table)) return undefined
      const state = await load(ref)
      return icebergTableStats(tables, state.metadata)
    },
    async scan(ctx: ScanContext, ref: TableRef, req: ScanRequest) {
      const meta = metadataTableParse(ref.table)
      if (meta) {
        if (req.withRowIds) throw new AkkoError('NOT_SUPPORTED', `Metadata table ${ref.table} cannot be modified`, { table: ref.table })
        const state = await loadIn(ctx, ref, meta.table)
        return { sql: await metadataTableSql(tables, state.metadata, meta.kind, ctx.signal) }
      }
      const state = await loadIn(ctx, ref)
      const selector = { ...req.version, signal: ctx.signal }
      const filter = pushdownToExpr(req.filters, currentSchema(state.metadata))
      let plan
      try {
        plan = await scanPlan(tables, state.metadata, { ...selector, filter })
      } catch (e) {
        // A predicate the storage layer cannot bind (e.g. a literal of another type) only costs pruning.
        if (!filter || (e instanceof AkkoError && e.code === 'SNAPSHOT_NOT_FOUND')) throw e
        plan = await scanPlan(tables, state.metadata, selector)
      }
      return scanSql({ schema: plan.schema, tableSchema: currentSchema(state.metadata), tasks: plan.tasks, store: tables.store, withFilePos: req.withRowIds === true, signal: ctx.signal })
    },
  }
}
