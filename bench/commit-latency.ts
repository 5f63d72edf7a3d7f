/**
 * Commit latency of a small append: `tableAppend` of one row (a Parquet file, a manifest, a manifest list, a
 * metadata file and the pointer swap), 200 commits in a row on one table, against the embedded PGlite
 * metastore and against the PostgreSQL server at 127.0.0.1:5432. The baseline is the bare metastore
 * `swapPointers` call on the same backend: what is left is our own cost per commit.
 * The PostgreSQL half is skipped, with a note, when no server answers.
 * @module
 */
import { redactUrl } from '../src/core/index.js'
import { PostgresMetastore } from '../src/storage/metastore/index.js'
import type { Metastore, TableIdent } from '../src/storage/metastore/metastore.js'
import { tableAppend } from '../src/storage/table/index.js'
import { pgAdminUrl, pgFreshDatabase } from '../test/support/postgres.js'
import { openTestTables, type TestTables } from '../test/support/table-context.js'
import type { BenchCase, BenchOptions, LoadedScenario, Scenario } from './scenario.js'
import { TX_SCHEMA, txRowsSql } from './transactions.js'

const NS = ['bench']

export const commitLatency: Scenario = {
  name: 'commit-latency',
  description: 'p50/p99 of a one-row append vs the bare metastore pointer swap, PGlite and PostgreSQL',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const commits = opts.quick ? 20 : 200
    const closers: (() => Promise<void>)[] = []
    const cases: BenchCase[] = []
    const skipped: string[] = []
    try {
      const pglite = await openTestTables()
      closers.push(() => pglite.close())
      cases.push(await commitCase(pglite, 'pglite', commits))

      const pg = await pgFreshDatabase('akko_bench').catch((e: unknown) => e as Error)
      if (pg instanceof Error) {
        skipped.push(`commit latency on PostgreSQL skipped: no server at ${redactUrl(pgAdminUrl())} (${pg.message})`)
      } else {
        closers.push(() => pg.drop())
        const tables = await openTestTables({ metastore: await PostgresMetastore.connect(pg.url) })
        closers.unshift(() => tables.close())
        cases.push(await commitCase(tables, 'postgres', commits))
      }
    } catch (e) {
      for (const close of closers) await close()
      throw e
    }
    return {
      cases,
      skipped,
      async close() {
        for (const close of closers) await close()
      },
    }
  },
}

async function commitCase(t: TestTables, backend: string, commits: number): Promise<BenchCase> {
  await t.catalog.createNamespace(NS)
  const ident: TableIdent = { namespace: NS, name: 'tx_small_commits' }
  await t.catalog.createTable(ident, { name: ident.name, schema: TX_SCHEMA })
  const swap = pointerSwapper(t.metastore, { namespace: NS, name: 'bare_pointer' })
  await swap.create()
  let next = 0
  return {
    label: `commit 1 row, ${backend}`,
    measure: 'latency',
    warmup: 3,
    iterations: commits,
    baseline: { label: 'metastore swapPointers', run: swap.run },
    async run() {
      const i = next++
      const result = await tableAppend(t, ident, { sql: txRowsSql(i, i + 1) })
      return { attempts: result?.attempts ?? 0, snapshots: result?.metadata.snapshots.length ?? 0 }
    },
  }
}

/** A pointer-only table in the metastore whose location is swapped from `p-<n>` to `p-<n+1>` on each run. */
function pointerSwapper(ms: Metastore, ident: TableIdent) {
  let version = 0
  const loc = (n: number) => `file:///bench/bare_pointer/metadata/p-${n}.metadata.json`
  return {
    create: async () => {
      await ms.createTable(ident, loc(0))
    },
    run: async () => {
      await ms.swapPointers([{ ident, expected: loc(version), next: loc(version + 1) }])
      version++
    },
  }
}
