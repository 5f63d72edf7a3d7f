import { AkkoError, type IoOptions } from '../../core/index.js'
import type {
  Metastore,
  Migration,
  Namespace,
  NamespaceRecord,
  PointerSwap,
  PropertyUpdateResult,
  SqlClient,
  TableIdent,
  TableRecord,
} from './metastore.js'
import { identCheck, identKey, identText, namespaceCheck, namespaceText, textCheck } from './identifiers.js'
import { migrationsApply } from './migrations.js'
import { sqlStateOf } from './sql-client.js'

type Kind = 'table' | 'view'

interface NamespaceRow {
  namespace: string[]
  properties: Record<string, string> | null
}

interface TableRow {
  namespace: string[]
  name: string
  kind: Kind
  metadata_location: string
  version: number
}

const FK_VIOLATION = '23503'
const UNIQUE_VIOLATION = '23505'
const TABLE_COLUMNS = 'namespace, name, kind, metadata_location, version'

/** What a backend hands to {@link SqlMetastore}: its kind, its SQL access and how to release it. */
export interface SqlMetastoreParts {
  readonly kind: 'pglite' | 'postgres'
  readonly sql: SqlClient
  readonly close: () => Promise<void>
}

/**
 * The metastore logic, written once in SQL for PGlite and PostgreSQL alike. Catalog rules follow the
 * Iceberg REST catalog, which sits on top: tables and views share one name space per namespace, and
 * pointer swaps are compare-and-set under row locks (ICE-SPEC "Metastore Tables").
 *
 * Where `kind` is optional it defaults to 'table': a view is only seen when asked for.
 */
export class SqlMetastore implements Metastore {
  readonly kind: 'pglite' | 'postgres'
  readonly sql: SqlClient
  readonly #close: () => Promise<void>

  constructor(parts: SqlMetastoreParts) {
    this.kind = parts.kind
    this.sql = parts.sql
    this.#close = parts.close
  }

  async createNamespace(ns: Namespace, properties: Readonly<Record<string, string>> = {}, o?: IoOptions): Promise<NamespaceRecord> {
    o?.signal?.throwIfAborted()
    const namespace = namespaceCheck(ns)
    const props = propertiesCheck(properties)
    const parent = namespace.length > 1 ? namespace.slice(0, -1) : null
    let rows: NamespaceRow[]
    try {
      // One statement: the foreign key on `parent` makes the parent check atomic with the insert.
      ;({ rows } = await this.sql.query<NamespaceRow>(
        `INSERT INTO akko_namespaces (namespace, parent, properties) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (namespace) DO NOTHING RETURNING namespace, properties`,
        [namespace, parent, JSON.stringify(props)],
      ))
    } catch (e) {
      if (sqlStateOf(e) === FK_VIOLATION) throw namespaceNotFound(parent ?? namespace, 'Create the parent namespace first')
      throw e
    }
    if (!rows[0]) throw new AkkoError('NAMESPACE_ALREADY_EXISTS', `Namespace ${namespaceText(namespace)} already exists`, { namespace })
    return namespaceRecord(rows[0])
  }

  async loadNamespace(ns: Namespace, o?: IoOptions): Promise<NamespaceRecord> {
    o?.signal?.throwIfAborted()
    const namespace = namespaceCheck(ns)
    const { rows } = await this.sql.query<NamespaceRow>('SELECT namespace, properties FROM akko_namespaces WHERE namespace = $1', [namespace])
    if (!rows[0]) throw namespaceNotFound(namespace)
    return namespaceRecord(rows[0])
  }

  async namespaceExists(ns: Namespace, o?: IoOptions): Promise<boolean> {
    o?.signal?.throwIfAborted()
    const namespace = namespaceCheck(ns)
    const { rows } = await this.sql.query('SELECT 1 FROM akko_namespaces WHERE namespace = $1', [namespace])
    return rows.length > 0
  }

  async listNamespaces(parent?: Namespace, o?: IoOptions): Promise<NamespaceRecord[]> {
    o?.signal?.throwIfAborted()
    if (!parent || parent.length === 0) {
      const { rows } = await this.sql.query<NamespaceRow>('SELECT namespace, properties FROM akko_namespaces WHERE parent IS NULL ORDER BY namespace')
      return rows.map(namespaceRecord)
    }
    const p = namespaceCheck(parent, 'parent namespace')
    return this.sql.transaction(async (tx) => {
      const { rows: found } = await tx.query('SELECT 1 FROM akko_namespaces WHERE namespace = $1', [p])
      if (!found.length) throw namespaceNotFound(p)
      const { rows } = await tx.query<NamespaceRow>('SELECT namespace, properties FROM akko_namespaces WHERE parent = $1 ORDER BY namespace', [p])
      return rows.map(namespaceRecord)
    })
  }

