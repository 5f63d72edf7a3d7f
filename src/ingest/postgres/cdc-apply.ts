/**
 * The changes of one source table gathered between two Iceberg commits, and their application as one row-level
 * commit. Changes are folded by key as they arrive, in source commit order, so the last change of a key wins:
 * an insert or update leaves the key's new image, a delete leaves a tombstone, an update that changes the key
 * leaves a tombstone for the old key. At the flush, the table's rows of every touched key are deleted and the new
 * images inserted (`tableRowChanges`), with the position replication resumes from in the snapshot summary.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import { AkkoError } from '../../core/index.js'
import {
  currentSchema, exprAnd, exprGtEq, exprLtEq, icebergToDuckType, sqlIdent, tableLoad, tableRowChanges,
  type Expr, type IcebergType, type TableContext, type TableIdent,
} from '../../storage/index.js'
import { pgArrayToJson } from './pg-array.js'
import type { PgColumnType } from './pg-types.js'
import { pgValueSql } from './pg-types.js'
import { UNCHANGED, type PgoutputValue } from './pgoutput.js'

/** A source column as the latest Relation message describes it. */
export interface CdcColumn {
  readonly name: string
  readonly type: PgColumnType
}

type Row = Record<string, PgoutputValue>
type Pending = { readonly op: 'upsert'; readonly row: Row } | { readonly op: 'delete'; readonly key: readonly (string | null)[] }

/** Changes of one table since its last commit. */
export class CdcTableChanges {
  columns: readonly CdcColumn[] = []
  /** Columns rows are identified by (primary key, replica identity index, or every column under REPLICA IDENTITY FULL). */
  key: readonly string[] = []
  readonly #pending = new Map<string, Pending>()
  #truncated = false
  /** Changes folded since the last flush (before folding). */
  changes = 0

  constructor(readonly display: string, readonly target: TableIdent) {}

  get empty(): boolean {
    return this.#pending.size === 0 && !this.#truncated
  }

