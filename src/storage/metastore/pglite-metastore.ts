import { migrationsApply, STORAGE_MIGRATIONS } from './migrations.js'
import { pgliteClientOpen } from './pglite-client.js'
import { SqlMetastore } from './sql-metastore.js'

/** The embedded metastore: PGlite stored in a directory (by default `${home}/metastore`). */
export class PgliteMetastore extends SqlMetastore {
  /**
   * Opens or creates the database under `dir` and applies the storage migrations not yet applied.
   * Only one process may open a directory at a time.
   * @example const ms = await PgliteMetastore.open(join(cfg.home, 'metastore'))
   */
  static async open(dir: string): Promise<PgliteMetastore> {
    const client = await pgliteClientOpen(dir)
    try {
      await migrationsApply(client, STORAGE_MIGRATIONS)
    } catch (e) {
      await client.close().catch(() => undefined)
      throw e
    }
    return new PgliteMetastore({ kind: 'pglite', sql: client, close: () => client.close() })
  }
}