  async dropNamespace(ns: Namespace, o?: IoOptions): Promise<void> {
    o?.signal?.throwIfAborted()
    const namespace = namespaceCheck(ns)
    let rows: unknown[]
    try {
      // The foreign keys from child namespaces and tables refuse the delete atomically when not empty.
      ;({ rows } = await this.sql.query('DELETE FROM akko_namespaces WHERE namespace = $1 RETURNING 1', [namespace]))
    } catch (e) {
      if (sqlStateOf(e) !== FK_VIOLATION) throw e
      throw new AkkoError('NAMESPACE_NOT_EMPTY', `Namespace ${namespaceText(namespace)} is not empty: drop its tables, views and child namespaces first`, { namespace })
    }
    if (!rows.length) throw namespaceNotFound(namespace)
  }

  async updateNamespaceProperties(
    ns: Namespace,
    removals: readonly string[],
    updates: Readonly<Record<string, string>>,
    o?: IoOptions,
  ): Promise<PropertyUpdateResult> {
    o?.signal?.throwIfAborted()
    const namespace = namespaceCheck(ns)
    const upd = propertiesCheck(updates)
    if (!Array.isArray(removals) || removals.some((k) => typeof k !== 'string')) throw new AkkoError('INVALID_ARGUMENT', 'Property removals must be a list of keys', { removals })
    const removeKeys = [...new Set(removals)]
    const both = removeKeys.filter((k) => Object.hasOwn(upd, k))
    if (both.length) throw new AkkoError('INVALID_REQUEST', `Properties cannot be both removed and updated: ${both.join(', ')}`, { keys: both })
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<NamespaceRow>('SELECT namespace, properties FROM akko_namespaces WHERE namespace = $1 FOR UPDATE', [namespace])
      if (!rows[0]) throw namespaceNotFound(namespace)
      const next: Record<string, string> = { ...(rows[0].properties ?? {}) }
      const removed = removeKeys.filter((k) => Object.hasOwn(next, k))
      const missing = removeKeys.filter((k) => !Object.hasOwn(next, k))
      for (const k of removed) delete next[k]
      Object.assign(next, upd)
      await tx.query('UPDATE akko_namespaces SET properties = $2::jsonb, updated_at = now() WHERE namespace = $1', [namespace, JSON.stringify(next)])
      return Object.freeze({ updated: Object.keys(upd), removed, missing })
    })
  }

  async createTable(ident: TableIdent, metadataLocation: string, kind: Kind = 'table', o?: IoOptions): Promise<TableRecord> {
    o?.signal?.throwIfAborted()
    const id = identCheck(ident)
    const location = textCheck(metadataLocation, 'The metadata location')
    kindCheck(kind)
    let rows: TableRow[]
    try {
      ;({ rows } = await this.sql.query<TableRow>(
        `INSERT INTO akko_tables (namespace, name, kind, metadata_location) VALUES ($1, $2, $3, $4)
         ON CONFLICT (namespace, name) DO NOTHING RETURNING ${TABLE_COLUMNS}`,
        [id.namespace, id.name, kind, location],
      ))
    } catch (e) {
      if (sqlStateOf(e) === FK_VIOLATION) throw namespaceNotFound(id.namespace)
      throw e
    }
    if (rows[0]) return tableRecord(rows[0])
    const existing = await this.#find(this.sql, id)
    throw alreadyExists(id, existing?.kind ?? kind)
  }

  async loadTable(ident: TableIdent, kind: Kind = 'table', o?: IoOptions): Promise<TableRecord> {
    o?.signal?.throwIfAborted()
    const id = identCheck(ident)
    const row = await this.#find(this.sql, id)
    if (!row || row.kind !== kind) throw notFound(id, kind)
    return tableRecord(row)
  }

  async tableExists(ident: TableIdent, kind: Kind = 'table', o?: IoOptions): Promise<boolean> {
    o?.signal?.throwIfAborted()
    const row = await this.#find(this.sql, identCheck(ident))
    return row?.kind === kind
  }

  async listTables(ns: Namespace, kind: Kind = 'table', o?: IoOptions): Promise<TableIdent[]> {
    o?.signal?.throwIfAborted()
    const namespace = namespaceCheck(ns)
    return this.sql.transaction(async (tx) => {
      const { rows: found } = await tx.query('SELECT 1 FROM akko_namespaces WHERE namespace = $1', [namespace])
      if (!found.length) throw namespaceNotFound(namespace)
      const { rows } = await tx.query<{ name: string }>('SELECT name FROM akko_tables WHERE namespace = $1 AND kind = $2 ORDER BY name', [namespace, kind])
      return rows.map((r) => Object.freeze({ namespace, name: r.name }))
    })
  }

  async dropTable(ident: TableIdent, kind: Kind = 'table', o?: IoOptions): Promise<TableRecord> {
    o?.signal?.throwIfAborted()
    const id = identCheck(ident)
    const { rows } = await this.sql.query<TableRow>(
      `DELETE FROM akko_tables WHERE namespace = $1 AND name = $2 AND kind = $3 RETURNING ${TABLE_COLUMNS}`,
      [id.namespace, id.name, kind],
    )
    if (!rows[0]) throw notFound(id, kind)
    return tableRecord(rows[0])
  }

  async renameTable(from: TableIdent, to: TableIdent, kind: Kind = 'table', o?: IoOptions): Promise<void> {
    o?.signal?.throwIfAborted()
    const src = identCheck(from)
    const dst = identCheck(to)
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<TableRow>(`SELECT ${TABLE_COLUMNS} FROM akko_tables WHERE namespace = $1 AND name = $2 FOR UPDATE`, [src.namespace, src.name])
      if (!rows[0] || rows[0].kind !== kind) throw notFound(src, kind)
      const { rows: ns } = await tx.query('SELECT 1 FROM akko_namespaces WHERE namespace = $1 FOR KEY SHARE', [dst.namespace])
      if (!ns.length) throw namespaceNotFound(dst.namespace)
      const target = await this.#find(tx, dst)
      if (target) throw alreadyExists(dst, target.kind)
      try {
        await tx.query('UPDATE akko_tables SET namespace = $3, name = $4, updated_at = now() WHERE namespace = $1 AND name = $2', [src.namespace, src.name, dst.namespace, dst.name])
      } catch (e) {
        // A concurrent create may take the name between the check and the update.
        if (sqlStateOf(e) === UNIQUE_VIOLATION) throw alreadyExists(dst, kind)
        throw e
      }
    })
  }

  /**
   * Compare-and-set of one or more pointers in one transaction. Rows are locked in a fixed order (by
   * identifier) so two multi-table commits cannot deadlock; each locked row is compared with `expected`
   * after the lock is granted, so a concurrent winner is always seen. How long a swap takes is measured
   * by the benchmarks, never by tests.
   */
  async swapPointers(swaps: readonly PointerSwap[], o?: IoOptions): Promise<void> {
    o?.signal?.throwIfAborted()
    const checked = swapsCheck(swaps)
    if (!checked.length) return
    await this.sql.transaction(async (tx) => {
      for (const s of checked) await swapOne(tx, s)
    })
  }

  /** Applies the given migrations that are not yet recorded; returns the ids applied. */
  migrate(migrations: readonly Migration[]): Promise<string[]> {
    return migrationsApply(this.sql, migrations)
  }

  close(): Promise<void> {
    return this.#close()
  }

  async #find(sql: SqlClient, id: TableIdent): Promise<TableRow | undefined> {
    const { rows } = await sql.query<TableRow>(`SELECT ${TABLE_COLUMNS} FROM akko_tables WHERE namespace = $1 AND name = $2`, [id.namespace, id.name])
    return rows[0]
  }
}

