/**
 * The seed's sink for a PostgreSQL server: one pooled connection per transaction, COPY … FROM STDIN through
 * `pg-copy-streams` with backpressure. `pg` is imported lazily so the embedded default never loads it.
 * @module
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { redactUrl, Secret } from '../../core/index.js'
import type { CopyChunk } from './copy-text.js'
import { bankingSinkError, type BankingSink, type BankingSinkTx } from './sink.js'
import { bankingCopySql } from './tables.js'

/** A sink writing to the PostgreSQL server at `url` (a Secret from the configuration, or a plain string). */
export async function bankingSinkPostgres(url: Secret | string): Promise<BankingSink> {
  const raw = url instanceof Secret ? url.reveal() : url
  const display = redactUrl(raw)
  const secrets = secretsOf(raw)
  const [{ default: pg }, { from: copyFrom }] = await Promise.all([import('pg'), import('pg-copy-streams')])
  const pool = new pg.Pool({ connectionString: raw, max: 1 })
  pool.on('error', () => undefined) // an idle connection dropped by the server must not crash the process
  try {
    await pool.query('SELECT 1')
  } catch (e) {
    await pool.end().catch(() => undefined)
    throw bankingSinkError(e, display, secrets, 'connecting')
  }
  return {
    kind: 'postgres',
    display,
    async transaction(fn) {
      const client = await pool.connect().catch(e => { throw bankingSinkError(e, display, secrets, 'connecting') })
      let broken = false
      let doing = 'starting a transaction'
      try {
        await client.query('BEGIN')
        const tx: BankingSinkTx = {
          async query(sql, params) {
            doing = `running ${sql.split(/\s+/).slice(0, 3).join(' ')}`
            const r = await client.query({ text: sql, values: params ? [...params] : [] })
            return r.rows as Record<string, unknown>[]
          },
          async copy(table, chunks, onChunk) {
            doing = `copying into ${table.name}`
            const stream = client.query(copyFrom(bankingCopySql(table, 'STDIN')))
            await pipeline(Readable.from(buffers(chunks, onChunk)), stream)
          },
        }
        const result = await fn(tx)
        doing = 'committing'
        await client.query('COMMIT')
        return result
      } catch (e) {
        try {
          await client.query('ROLLBACK')
        } catch {
          broken = true
        }
        throw bankingSinkError(e, display, secrets, doing)
      } finally {
        client.release(broken)
      }
    },
    close: async () => {
      if (!pool.ended && !pool.ending) await pool.end()
    },
  }
}

/** The chunks' bytes; a chunk counts as written once the stream asks for the next one. */
function* buffers(chunks: Iterable<CopyChunk>, onChunk?: (rows: number) => void): Generator<Uint8Array> {
  let previous = 0
  for (const c of chunks) {
    if (previous) onChunk?.(previous)
    yield c.bytes
    previous = c.rows
  }
  if (previous) onChunk?.(previous)
}

function secretsOf(url: string): string[] {
  try {
    const u = new URL(url)
    return u.password ? [u.password, decodeURIComponent(u.password)] : []
  } catch {
    return [url]
  }
}
