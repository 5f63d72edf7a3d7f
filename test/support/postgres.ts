import pg from 'pg'
import { randomBytes } from 'node:crypto'

/** The PostgreSQL server the integration suites use (trust auth on this machine kind). */
export const pgAdminUrl = (): string => process.env.AKKO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * Creates a fresh, empty database for one test file and returns its URL and a drop function,
 * so suites never see each other's state.
 */
export async function pgFreshDatabase(prefix = 'akko_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: pgAdminUrl() })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const u = new URL(pgAdminUrl())
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgAdminUrl() })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}
