/**
 * The shapes shared by the file and HTTP loaders: what to do with bad rows, how a bad row is reported, and the
 * report a load returns.
 * @module
 */
import type { TableIdent } from '../../storage/index.js'

/** `fail`: any bad row fails the load and nothing is written. `skip`: bad rows are left out and reported. */
export type OnBadRows = 'fail' | 'skip'

/** Source columns the table does not have: `fail` the load (before reading any row), or `ignore` them. */
export type OnUnknownColumns = 'fail' | 'ignore'

/** A row that could not be loaded. */
export interface BadRow {
  /** The file as the caller named it (file loads). */
  readonly file?: string
  /** The page it came from, 1-based (HTTP loads). */
  readonly page?: number
  /**
   * 1-based row number: in a CSV file the data record (the header is not counted; a quoted field spanning lines
   * still makes one record), in a JSON lines file the record (blank lines are not counted), in Parquet the row,
   * in an HTTP load the record's position in its page.
   */
  readonly row: number
  /** The first column at fault, when the problem is a value. */
  readonly column?: string
  /** What is wrong, e.g. `column amount: 'abc' is not a decimal(12,2)`. */
  readonly reason: string
}

/** Options common to every load. */
export interface LoadTargetOptions {
  /** The Iceberg table: `ns.table` (dots separate namespace levels) or a TableIdent. */
  readonly table: TableIdent | string
  /** Create the table (and its namespace) when it does not exist, with a schema inferred from the data. */
  readonly create?: boolean
  /**
   * Partitioning of a table created here, in Trino's syntax: `region`, `day(ts)`, `month(ts)`, `year(ts)`,
   * `hour(ts)`, `bucket(16, id)`, `truncate(4, name)`.
   */
  readonly partitionBy?: readonly string[]
  /** Default `fail`. */
  readonly onBadRows?: OnBadRows
  /** Default `fail`. */
  readonly onUnknownColumns?: OnUnknownColumns
  /** Most bad rows listed in a report or an error (default 100); all are counted. */
  readonly maxBadRowsReported?: number
  readonly signal?: AbortSignal
}

/** What a load did. */
export interface LoadReport {
  /** `ns.table`. */
  readonly table: string
  /** Rows appended. */
  readonly rows: number
  /** Files read (file loads). */
  readonly files?: number
  /** Pages fetched (HTTP loads). */
  readonly pages?: number
  /** HTTP loads: true when `maxPages` stopped the walk while the API still offered a next page. */
  readonly truncated?: boolean
  /** Whether this load created the table. */
  readonly created: boolean
  /** Rows left out (skip mode), at most `maxBadRowsReported` of them. */
  readonly badRows: readonly BadRow[]
  /** How many rows were bad in all. */
  readonly badRowCount: number
  /** Source columns the table does not have, left out (with `onUnknownColumns: 'ignore'`). */
  readonly ignoredColumns: readonly string[]
  /** The snapshot the append committed; absent when nothing was appended. */
  readonly snapshotId?: bigint
}
