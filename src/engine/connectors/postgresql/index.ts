/**
 * The `postgresql` catalog connector: tables of a PostgreSQL database (embedded PGlite or a server by URL)
 * queried through the engine, with column lists and simple predicates pushed down.
 * @module
 */
export { PostgresqlConnector, postgresqlConnectorCreate, type PostgresqlConnectorOptions, type PostgresqlRemoteQuery } from './postgresql-connector.js'
export type { PostgresqlClient, PostgresqlEndpoint, PostgresqlQuery, PostgresqlRows } from './postgresql-client.js'
export { postgresqlEmbeddedOpen } from './postgresql-embedded.js'
export { postgresqlServerConnect, type PostgresqlServerOptions } from './postgresql-server.js'
export { postgresqlColumnMap, type PostgresqlColumn, type PostgresqlKind } from './postgresql-types.js'
export { postgresqlLazy } from './postgresql-lazy.js'