async function swapOne(tx: SqlClient, s: PointerSwap): Promise<void> {
  const { ident: id, expected, next } = s
  if (expected === null) {
    let rows: unknown[]
    try {
      ;({ rows } = await tx.query(
        `INSERT INTO akko_tables (namespace, name, kind, metadata_location) VALUES ($1, $2, 'table', $3)
         ON CONFLICT (namespace, name) DO NOTHING RETURNING 1`,
        [id.namespace, id.name, next],
      ))
    } catch (e) {
      if (sqlStateOf(e) === FK_VIOLATION) throw namespaceNotFound(id.namespace)
      throw e
    }
    if (rows.length) return
    const { rows: cur } = await tx.query<{ metadata_location: string }>('SELECT metadata_location FROM akko_tables WHERE namespace = $1 AND name = $2', [id.namespace, id.name])
    throw conflict(id, null, cur[0]?.metadata_location ?? null)
  }
  const { rows } = await tx.query<{ metadata_location: string }>(
    'SELECT metadata_location FROM akko_tables WHERE namespace = $1 AND name = $2 FOR UPDATE',
    [id.namespace, id.name],
  )
  const actual = rows[0]?.metadata_location ?? null
  if (actual !== expected) throw conflict(id, expected, actual)
  await tx.query(
    'UPDATE akko_tables SET metadata_location = $3, version = version + 1, updated_at = now() WHERE namespace = $1 AND name = $2',
    [id.namespace, id.name, next],
  )
}

