import { randomUUID } from 'node:crypto'
import { AkkoError, isAkkoError, isCommitConflict, type IoOptions, type Logger } from '../../core/index.js'
import type { Metastore, Namespace, NamespaceRecord, PointerSwap, PropertyUpdateResult, TableIdent } from '../metastore/metastore.js'
import type { ObjectStore } from '../object-store/object-store.js'
import type { TableMetadata } from '../iceberg/spec.js'
import { metadataFileName, metadataNew, metadataParse, metadataSerialize, metadataVersionFromLocation } from '../iceberg/metadata.js'
import { requirementsCheck, updatesApply, updatesEmptyBase, type TableUpdate } from '../iceberg/updates.js'
import { tablePurgeFiles } from './purge.js'
import {
  tableIdentDisplay,
  type CommitPlan,
  type CommitRetryOptions,
  type CreateTableRequest,
  type DropTableOptions,
  type LoadedTable,
  type RegisterTableOptions,
  type StagedTable,
  type TableChange,
} from './types.js'

export interface IcebergCatalogOptions {
  readonly metastore: Metastore
  readonly store: ObjectStore
  readonly log: Logger
}

/** A commit whose new metadata file is written but whose pointer is not swapped yet. */
interface PreparedCommit extends PointerSwap {
  readonly metadata: TableMetadata
}

/** Parsed metadata files kept in memory; files are immutable, so a location is a perfect cache key. */
const CACHE_LIMIT = 256

/**
 * The one place that commits Iceberg table metadata (spec "Metastore Tables"; REST "commitTable").
 * A commit loads the current metadata, checks the requirements, applies the updates, writes a new
 * metadata file that did not exist before, then swaps the pointer in the metastore under compare-and-set.
 * A lost race is COMMIT_CONFLICT and leaves the table exactly at its committed metadata.
 * Used by the REST API and by the platform's own table operations alike.
 */
export class IcebergCatalog {
  readonly metastore: Metastore
  readonly store: ObjectStore
  readonly #log: Logger
  readonly #cache = new Map<string, TableMetadata>()

  constructor(opts: IcebergCatalogOptions) {
    this.metastore = opts.metastore
    this.store = opts.store
    this.#log = opts.log
  }

  // ------------------------------------------------------------ namespaces

  /** Creates a namespace; NAMESPACE_ALREADY_EXISTS if taken, NAMESPACE_NOT_FOUND if its parent is missing. */
  async createNamespace(ns: Namespace, properties: Readonly<Record<string, string>> = {}, o?: IoOptions): Promise<NamespaceRecord> {
    namespaceValidate(ns)
    if (ns.length > 1 && !(await this.metastore.namespaceExists(ns.slice(0, -1), o))) {
      throw new AkkoError('NAMESPACE_NOT_FOUND', `Parent namespace ${ns.slice(0, -1).join('.')} does not exist: create it first`, { namespace: ns.slice(0, -1) })
    }
    return this.metastore.createNamespace(ns, properties, o)
  }

  loadNamespace(ns: Namespace, o?: IoOptions): Promise<NamespaceRecord> {
    return this.metastore.loadNamespace(ns, o)
  }

  namespaceExists(ns: Namespace, o?: IoOptions): Promise<boolean> {
    return this.metastore.namespaceExists(ns, o)
  }

  /** Direct children of `parent` (the top level when absent); NAMESPACE_NOT_FOUND for a missing parent. */
  async listNamespaces(parent: Namespace = [], o?: IoOptions): Promise<NamespaceRecord[]> {
    if (parent.length) await this.#requireNamespace(parent, o)
    return this.metastore.listNamespaces(parent, o)
  }

  /** Drops an empty namespace; NAMESPACE_NOT_EMPTY while it holds tables or child namespaces. */
  dropNamespace(ns: Namespace, o?: IoOptions): Promise<void> {
    return this.metastore.dropNamespace(ns, o)
  }

  /** Sets and removes namespace properties; a key in both lists is INVALID_REQUEST and changes nothing. */
  updateNamespaceProperties(ns: Namespace, removals: readonly string[], updates: Readonly<Record<string, string>>, o?: IoOptions): Promise<PropertyUpdateResult> {
    const both = removals.filter(k => Object.hasOwn(updates, k))
    if (both.length) throw new AkkoError('INVALID_REQUEST', `Properties both set and removed in one request: ${both.join(', ')}`, { keys: both })
    return this.metastore.updateNamespaceProperties(ns, removals, updates, o)
  }

