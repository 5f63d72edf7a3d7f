import { join } from 'node:path'
import type { AkkoConfig } from '../../core/index.js'
import type { Metastore } from './metastore.js'
import { PgliteMetastore } from './pglite-metastore.js'

/**
 * Opens the metastore the configuration asks for: PostgreSQL when `metastoreUrl` is set, otherwise
 * embedded PGlite under `${home}/metastore`. The PostgreSQL backend (and `pg`) is loaded only when used.
 */
export async function openMetastore(cfg: AkkoConfig): Promise<Metastore> {
  if (cfg.metastoreUrl) {
    const { PostgresMetastore } = await import('./postgres-metastore.js')
    return PostgresMetastore.connect(cfg.metastoreUrl.reveal())
  }
  return PgliteMetastore.open(join(cfg.home, 'metastore'))
}
