import { Hono, type Context } from 'hono'
import { AkkoError, type Logger } from '../../core/index.js'
import { type IcebergCatalog, type TableChange } from '../../storage/index.js'
import { metadataCurrentSchema, requirementsParse, updatesParse, type TableMetadata } from '../../storage/index.js'
import type { Namespace, TableIdent } from '../../storage/index.js'
import type { TablePrivilege } from '../../govern/index.js'
import {
  NAMESPACE_SEPARATOR,
  bodyParse,
  fieldArray,
  fieldBoolean,
  fieldNamespace,
  fieldObject,
  fieldOptionalString,
  fieldString,
  fieldStringList,
  fieldStringMap,
  fieldTableIdent,
  jsonResponse,
  kebabFields,
  loadTableResponse,
  metadataWithRefSnapshots,
  namespaceDecode,
  pageOf,
  tableEtag,
  type JsonObject,
} from './codec.js'
import { ICEBERG_REST_ENDPOINTS } from './endpoints.js'
import { icebergErrorResponse } from './errors.js'
import { commitPrivileges, ICEBERG_CATALOG, namespaceCheck, schemaOf, tableCheck, unrestrictedCheck } from './access.js'
import { auditNone, type AccessPolicy, type AuditRecorder } from '../../govern/index.js'
import type { Identity } from '../http/index.js'
import { remoteAddress } from '../http/index.js'

export interface IcebergRestDeps {
  readonly catalog: IcebergCatalog
  readonly log: Logger
  /**
   * The access rules for a caller (the same as the SQL engine's); undefined = unrestricted (authentication
   * off, or no rules configured).
   */
  readonly policyFor?: (identity: Identity) => AccessPolicy | undefined
  /** Catalog changes and denials are recorded here. */
  readonly audit?: AuditRecorder
}

type Handler = (c: Context) => Promise<Response>
type Route = readonly [method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler]

/** Column names of a table's current schema (what the access rules are asked about). */
const fieldNames = (m: TableMetadata): string[] => metadataCurrentSchema(m).fields.map(f => f.name)

const noContent = (): Response => new Response(null, { status: 204 })

/**
 * The Iceberg REST catalog (apache/iceberg `open-api/rest-catalog-open-api.yaml`), to be mounted at
 * `/iceberg`. Every route also answers under an optional `{prefix}` segment (`/v1/{prefix}/namespaces`),
 * which clients configured with a warehouse name use. Every failure is rendered by `icebergErrorResponse`.
 */