  // ------------------------------------------------------------ tables: read

  tableExists(ident: TableIdent, o?: IoOptions): Promise<boolean> {
    return this.metastore.tableExists(ident, 'table', o)
  }

  /** Tables of a namespace; NAMESPACE_NOT_FOUND when it does not exist. */
  async listTables(ns: Namespace, o?: IoOptions): Promise<TableIdent[]> {
    await this.#requireNamespace(ns, o)
    return this.metastore.listTables(ns, 'table', o)
  }

  /** The table's current metadata location and parsed metadata; TABLE_NOT_FOUND when absent. */
  async loadTable(ident: TableIdent, o?: IoOptions): Promise<LoadedTable> {
    const rec = await this.metastore.loadTable(ident, 'table', o)
    return { metadataLocation: rec.metadataLocation, metadata: await this.#readMetadata(rec.metadataLocation, o) }
  }

  // ------------------------------------------------------------ tables: write

  /**
   * Creates a table (REST "createTable"). Field, spec and sort-order ids are assigned fresh.
   * With `stage-create` nothing is written: the metadata is returned for a later `assert-create` commit.
   */
  async createTable(ident: TableIdent, req: CreateTableRequest, o?: IoOptions): Promise<LoadedTable | StagedTable> {
    identValidate(ident)
    await this.#requireNamespace(ident.namespace, o)
    if (await this.metastore.tableExists(ident, 'table', o)) {
      throw new AkkoError('TABLE_ALREADY_EXISTS', `Table ${tableIdentDisplay(ident)} already exists`, { table: tableIdentDisplay(ident) })
    }
    const location = req.location ? this.#checkLocation(req.location) : this.#defaultLocation(ident)
    const metadata = metadataNew({
      location,
      schema: req.schema as never,
      spec: req['partition-spec'] as never,
      sortOrder: req['write-order'] as never,
      properties: req.properties ?? {},
    })
    if (req['stage-create']) return { metadata }
    const next = await this.#writeMetadata(metadata, 0, o)
    try {
      await this.metastore.createTable(ident, next, 'table', o)
    } catch (e) {
      await this.#deleteQuietly(next)
      throw e
    }
    return { metadataLocation: next, metadata }
  }

  /**
   * Commits one table's requirements and updates (REST "updateTable"). With `assert-create` on a missing
   * table it creates the table from the updates (the second half of a staged create).
   */
  async commitTable(ident: TableIdent, requirements: TableChange['requirements'], updates: TableChange['updates'], o?: IoOptions): Promise<LoadedTable> {
    const [done] = await this.commitTransaction([{ ident, requirements, updates }], o)
    return done!
  }

  /** Commits several tables atomically (REST "commitTransaction"): one pointer swap call, all or nothing. */
  async commitTransaction(changes: readonly TableChange[], o?: IoOptions): Promise<LoadedTable[]> {
    if (!changes.length) throw new AkkoError('INVALID_REQUEST', 'A transaction needs at least one table change')
    const names = changes.map(c => tableIdentDisplay(c.ident))
    const dup = names.find((n, i) => names.indexOf(n) !== i)
    if (dup) throw new AkkoError('INVALID_REQUEST', `Table ${dup} appears twice in one transaction: merge its changes`, { table: dup })
    const prepared: PreparedCommit[] = []
    let swapping = false
    try {
      for (const c of changes) prepared.push(await this.#prepare(c, o))
      swapping = true
      await this.metastore.swapPointers(prepared.map(({ ident, expected, next }) => ({ ident, expected, next })), o)
    } catch (e) {
      // Before the swap, or after a definite failure of it, the new files are garbage. After an unknown
      // failure (the metastore went away mid-swap) they may already be current: deleting them could break the table.
      if (!swapping || isDefiniteFailure(e)) for (const p of prepared) await this.#deleteQuietly(p.next)
      throw e
    }
    return prepared.map(p => {
      this.#remember(p.next, p.metadata)
      return { metadataLocation: p.next, metadata: p.metadata }
    })
  }

  /**
   * For engine-side operations: loads the table, lets `build` derive requirements and updates from it,
   * commits, and on COMMIT_CONFLICT starts over from a fresh load after a jittered backoff.
   */
  async commitWithRetry(ident: TableIdent, build: (current: LoadedTable) => Promise<CommitPlan>, opts: CommitRetryOptions & IoOptions = {}): Promise<LoadedTable> {
    const retries = opts.retries ?? 4
    const base = opts.baseDelayMs ?? 25
    for (let attempt = 0; ; attempt++) {
      opts.signal?.throwIfAborted()
      const current = await this.loadTable(ident, opts)
      const plan = await build(current)
      try {
        return await this.commitTable(ident, plan.requirements, plan.updates, opts)
      } catch (e) {
        if (!isCommitConflict(e) || attempt >= retries) throw e
        this.#log.emit({ code: 'S010', level: 'warn', table: tableIdentDisplay(ident), attempt: attempt + 1, reason: 'COMMIT_CONFLICT' })
        await sleep(base * 2 ** attempt * (0.5 + Math.random()))
      }
    }
  }

  /** Drops the table pointer; with `purge`, then deletes its files (errors there are logged, not thrown). */
  async dropTable(ident: TableIdent, opts: DropTableOptions = {}, o?: IoOptions): Promise<void> {
    const last = await this.metastore.dropTable(ident, 'table', o)
    if (!opts.purge) return
    // Read after the pointer is gone: the last committed file is the one to follow, and nothing can move it now.
    const metadata = await this.#readMetadata(last.metadataLocation, o).catch(e => {
      this.#log.emit({ code: 'S020', level: 'warn', msg: 'purging a table whose metadata cannot be read', table: tableIdentDisplay(ident), error: String(e) })
      return undefined
    })
    const res = await tablePurgeFiles(this.store, metadata, last.metadataLocation, this.#log)
    this.#cache.delete(last.metadataLocation)
    this.#log.emit({ code: 'S022', level: 'info', msg: 'table purged', table: tableIdentDisplay(ident), ...res })
  }

  renameTable(from: TableIdent, to: TableIdent, o?: IoOptions): Promise<void> {
    identValidate(to)
    return this.metastore.renameTable(from, to, 'table', o)
  }

  /**
   * Points a table at an existing metadata file (REST "registerTable"). The file is read and validated
   * first: missing → FILE_NOT_FOUND, invalid → INVALID_METADATA, and nothing changes on failure.
   */
  async registerTable(ident: TableIdent, metadataLocation: string, opts: RegisterTableOptions = {}, o?: IoOptions): Promise<LoadedTable> {
    identValidate(ident)
    await this.#requireNamespace(ident.namespace, o)
    this.#checkLocation(metadataLocation)
    // Always from the store: the file must exist now, whatever was cached before.
    const metadata = await this.#readMetadata(metadataLocation, o, true)
    const existing = opts.overwrite ? await this.metastore.loadTable(ident, 'table', o).catch(e => (isAkkoError(e, 'TABLE_NOT_FOUND') ? undefined : Promise.reject(e))) : undefined
    if (existing) await this.metastore.swapPointers([{ ident, expected: existing.metadataLocation, next: metadataLocation }], o)
    else await this.metastore.createTable(ident, metadataLocation, 'table', o)
    return { metadataLocation, metadata }
  }

  // ------------------------------------------------------------ internals

  async #prepare(change: TableChange, o?: IoOptions): Promise<PreparedCommit> {
    identValidate(change.ident)
    const creating = change.requirements.some(r => r.type === 'assert-create')
    const current = await this.loadTable(change.ident, o).catch(e => (isAkkoError(e, 'TABLE_NOT_FOUND') ? undefined : Promise.reject(e)))
    if (!current && !creating) {
      await this.#requireNamespace(change.ident.namespace, o)
      throw new AkkoError('TABLE_NOT_FOUND', `Table ${tableIdentDisplay(change.ident)} does not exist`, { table: tableIdentDisplay(change.ident) })
    }
    requirementsCheck(current?.metadata, change.requirements)
    const nowMs = Date.now()
    let metadata: TableMetadata
    if (current) {
      metadata = updatesApply(current.metadata, change.updates, { nowMs, metadataLocation: current.metadataLocation })
    } else {
      await this.#requireNamespace(change.ident.namespace, o)
      metadata = this.#applyToEmpty(change, nowMs)
    }
    const version = current ? metadataVersionNext(current.metadataLocation) : 0
    const next = await this.#writeMetadata(metadata, version, o)
    return { ident: change.ident, expected: current?.metadataLocation ?? null, next, metadata }
  }

