/**
 * The single table of stable error codes. Codes are never renamed or reused; new codes go at the end.
 * Each code carries its kind (Trino's errorType), HTTP status, Trino error number and Iceberg REST type,
 * so every protocol edge can render it in its own shape (see src/serve/*).
 */
export type ErrorKind = 'USER_ERROR' | 'INTERNAL_ERROR' | 'INSUFFICIENT_RESOURCES' | 'EXTERNAL'

export interface ErrorSpec {
  readonly kind: ErrorKind
  readonly http: number
  readonly trino: number
  readonly trinoName?: string
  readonly iceberg: string
}

export const ERROR_CODES = {
  SYNTAX_ERROR: { kind: 'USER_ERROR', http: 400, trino: 1, iceberg: 'BadRequestException' },
  NOT_SUPPORTED: { kind: 'USER_ERROR', http: 406, trino: 13, iceberg: 'UnsupportedOperationException' },
  PERMISSION_DENIED: { kind: 'USER_ERROR', http: 403, trino: 4, iceberg: 'ForbiddenException' },
  UNAUTHENTICATED: { kind: 'USER_ERROR', http: 401, trino: 4, trinoName: 'PERMISSION_DENIED', iceberg: 'NotAuthorizedException' },
  INVALID_ARGUMENT: { kind: 'USER_ERROR', http: 400, trino: 7, trinoName: 'INVALID_FUNCTION_ARGUMENT', iceberg: 'BadRequestException' },
  INVALID_REQUEST: { kind: 'USER_ERROR', http: 400, trino: 0, trinoName: 'GENERIC_USER_ERROR', iceberg: 'BadRequestException' },
  INVALID_SCHEMA: { kind: 'USER_ERROR', http: 400, trino: 0, trinoName: 'GENERIC_USER_ERROR', iceberg: 'BadRequestException' },
  INVALID_METADATA: { kind: 'USER_ERROR', http: 400, trino: 65537, trinoName: 'ICEBERG_INVALID_METADATA', iceberg: 'BadRequestException' },
  NAMESPACE_NOT_FOUND: { kind: 'USER_ERROR', http: 404, trino: 45, trinoName: 'SCHEMA_NOT_FOUND', iceberg: 'NoSuchNamespaceException' },
  NAMESPACE_ALREADY_EXISTS: { kind: 'USER_ERROR', http: 409, trino: 49, trinoName: 'SCHEMA_ALREADY_EXISTS', iceberg: 'AlreadyExistsException' },
  NAMESPACE_NOT_EMPTY: { kind: 'USER_ERROR', http: 409, trino: 34, trinoName: 'SCHEMA_NOT_EMPTY', iceberg: 'NamespaceNotEmptyException' },
  TABLE_NOT_FOUND: { kind: 'USER_ERROR', http: 404, trino: 46, iceberg: 'NoSuchTableException' },
  TABLE_ALREADY_EXISTS: { kind: 'USER_ERROR', http: 409, trino: 50, iceberg: 'AlreadyExistsException' },
  VIEW_NOT_FOUND: { kind: 'USER_ERROR', http: 404, trino: 46, trinoName: 'TABLE_NOT_FOUND', iceberg: 'NoSuchViewException' },
  SNAPSHOT_NOT_FOUND: { kind: 'USER_ERROR', http: 404, trino: 0, trinoName: 'GENERIC_USER_ERROR', iceberg: 'NoSuchSnapshotException' },
  COLUMN_NOT_FOUND: { kind: 'USER_ERROR', http: 400, trino: 47, trinoName: 'COLUMN_NOT_FOUND', iceberg: 'BadRequestException' },
  COMMIT_CONFLICT: { kind: 'USER_ERROR', http: 409, trino: 17, trinoName: 'TRANSACTION_CONFLICT', iceberg: 'CommitFailedException' },
  FILE_NOT_FOUND: { kind: 'EXTERNAL', http: 404, trino: 65540, trinoName: 'ICEBERG_FILESYSTEM_ERROR', iceberg: 'NotFoundException' },
  CORRUPT_FILE: { kind: 'EXTERNAL', http: 422, trino: 65542, trinoName: 'ICEBERG_BAD_DATA', iceberg: 'BadRequestException' },
  STORAGE_ERROR: { kind: 'EXTERNAL', http: 503, trino: 65540, trinoName: 'ICEBERG_FILESYSTEM_ERROR', iceberg: 'ServiceUnavailableException' },
  METASTORE_ERROR: { kind: 'EXTERNAL', http: 503, trino: 65541, trinoName: 'ICEBERG_CATALOG_ERROR', iceberg: 'ServiceUnavailableException' },
  INVALID_CONFIG: { kind: 'USER_ERROR', http: 400, trino: 0, trinoName: 'GENERIC_USER_ERROR', iceberg: 'BadRequestException' },
  NOT_FOUND: { kind: 'USER_ERROR', http: 404, trino: 0, trinoName: 'GENERIC_USER_ERROR', iceberg: 'NotFoundException' },
  CANCELLED: { kind: 'USER_ERROR', http: 499, trino: 3, trinoName: 'USER_CANCELED', iceberg: 'ServiceFailureException' },
  INTERNAL: { kind: 'INTERNAL_ERROR', http: 500, trino: 65536, trinoName: 'GENERIC_INTERNAL_ERROR', iceberg: 'ServiceFailureException' },
  CONNECTOR_ERROR: { kind: 'EXTERNAL', http: 502, trino: 67108864, trinoName: 'JDBC_ERROR', iceberg: 'ServiceUnavailableException' },
  MERGE_TARGET_ROW_MULTIPLE_MATCHES: { kind: 'USER_ERROR', http: 400, trino: 119, iceberg: 'BadRequestException' },
  EXCEEDED_TIME_LIMIT: { kind: 'INSUFFICIENT_RESOURCES', http: 504, trino: 131075, iceberg: 'ServiceFailureException' },
  QUERY_QUEUE_FULL: { kind: 'INSUFFICIENT_RESOURCES', http: 503, trino: 131074, iceberg: 'ServiceUnavailableException' },
  EXCEEDED_OUTPUT_LIMIT: { kind: 'INSUFFICIENT_RESOURCES', http: 413, trino: 131080, trinoName: 'EXCEEDED_OUTPUT_SIZE_LIMIT', iceberg: 'BadRequestException' },
  UNAVAILABLE: { kind: 'EXTERNAL', http: 503, trino: 65536, trinoName: 'GENERIC_INTERNAL_ERROR', iceberg: 'ServiceUnavailableException' },
  DAG_RUN_ALREADY_EXISTS: { kind: 'USER_ERROR', http: 409, trino: 0, trinoName: 'GENERIC_USER_ERROR', iceberg: 'AlreadyExistsException' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERROR_CODES
