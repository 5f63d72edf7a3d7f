/**
 * Shared setup of the governance suites: an engine over a fresh warehouse with access rules, an in-memory audit
 * trail, the demo personas, and a small banking dataset written through the engine by the admin.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { silentLogger } from '../../src/core/index.js'
import { createQueryEngine, icebergConnector, icebergDdlHandler, icebergDmlHandler, sandboxDefaults, type AkkoQueryEngine, type Session } from '../../src/engine/index.js'
import {
  rulesPolicyProvider,
  type AuditEvent,
  type AuditEventInput,
  type AuditFilter,
  type AuditReader,
  type AuditRecorder,
  type PolicyIdentity,
  type Rules,
  type TagSource,
} from '../../src/govern/index.js'
import { allRows } from '../support/engine.js'
import { openTestTables, type TestTables } from '../support/table-context.js'

/** An audit trail kept in memory: what the engine records, read back by `system.audit.events`. */
export class MemoryAudit implements AuditRecorder, AuditReader {
  readonly list: AuditEvent[] = []
  record(e: AuditEventInput): void {
    this.list.push({ ...e, id: this.list.length + 1, time: new Date().toISOString() })
  }
  async flush(): Promise<void> {}
  async events(f: AuditFilter = {}): Promise<readonly AuditEvent[]> {
    return this.list.filter(e => (f.kind === undefined || e.kind === f.kind) && (f.actor === undefined || e.actor === f.actor) && (f.afterId === undefined || e.id > f.afterId))
  }
  /** The last event of a query id. */
  of(queryId: string): AuditEvent | undefined {
    return [...this.list].reverse().find(e => e.queryId === queryId)
  }
}

/** The demo personas with the roles the demo realm gives them. */
export const PERSONAS: Readonly<Record<string, PolicyIdentity>> = {
  alice: { user: 'alice', groups: [], roles: ['akko-admin', 'akko-user'] },
  bob: { user: 'bob', groups: [], roles: ['akko-engineer', 'akko-user'] },
  carol: { user: 'carol', groups: [], roles: ['akko-analyst', 'akko-user'] },
  dave: { user: 'dave', groups: [], roles: ['akko-viewer', 'akko-user'] },
  eve: { user: 'eve', groups: [], roles: ['akko-steward', 'akko-user'] },
  frank: { user: 'frank', groups: [], roles: ['akko-user'] },
  grace: { user: 'grace', groups: [], roles: ['akko-user'] },
}

/** A session of a persona in catalog iceberg, schema banking. */
export function as(user: string, over: Partial<Session> = {}): Session {
  const id = PERSONAS[user] ?? { user, groups: [], roles: [] }
  return { user, groups: id.groups, roles: id.roles, catalog: 'iceberg', schema: 'banking', properties: {}, preparedStatements: {}, ...over }
}

export interface GovernedEngine {
  readonly t: TestTables
  readonly engine: AkkoQueryEngine
  readonly audit: MemoryAudit
  /** All rows of a statement run as `user`. */
  q(user: string, sql: string, over?: Partial<Session>): Promise<unknown[][]>
  close(): Promise<void>
}

/** An engine enforcing `rules`; catalog `lake` is a second name for the same Iceberg catalog. */
export async function openGovernedEngine(rules: Rules, tags?: TagSource): Promise<GovernedEngine> {
  const t = await openTestTables()
  const audit = new MemoryAudit()
  const engine = await createQueryEngine({
    connectors: [icebergConnector({ catalog: t.catalog, tables: t }), icebergConnector({ catalog: t.catalog, tables: t, name: 'lake' })],
    iceberg: { catalog: t.catalog, tables: t },
    handlers: [icebergDdlHandler, icebergDmlHandler],
    sandbox: { ...sandboxDefaults(t.home), allowedDirectories: [join(t.home, 'warehouse'), join(t.home, 'cache')], threads: 1 },
    log: silentLogger,
    policy: rulesPolicyProvider(rules, { tags }),
    audit,
    auditReader: audit,
    resolveIdentity: user => PERSONAS[user],
  })
  return {
    t,
    engine,
    audit,
    q: async (user, sql, over) => allRows(await engine.execute(sql, as(user, over))),
    async close() {
      await engine.close()
      await t.close()
    },
  }
}

export const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/** One transaction row in column order (see TX_COLUMNS). */
export type TxRow = readonly [number, string, number, string, string, string, number, string, string, string, string, string, string, string, string, boolean]

export const TX_COLUMNS = [
  'transaction_id', 'ts', 'customer_id', 'customer_name', 'email', 'card_pan', 'account_id', 'merchant', 'merchant_category',
  'amount', 'currency', 'channel', 'country', 'region', 'description', 'is_fraud',
] as const