  /** Second half of a staged create: the client's updates rebuild the table from nothing. */
  #applyToEmpty(change: TableChange, nowMs: number): TableMetadata {
    const updates = [...change.updates]
    if (!updates.some(u => u.action === 'assign-uuid')) updates.unshift({ action: 'assign-uuid', uuid: randomUUID() })
    if (!updates.some(u => u.action === 'set-location')) updates.push({ action: 'set-location', location: this.#defaultLocation(change.ident) })
    return updatesApply(updatesEmptyBase(), updates, { nowMs })
  }

  /** Writes `metadata` as a new file; it is re-parsed first so the catalog never publishes metadata it cannot read. */
  async #writeMetadata(metadata: TableMetadata, version: number, o?: IoOptions): Promise<string> {
    const text = metadataSerialize(metadata)
    metadataParse(text)
    const location = `${metadata.location.replace(/\/+$/, '')}/metadata/${metadataFileName(version, randomUUID())}`
    await this.store.put(location, new TextEncoder().encode(text), { ifNoneMatch: true, contentType: 'application/json', signal: o?.signal })
    return location
  }

  async #readMetadata(location: string, o?: IoOptions, fresh = false): Promise<TableMetadata> {
    const hit = fresh ? undefined : this.#cache.get(location)
    if (hit) return hit
    const bytes = await this.store.get(location, undefined, o)
    const metadata = metadataParse(new TextDecoder().decode(bytes))
    this.#remember(location, metadata)
    return metadata
  }

  #remember(location: string, metadata: TableMetadata): void {
    this.#cache.set(location, metadata)
    if (this.#cache.size > CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!)
  }

  async #deleteQuietly(location: string): Promise<void> {
    try {
      await this.store.delete(location)
    } catch (e) {
      this.#log.emit({ code: 'S023', level: 'warn', msg: 'could not delete an unpublished metadata file', location, error: String(e) })
    }
  }

  async #requireNamespace(ns: Namespace, o?: IoOptions): Promise<void> {
    if (!(await this.metastore.namespaceExists(ns, o))) {
      throw new AkkoError('NAMESPACE_NOT_FOUND', `Namespace ${ns.join('.')} does not exist`, { namespace: ns })
    }
  }

  /** A fresh directory per table, so a re-created table never collides with an old one's files. */
  #defaultLocation(ident: TableIdent): string {
    return `${this.store.root}/${ident.namespace.join('/')}/${ident.name}-${randomUUID().replaceAll('-', '')}`
  }

  #checkLocation(location: string): string {
    if (!this.store.handles(location)) {
      throw new AkkoError('INVALID_ARGUMENT', `Location ${location} is not in this platform's warehouse (${this.store.root})`, { location })
    }
    return location.replace(/\/+$/, '')
  }
}

function namespaceValidate(ns: Namespace): void {
  if (!Array.isArray(ns) || ns.length === 0 || ns.some(l => typeof l !== 'string' || l === '' || l.includes('\x1f'))) {
    throw new AkkoError('INVALID_ARGUMENT', 'A namespace is a non-empty list of non-empty names (without the 0x1F separator)', { namespace: ns })
  }
}

function identValidate(ident: TableIdent): void {
  namespaceValidate(ident.namespace)
  if (typeof ident.name !== 'string' || ident.name === '' || ident.name.includes('/')) {
    throw new AkkoError('INVALID_ARGUMENT', 'A table name must be a non-empty string without "/"', { name: ident.name })
  }
}

/** The version number for the next metadata file; locations of foreign tables may not carry one. */
function metadataVersionNext(location: string): number {
  try {
    const v = metadataVersionFromLocation(location)
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v + 1 : 1
  } catch {
    return 1
  }
}

/** Errors after which a commit certainly did not happen (versus METASTORE_ERROR: state unknown). */
const isDefiniteFailure = (e: unknown): boolean => e instanceof AkkoError && e.kind === 'USER_ERROR'

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))
