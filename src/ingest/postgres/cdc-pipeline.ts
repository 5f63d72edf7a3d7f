/**
 * CDC: PostgreSQL tables replicated into Iceberg by logical replication (pgoutput), exactly once.
 *
 * - The pipeline owns a publication and a replication slot, both named `akko_<pipeline>`.
 * - Initial snapshot: the slot is created with EXPORT_SNAPSHOT and every table is copied (one overwrite commit
 *   each) inside that snapshot, which sees exactly the transactions whose commit record lies before the slot's
 *   consistent point; the slot streams exactly the ones at or after it. The consistent point is stored as the
 *   tables' position, so nothing is lost or applied twice between the copy and the stream.
 * - Streaming: changes are folded per key (last change wins) and applied in micro-batches at transaction
 *   boundaries, one Iceberg commit per table and batch, in source commit order. Each commit's snapshot summary
 *   holds `akko.cdc.lsn`: the end LSN of the last source transaction it contains (where streaming resumes, as
 *   PostgreSQL's own subscribers record it). A transaction is skipped when its commit record starts before the
 *   table's stored LSN, i.e. it is already in the table.
 * - The slot is acknowledged (standby status update, flush position) only after the Iceberg commits of a batch,
 *   so a crash at any point makes the server send again what the tables may lack, and the stored LSN filters
 *   out what they already have.
 * - A Relation message with new columns adds them to the Iceberg table (schema evolution) before rows use them.
 * @module
 */
import { AkkoError, redactUrl } from '../../core/index.js'
import { tableLoad } from '../../storage/index.js'
import { CdcTableChanges, type CdcColumn } from './cdc-apply.js'
import { summaryFind, targetColumnsAdd, targetEnsure } from './iceberg-target.js'
import { lsnFormat, lsnParse, pgTimeToMs } from './lsn.js'
import { pgClientQuery, pgError, pgIdent, pgServerClient, pgTableDescribe, PgTypeResolver, type PgSourceTable } from './pg-source.js'
import { pgColumnType } from './pg-types.js'
import type { PgoutputMessage, PgoutputValue } from './pgoutput.js'
import { PgReplicationConnection, pgLogicalCheck, type ReplicationEvent } from './replication-connection.js'
import { copyApply } from './replicate-batch.js'
import { CDC_SUMMARY, cdcServerUrl, cdcSlotName, sleep, type CdcPipeline, type CdcPipelineOptions, type CdcStatus } from './cdc-types.js'

export { CDC_SUMMARY, cdcSlotName, type CdcAppliedEvent, type CdcPipeline, type CdcPipelineOptions, type CdcStatus, type CdcTable } from './cdc-types.js'
export { cdcDrop } from './cdc-drop.js'

/** Creates a pipeline (nothing happens until `start`). */
export function cdcPipeline(opts: CdcPipelineOptions): CdcPipeline {
  return new Pipeline(opts)
}


interface Tx {
  readonly finalLsn: bigint
  readonly commitTimeMs: number
}

class Pipeline implements CdcPipeline {
  readonly #opts: CdcPipelineOptions
  readonly #slot: string
  #state: CdcStatus['state'] = 'idle'
  #error?: string
  #conn?: PgReplicationConnection
  #stopping = false
  #resolveDone!: () => void
  #rejectDone!: (e: unknown) => void
  readonly done: Promise<void>
  // Per table (by source `schema.name`) and per relation oid.
  #sinks = new Map<string, CdcTableChanges>()
  #byOid = new Map<number, CdcTableChanges | null>()
  #stored = new Map<CdcTableChanges, bigint>()
  #described = new Map<string, PgSourceTable>()
  #types?: PgTypeResolver
  #meta?: Awaited<ReturnType<typeof pgServerClient>>
  // Stream position.
  #tx?: Tx
  /** Changes of the open transaction, folded into the tables' changes at its commit. */
  #txOps: (() => void)[] = []
  #batchTxs: number[] = []
  #batchEnd?: bigint
  #batchStartedAt = 0
  #received = 0n
  #confirmed = 0n
  #lastSeen?: { lsn: bigint; timeMs: number }
  #lastApplied?: { lsn: bigint; timeMs: number; atMs: number }
  #rowsApplied = 0
  #txApplied = 0
  #txSkipped = 0
  #commits = 0
  #snapshotRows = 0