  #keyOf(row: Row): (string | null)[] {
    return this.key.map(k => {
      const v = row[k]
      if (v === UNCHANGED || v === undefined) throw new AkkoError('CONNECTOR_ERROR', `A change to ${this.display} carries no value for its key column '${k}'`, { table: this.display })
      return v
    })
  }

  insert(row: Row): void {
    this.changes++
    this.#pending.set(JSON.stringify(this.#keyOf(row)), { op: 'upsert', row })
  }

  /** `oldRow`: the key tuple (K) or old tuple (O, REPLICA IDENTITY FULL) when the server sent one. */
  update(oldRow: Row | undefined, row: Row): void {
    this.changes++
    const newKey = JSON.stringify(this.#keyOf(row))
    const oldKey = oldRow ? JSON.stringify(this.#keyOf(oldRow)) : newKey
    const before = this.#pending.get(oldKey)
    const filled: Row = { ...row }
    for (const [c, v] of Object.entries(row)) {
      if (v !== UNCHANGED) continue
      // An unchanged TOASTed value: the old tuple (FULL), an earlier image in this batch, or else the table's row.
      const old = oldRow?.[c]
      if (old !== undefined && old !== UNCHANGED) filled[c] = old
      else if (before?.op === 'upsert' && before.row[c] !== undefined) filled[c] = before.row[c]!
    }
    if (oldKey !== newKey) this.#pending.set(oldKey, { op: 'delete', key: JSON.parse(oldKey) as (string | null)[] })
    this.#pending.set(newKey, { op: 'upsert', row: filled })
  }

  delete(oldRow: Row): void {
    this.changes++
    const key = this.#keyOf(oldRow)
    this.#pending.set(JSON.stringify(key), { op: 'delete', key })
  }

  truncate(): void {
    this.changes++
    this.#pending.clear()
    this.#truncated = true
  }

  /**
   * Applies the folded changes in one commit whose summary carries `summary`; returns the rows written and
   * deleted keys, or undefined when the changes cancel out (nothing is committed then).
   */
  async flush(ctx: TableContext, summary: Record<string, string>): Promise<{ upserts: number; deletes: number; committed: boolean } | undefined> {
    if (this.empty) return undefined
    const state = await tableLoad(ctx, this.target)
    const fields = currentSchema(state.metadata).fields
    const cols = this.columns.filter(c => fields.some(f => f.name === c.name))
    const iceberg = (c: CdcColumn) => fields.find(f => f.name === c.name)!.type
    const stage = `akko_cdc_${randomUUID().replaceAll('-', '')}`
    let upserts = 0
    let deletes = 0
    let unchanged = false
    try {
      await ctx.duck.withConnection(async conn => {
        await conn.run(`CREATE TABLE ${stage} (_akko_del BOOLEAN, _akko_unchanged VARCHAR, ${cols.map((_, i) => `c${i} VARCHAR`).join(', ')})`)
        const app = await conn.createAppender(stage)
        try {
          for (const p of this.#pending.values()) {
            app.appendBoolean(p.op === 'delete')
            if (p.op === 'delete') {
              deletes++
              app.appendNull()
              for (const c of cols) {
                const i = this.key.indexOf(c.name)
                const v = i >= 0 ? p.key[i]! : null
                if (v === null) app.appendNull()
                else app.appendVarchar(c.type.kind === 'array' ? pgArrayToJson(v)! : v)
              }
            } else {
              upserts++
              const same = cols.filter(c => p.row[c.name] === UNCHANGED).map(c => c.name)
              if (same.length) {
                unchanged = true
                app.appendVarchar(JSON.stringify(same))
              } else app.appendNull()
              for (const c of cols) {
                const v = p.row[c.name]
                if (v === null || v === undefined || v === UNCHANGED) app.appendNull()
                else app.appendVarchar(c.type.kind === 'array' ? pgArrayToJson(v)! : v)
              }
            }
            app.endRow()
          }
          app.flushSync()
        } finally {
          app.closeSync()
        }
      })
      const typed = (c: CdcColumn, i: number, alias: string) => pgValueSql({ type: c.type, iceberg: iceberg(c) }, `${alias}.c${i}`)
      const keyCols = this.key.map(k => cols.findIndex(c => c.name === k))
      if (keyCols.some(i => i < 0)) throw new AkkoError('INVALID_SCHEMA', `Key columns ${this.key.join(', ')} of ${this.display} are not all in the Iceberg table`, { table: this.display })
      const match = (alias: string) => keyCols.map(i => `tt.${sqlIdent(cols[i]!.name)} IS NOT DISTINCT FROM ${typed(cols[i]!, i, alias)}`).join(' AND ')
      const truncated = this.#truncated
      const res = await tableRowChanges(ctx, this.target, t => {
        const value = (c: CdcColumn, i: number) => {
          const v = typed(c, i, 's')
          return unchanged ? `CASE WHEN list_contains(CAST(CAST(s._akko_unchanged AS JSON) AS VARCHAR[]), ${sqlQuote(c.name)}) THEN tt.${sqlIdent(c.name)} ELSE ${v} END` : v
        }
        const from = unchanged ? `${stage} AS s LEFT JOIN ${t} AS tt ON ${match('s')}` : `${stage} AS s`
        return {
          deletes: truncated ? `SELECT _file, _pos FROM ${t}` : `SELECT tt._file, tt._pos FROM ${t} AS tt WHERE EXISTS (SELECT 1 FROM ${stage} AS s WHERE ${match('s')})`,
          ...(upserts ? { inserts: `SELECT ${cols.map((c, i) => `${value(c, i)} AS ${sqlIdent(c.name)}`).join(', ')} FROM ${from} WHERE NOT s._akko_del` } : {}),
        }
      }, { summary, countInserts: true, ...(truncated ? {} : { filter: this.#keyRange(cols, iceberg) }) })
      this.#pending.clear()
      this.#truncated = false
      this.changes = 0
      return { upserts, deletes, committed: !!res }
    } finally {
      await ctx.duck.withConnection(conn => dropQuietly(conn, stage))
    }
  }

  /**
   * For a single integer key: the range of the keys touched, so the scan of the table prunes files whose key
   * bounds lie outside it (rows keyed by a sequence cluster by time). Undefined otherwise.
   */
  #keyRange(cols: readonly CdcColumn[], iceberg: (c: CdcColumn) => IcebergType): Expr | undefined {
    const col = this.key.length === 1 ? cols.find(c => c.name === this.key[0]) : undefined
    const type = col && iceberg(col)
    if (type !== 'int' && type !== 'long') return undefined
    let min: bigint | undefined
    let max: bigint | undefined
    for (const [k, p] of this.#pending) {
      const v = p.op === 'delete' ? p.key[0] : (JSON.parse(k) as (string | null)[])[0]
      if (v === null || v === undefined) return undefined
      const n = BigInt(v)
      if (min === undefined || n < min) min = n
      if (max === undefined || n > max) max = n
    }
    if (min === undefined || max === undefined) return undefined
    const lit = (n: bigint) => (type === 'int' ? Number(n) : n)
    return exprAnd(exprGtEq(col!.name, lit(min)), exprLtEq(col!.name, lit(max)))
  }

  /** Forgets what was gathered (after a failure, the stream is read again from the last commit). */
  reset(): void {
    this.#pending.clear()
    this.#truncated = false
    this.changes = 0
  }
}

const sqlQuote = (s: string): string => `'${s.replaceAll("'", "''")}'`

async function dropQuietly(conn: DuckDBConnection, table: string): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
}

/** DuckDB type of a CDC column's Iceberg type (for messages and tests). */
export const cdcDuckType = (c: CdcColumn): string => icebergToDuckType(c.type.iceberg)
