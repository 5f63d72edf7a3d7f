/**
 * Loaders: files (CSV, JSON lines, Parquet) and paginated HTTP JSON APIs into Iceberg tables, with every row
 * checked against the table's schema and all of a load committed at once.
 * @module
 */
export type { BadRow, LoadReport, LoadTargetOptions, OnBadRows, OnUnknownColumns } from './types.js'
export type { CsvOptions, LoadFormat } from './file-readers.js'
export { loadFiles, type LoadFilesOptions } from './load-files.js'
export { badRowLine } from './load-source.js'
export { loadHttpJson, linkNext, type LoadHttpJsonOptions, type HttpPagination } from './load-http.js'
export { httpRetryDelay, type HttpRetryOptions } from './http-fetch.js'