  constructor(opts: CdcPipelineOptions) {
    this.#opts = opts
    this.#slot = cdcSlotName(opts.name)
    this.done = this.#newDone()
  }

  #newDone(): Promise<void> {
    const p = new Promise<void>((res, rej) => {
      this.#resolveDone = res
      this.#rejectDone = rej
    })
    p.catch(() => undefined)
    return p
  }

  status(): CdcStatus {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString())
    const oldest = this.#batchTxs[0] ?? this.#tx?.commitTimeMs
    return {
      pipeline: this.#opts.name, slot: this.#slot, publication: this.#slot, state: this.#state,
      ...(this.#error ? { error: this.#error } : {}),
      lastSeenLsn: this.#lastSeen && lsnFormat(this.#lastSeen.lsn), lastSeenCommitTime: iso(this.#lastSeen?.timeMs),
      lastAppliedLsn: this.#lastApplied && lsnFormat(this.#lastApplied.lsn), lastAppliedCommitTime: iso(this.#lastApplied?.timeMs),
      lastAppliedAt: iso(this.#lastApplied?.atMs), confirmedLsn: this.#confirmed ? lsnFormat(this.#confirmed) : undefined,
      lagMs: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest),
      pendingTransactions: this.#batchTxs.length, rowsApplied: this.#rowsApplied, transactionsApplied: this.#txApplied, transactionsSkipped: this.#txSkipped,
      commits: this.#commits, snapshotRows: this.#snapshotRows,
    }
  }

  async start(): Promise<void> {
    if (this.#state === 'starting' || this.#state === 'snapshot' || this.#state === 'streaming') return
    if (this.#state === 'stopped' || this.#state === 'failed') (this as { done: Promise<void> }).done = this.#newDone()
    this.#state = 'starting'
    this.#stopping = false
    this.#error = undefined
    try {
      const events = await this.#prepare()
      this.#state = 'streaming'
      void this.#loop(events)
    } catch (e) {
      await this.#fail(e)
      throw e
    }
  }

  async stop(): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'stopped' || this.#state === 'failed') return
    this.#stopping = true
    this.#state = 'stopping'
    this.#wakeLoop?.()
    await this.done.catch(() => undefined)
  }

  #wakeLoop?: () => void

  /** Publication, slot and (when needed) the initial snapshot; returns the stream. */
  async #prepare(): Promise<AsyncGenerator<ReplicationEvent>> {
    const url = cdcServerUrl(this.#opts.source)
    const { tables: ctx } = this.#opts
    const meta = (this.#meta = await pgServerClient(url))
    const query = pgClientQuery(meta)
    this.#types = new PgTypeResolver(query)
    try {
      await pgLogicalCheck(query, redactUrl(url))
      this.#sinks.clear()
      this.#byOid.clear()
      this.#stored.clear()
      for (const s of this.#opts.streams) {
        const src = await pgTableDescribe(query, s.table, { unsupported: this.#opts.unsupportedTypes, withGenerated: false, types: this.#types })
        const key = cdcKey(src)
        await targetEnsure(ctx, s.target, src.columns, src.primaryKey.length ? src.primaryKey : [])
        const sink = new CdcTableChanges(src.display, s.target)
        sink.columns = src.columns
        sink.key = key
        this.#sinks.set(src.display, sink)
        this.#described.set(src.display, src)
      }
      await this.#publicationEnsure(query)
      for (const sink of this.#sinks.values()) {
        const s = summaryFind((await tableLoad(ctx, sink.target)).metadata, CDC_SUMMARY.lsn)
        if (s && s[CDC_SUMMARY.slot] === this.#slot) this.#stored.set(sink, lsnParse(s[CDC_SUMMARY.lsn]!))
      }
      const slot = await query(`SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, [this.#slot])
      const complete = this.#stored.size === this.#sinks.size
      if (slot.length === 0 || !complete) return await this.#snapshot(url, slot.length > 0)
      const from = [...this.#stored.values()].reduce((a, b) => (a < b ? a : b))
      this.#confirmed = lsnParse(String(slot[0]![0]))
      return await this.#streamOpen(url, from)
    } catch (e) {
      throw pgError(e, url, `starting CDC pipeline ${this.#opts.name}`)
    }
  }

  async #publicationEnsure(query: ReturnType<typeof pgClientQuery>): Promise<void> {
    const wanted = [...this.#described.values()]
    const have = await query(`SELECT schemaname::text || '.' || tablename::text FROM pg_publication_tables WHERE pubname = $1`, [this.#slot])
    const exists = (await query(`SELECT 1 FROM pg_publication WHERE pubname = $1`, [this.#slot])).length > 0
    if (!exists) {
      await query(`CREATE PUBLICATION ${pgIdent(this.#slot)} FOR TABLE ${wanted.map(t => t.sql).join(', ')}`)
      return
    }
    const got = new Set(have.map(r => String(r[0])))
    if (got.size !== wanted.length || wanted.some(t => !got.has(t.display))) {
      throw new AkkoError('INVALID_CONFIG', `CDC pipeline ${this.#opts.name} already replicates ${[...got].join(', ') || 'no table'}; to replicate ${wanted.map(t => t.display).join(', ')}, drop it first (cdcDrop) and start again (the tables are copied afresh)`, { pipeline: this.#opts.name })
    }
  }

  /** (Re)creates the slot with an exported snapshot and copies every table inside it. */
  async #snapshot(url: string, slotExists: boolean): Promise<AsyncGenerator<ReplicationEvent>> {
    this.#state = 'snapshot'
    if (slotExists) await this.#slotDrop()
    const conn = (this.#conn = await PgReplicationConnection.open(url, `akko-cdc-${this.#opts.name}`))
    const created = await conn.slotCreate(this.#slot)
    const point = created.consistentPoint
    this.#opts.tables.log.emit({ code: 'I110', level: 'info', msg: 'CDC initial snapshot', pipeline: this.#opts.name, lsn: point })
    for (const sink of this.#sinks.values()) {
      const src = this.#described.get(sink.display)!
      const state = await tableLoad(this.#opts.tables, sink.target)
      const res = await copyApply({
        ctx: this.#opts.tables, source: { url }, src, state, strategy: 'overwrite', key: sink.key, snapshot: created.snapshotName,
        summary: () => ({ [CDC_SUMMARY.lsn]: point, [CDC_SUMMARY.slot]: this.#slot }),
      })
      this.#snapshotRows += res.rowsRead
      this.#stored.set(sink, lsnParse(point))
    }
    this.#confirmed = lsnParse(point)
    return conn.stream(this.#slot, this.#slot, point)
  }

  async #slotDrop(): Promise<void> {
    const meta = this.#meta!
    for (let attempt = 0; ; attempt++) {
      try {
        await meta.query('SELECT pg_drop_replication_slot($1)', [this.#slot])
        return
      } catch (e) {
        if ((e as { code?: string }).code !== '55006' || attempt > 300) throw e
        await sleep(100)
      }
    }
  }

  /**
   * Streams from `from`. A walsender of a previous run (a killed process) may still hold the slot for a moment:
   * wait until it lets go.
   */
  async #streamOpen(url: string, from: bigint): Promise<AsyncGenerator<ReplicationEvent>> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.#meta!.query(`SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1`, [this.#slot])
      if ((r.rows[0] as { active_pid: number | null } | undefined)?.active_pid == null) break
      if (attempt >= 300) throw new AkkoError('CONNECTOR_ERROR', `Replication slot ${this.#slot} is in use by another process (is pipeline ${this.#opts.name} running elsewhere?)`, { slot: this.#slot })
      await sleep(100)
    }
    const conn = (this.#conn = await PgReplicationConnection.open(url, `akko-cdc-${this.#opts.name}`))
    return conn.stream(this.#slot, this.#slot, lsnFormat(from))
  }

  async #loop(events: AsyncGenerator<ReplicationEvent>): Promise<void> {
    const interval = this.#opts.flushIntervalMs ?? 1000
    let next: Promise<IteratorResult<ReplicationEvent>> | undefined
    let wake: Promise<undefined> | undefined
    let lastStatus = 0
    try {
      for (;;) {
        if (this.#stopping) break
        next ??= events.next()
        const timeout = this.#batchTxs.length ? Math.max(0, this.#batchStartedAt + interval - Date.now()) : 1000
        let timer: NodeJS.Timeout | undefined
        const tick = new Promise<undefined>(res => (timer = setTimeout(res, Math.min(timeout, 1000), undefined)))
        wake ??= new Promise<undefined>(res => (this.#wakeLoop = () => res(undefined)))
        const r = await Promise.race([next, tick, wake]).finally(() => clearTimeout(timer))
        if (r !== undefined) {
          next = undefined
          if (r.done) throw new AkkoError('CONNECTOR_ERROR', `The server ended the replication stream of ${this.#slot}`)
          await this.#event(r.value)
        }
        if (this.#batchTxs.length && (Date.now() - this.#batchStartedAt >= interval || this.#batchChanges() >= (this.#opts.maxBatchChanges ?? 50_000))) {
          await this.#flush()
        }
        if (Date.now() - lastStatus >= 1000) {
          lastStatus = Date.now()
          this.#conn?.status(this.#received, this.#confirmed, true)
        }
      }
      if (this.#batchTxs.length) await this.#flush()
      await this.#close()
      this.#state = 'stopped'
      this.#resolveDone()
    } catch (e) {
      await this.#fail(e)
    }
  }

  #batchChanges(): number {
    let n = 0
    for (const s of this.#sinks.values()) n += s.changes
    return n
  }

  async #event(ev: ReplicationEvent): Promise<void> {
    if (ev.kind === 'keepalive') {
      if (ev.walEnd > this.#received) this.#received = ev.walEnd
      // Idle (nothing received and not applied): WAL up to here concerns no replicated change.
      if (!this.#tx && this.#batchTxs.length === 0 && ev.walEnd > this.#confirmed) this.#confirmed = ev.walEnd
      if (ev.replyRequested) this.#conn?.status(this.#received, this.#confirmed)
      return
    }
    if (ev.walEnd > this.#received) this.#received = ev.walEnd
    await this.#message(ev.message)
  }

  async #message(m: PgoutputMessage): Promise<void> {
    switch (m.tag) {
      case 'begin':
        this.#tx = { finalLsn: m.finalLsn, commitTimeMs: pgTimeToMs(m.commitTime) }
        this.#txOps = []
        if ([...this.#stored.values()].every(lsn => m.finalLsn < lsn)) this.#txSkipped++
        return
      case 'commit': {
        const tx = this.#tx
        const ops = this.#txOps
        this.#tx = undefined
        this.#txOps = []
        this.#lastSeen = { lsn: m.endLsn, timeMs: pgTimeToMs(m.commitTime) }
        if (!tx) return
        for (const op of ops) op()
        if (this.#batchTxs.length === 0) this.#batchStartedAt = Date.now()
        this.#batchTxs.push(tx.commitTimeMs)
        this.#batchEnd = m.endLsn
        return
      }
      case 'relation':
        return this.#relation(m)
      case 'insert': case 'update': case 'delete': case 'truncate':
        return this.#change(m)
      default:
        return
    }
  }

  /** The sink of a relation oid when the current transaction is not already in its table. */
  #sinkFor(oid: number): CdcTableChanges | undefined {
    const sink = this.#byOid.get(oid)
    if (!sink) return undefined
    const stored = this.#stored.get(sink)
    if (this.#tx && stored !== undefined && this.#tx.finalLsn < stored) return undefined
    return sink
  }

  #change(m: Extract<PgoutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>): void {
    if (m.tag === 'truncate') {
      for (const oid of m.relationOids) {
        const sink = this.#sinkFor(oid)
        if (sink) this.#txOps.push(() => sink.truncate())
      }
      return
    }
    const sink = this.#sinkFor(m.relationOid)
    if (!sink) return
    const names = this.#relColumns.get(m.relationOid)!
    const row = (vals: readonly PgoutputValue[]) => {
      const r: Record<string, PgoutputValue> = {}
      for (let i = 0; i < names.length; i++) r[names[i]!] = vals[i]!
      return r
    }
    if (m.tag === 'insert') {
      const r = row(m.new)
      this.#txOps.push(() => sink.insert(r))
    } else if (m.tag === 'update') {
      const old = m.key ? row(m.key) : m.old ? row(m.old) : undefined
      const r = row(m.new)
      this.#txOps.push(() => sink.update(old, r))
    } else {
      const old = row((m.key ?? m.old)!)
      this.#txOps.push(() => sink.delete(old))
    }
  }

  readonly #relColumns = new Map<number, readonly string[]>()

  /** A Relation message: maps the oid to its table, updates its columns and key, adds new columns to Iceberg. */
  async #relation(m: Extract<PgoutputMessage, { tag: 'relation' }>): Promise<void> {
    const display = `${m.schema}.${m.name}`
    const sink = this.#sinks.get(display)
    this.#byOid.set(m.relationOid, sink ?? null)
    this.#relColumns.set(m.relationOid, m.columns.map(c => c.name))
    if (!sink) return
    const known = this.#described.get(display)!
    const columns: CdcColumn[] = []
    for (const c of m.columns) {
      const was = known.columns.find(k => k.name === c.name && k.typeOid === c.typeOid && k.typmod === c.typmod)
      const pgType = was?.pgType ?? (await this.#types!.resolve(c.typeOid, c.typmod, 1))
      columns.push({ name: c.name, type: was?.type ?? pgColumnType(display, c.name, pgType, this.#opts.unsupportedTypes) })
    }
    const flagged = m.columns.filter(c => c.flags & 1).map(c => c.name)
    const pk = known.primaryKey
    sink.key = m.replicaIdentity === 'f' && pk.length && pk.every(k => columns.some(c => c.name === k)) ? pk : flagged
    if (sink.key.length === 0) {
      throw new AkkoError('INVALID_SCHEMA', `${display} has no replica identity any more (REPLICA IDENTITY NOTHING, or its key was dropped): updates and deletes cannot be applied. Restore a primary key or set REPLICA IDENTITY FULL, then drop and restart the pipeline.`, { table: display })
    }
    sink.columns = columns
    const state = await tableLoad(this.#opts.tables, sink.target)
    await targetColumnsAdd(this.#opts.tables, state, columns)
  }

  /** Commits the gathered changes of every table, then acknowledges the batch's end to the server. */
  async #flush(): Promise<void> {
    const end = this.#batchEnd!
    const txs = this.#batchTxs
    const last = txs[txs.length - 1]!
    const summary = { [CDC_SUMMARY.lsn]: lsnFormat(end), [CDC_SUMMARY.slot]: this.#slot, [CDC_SUMMARY.commitTime]: new Date(last).toISOString() }
    let rows = 0
    for (const sink of this.#sinks.values()) {
      const r = await sink.flush(this.#opts.tables, summary)
      if (!r) continue
      rows += r.upserts + r.deletes
      if (r.committed) {
        this.#commits++
        this.#stored.set(sink, end)
      }
    }
    const at = Date.now()
    this.#lastApplied = { lsn: end, timeMs: last, atMs: at }
    this.#rowsApplied += rows
    this.#txApplied += txs.length
    this.#batchTxs = []
    this.#batchEnd = undefined
    this.#opts.onApplied?.({ lsn: lsnFormat(end), commitTimesMs: txs, appliedAtMs: at, rows })
    // Only now may the server forget these changes.
    this.#confirmed = end > this.#confirmed ? end : this.#confirmed
    this.#conn?.status(this.#received, this.#confirmed)
  }

  async #close(): Promise<void> {
    await this.#conn?.close()
    this.#conn = undefined
    await this.#meta?.end().catch(() => undefined)
    this.#meta = undefined
  }

  async #fail(e: unknown): Promise<void> {
    this.#error = e instanceof Error ? e.message : String(e)
    this.#state = 'failed'
    for (const s of this.#sinks.values()) s.reset()
    this.#batchTxs = []
    this.#tx = undefined
    this.#txOps = []
    this.#opts.tables.log.emit({ code: 'I119', level: 'error', msg: 'CDC pipeline failed', pipeline: this.#opts.name, error: this.#error })
    await this.#close()
    this.#rejectDone(e)
  }
}

/** The columns changes are keyed by; refuses tables whose updates and deletes cannot be identified. */
function cdcKey(src: PgSourceTable): readonly string[] {
  if (src.replicaIdentity === 'f') return src.primaryKey.length ? src.primaryKey : src.columns.map(c => c.name)
  if (src.replicaIdentity === 'i' && src.identityIndex.length) return src.identityIndex
  if (src.replicaIdentity === 'd' && src.primaryKey.length) return src.primaryKey
  throw new AkkoError('INVALID_ARGUMENT', `Table ${src.display} has no primary key${src.replicaIdentity === 'n' ? ' and REPLICA IDENTITY NOTHING' : ''}, so its updates and deletes cannot be replicated: add a primary key, or run ALTER TABLE ${src.sql} REPLICA IDENTITY FULL`, { table: src.display })
}

