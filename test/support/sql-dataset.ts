/**
 * The fixed data set of the SQL correctness suite (test/sql/**.slt), in both catalogs:
 *
 * iceberg.shop.orders (300 rows, partitioned by day(ts), written in two appends: orders 1-200, then 201-300)
 *   order_id bigint o = 1..300
 *   customer_id int  = ((o - 1) % 20) + 1            each customer has 15 orders
 *   item_id int      = ((o - 1) % 10) + 1            each item has 30 orders
 *   quantity int     = ((o - 1) % 3) + 1             1, 2, 3 a hundred times each
 *   amount decimal(10,2) = quantity * price(item)
 *   status string    = 'cancelled' if o % 10 = 0, else 'shipped' if o even, else 'new'   (30 / 120 / 150)
 *   ts timestamptz   = 2024-01-01 00:00 UTC + (o - 1) hours   (24 orders a day 2024-01-01..12, 12 on 2024-01-13)
 *   note string      = NULL if o % 7 = 0, else 'gift 🎁' if o % 5 = 0, else 'std'         (42 / 52 / 206)
 * iceberg.shop.items (10 rows): item_id 1..10, name (unicode), category ('books' 1-3, 'games' 4-6, 'food' 7-10),
 *   price decimal(8,2) = item_id * 2.50 + 0.99 (3.49, 5.99, … 25.99)
 * postgresql.crm.regions (4 rows): 1 EU Europe, 2 NA North America, 3 APAC Asia–Pacific, 4 LATAM América Latina
 * postgresql.crm.customers (20 rows): customer_id c = 1..20, name (unicode), region_id = ((c - 1) % 3) + 1 except
 *   c = 20 (NULL), email NULL when c % 4 = 0, credit_limit numeric(10,2) = c * 100.50, signup_at timestamptz
 *   = 2023-01-c 09:30 +02:00, active = c % 5 <> 0
 *
 * `vars` gives what a test cannot know in advance (snapshot ids) for `${name}` substitution.
 */
import { tableAppend, type TableContext } from '../../src/storage/index.js'
import type { PostgresqlClient } from '../../src/engine/connectors/postgresql/index.js'

/** Values the .slt files refer to as `${name}`. */
export interface SqlDataset {
  readonly vars: Readonly<Record<string, string>>
}

const ORDERS_SCHEMA = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [
    { id: 1, name: 'order_id', required: true, type: 'long' },
    { id: 2, name: 'customer_id', required: false, type: 'int' },
    { id: 3, name: 'item_id', required: false, type: 'int' },
    { id: 4, name: 'quantity', required: false, type: 'int' },
    { id: 5, name: 'amount', required: false, type: 'decimal(10,2)' },
    { id: 6, name: 'status', required: false, type: 'string' },
    { id: 7, name: 'ts', required: false, type: 'timestamptz' },
    { id: 8, name: 'note', required: false, type: 'string' },
  ],
}

const ITEMS_SCHEMA = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [
    { id: 1, name: 'item_id', required: true, type: 'int' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'category', required: false, type: 'string' },
    { id: 4, name: 'price', required: false, type: 'decimal(8,2)' },
  ],
}

const ITEM_NAMES = ['Novel', 'Atlas', 'Comic', 'Chess', 'Puzzle', 'Cards', 'Green tea 日本茶', 'Café moulu', 'Müsli', 'Chocolate']
const CUSTOMER_NAMES = [
  'Alice', 'Bob', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Günther', 'Hana', 'Igor', 'Jürgen',
  'Kofi', 'Léa', 'Mateo', 'Nadia', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Søren', 'Zoë',
]

const sqlStr = (s: string): string => `'${s.replaceAll("'", "''")}'`

