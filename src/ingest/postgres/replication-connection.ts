/**
 * A replication connection to PostgreSQL (`replication=database`) over `pg`: creating a logical slot with an
 * exported snapshot, streaming a slot with the pgoutput plugin, and standby status updates that tell the server
 * how far changes are durably applied (PostgreSQL docs, "Streaming Replication Protocol").
 * @module
 */
import type { Client } from 'pg'
import { AkkoError } from '../../core/index.js'
import { msToPgTime } from './lsn.js'
import { pgError, pgIdent, pgLiteral, pgServerClient } from './pg-source.js'
import { pgoutputDecode, type PgoutputMessage } from './pgoutput.js'

/** One message of the replication stream. */
export type ReplicationEvent =
  | { readonly kind: 'data'; readonly walStart: bigint; readonly walEnd: bigint; readonly message: PgoutputMessage }
  | { readonly kind: 'keepalive'; readonly walEnd: bigint; readonly replyRequested: boolean }

/** Where a newly created slot starts, and the snapshot that sees exactly the transactions committed before it. */
export interface SlotCreated {
  readonly consistentPoint: string
  readonly snapshotName: string
}

// Queue lengths at which the socket is paused and resumed: the server waits while we apply.
const PAUSE_AT = 2000
const RESUME_AT = 200

interface PgConnectionInternals {
  readonly stream: { pause(): void; resume(): void }
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
}

/**
 * The query object (`pg`'s Submittable) for START_REPLICATION: CopyData messages go to `onData`; the query ends
 * when the server ends the stream or fails.
 */
class ReplicationQuery {
  connection?: PgConnectionInternals
  readonly done: Promise<void>
  #resolve!: () => void
  #reject!: (e: unknown) => void
  #error: unknown
  constructor(readonly text: string, private readonly onData: (chunk: Buffer) => void) {
    this.done = new Promise((res, rej) => {
      this.#resolve = res
      this.#reject = rej
    })
    this.done.catch(() => undefined)
  }
  submit(connection: PgConnectionInternals): void {
    this.connection = connection
    connection.query(this.text)
  }
  handleCopyData(msg: { chunk: Buffer }): void { this.onData(msg.chunk) }
  handleError(e: unknown): void {
    this.#error = e
    this.#reject(e)
  }
  handleReadyForQuery(): void {
    if (this.#error === undefined) this.#resolve()
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
}

/** A replication connection: one slot stream at a time. */
export class PgReplicationConnection {
  readonly #client: Client
  readonly #url: string
  #query?: ReplicationQuery
  #queue: ReplicationEvent[] = []
  #wake?: () => void
  #paused = false
  #ended = false
  #failure: unknown

  private constructor(client: Client, url: string) {
    this.#client = client
    this.#url = url
  }

  static async open(url: string, applicationName?: string): Promise<PgReplicationConnection> {
    return new PgReplicationConnection(await pgServerClient(url, { replication: true, applicationName }), url)
  }

  /**
   * CREATE_REPLICATION_SLOT … LOGICAL pgoutput EXPORT_SNAPSHOT. The snapshot stays importable (SET TRANSACTION
   * SNAPSHOT) until this connection runs its next command, so copy the tables before calling `stream`.
   */
  async slotCreate(slot: string): Promise<SlotCreated> {
    try {
      const res = await this.#client.query(`CREATE_REPLICATION_SLOT ${pgIdent(slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`)
      const row = res.rows[0] as { consistent_point: string; snapshot_name: string }
      return { consistentPoint: row.consistent_point, snapshotName: row.snapshot_name }
    } catch (e) {
      throw pgError(e, this.#url, `creating the replication slot ${slot}`)
    }
  }

  /** Starts streaming `slot` from `from` (the server starts at the slot's confirmed position if that is later). */
  async *stream(slot: string, publication: string, from: string): AsyncGenerator<ReplicationEvent> {
    const sql = `START_REPLICATION SLOT ${pgIdent(slot)} LOGICAL ${from} (proto_version '1', publication_names ${pgLiteral(pgIdent(publication))})`
    const q = new ReplicationQuery(sql, chunk => this.#onData(chunk))
    this.#query = q
    q.done.then(() => this.#end(undefined), e => this.#end(e))
    this.#client.query(q as never)
    for (;;) {
      const ev = this.#queue.shift()
      if (ev) {
        if (this.#paused && this.#queue.length <= RESUME_AT) {
          this.#paused = false
          q.connection?.stream.resume()
        }
        yield ev
        continue
      }
      if (this.#failure !== undefined) throw pgError(this.#failure, this.#url, `streaming the replication slot ${slot}`)
      if (this.#ended) return
      await new Promise<void>(resolve => (this.#wake = resolve))
    }
  }

  /**
   * Standby status update: `written` received, `flushed` durably applied (the slot may recycle WAL before it).
   * `reply` asks the server for a keepalive at once.
   */
  status(written: bigint, flushed: bigint, reply = false): void {
    const conn = this.#query?.connection
    if (!conn || this.#ended) return
    const buf = Buffer.alloc(34)
    buf.write('r', 0)
    buf.writeBigUInt64BE(written, 1)
    buf.writeBigUInt64BE(flushed, 9)
    buf.writeBigUInt64BE(flushed, 17)
    buf.writeBigInt64BE(msToPgTime(Date.now()), 25)
    buf.writeUInt8(reply ? 1 : 0, 33)
    conn.sendCopyFromChunk(buf)
  }

  async close(): Promise<void> {
    this.#ended = true
    this.#wake?.()
    await this.#client.end().catch(() => undefined)
  }

  #onData(chunk: Buffer): void {
    const type = chunk[0]
    if (type === 0x77 /* w */) {
      this.#push({ kind: 'data', walStart: chunk.readBigUInt64BE(1), walEnd: chunk.readBigUInt64BE(9), message: pgoutputDecode(chunk.subarray(25)) })
    } else if (type === 0x6b /* k */) {
      this.#push({ kind: 'keepalive', walEnd: chunk.readBigUInt64BE(1), replyRequested: chunk[17] === 1 })
    }
  }

  #push(ev: ReplicationEvent): void {
    this.#queue.push(ev)
    if (!this.#paused && this.#queue.length >= PAUSE_AT) {
      this.#paused = true
      this.#query?.connection?.stream.pause()
    }
    this.#wake?.()
    this.#wake = undefined
  }

  #end(e: unknown): void {
    if (e !== undefined) this.#failure = e
    this.#ended = true
    this.#wake?.()
    this.#wake = undefined
  }
}

/** Checks the server can do logical replication; CONNECTOR_ERROR / NOT_SUPPORTED with what to change otherwise. */
export async function pgLogicalCheck(query: (sql: string) => Promise<readonly (readonly unknown[])[]>, where: string): Promise<void> {
  const [[level]] = (await query(`SELECT current_setting('wal_level')`)) as [[string]]
  if (level !== 'logical') {
    throw new AkkoError('NOT_SUPPORTED', `CDC needs logical replication, and the PostgreSQL server at ${where} has wal_level=${level}: set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart the server`, { walLevel: level })
  }
}

