/** The serve layer: protocol codecs and error mappers on the platform's one port. */
export * from './http/index.js'
export * from './iceberg-rest/index.js'
export * from './trino/index.js'
export * from './oidc/index.js'
export * from './api/index.js'
