/**
 * Decisions from an Open Policy Agent server, asked with the same input documents as Trino's OPA access-control
 * plugin, so policies written for Trino work unchanged: `input.context.identity {user, groups}`,
 * `input.action.operation`, `input.action.resource`, batch `filterResources`, and the row-filter and column-mask
 * endpoints answering `{expression}`. Answers are cached briefly. When OPA cannot be reached, or answers something
 * unreadable, every decision denies (fail closed) and masks or filters that cannot be fetched refuse the query.
 */
import { AkkoError, silentLogger, type Logger } from '../../core/index.js'
import {
  columnName,
  policyTableDenied,
  TABLE_PRIVILEGES,
  type AccessPolicy,
  type CatalogAccess,
  type ColumnAccess,
  type ColumnRef,
  type Identity,
  type PolicyProvider,
  type TablePrivilege,
} from './policy.js'

export interface OpaPolicyOptions {
  /** The allow endpoint (Trino's `opa.policy.uri`), e.g. `http://opa:8181/v1/data/trino/allow`. */
  readonly url: string
  /** `opa.policy.batched-uri`: filtering in one call; without it each item is asked on `url`. */
  readonly batchUrl?: string
  /** `opa.policy.row-filters-uri`: without it no row filters apply. */
  readonly rowFiltersUrl?: string
  /** `opa.policy.column-masking-uri`: one call per column; without it (and without the batch form) no masks apply. */
  readonly columnMaskingUrl?: string
  /** `opa.policy.batch-column-masking-uri`: all of a table's masks in one call. */
  readonly batchColumnMaskingUrl?: string
  /** How long a decision is reused (ms). Default 5000. */
  readonly cacheTtlMs?: number
  /** Per-request timeout (ms). Default 2000. */
  readonly timeoutMs?: number
  /** The version reported in `input.context.softwareStack.trinoVersion`. */
  readonly trinoVersion?: string
  readonly fetch?: typeof fetch
  readonly logger?: Logger
  readonly now?: () => number
}

type Resource = Record<string, unknown>

/** Which OPA operation stands for holding each table privilege (Trino has no single ownership operation). */
const PRIVILEGE_OPERATION: Record<TablePrivilege, string> = {
  SELECT: 'SelectFromColumns',
  INSERT: 'InsertIntoTable',
  DELETE: 'DeleteFromTable',
  UPDATE: 'UpdateTableColumns',
  OWNERSHIP: 'DropTable',
  GRANT_SELECT: 'CreateViewWithSelectFromColumns',
}

class OpaUnavailable extends Error {}

