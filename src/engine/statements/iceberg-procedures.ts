/**
 * Table procedures of Trino's Iceberg connector: `ALTER TABLE t EXECUTE optimize(file_size_threshold => '128MB')`,
 * `expire_snapshots(retention_threshold => '7d')`, `remove_orphan_files(retention_threshold => '7d')`, mapped to
 * the storage layer's maintenance functions. As in Trino, retention below the minimum (7 days unless the session
 * property `iceberg.expire_snapshots_min_retention` / `iceberg.remove_orphan_files_min_retention` lowers it) is refused.
 * @module
 */
import { AkkoError } from '../../core/index.js'
import { dataFilesRewrite, orphanFilesRemove, snapshotsExpire } from '../../storage/index.js'
import type { QueryResult } from '../engine.js'
import type { StatementContext } from './statement.js'
import { ddlResult, targetCheck, type IcebergTarget } from './iceberg-common.js'
import type { SqlReader } from './iceberg-sql-reader.js'

const DAY_MS = 24 * 3600 * 1000

/** Runs the procedure after `ALTER TABLE t EXECUTE`; updateType 'ALTER TABLE EXECUTE'. */
export async function icebergProcedureExecute(r: SqlReader, ctx: StatementContext, target: IcebergTarget): Promise<QueryResult> {
  const name = r.ident('procedure name')
  await targetCheck(ctx, target, 'OWNERSHIP', `execute table procedure ${name} on`)
  const args = procedureArgsRead(r)
  r.expectEnd()
  const tables = ctx.iceberg.tables
  if (!(await ctx.iceberg.catalog.tableExists(target.ident))) {
    throw new AkkoError('TABLE_NOT_FOUND', `Table '${target.display}' does not exist`, { table: target.display })
  }
  switch (name) {
    case 'optimize': {
      argsCheck(name, args, ['file_size_threshold'])
      const threshold = sizeParse(args.get('file_size_threshold') ?? '100MB')
      // Files under the threshold are rewritten; the storage layer rewrites files under 3/4 of its target size.
      await dataFilesRewrite(tables, target.ident, { targetFileSizeBytes: Math.ceil((threshold * 4) / 3) })
      break
    }
    case 'expire_snapshots': {
      argsCheck(name, args, ['retention_threshold'])
      const retention = retentionCheck(ctx, name, args.get('retention_threshold') ?? '7d', 'expire_snapshots_min_retention')
      await snapshotsExpire(tables, target.ident, { olderThanMs: Date.now() - retention })
      break
    }
    case 'remove_orphan_files': {
      argsCheck(name, args, ['retention_threshold'])
      const retention = retentionCheck(ctx, name, args.get('retention_threshold') ?? '7d', 'remove_orphan_files_min_retention')
      await orphanFilesRemove(tables, target.ident, { olderThanMs: Date.now() - retention })
      break
    }
    default:
      throw new AkkoError('NOT_SUPPORTED', `Procedure '${name}' is not supported by catalog '${target.ref.catalog}' (supported: optimize, expire_snapshots, remove_orphan_files)`, { procedure: name })
  }
  return ddlResult(ctx, 'ALTER TABLE EXECUTE')
}

/** `(name => 'value', …)` or `('value', …)` (positional), or nothing. Values are string literals or numbers. */
function procedureArgsRead(r: SqlReader): Map<string, string> {
  const out = new Map<string, string>()
  if (!r.acceptPunct('(')) return out
  if (r.acceptPunct(')')) return out
  let position = 0
  do {
    let key = `#${position++}`
    const t1 = r.peek(1)
    if (t1?.kind === 'punct' && t1.value === '=>') {
      key = r.ident('argument name')
      r.pos++
    }
    const v = r.peek()
    if (v?.kind === 'string' || v?.kind === 'number') {
      r.pos++
      out.set(key, v.value)
    } else {
      throw r.error('expected a string or number argument')
    }
  } while (r.acceptPunct(','))
  r.expectPunct(')')
  return out
}

function argsCheck(proc: string, args: Map<string, string>, known: readonly string[]): void {
  for (const [k, v] of [...args]) {
    if (k.startsWith('#')) {
      const name = known[Number(k.slice(1))]
      if (!name) throw new AkkoError('INVALID_ARGUMENT', `Too many arguments for procedure ${proc}`, { procedure: proc })
      args.delete(k)
      args.set(name, v)
    } else if (!known.includes(k)) {
      throw new AkkoError('INVALID_ARGUMENT', `Procedure ${proc} has no argument '${k}' (arguments: ${known.join(', ')})`, { procedure: proc, argument: k })
    }
  }
}

function retentionCheck(ctx: StatementContext, proc: string, text: string, minProperty: string): number {
  const retention = durationParse(text)
  const configured = ctx.session.properties[`iceberg.${minProperty}`]
  const min = configured === undefined ? 7 * DAY_MS : durationParse(configured)
  if (retention < min) {
    throw new AkkoError('INVALID_ARGUMENT', `Retention specified (${days(retention)}) is shorter than the minimum retention configured in the system (${days(min)}). Minimum retention can be changed with the iceberg.${minProperty} session property`, { procedure: proc })
  }
  return retention
}

const days = (ms: number): string => `${(ms / DAY_MS).toFixed(2)}d`

/** Airlift durations as Trino takes them: `7d`, `12h`, `30m`, `10s`, `500ms`, `1.5d`. */
export function durationParse(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|m|h|d)\s*$/.exec(text)
  if (!m) throw new AkkoError('INVALID_ARGUMENT', `Invalid duration '${text}': use a number and a unit (ms, s, m, h, d), e.g. '7d'`, { value: text })
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }
  return Number(m[1]) * (unit[m[2] as string] as number)
}

/** Airlift data sizes: `128MB`, `1GB`, `512kB`, `100B`. */
export function sizeParse(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|GB|TB)\s*$/.exec(text)
  if (!m) throw new AkkoError('INVALID_ARGUMENT', `Invalid data size '${text}': use a number and a unit (B, kB, MB, GB, TB), e.g. '128MB'`, { value: text })
  const unit: Record<string, number> = { B: 1, kB: 1024, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }
  const bytes = Math.round(Number(m[1]) * (unit[m[2] as string] as number))
  if (bytes <= 0) throw new AkkoError('INVALID_ARGUMENT', `Data size '${text}' must be positive`, { value: text })
  return bytes
}
