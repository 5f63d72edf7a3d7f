import { join } from 'node:path'
import { silentLogger } from '../../src/core/index.js'
import { createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, sandboxDefaults, type AkkoQueryEngine, type QueryLimits, type QueryResult, type Session } from '../../src/engine/index.js'
import { tableAppend } from '../../src/storage/index.js'
import { openTestTables, type TestTables } from './table-context.js'

/** A query engine over a fresh temporary warehouse (iceberg + system catalogs). */
export async function openTestEngine(opts: { limits?: QueryLimits & { maxConcurrent?: number; maxQueued?: number } } = {}): Promise<{ t: TestTables; engine: AkkoQueryEngine; close(): Promise<void> }> {
  const t = await openTestTables()
  const engine = await createQueryEngine({
    connectors: [icebergConnector({ catalog: t.catalog, tables: t })],
    iceberg: { catalog: t.catalog, tables: t },
    handlers: [icebergDdlHandler, icebergDmlHandler],
    sandbox: { ...sandboxDefaults(t.home), allowedDirectories: [join(t.home, 'warehouse'), join(t.home, 'cache')], threads: 1 },
    limits: opts.limits,
    log: silentLogger,
  })
  return { t, engine, async close() { await engine.close(); await t.close() } }
}

/** A session for tests. */
export function testSession(over: Partial<Session> = {}): Session {
  // An administrator unless the test says otherwise: the platform enforces its access rules on every session.
  return { user: 'alice', roles: ['akko-admin'], groups: [], catalog: 'iceberg', schema: 'sales', properties: {}, preparedStatements: {}, ...over }
}

/** Creates `iceberg.sales.orders` (id bigint, region varchar, amount decimal(10,2)) with ten rows: ids 0-9, even ids in 'eu'. */
export async function ordersCreate(t: TestTables): Promise<void> {
  await t.catalog.createNamespace(['sales'])
  const ident = { namespace: ['sales'], name: 'orders' }
  await t.catalog.createTable(ident, { name: 'orders', schema: { type: 'struct', fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'region', required: false, type: 'string' }, { id: 3, name: 'amount', required: false, type: 'decimal(10,2)' }] } })
  await tableAppend(t, ident, { sql: "SELECT i::BIGINT AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, (i * 1.5)::DECIMAL(10,2) AS amount FROM range(10) t(i)" })
}

/** Every row of a result. */
export async function allRows(r: QueryResult): Promise<unknown[][]> {
  const out: unknown[][] = []
  for await (const b of r.rows) for (const row of b) out.push([...row])
  return out
}
