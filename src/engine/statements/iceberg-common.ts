/**
 * What the Iceberg statement handlers share: resolving names to Iceberg tables and schemas, and the result
 * shapes Trino returns for DDL (`result boolean` = true) and DML (`rows bigint` = n, with updateCount).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { TablePrivilege } from '../../govern/index.js'
import type { TableIdent } from '../../storage/index.js'
import type { TableRef } from '../connectors/connector.js'
import type { TableGovernance } from '../governance/query-access.js'
import type { QueryResult } from '../engine.js'
import type { StatementContext } from './statement.js'
import { quoteIdent } from './iceberg-sql-reader.js'

/** A table of an Iceberg catalog: the engine's reference and the storage layer's identifier. */
export interface IcebergTarget {
  readonly ref: TableRef
  readonly ident: TableIdent
  /** `"catalog"."schema"."table"`, for embedding in SQL given to `bindQuery`. */
  readonly sqlName: string
  /** `catalog.schema.table`, for messages. */
  readonly display: string
}

/** Resolves a 1-3 part table name with the session's catalog and schema; NOT_SUPPORTED when the catalog is not Iceberg. */
export function icebergTarget(ctx: StatementContext, parts: readonly string[], what: string): IcebergTarget {
  const ref = ctx.resolveName(parts)
  catalogCheck(ctx, ref.catalog, what)
  return {
    ref,
    ident: { namespace: [ref.schema], name: ref.table },
    sqlName: [ref.catalog, ref.schema, ref.table].map(quoteIdent).join('.'),
    display: `${ref.catalog}.${ref.schema}.${ref.table}`,
  }
}

/** A schema name `s` or `catalog.s` resolved with the session's catalog. */
export function icebergSchema(ctx: StatementContext, parts: readonly string[], what: string): { readonly catalog: string; readonly schema: string } {
  if (parts.length > 2) throw new AkkoError('SYNTAX_ERROR', `Too many dots in schema name: ${parts.join('.')}`, { name: parts.join('.') })
  const catalog = parts.length === 2 ? (parts[0] as string) : ctx.session.catalog
  if (!catalog) throw new AkkoError('INVALID_REQUEST', 'Catalog must be specified when session catalog is not set', {})
  catalogCheck(ctx, catalog, what)
  return { catalog, schema: parts[parts.length - 1] as string }
}

function catalogCheck(ctx: StatementContext, catalog: string, what: string): void {
  const c = ctx.connector(catalog)
  if (!c) throw new AkkoError('NOT_FOUND', `Catalog '${catalog}' does not exist`, { catalog })
  if (c.kind !== 'iceberg') throw new AkkoError('NOT_SUPPORTED', `This connector does not support ${what} (catalog '${catalog}' is ${c.kind})`, { catalog, statement: what })
}

/** The result of a statement without output: Trino's `result boolean` column with one `true` row. */
export function ddlResult(ctx: StatementContext, updateType: string): QueryResult {
  return { queryId: ctx.queryId, columns: [{ name: 'result', type: 'boolean' }], rows: once([[true]]), updateType }
}

/** The result of INSERT/UPDATE/DELETE/MERGE/CTAS: a `rows bigint` column and updateCount. */
export function dmlResult(ctx: StatementContext, updateType: string, count: number): QueryResult {
  return { queryId: ctx.queryId, columns: [{ name: 'rows', type: 'bigint' }], rows: once([[count]]), updateType, updateCount: count }
}

async function* once(batch: readonly (readonly unknown[])[]): AsyncIterable<readonly (readonly unknown[])[]> {
  yield batch
}

/** True when `e` is an AkkoError with `code`. */
export const isCode = (e: unknown, code: string): boolean => e instanceof AkkoError && e.code === code

/**
 * Refuses the statement unless the caller holds `privilege` on the target (Trino's wording: `Access Denied: Cannot
 * <action> c.s.t`), and notes the table for the audit trail. Checked before anything is read or written.
 */
export async function targetCheck(ctx: StatementContext, target: IcebergTarget, privilege: TablePrivilege, action: string): Promise<void> {
  if (!ctx.access) return
  ctx.access.touch(target.ref)
  await ctx.access.check(target.ref, privilege, action)
}

/** Refuses schema DDL unless the caller owns the schema (Trino's `schemas` rules). */
export async function schemaOwnerCheck(ctx: StatementContext, catalog: string, schema: string, action: string): Promise<void> {
  if (!ctx.access) return
  ctx.access.record.catalogs.add(catalog)
  await ctx.access.checkSchemaOwner(catalog, schema, action)
}

const NO_GOVERNANCE: TableGovernance = { masks: new Map(), denied: new Set(), governed: false }

/** The caller's row filter and column masks on a write target (none without access rules or when it does not exist). */
export async function targetGovernance(ctx: StatementContext, target: IcebergTarget): Promise<TableGovernance> {
  if (!ctx.access?.enabled) return NO_GOVERNANCE
  const columns = await ctx.connector(target.ref.catalog)?.describeTable(ctx.session, target.ref)
  return columns ? ctx.access.governance(target.ref, columns) : NO_GOVERNANCE
}

/**
 * Trino refuses writes through column masks (the stored values could not be told from masked ones): INSERT,
 * UPDATE and MERGE into a table the caller reads masked fail with NOT_SUPPORTED.
 */
export function maskedWriteRefuse(g: TableGovernance, message: string, target: IcebergTarget): void {
  if (g.masks.size > 0) throw new AkkoError('NOT_SUPPORTED', message, { table: target.display })
}

/** The column a guarded staging query adds: whether the row matches the caller's row filter on the target. */
export const ROW_OK = '__akko_row_ok'

/**
 * Rows written by a caller with a row filter on the target must match it (they could not read them back
 * otherwise): `stageCount` counts the staged rows that do not, and any is PERMISSION_DENIED.
 */
export async function rowFilterViolations(target: IcebergTarget, verb: string, bad: number): Promise<void> {
  if (bad === 0) return
  throw new AkkoError('PERMISSION_DENIED', `Access Denied: Cannot ${verb} rows that do not match the row filter on table ${target.display}`, { table: target.display, rows: bad })
}
