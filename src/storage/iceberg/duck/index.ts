/**
 * The DuckDB data-file layer of Iceberg storage: writing Parquet data and position delete files with
 * field ids and column metrics, and the SQL that reads a planned scan by field id with deletes applied.
 * @module
 */
export { DuckRuntime, type DuckRuntimeOptions } from './duck-runtime.js'
export { icebergToDuckType, duckToIcebergType, type FieldIdSource } from './duck-types.js'
export { duckValueToIceberg } from './duck-values.js'
export { duckError } from './duck-run.js'
export { partitionExprSql } from './partition-sql.js'
export { BUCKET_UDF, udfRegister } from './udf.js'
export { dataFilesWrite, DEFAULT_TARGET_FILE_SIZE_BYTES, type DataFilesWriteOptions } from './parquet-write.js'
export { positionDeletesWrite, type PositionDeletesWriteOptions } from './position-deletes-write.js'
export { type ParquetCompression } from './parquet-options.js'
export { scanSql, POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID, type FileScanTask, type ScanSqlOptions } from './scan-sql.js'
export { sqlIdent, sqlString } from './sql-text.js'
export { sqlLiteral } from './sql-literal.js'
