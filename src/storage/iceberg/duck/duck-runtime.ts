/**
 * The one embedded DuckDB of a process: an in-memory instance whose spill files live under AKKO_HOME,
 * handing out connections that already know AKKO's scalar functions.
 * @module
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../../core/index.js'
import { udfRegister } from './udf.js'

/** Options of a DuckRuntime. */
export interface DuckRuntimeOptions {
  /** AKKO_HOME: spill files go to `<home>/tmp/duckdb`. */
  readonly home: string
  /** Worker threads; DuckDB's default (all cores) when absent. */
  readonly threads?: number
  /** DuckDB memory limit, e.g. '2GB'; DuckDB's default (80% of RAM) when absent. */
  readonly memoryLimit?: string
}

/**
 * Owns one DuckDB instance. Every connection it hands out has the `akko_*` scalar functions registered.
 * Extension auto-install and auto-load are off, so no query ever reaches for the network.
 */
export class DuckRuntime {
  readonly #instance: DuckDBInstance
  readonly #connections = new Set<DuckDBConnection>()
  #closed = false

  private constructor(instance: DuckDBInstance) {
    this.#instance = instance
  }

  /** Starts the instance. Throws INVALID_CONFIG when DuckDB rejects a setting (e.g. a malformed memory limit). */
  static async create(opts: DuckRuntimeOptions): Promise<DuckRuntime> {
    const tempDir = join(opts.home, 'tmp', 'duckdb')
    mkdirSync(tempDir, { recursive: true })
    const config: Record<string, string> = {
      temp_directory: tempDir,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    }
    if (opts.threads !== undefined) config.threads = String(opts.threads)
    if (opts.memoryLimit !== undefined) config.memory_limit = opts.memoryLimit
    try {
      return new DuckRuntime(await DuckDBInstance.create(':memory:', config))
    } catch (e) {
      throw new AkkoError('INVALID_CONFIG', `DuckDB could not start with the given settings: ${(e as Error).message}`, { threads: opts.threads, memoryLimit: opts.memoryLimit }, { cause: e })
    }
  }

  /** A new connection with AKKO's scalar functions registered. Close it with `release`, or let `close` do it. */
  async connect(): Promise<DuckDBConnection> {
    if (this.#closed) throw new AkkoError('INTERNAL', 'DuckRuntime used after close (this is a bug)')
    const conn = await this.#instance.connect()
    udfRegister(conn)
    this.#connections.add(conn)
    return conn
  }

  /** Closes a connection handed out by `connect`. */
  release(conn: DuckDBConnection): void {
    if (this.#connections.delete(conn)) conn.closeSync()
  }

  /** Runs `fn` on a fresh connection and closes it afterwards, whatever happens. */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.connect()
    try {
      return await fn(conn)
    } finally {
      this.release(conn)
    }
  }

  /** Closes every open connection, then the instance. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const conn of this.#connections) conn.closeSync()
    this.#connections.clear()
    this.#instance.closeSync()
  }
}
