/**
 * The seed's sink for embedded PGlite: COPY … FROM '/dev/blob', one blob of a few megabytes per statement
 * (PGlite's COPY reads a Blob given with the query rather than a stream).
 * @module
 */
import { mkdirSync } from 'node:fs'
import type { PGlite, Transaction } from '@electric-sql/pglite'
import type { CopyChunk } from './copy-text.js'
import { bankingSinkError, type BankingSink, type BankingSinkTx } from './sink.js'
import { bankingCopySql } from './tables.js'

/** Bytes of COPY text per statement: large enough to amortize each statement, small enough to stay cheap in memory. */
const BLOB_BYTES = 8 * 1024 * 1024

/**
 * A sink writing to PGlite: an open instance (left open by `close`), or a data directory opened here (and
 * closed by `close`). PGlite is one connection per directory: do not open a directory another instance holds.
 */
export async function bankingSinkPglite(target: PGlite | string): Promise<BankingSink> {
  let db: PGlite
  let owned = false
  if (typeof target === 'string') {
    const { PGlite } = await import('@electric-sql/pglite')
    try {
      mkdirSync(target, { recursive: true })
      db = await PGlite.create(target)
    } catch (e) {
      throw bankingSinkError(e, `embedded PGlite (${target})`, [], 'opening the database')
    }
    owned = true
  } else {
    db = target
  }
  const display = typeof target === 'string' ? `embedded PGlite (${target})` : 'embedded PGlite'
  return {
    kind: 'pglite',
    display,
    async transaction(fn) {
      let doing = 'starting a transaction'
      try {
        return await db.transaction(async t => {
          const tx: BankingSinkTx = {
            async query(sql, params) {
              doing = `running ${sql.split(/\s+/).slice(0, 3).join(' ')}`
              return (await t.query<Record<string, unknown>>(sql, params ? [...params] : [])).rows
            },
            async copy(table, chunks, onChunk) {
              doing = `copying into ${table.name}`
              await copyBlobs(t, bankingCopySql(table, "'/dev/blob'"), chunks, onChunk)
            },
          }
          return fn(tx)
        })
      } catch (e) {
        throw bankingSinkError(e, display, [], doing)
      }
    },
    close: async () => {
      if (owned && !db.closed) await db.close()
    },
  }
}

async function copyBlobs(t: Transaction, sql: string, chunks: Iterable<CopyChunk>, onChunk?: (rows: number) => void): Promise<void> {
  let parts: Uint8Array[] = []
  let bytes = 0
  let rows = 0
  const flush = async (): Promise<void> => {
    if (parts.length === 0) return
    await t.query(sql, [], { blob: new Blob(parts) })
    onChunk?.(rows)
    parts = []
    bytes = 0
    rows = 0
  }
  for (const c of chunks) {
    parts.push(c.bytes)
    bytes += c.bytes.length
    rows += c.rows
    if (bytes >= BLOB_BYTES) await flush()
  }
  await flush()
}