/** A policy provider asking OPA; `close()` drops the decision cache. */
export function opaPolicy(opts: OpaPolicyOptions): PolicyProvider & { readonly kind: 'opa' } {
  const doFetch = opts.fetch ?? fetch
  const logger = opts.logger ?? silentLogger
  const ttl = opts.cacheTtlMs ?? 5000
  const now = opts.now ?? Date.now
  const cache = new Map<string, { expires: number; value: Promise<unknown> }>()

  async function post(url: string, input: unknown): Promise<unknown> {
    const body = JSON.stringify({ input })
    const key = `${url}\u0000${body}`
    const hit = cache.get(key)
    if (hit && hit.expires > now()) return hit.value
    const value = (async () => {
      let res: Response
      try {
        res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 2000) })
      } catch (e) {
        throw new OpaUnavailable(`cannot reach ${url}: ${(e as Error).message}`)
      }
      if (!res.ok) throw new OpaUnavailable(`${url} answered HTTP ${res.status}`)
      let doc: unknown
      try {
        doc = await res.json()
      } catch {
        throw new OpaUnavailable(`${url} answered something other than JSON`)
      }
      if (typeof doc !== 'object' || doc === null) throw new OpaUnavailable(`${url} answered something other than a JSON object`)
      return (doc as { result?: unknown }).result
    })()
    if (cache.size > 10_000) cache.clear()
    cache.set(key, { expires: now() + ttl, value })
    // Failures are not remembered: the next question asks again.
    value.catch(() => cache.delete(key))
    return value
  }

  function warn(e: unknown, operation: string): void {
    logger.emit({ code: 'G120', level: 'warn', msg: 'policy server unavailable; denying (fail closed)', operation, error: (e as Error).message })
  }

  function unavailableDenial(what: string, e: unknown): AkkoError {
    return new AkkoError('PERMISSION_DENIED', `Access Denied: ${what} (the policy server is unavailable)`, { reason: 'policy server unavailable', cause: (e as Error).message })
  }

  return {
    kind: 'opa',
    close: () => cache.clear(),
    policyFor(identity: Identity): AccessPolicy {
      const id = { user: identity.user, groups: [...identity.groups] }
      const context = { identity: id, softwareStack: { trinoVersion: opts.trinoVersion ?? 'akko' } }
      const input = (operation: string, extra: Record<string, unknown> = {}) => ({ context, action: { operation, ...extra } })

      const allow = async (operation: string, resource?: Resource): Promise<boolean> => {
        try {
          return (await post(opts.url, input(operation, resource ? { resource } : {}))) === true
        } catch (e) {
          if (!(e instanceof OpaUnavailable)) throw e
          warn(e, operation)
          return false
        }
      }
      /** Indices allowed among `resources` (batch endpoint, or one call each). */
      const filter = async (operation: string, resources: readonly Resource[]): Promise<number[]> => {
        if (resources.length === 0) return []
        if (!opts.batchUrl) {
          const ok = await Promise.all(resources.map(r => allow(operation, r)))
          return ok.flatMap((v, i) => (v ? [i] : []))
        }
        try {
          const result = await post(opts.batchUrl, input(operation, { filterResources: resources }))
          if (!Array.isArray(result)) return []
          return result.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < resources.length)
        } catch (e) {
          if (!(e instanceof OpaUnavailable)) throw e
          warn(e, operation)
          return []
        }
      }
      const table = (c: string, s: string, t: string, columns?: readonly string[]): Resource => ({
        table: { catalogName: c, schemaName: s, tableName: t, ...(columns ? { columns: [...columns] } : {}) },
      })
      const column = (c: string, s: string, t: string, col: ColumnRef): Resource => ({
        column: { catalogName: c, schemaName: s, tableName: t, columnName: columnName(col), ...(typeof col !== 'string' && col.type ? { columnType: col.type } : {}) },
      })
      const privilegeHeld = (c: string, s: string, t: string, p: TablePrivilege) =>
        allow(PRIVILEGE_OPERATION[p], table(c, s, t, p === 'SELECT' || p === 'UPDATE' || p === 'GRANT_SELECT' ? [] : undefined))

      const masks = async (c: string, s: string, t: string, cols: readonly ColumnRef[]): Promise<Map<string, string>> => {
        const out = new Map<string, string>()
        if (cols.length === 0) return out
        try {
          if (opts.batchColumnMaskingUrl) {
            const result = await post(opts.batchColumnMaskingUrl, input('GetColumnMask', { filterResources: cols.map(col => column(c, s, t, col)) }))
            for (const m of Array.isArray(result) ? result : []) {
              const expr = (m as { viewExpression?: { expression?: unknown } })?.viewExpression?.expression
              const idx = (m as { index?: unknown })?.index
              if (typeof idx === 'number' && cols[idx] !== undefined && typeof expr === 'string') out.set(columnName(cols[idx]!), expr)
            }
          } else if (opts.columnMaskingUrl) {
            const url = opts.columnMaskingUrl
            const results = await Promise.all(cols.map(col => post(url, input('GetColumnMask', { resource: column(c, s, t, col) }))))
            results.forEach((r, i) => {
              const expr = (r as { expression?: unknown } | null)?.expression
              if (typeof expr === 'string') out.set(columnName(cols[i]!), expr)
            })
          }
        } catch (e) {
          if (!(e instanceof OpaUnavailable)) throw e
          warn(e, 'GetColumnMask')
          throw unavailableDenial(`Cannot select from table ${c}.${s}.${t}`, e)
        }
        return out
      }

      return {
        identity: { user: identity.user, groups: [...identity.groups], roles: [...identity.roles] },
        async catalogAccess(c): Promise<CatalogAccess> {
          // OPA answers per operation; writes are checked by their own operations, so a reachable catalog is "all".
          return (await allow('AccessCatalog', { catalog: { name: c } })) ? 'all' : 'none'
        },
        async schemaVisible(c, s) {
          return (await filter('FilterSchemas', [{ schema: { catalogName: c, schemaName: s } }])).length > 0
        },
        async tablePrivileges(c, s, t) {
          const held = await Promise.all(TABLE_PRIVILEGES.map(p => privilegeHeld(c, s, t, p)))
          return new Set(TABLE_PRIVILEGES.filter((_, i) => held[i]))
        },
        async checkTable(c, s, t, p) {
          if (!(await privilegeHeld(c, s, t, p))) throw policyTableDenied(c, s, t, p)
        },
        async columns(c, s, t, all): Promise<ColumnAccess> {
          const names = all.map(columnName)
          let allowed: number[]
          if (opts.batchUrl) {
            // Trino's FilterColumns: one table resource listing the columns; the answer lists allowed indices.
            try {
              const result = await post(opts.batchUrl, input('FilterColumns', { filterResources: [table(c, s, t, names)] }))
              allowed = Array.isArray(result) ? result.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < names.length) : []
            } catch (e) {
              if (!(e instanceof OpaUnavailable)) throw e
              warn(e, 'FilterColumns')
              allowed = []
            }
          } else {
            const ok = await Promise.all(names.map(n => allow('SelectFromColumns', table(c, s, t, [n]))))
            allowed = ok.flatMap((v, i) => (v ? [i] : []))
          }
          const keep = new Set(allowed)
          const visibleRefs = all.filter((_, i) => keep.has(i))
          return {
            visible: visibleRefs.map(columnName),
            denied: names.filter((_, i) => !keep.has(i)),
            masks: await masks(c, s, t, visibleRefs),
          }
        },
        async rowFilter(c, s, t) {
          if (!opts.rowFiltersUrl) return undefined
          let result: unknown
          try {
            result = await post(opts.rowFiltersUrl, input('GetRowFilters', { resource: table(c, s, t) }))
          } catch (e) {
            if (!(e instanceof OpaUnavailable)) throw e
            warn(e, 'GetRowFilters')
            throw unavailableDenial(`Cannot select from table ${c}.${s}.${t}`, e)
          }
          const exprs = (Array.isArray(result) ? result : [])
            .map(f => (f as { expression?: unknown })?.expression)
            .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
          // Several filters all apply, as in Trino.
          return exprs.length === 0 ? undefined : exprs.length === 1 ? exprs[0] : exprs.map(x => `(${x})`).join(' AND ')
        },
        async canImpersonate(user) {
          return user === identity.user || allow('ImpersonateUser', { user: { user } })
        },
        async schemaOwner(c, s) {
          // Trino's plugin has no ownership question: being allowed to drop the schema stands for owning it.
          return allow('DropSchema', { schema: { catalogName: c, schemaName: s } })
        },
        async canViewQueryOwnedBy(owner) {
          return owner === identity.user || (await filter('FilterViewQueryOwnedBy', [{ user: { user: owner } }])).length > 0
        },
        async metadataTableGranted() {
          // OPA answers for names, not rules: whether a decision was written for `t$files` cannot be told apart
          // from a wildcard, so metadata tables of filtered or masked tables stay closed under OPA.
          return false
        },
        async filterCatalogs(cats) {
          const idx = new Set(await filter('FilterCatalogs', cats.map(name => ({ catalog: { name } }))))
          return cats.filter((_, i) => idx.has(i))
        },
        async filterSchemas(c, ss) {
          const idx = new Set(await filter('FilterSchemas', ss.map(s => ({ schema: { catalogName: c, schemaName: s } }))))
          return ss.filter((_, i) => idx.has(i))
        },
        async filterTables(c, s, ts) {
          const idx = new Set(await filter('FilterTables', ts.map(t => table(c, s, t))))
          return ts.filter((_, i) => idx.has(i))
        },
      }
    },
  }
}
