/**
 * The DuckDB instance that runs user SQL. It is separate from the storage layer's instance so its locked
 * configuration cannot get in the way of storage work: no external access except the warehouse and cache
 * directories (the connectors' Parquet reads), no extension loading, and settings locked after setup so
 * `SET`/`PRAGMA` from a query that slipped past the binder still change nothing. Connections are pooled.
 * @module
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import { TRINO_MACROS } from '../sql/functions.js'
import { TRINO_FUNCTION_MACROS } from '../trino-functions/index.js'

/** Settings of the sandbox instance. */
export interface SandboxOptions {
  /** Directories queries may read (the warehouse root, the object-store cache). */
  readonly allowedDirectories: readonly string[]
  /** Spill directory (also allowed). */
  readonly tempDirectory?: string
  /** DuckDB memory limit for all queries together, e.g. '2GB'. */
  readonly memoryLimit?: string
  readonly threads?: number
  /** Idle connections kept for reuse. */
  readonly poolSize?: number
}

/** The sandboxed instance and its connection pool. */
export interface Sandbox {
  acquire(): Promise<DuckDBConnection>
  /** Returns a connection to the pool (`broken`: close it instead, e.g. after an interrupt). */
  release(conn: DuckDBConnection, broken?: boolean): void
  close(): void
}

const sqlStr = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Starts the sandbox instance: Trino macros defined, external access restricted, configuration locked. */
export async function sandboxCreate(opts: SandboxOptions): Promise<Sandbox> {
  const config: Record<string, string> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' }
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit
  if (opts.threads) config.threads = String(opts.threads)
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(':memory:', config)
  } catch (e) {
    throw new AkkoError('INVALID_CONFIG', `The query engine's DuckDB could not start: ${(e as Error).message}`, { memoryLimit: opts.memoryLimit }, { cause: e })
  }
  const dirs = [...opts.allowedDirectories]
  const setup = await instance.connect()
  try {
    if (opts.tempDirectory) {
      mkdirSync(opts.tempDirectory, { recursive: true })
      await setup.run(`SET temp_directory = ${sqlStr(opts.tempDirectory)}`)
      dirs.push(opts.tempDirectory)
    }
    for (const m of TRINO_MACROS) await setup.run(m)
    // Trino divides integers as integers (7 / 2 = 3); decimals and doubles are unaffected. Only user SQL and
    // the relations bound into it run here: the storage layer's own SQL runs on its own instance.
    await setup.run('SET GLOBAL integer_division = true')
    const list = dirs.map(d => sqlStr(d.endsWith('/') ? d : `${d}/`)).join(', ')
    await setup.run(`SET allowed_directories = [${list}]`)
    await setup.run('SET enable_external_access = false')
    await setup.run('SET lock_configuration = true')
  } finally {
    setup.closeSync()
  }
  const idle: DuckDBConnection[] = []
  const open = new Set<DuckDBConnection>()
  const poolSize = opts.poolSize ?? 4
  let closed = false
  return {
    async acquire() {
      if (closed) throw new AkkoError('INTERNAL', 'Query engine used after close (this is a bug)')
      let conn = idle.pop()
      if (!conn) {
        conn = await instance.connect()
        // Trino function macros are connection-scoped (TEMP): created once per pooled connection.
        await conn.run(TRINO_FUNCTION_MACROS.join(';\n'))
      }
      open.add(conn)
      return conn
    },
    release(conn, broken = false) {
      if (!open.delete(conn)) return
      if (closed || broken || idle.length >= poolSize) conn.closeSync()
      else idle.push(conn)
    },
    close() {
      if (closed) return
      closed = true
      for (const c of [...idle, ...open]) c.closeSync()
      idle.length = 0
      open.clear()
      instance.closeSync()
    },
  }
}

/** Default sandbox directories under AKKO_HOME: the local warehouse, the S3 cache and the spill directory. */
export function sandboxDefaults(home: string): SandboxOptions {
  return { allowedDirectories: [join(home, 'warehouse'), join(home, 'cache')], tempDirectory: join(home, 'tmp', 'engine') }
}
