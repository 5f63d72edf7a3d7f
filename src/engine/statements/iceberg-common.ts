/**
 * What the Iceberg statement handlers share: resolving names to Iceberg tables and schemas, and the result
 * shapes Trino returns for DDL (`result boolean` = true) and DML (`rows bigint` = n, with updateCount).
 * @module
 */
import { AkkoError } from '../../core/index.js'
import type { TableIdent } from '../../storage/index.js'
import type { TableRef } from '../connectors/connector.js'
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
