import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../src/core/index.js'
import { IcebergCatalog } from '../../src/storage/catalog/index.js'
import { DuckRuntime } from '../../src/storage/iceberg/duck/index.js'
import { PgliteMetastore } from '../../src/storage/metastore/index.js'
import type { Metastore } from '../../src/storage/metastore/metastore.js'
import { LocalObjectStore } from '../../src/storage/object-store/index.js'
import type { ObjectStore } from '../../src/storage/object-store/object-store.js'
import type { TableContext } from '../../src/storage/table/index.js'
import { tmpHome } from './paths.js'

export interface TestTables extends TableContext {
  readonly home: string
  readonly metastore: Metastore
  close(): Promise<void>
}

/** A table context on a fresh temporary AKKO_HOME: PGlite metastore (or the given one), local warehouse (or the given store). */
export async function openTestTables(opts: { metastore?: Metastore; store?: ObjectStore; home?: string } = {}): Promise<TestTables> {
  const home = opts.home ?? tmpHome()
  const metastore = opts.metastore ?? (await PgliteMetastore.open(join(home, 'metastore')))
  const store = opts.store ?? new LocalObjectStore(join(home, 'warehouse'), { scratchDir: join(home, 'tmp') })
  const catalog = new IcebergCatalog({ metastore, store, log: silentLogger })
  const duck = await DuckRuntime.create({ home })
  return {
    home, metastore, store, catalog, duck, log: silentLogger,
    async close() {
      duck.close()
      await metastore.close()
      if (!opts.home) rmSync(home, { recursive: true, force: true })
    },
  }
}
