import { Hono, type Context } from 'hono'
import { AkkoError, type Logger } from '../../core/index.js'
import { type IcebergCatalog, type TableChange } from '../../storage/index.js'
import { requirementsParse, updatesParse } from '../../storage/index.js'
import type { Namespace, TableIdent } from '../../storage/index.js'
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

export interface IcebergRestDeps {
  readonly catalog: IcebergCatalog
  readonly log: Logger
}

type Handler = (c: Context) => Promise<Response>
type Route = readonly [method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler]

const noContent = (): Response => new Response(null, { status: 204 })

/**
 * The Iceberg REST catalog (apache/iceberg `open-api/rest-catalog-open-api.yaml`), to be mounted at
 * `/iceberg`. Every route also answers under an optional `{prefix}` segment (`/v1/{prefix}/namespaces`),
 * which clients configured with a warehouse name use. Every failure is rendered by `icebergErrorResponse`.
 */
export function icebergRestApp(deps: IcebergRestDeps): Hono {
  const { catalog, log } = deps
  const ns = (c: Context): Namespace => namespaceDecode(c.req.param('ns')!)
  const ident = (c: Context): TableIdent => ({ namespace: ns(c), name: c.req.param('table')! })
  const body = async (c: Context): Promise<JsonObject> => bodyParse(await c.req.text())

  const routes: Route[] = [
    ['GET', '/namespaces', async c => {
      const parent = c.req.query('parent')
      const all = await catalog.listNamespaces(parent ? namespaceDecode(parent) : [])
      const { page, next } = pageOf(all, n => n.namespace.join(NAMESPACE_SEPARATOR), c.req.query('pageToken'), c.req.query('pageSize'))
      return jsonResponse({ namespaces: page.map(n => n.namespace), 'next-page-token': next ?? null })
    }],
    ['POST', '/namespaces', async c => {
      const b = await body(c)
      const rec = await catalog.createNamespace(fieldNamespace(b, 'namespace'), fieldStringMap(b, 'properties'))
      return jsonResponse({ namespace: rec.namespace, properties: rec.properties })
    }],
    ['GET', '/namespaces/:ns', async c => {
      if (c.req.method === 'HEAD') return existence(await catalog.namespaceExists(ns(c)))
      const rec = await catalog.loadNamespace(ns(c))
      return jsonResponse({ namespace: rec.namespace, properties: rec.properties })
    }],
    ['DELETE', '/namespaces/:ns', async c => {
      await catalog.dropNamespace(ns(c))
      return noContent()
    }],
    ['POST', '/namespaces/:ns/properties', async c => {
      const b = await body(c)
      const res = await catalog.updateNamespaceProperties(ns(c), fieldStringList(b, 'removals', false), fieldStringMap(b, 'updates'))
      return jsonResponse({ updated: res.updated, removed: res.removed, missing: res.missing })
    }],
    ['GET', '/namespaces/:ns/tables', async c => {
      const all = await catalog.listTables(ns(c))
      const { page, next } = pageOf(all, t => t.name, c.req.query('pageToken'), c.req.query('pageSize'))
      return jsonResponse({ identifiers: page.map(t => ({ namespace: t.namespace, name: t.name })), 'next-page-token': next ?? null })
    }],
    ['POST', '/namespaces/:ns/tables', async c => {
      const b = await body(c)
      const created = await catalog.createTable({ namespace: ns(c), name: fieldString(b, 'name') }, {
        name: fieldString(b, 'name'),
        location: fieldOptionalString(b, 'location'),
        schema: fieldObject(b, 'schema'),
        'partition-spec': b['partition-spec'] == null ? undefined : kebabFields(fieldObject(b, 'partition-spec')),
        'write-order': b['write-order'] == null ? undefined : kebabFields(fieldObject(b, 'write-order')),
        'stage-create': fieldBoolean(b, 'stage-create'),
        properties: fieldStringMap(b, 'properties'),
      })
      return loadTableResponse(created.metadataLocation, created.metadata, { config: true })
    }],
    ['GET', '/namespaces/:ns/tables/:table', async c => {
      if (c.req.method === 'HEAD') return existence(await catalog.tableExists(ident(c)))
      const mode = c.req.query('snapshots') ?? 'all'
      if (mode !== 'all' && mode !== 'refs') throw new AkkoError('INVALID_REQUEST', `snapshots must be "all" or "refs", got ${JSON.stringify(mode)}`)
      const t = await catalog.loadTable(ident(c))
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
      const t = await catalog.commitTable(id, requirementsParse(fieldArray(b, 'requirements')), updatesParse(fieldArray(b, 'updates')))
      return loadTableResponse(t.metadataLocation, t.metadata)
    }],
    ['DELETE', '/namespaces/:ns/tables/:table', async c => {
      const purge = c.req.query('purgeRequested')
      await catalog.dropTable(ident(c), { purge: purge === 'true' })
      return noContent()
    }],
    ['POST', '/namespaces/:ns/register', async c => {
      const b = await body(c)
      const t = await catalog.registerTable({ namespace: ns(c), name: fieldString(b, 'name') }, fieldString(b, 'metadata-location'), {
        overwrite: fieldBoolean(b, 'overwrite'),
      })
      return loadTableResponse(t.metadataLocation, t.metadata, { config: true })
    }],
    ['POST', '/namespaces/:ns/tables/:table/metrics', async c => {
      const b = await body(c)
      log.emit(() => ({ code: 'H010', level: 'debug', msg: 'metrics report', table: ident(c).name, namespace: ns(c), reportType: b['report-type'] }))
      return noContent()
    }],
    ['POST', '/tables/rename', async c => {
      const b = await body(c)
      await catalog.renameTable(fieldTableIdent(b, 'source'), fieldTableIdent(b, 'destination'))
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
      await catalog.commitTransaction(changes)
      return noContent()
    }],
  ]

  const app = new Hono()
  const guard = (h: Handler): Handler => async c => {
    try {
      return await h(c)
    } catch (e) {
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
