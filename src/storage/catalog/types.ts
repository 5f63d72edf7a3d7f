import type { Namespace, TableIdent } from '../metastore/metastore.js'
import type { TableMetadata } from '../iceberg/spec.js'
import type { TableRequirement, TableUpdate } from '../iceberg/updates.js'

/** A table as the catalog serves it: where its current metadata file is, and that file parsed. */
export interface LoadedTable {
  readonly metadataLocation: string
  readonly metadata: TableMetadata
}

/**
 * The result of a staged create (REST "stage-create": true): metadata that exists nowhere yet.
 * The client later commits it with an `assert-create` requirement.
 */
export interface StagedTable {
  readonly metadataLocation?: undefined
  readonly metadata: TableMetadata
}

/**
 * A create-table request (Iceberg REST `CreateTableRequest`). Schema, spec and sort order arrive as the
 * client sent them; `metadataNew` validates them and assigns fresh ids, as the REST spec allows.
 */
export interface CreateTableRequest {
  readonly name: string
  readonly location?: string
  readonly schema: unknown
  readonly 'partition-spec'?: unknown
  readonly 'write-order'?: unknown
  readonly 'stage-create'?: boolean
  readonly properties?: Readonly<Record<string, string>>
}

/** One table's part of a (multi-table) commit. */
export interface TableChange {
  readonly ident: TableIdent
  readonly requirements: readonly TableRequirement[]
  readonly updates: readonly TableUpdate[]
}

/** What an engine-side operation builds from a freshly loaded table before `commitWithRetry` commits it. */
export interface CommitPlan {
  readonly requirements: readonly TableRequirement[]
  readonly updates: readonly TableUpdate[]
}

export interface DropTableOptions {
  /** Also delete every file the table references (data, manifests, metadata) once its pointer is gone. */
  readonly purge?: boolean
}

export interface RegisterTableOptions {
  /** Replace the pointer of an existing table instead of failing with TABLE_ALREADY_EXISTS. */
  readonly overwrite?: boolean
}

export interface CommitRetryOptions {
  /** Retries after the first attempt (default 4). */
  readonly retries?: number
  /** Base backoff in milliseconds, doubled each attempt and jittered (default 25). */
  readonly baseDelayMs?: number
}

/** `a.b` style display name of a namespace (levels joined by dots). */
export const namespaceDisplay = (ns: Namespace): string => ns.join('.')

/** `a.b.t` style display name of a table. */
export const tableIdentDisplay = (ident: TableIdent): string => [...ident.namespace, ident.name].join('.')
