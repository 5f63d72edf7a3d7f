import { migrationsApply, STORAGE_MIGRATIONS } from './migrations.js'
import { postgresClientConnect, type PostgresClientOptions } from './postgres-client.js'
import { SqlMetastore } from './sql-metastore.js'

/** The metastore on a PostgreSQL server, shared by every AKKO process pointing at the same database. */
export class PostgresMetastore extends SqlMetastore {
  /**
   * Connects to `url` and applies the storage migrations not yet applied (serialized across processes
   * by an advisory lock). Fails with METASTORE_ERROR, password hidden, when the server cannot be reached.
   * @example const ms = await PostgresMetastore.connect(cfg.metastoreUrl.reveal())
   */
  static async connect(url: string, opts: PostgresClientOptions = {}): Promise<PostgresMetastore> {
    const client = await postgresClientConnect(url, opts)
    try {
      await migrationsApply(client, STORAGE_MIGRATIONS)
    } catch (e) {
      await client.close().catch(() => undefined)
      throw e
    }
    return new PostgresMetastore({ kind: 'postgres', sql: client, close: () => client.close() })
  }
}