export function icebergRestApp(deps: IcebergRestDeps): Hono {
  const { catalog, log } = deps
  const audit = deps.audit ?? auditNone
  const ns = (c: Context): Namespace => namespaceDecode(c.req.param('ns')!)
  const ident = (c: Context): TableIdent => ({ namespace: ns(c), name: c.req.param('table')! })
  const body = async (c: Context): Promise<JsonObject> => bodyParse(await c.req.text())
  const identityOf = (c: Context): Identity | undefined => c.get('identity' as never) as Identity | undefined
  const policy = (c: Context): AccessPolicy | undefined => {
    const id = identityOf(c)
    return id && deps.policyFor ? deps.policyFor(id) : undefined
  }
  const tableName = (t: TableIdent): string => `${ICEBERG_CATALOG}.${schemaOf(t.namespace)}.${t.name}`
  /** Records a catalog change made through the REST API. */
  const changed = (c: Context, action: string, tables: readonly TableIdent[], details?: Record<string, unknown>): void =>
    audit.record({
      kind: 'catalog_change', actor: identityOf(c)?.subject ?? 'anonymous', outcome: 'success', action, source: 'iceberg-rest',
      catalogs: [ICEBERG_CATALOG], tables: tables.map(tableName), ...(remoteAddress(c) ? { remote: remoteAddress(c)! } : {}), ...(details ? { details } : {}),
    })
  /** Checks the privileges a table action needs. */
  const allowTable = async (c: Context, t: TableIdent, privileges: Iterable<TablePrivilege>, unrestricted?: () => Promise<readonly string[]>): Promise<void> => {
    const p = policy(c)
    if (!p) return
    await tableCheck(p, t, privileges)
    if (unrestricted) await unrestrictedCheck(p, t, await unrestricted())
  }
  const allowNamespace = async (c: Context, n: Namespace, write: boolean): Promise<void> => {
    const p = policy(c)
    if (p) await namespaceCheck(p, n, write)
  }
  const columnsOf = (t: TableIdent) => async (): Promise<readonly string[]> => {
    // A commit may create the table (assert-create): then it has no columns yet to restrict.
    const loaded = await catalog.loadTable(t).catch(e => {
      if (e instanceof AkkoError && e.code === 'TABLE_NOT_FOUND') return undefined
      throw e
    })
    return loaded ? fieldNames(loaded.metadata) : []
  }

  const routes: Route[] = [
    ['GET', '/namespaces', async c => {
      const parent = c.req.query('parent')
      let all = await catalog.listNamespaces(parent ? namespaceDecode(parent) : [])
      const p = policy(c)
      if (p) {
        await allowNamespace(c, [], false)
        const visible = new Set(await p.filterSchemas(ICEBERG_CATALOG, all.map(n => schemaOf(n.namespace))))
        all = all.filter(n => visible.has(schemaOf(n.namespace)))
      }
      const { page, next } = pageOf(all, n => n.namespace.join(NAMESPACE_SEPARATOR), c.req.query('pageToken'), c.req.query('pageSize'))
      return jsonResponse({ namespaces: page.map(n => n.namespace), 'next-page-token': next ?? null })
    }],
    ['POST', '/namespaces', async c => {
      const b = await body(c)
      const namespace = fieldNamespace(b, 'namespace')
      await allowNamespace(c, namespace, true)
      const rec = await catalog.createNamespace(namespace, fieldStringMap(b, 'properties'))
      changed(c, 'createNamespace', [], { namespace: schemaOf(namespace) })
      return jsonResponse({ namespace: rec.namespace, properties: rec.properties })
    }],
    ['GET', '/namespaces/:ns', async c => {
      await allowNamespace(c, ns(c), false)
      if (c.req.method === 'HEAD') return existence(await catalog.namespaceExists(ns(c)))
      const rec = await catalog.loadNamespace(ns(c))
      return jsonResponse({ namespace: rec.namespace, properties: rec.properties })
    }],
    ['DELETE', '/namespaces/:ns', async c => {
      await allowNamespace(c, ns(c), true)
      await catalog.dropNamespace(ns(c))
      changed(c, 'dropNamespace', [], { namespace: schemaOf(ns(c)) })
      return noContent()
    }],
    ['POST', '/namespaces/:ns/properties', async c => {
      const b = await body(c)
      await allowNamespace(c, ns(c), true)
      const res = await catalog.updateNamespaceProperties(ns(c), fieldStringList(b, 'removals', false), fieldStringMap(b, 'updates'))
      return jsonResponse({ updated: res.updated, removed: res.removed, missing: res.missing })
    }],
    ['GET', '/namespaces/:ns/tables', async c => {
      await allowNamespace(c, ns(c), false)
      let all = await catalog.listTables(ns(c))
      const p = policy(c)
      if (p) {
        const visible = new Set(await p.filterTables(ICEBERG_CATALOG, schemaOf(ns(c)), all.map(t => t.name)))
        all = all.filter(t => visible.has(t.name))
      }
      const { page, next } = pageOf(all, t => t.name, c.req.query('pageToken'), c.req.query('pageSize'))
      return jsonResponse({ identifiers: page.map(t => ({ namespace: t.namespace, name: t.name })), 'next-page-token': next ?? null })
    }],
    ['POST', '/namespaces/:ns/tables', async c => {
      const b = await body(c)
      await allowNamespace(c, ns(c), true)
      await allowTable(c, { namespace: ns(c), name: fieldString(b, 'name') }, ['OWNERSHIP'])
      const created = await catalog.createTable({ namespace: ns(c), name: fieldString(b, 'name') }, {
        name: fieldString(b, 'name'),
        location: fieldOptionalString(b, 'location'),
        schema: fieldObject(b, 'schema'),
        'partition-spec': b['partition-spec'] == null ? undefined : kebabFields(fieldObject(b, 'partition-spec')),
        'write-order': b['write-order'] == null ? undefined : kebabFields(fieldObject(b, 'write-order')),
        'stage-create': fieldBoolean(b, 'stage-create'),
        properties: fieldStringMap(b, 'properties'),
      })
      changed(c, 'createTable', [{ namespace: ns(c), name: fieldString(b, 'name') }])
      return loadTableResponse(created.metadataLocation, created.metadata, { config: true })
    }],
    ['GET', '/namespaces/:ns/tables/:table', async c => {
      if (c.req.method === 'HEAD') {
        await allowNamespace(c, ns(c), false)
        return existence(await catalog.tableExists(ident(c)))
      }
      const mode = c.req.query('snapshots') ?? 'all'
      if (mode !== 'all' && mode !== 'refs') throw new AkkoError('INVALID_REQUEST', `snapshots must be "all" or "refs", got ${JSON.stringify(mode)}`)
      const t = await catalog.loadTable(ident(c))
      await allowTable(c, ident(c), ['SELECT'], async () => fieldNames(t.metadata))
      const etag = tableEtag(t.metadataLocation, mode)
      if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag } })
      const metadata = mode === 'refs' ? metadataWithRefSnapshots(t.metadata) : t.metadata
      return loadTableResponse(t.metadataLocation, metadata, { config: true, etag })
    }],
    ['POST', '/namespaces/:ns/tables/:table', async c => {
      const b = await body(c)
      const id = ident(c)
      if (b.identifier != null) {
        const given = fieldTableIdent(b, 'identifier')
        if (given.name !== id.name || given.namespace.join(NAMESPACE_SEPARATOR) !== id.namespace.join(NAMESPACE_SEPARATOR)) {
          throw new AkkoError('INVALID_REQUEST', 'The identifier in the body does not match the table in the path')
        }
      }
      const updates = updatesParse(fieldArray(b, 'updates'))
      await allowTable(c, id, commitPrivileges(updates), columnsOf(id))
      const t = await catalog.commitTable(id, requirementsParse(fieldArray(b, 'requirements')), updates)
      changed(c, 'commitTable', [id], { updates: updates.map(u => u.action) })
      return loadTableResponse(t.metadataLocation, t.metadata)
    }],
    ['DELETE', '/namespaces/:ns/tables/:table', async c => {
      const purge = c.req.query('purgeRequested')
      await allowTable(c, ident(c), ['OWNERSHIP'])
      await catalog.dropTable(ident(c), { purge: purge === 'true' })
      changed(c, 'dropTable', [ident(c)], { purge: purge === 'true' })
      return noContent()
    }],
    ['POST', '/namespaces/:ns/register', async c => {
      const b = await body(c)
      const target = { namespace: ns(c), name: fieldString(b, 'name') }
      await allowNamespace(c, ns(c), true)
      await allowTable(c, target, ['OWNERSHIP'])
      const t = await catalog.registerTable(target, fieldString(b, 'metadata-location'), {
        overwrite: fieldBoolean(b, 'overwrite'),
      })
      changed(c, 'registerTable', [target])
      return loadTableResponse(t.metadataLocation, t.metadata, { config: true })
    }],
    ['POST', '/namespaces/:ns/tables/:table/metrics', async c => {
      const b = await body(c)
      await allowTable(c, ident(c), ['SELECT'])
      log.emit(() => ({ code: 'H010', level: 'debug', msg: 'metrics report', table: ident(c).name, namespace: ns(c), reportType: b['report-type'] }))
      return noContent()
    }],
    ['POST', '/tables/rename', async c => {
      const b = await body(c)
      const [from, to] = [fieldTableIdent(b, 'source'), fieldTableIdent(b, 'destination')]
      await allowTable(c, from, ['OWNERSHIP'])
      await allowNamespace(c, to.namespace, true)
      await allowTable(c, to, ['OWNERSHIP'])
      await catalog.renameTable(from, to)
      changed(c, 'renameTable', [from, to])
      return noContent()
    }],
    ['POST', '/transactions/commit', async c => {
      const b = await body(c)
      const changes: TableChange[] = fieldArray(b, 'table-changes').map((raw, i) => {
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new AkkoError('INVALID_REQUEST', `table-changes[${i}] must be an object`)
        const ch = raw as JsonObject
        if (ch.identifier == null) throw new AkkoError('INVALID_REQUEST', `table-changes[${i}] needs an "identifier" inside a transaction`)
        return { ident: fieldTableIdent(ch, 'identifier'), requirements: requirementsParse(fieldArray(ch, 'requirements')), updates: updatesParse(fieldArray(ch, 'updates')) }
      })
      for (const ch of changes) await allowTable(c, ch.ident, commitPrivileges(ch.updates), columnsOf(ch.ident))
      await catalog.commitTransaction(changes)
      changed(c, 'commitTransaction', changes.map(ch => ch.ident))
      return noContent()
    }],
  ]

  const app = new Hono()
  const guard = (h: Handler): Handler => async c => {
    try {
      return await h(c)
    } catch (e) {
      if (e instanceof AkkoError && e.code === 'PERMISSION_DENIED') {
        audit.record({
          kind: 'denial', actor: identityOf(c)?.subject ?? 'anonymous', outcome: 'denied', action: `${c.req.method} ${c.req.routePath}`, source: 'iceberg-rest',
          error: { code: e.code, message: e.message }, ...(typeof e.details.table === 'string' ? { tables: [e.details.table] } : {}),
          ...(remoteAddress(c) ? { remote: remoteAddress(c)! } : {}),
        })
      }
      return icebergErrorResponse(e, log)
    }
  }
  app.get('/v1/config', guard(async c => jsonResponse(catalogConfig(c.req.query('warehouse')))))
  // Unprefixed routes first: they win when a path could be read both ways.
  for (const base of ['/v1', '/v1/:prefix']) {
    for (const [method, path, handler] of routes) app.on(method, base + path, guard(handler))
  }
  app.all('*', c => icebergErrorResponse(new AkkoError('NOT_FOUND', `No Iceberg REST route for ${c.req.method} ${c.req.path}`)))
  return app
}

function existence(found: boolean): Response {
  return new Response(null, { status: found ? 204 : 404 })
}

/** `CatalogConfig`: no prefix, so clients use `/v1/namespaces/...`; the warehouse name is accepted as given. */
function catalogConfig(warehouse: string | undefined): unknown {
  return {
    defaults: {},
    overrides: warehouse ? { warehouse } : {},
    endpoints: ICEBERG_REST_ENDPOINTS,
  }
}
