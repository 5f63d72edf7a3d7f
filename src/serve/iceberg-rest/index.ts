/** The Iceberg REST catalog protocol, mounted at `/iceberg`. */
export { icebergRestApp, type IcebergRestDeps } from './routes.js'
export { toIcebergErrorModel, icebergErrorResponse, type IcebergErrorModel } from './errors.js'
export { ICEBERG_REST_ENDPOINTS } from './endpoints.js'
