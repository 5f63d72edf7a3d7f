/**
 * The engine the SQL suite runs on: a fresh AKKO_HOME with the iceberg catalog (PGlite metastore, local
 * warehouse), an embedded PostgreSQL database as the `postgresql` catalog, the Iceberg DDL/DML handlers, and
 * the fixed data set loaded.
 */
import { join } from 'node:path'
import { silentLogger } from '../../src/core/index.js'
import {
  createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, sandboxDefaults, type QueryEngine,
} from '../../src/engine/index.js'
import { postgresqlConnectorCreate, postgresqlEmbeddedOpen } from '../../src/engine/connectors/postgresql/index.js'
import { sqlDatasetLoad, type SqlDataset } from '../support/sql-dataset.js'
import { openTestTables } from '../support/table-context.js'

export interface SqlEngineFixture {
  readonly engine: QueryEngine
  readonly dataset: SqlDataset
  close(): Promise<void>
}

/** Opens the engine over a freshly loaded data set; `close` removes everything. */
export async function sqlEngineOpen(): Promise<SqlEngineFixture> {
  const tables = await openTestTables()
  const pg = await postgresqlEmbeddedOpen(join(tables.home, 'postgresql'))
  const dataset = await sqlDatasetLoad(tables, pg)
  const engine = await createQueryEngine({
    connectors: [icebergConnector({ catalog: tables.catalog, tables }), postgresqlConnectorCreate({ catalog: 'postgresql', client: pg })],
    iceberg: { catalog: tables.catalog, tables },
    handlers: [icebergDdlHandler, icebergDmlHandler],
    sandbox: { ...sandboxDefaults(tables.home), threads: 1 },
    log: silentLogger,
  })
  return {
    engine,
    dataset,
    async close() {
      await engine.close()
      await pg.close()
      await tables.close()
    },
  }
}