/**
 * Six transactions: three in EU (two of them on different cards ending in 1111), two in US, one in APAC.
 * Values as the engine returns them (timestamps in UTC, decimals as strings).
 */
export const TX: readonly TxRow[] = [
  [1, '2024-01-01 10:00:00.000000 UTC', 101, 'Ana Lopez', 'ana@x.io', '4111111111111111', 1001, 'Cafe Uno', 'food', '12.50', 'EUR', 'card', 'ES', 'EU', 'coffee', false],
  [2, '2024-01-02 11:00:00.000000 UTC', 102, 'Ben Roth', 'ben@x.io', '5500000000001111', 1002, 'Book Nook', 'books', '40.00', 'EUR', 'online', 'DE', 'EU', 'novel', false],
  [3, '2024-01-03 12:00:00.000000 UTC', 103, 'Chen Wei', 'chen@x.io', '4000123412341234', 1003, 'Tech Hub', 'electronics', '999.99', 'USD', 'online', 'US', 'US', 'laptop 7788', true],
  [4, '2024-01-04 13:00:00.000000 UTC', 104, 'Dana Kim', 'dana@x.io', '3714496353984310', 1004, 'Air Lines', 'travel', '450.00', 'USD', 'card', 'US', 'US', 'flight', false],
  [5, '2024-01-05 14:00:00.000000 UTC', 101, 'Ana Lopez', 'ana@x.io', '4111111111111111', 1001, 'Grocer', 'food', '75.20', 'EUR', 'card', 'FR', 'EU', 'groceries', false],
  [6, '2024-01-06 15:00:00.000000 UTC', 105, 'Eko Tan', 'eko@x.io', '6011000990139424', 1005, 'Sushi Go', 'food', '3000.00', 'JPY', 'card', 'JP', 'APAC', 'dinner', false],
]

const lit = (v: unknown): string => (typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v))

/** Creates iceberg.banking.{transactions,customers,accounts} and iceberg.analytics_x.accounts as `admin`. */
export async function bankingCreate(g: GovernedEngine, admin = 'alice'): Promise<void> {
  const run = (sql: string) => g.q(admin, sql)
  await run('CREATE SCHEMA iceberg.banking')
  await run('CREATE SCHEMA iceberg.analytics_x')
  await run(`CREATE TABLE iceberg.banking.transactions (transaction_id bigint, ts timestamp(6) with time zone, customer_id bigint, customer_name varchar,
    email varchar, card_pan varchar, account_id bigint, merchant varchar, merchant_category varchar, amount decimal(12,2), currency varchar,
    channel varchar, country varchar, region varchar, description varchar, is_fraud boolean)`)
  const values = TX.map(r => `(${r.map((v, i) => (i === 1 ? `TIMESTAMP '${(v as string).replace(' UTC', '').replace(/\.0+$/, '')} UTC'` : i === 9 ? `DECIMAL '${v}'` : lit(v))).join(', ')})`)
  await run(`INSERT INTO iceberg.banking.transactions VALUES ${values.join(', ')}`)
  await run('CREATE TABLE iceberg.banking.customers (customer_id bigint, customer_name varchar, email varchar, region varchar, segment varchar)')
  await run(`INSERT INTO iceberg.banking.customers VALUES (101, 'Ana Lopez', 'ana@x.io', 'EU', 'retail'), (102, 'Ben Roth', 'ben@x.io', 'EU', 'premium'),
    (103, 'Chen Wei', 'chen@x.io', 'US', 'retail'), (104, 'Dana Kim', 'dana@x.io', 'US', 'premium'), (105, 'Eko Tan', 'eko@x.io', 'APAC', 'retail')`)
  await run('CREATE TABLE iceberg.banking.accounts (account_id bigint, customer_id bigint, region varchar, balance decimal(12,2), status varchar)')
  await run(`INSERT INTO iceberg.banking.accounts VALUES (1001, 101, 'EU', 500.00, 'active'), (1002, 102, 'EU', 20.00, 'active'),
    (1003, 103, 'US', 7000.00, 'active'), (1004, 104, 'US', 0.00, 'closed'), (1005, 105, 'APAC', 900.00, 'active')`)
  await run('CREATE TABLE iceberg.analytics_x.accounts (account_id bigint, customer_name varchar, email varchar, card_pan varchar, status varchar, region varchar, balance decimal(12,2))')
  await run(`INSERT INTO iceberg.analytics_x.accounts VALUES (1, 'Ana Lopez', 'ana@x.io', '4111111111111111', 'active', 'EU', 500.00),
    (2, 'Ben Roth', 'ben@x.io', '5500000000001111', 'closed', 'EU', 20.00), (3, 'Chen Wei', 'chen@x.io', '4000123412341234', 'active', 'US', 7000.00)`)
}