function ordersSql(from: number, to: number): string {
  return `SELECT o::BIGINT AS order_id, ((o - 1) % 20 + 1)::INTEGER AS customer_id, ((o - 1) % 10 + 1)::INTEGER AS item_id,
      ((o - 1) % 3 + 1)::INTEGER AS quantity,
      (((o - 1) % 3 + 1) * (((o - 1) % 10 + 1) * 2.50 + 0.99))::DECIMAL(10,2) AS amount,
      CASE WHEN o % 10 = 0 THEN 'cancelled' WHEN o % 2 = 0 THEN 'shipped' ELSE 'new' END AS status,
      TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours((o - 1)::BIGINT) AS ts,
      CASE WHEN o % 7 = 0 THEN NULL WHEN o % 5 = 0 THEN 'gift 🎁' ELSE 'std' END AS note
    FROM range(${from}, ${to + 1}) t(o)`
}

function itemsSql(): string {
  const rows = ITEM_NAMES.map((n, k) => {
    const i = k + 1
    const category = i <= 3 ? 'books' : i <= 6 ? 'games' : 'food'
    return `(${i}, ${sqlStr(n)}, '${category}', ${(i * 2.5 + 0.99).toFixed(2)})`
  })
  return `SELECT c1::INTEGER AS item_id, c2 AS name, c3 AS category, c4::DECIMAL(8,2) AS price FROM (VALUES ${rows.join(', ')}) v(c1, c2, c3, c4)`
}

/** Creates iceberg.shop.{orders, items} through the storage API. Returns the orders snapshot ids. */
export async function sqlDatasetIceberg(ctx: TableContext): Promise<Record<string, string>> {
  await ctx.catalog.createNamespace(['shop'])
  const orders = { namespace: ['shop'], name: 'orders' }
  await ctx.catalog.createTable(orders, {
    name: 'orders',
    schema: ORDERS_SCHEMA,
    'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 7, 'field-id': 1000, name: 'ts_day', transform: 'day' }] },
  })
  const first = await tableAppend(ctx, orders, { sql: ordersSql(1, 200) })
  const second = await tableAppend(ctx, orders, { sql: ordersSql(201, 300) })
  const items = { namespace: ['shop'], name: 'items' }
  await ctx.catalog.createTable(items, { name: 'items', schema: ITEMS_SCHEMA })
  await tableAppend(ctx, items, { sql: itemsSql() })
  return {
    orders_snapshot_1: String(first!.snapshot['snapshot-id']),
    orders_snapshot_2: String(second!.snapshot['snapshot-id']),
  }
}

/** Creates crm.regions and crm.customers in a PostgreSQL database (embedded PGlite or a server). */
export async function sqlDatasetPostgresql(client: PostgresqlClient): Promise<void> {
  await client.query('CREATE SCHEMA crm')
  await client.query('CREATE TABLE crm.regions (region_id integer PRIMARY KEY, code varchar(8) NOT NULL, name text NOT NULL)')
  await client.query(
    "INSERT INTO crm.regions VALUES (1, 'EU', 'Europe'), (2, 'NA', 'North America'), (3, 'APAC', 'Asia–Pacific'), (4, 'LATAM', 'América Latina')",
  )
  await client.query(`CREATE TABLE crm.customers (customer_id integer PRIMARY KEY, name text NOT NULL, region_id integer REFERENCES crm.regions,
    email text, credit_limit numeric(10,2), signup_at timestamptz, active boolean)`)
  const values = CUSTOMER_NAMES.map((name, k) => {
    const c = k + 1
    const region = c === 20 ? 'NULL' : String(((c - 1) % 3) + 1)
    const email = c % 4 === 0 ? 'NULL' : `'c${c}@example.com'`
    const day = String(c).padStart(2, '0')
    return `(${c}, ${sqlStr(name)}, ${region}, ${email}, ${(c * 100.5).toFixed(2)}, '2023-01-${day} 09:30:00+02', ${c % 5 !== 0})`
  })
  await client.query(`INSERT INTO crm.customers VALUES ${values.join(', ')}`)
}

/** Loads the whole data set. */
export async function sqlDatasetLoad(ctx: TableContext, postgresql: PostgresqlClient): Promise<SqlDataset> {
  const vars = await sqlDatasetIceberg(ctx)
  await sqlDatasetPostgresql(postgresql)
  return { vars }
}