function swapsCheck(swaps: readonly PointerSwap[]): PointerSwap[] {
  if (!Array.isArray(swaps)) throw new AkkoError('INVALID_ARGUMENT', 'Pointer swaps must be a list', {})
  const seen = new Set<string>()
  const out = swaps.map((s) => {
    const ident = identCheck(s?.ident)
    const key = identKey(ident)
    if (seen.has(key)) throw new AkkoError('INVALID_ARGUMENT', `Table ${identText(ident)} appears twice in one commit`, { table: identText(ident) })
    seen.add(key)
    const expected = s.expected === null ? null : textCheck(s.expected, 'The expected metadata location')
    return { ident, expected, next: textCheck(s.next, 'The new metadata location') }
  })
  // A fixed lock order prevents deadlocks between concurrent multi-table commits.
  return out.sort((a, b) => (identKey(a.ident) < identKey(b.ident) ? -1 : 1))
}

function propertiesCheck(p: unknown): Record<string, string> {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new AkkoError('INVALID_ARGUMENT', 'Properties must be an object of string values', {})
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'string') throw new AkkoError('INVALID_ARGUMENT', `Property ${k} must have a string value`, { key: k })
    if (k.includes('\u0000') || v.includes('\u0000')) throw new AkkoError('INVALID_ARGUMENT', `Property ${k} may not contain NUL characters`, { key: k })
  }
  return { ...(p as Record<string, string>) }
}

function kindCheck(kind: unknown): void {
  if (kind !== 'table' && kind !== 'view') throw new AkkoError('INVALID_ARGUMENT', `Kind must be 'table' or 'view', got ${JSON.stringify(kind)}`, {})
}

function namespaceRecord(r: NamespaceRow): NamespaceRecord {
  return Object.freeze({ namespace: Object.freeze([...r.namespace]), properties: Object.freeze({ ...(r.properties ?? {}) }) })
}

function tableRecord(r: TableRow): TableRecord {
  return Object.freeze({
    ident: Object.freeze({ namespace: Object.freeze([...r.namespace]), name: r.name }),
    metadataLocation: r.metadata_location,
    version: Number(r.version),
    kind: r.kind,
  })
}

function namespaceNotFound(ns: Namespace, hint?: string): AkkoError {
  return new AkkoError('NAMESPACE_NOT_FOUND', `Namespace ${namespaceText(ns)} does not exist${hint ? `. ${hint}` : ''}`, { namespace: ns })
}

function notFound(id: TableIdent, kind: Kind): AkkoError {
  return kind === 'view'
    ? new AkkoError('VIEW_NOT_FOUND', `View ${identText(id)} does not exist`, { view: identText(id) })
    : new AkkoError('TABLE_NOT_FOUND', `Table ${identText(id)} does not exist`, { table: identText(id) })
}

function alreadyExists(id: TableIdent, existingKind: Kind): AkkoError {
  // Tables and views share one name space (Iceberg forbids both under one name), so one code covers both.
  return new AkkoError('TABLE_ALREADY_EXISTS', `A ${existingKind} named ${identText(id)} already exists`, { table: identText(id), kind: existingKind })
}

function conflict(id: TableIdent, expected: string | null, actual: string | null): AkkoError {
  const why = actual === null ? 'the table no longer exists' : expected === null ? 'the table already exists' : 'another commit changed it first'
  return new AkkoError('COMMIT_CONFLICT', `Commit to ${identText(id)} failed: ${why}. Reload the table and retry.`, { table: identText(id), expected, actual })
}
