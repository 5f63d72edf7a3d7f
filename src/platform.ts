/**
 * The composition root: the only place that chooses implementations from the configuration and wires
 * layers together. Everything else receives its collaborators as constructor arguments.
 */
import { AkkoError, type AkkoConfig, type Logger } from './core/index.js'
import {
  DuckRuntime, IcebergCatalog, openMetastore, openObjectStore,
  type Metastore, type ObjectStore, type TableContext,
} from './storage/index.js'
import {
  adminTokenEnsure,
  bearerTokenAuthenticator,
  httpAppCreate,
  httpServerStart,
  icebergErrorResponse,
  icebergRestApp,
  noAuthenticator,
  trinoGateway,
  type Authenticator,
} from './serve/index.js'
import {
  createQueryEngine,
  icebergConnector,
  icebergDdlHandler,
  icebergDmlHandler,
  postgresqlConnectorCreate,
  postgresqlEmbeddedOpen,
  postgresqlLazy,
  postgresqlServerConnect,
  sandboxDefaults,
  type Connector,
  type PostgresqlClient,
  type AkkoQueryEngine,
} from './engine/index.js'
import { join } from 'node:path'

/** The running platform's services. */
export interface Platform {
  readonly cfg: AkkoConfig
  readonly log: Logger
  readonly metastore: Metastore
  readonly store: ObjectStore
  readonly catalog: IcebergCatalog
  /** DuckDB: writes and reads the tables' Parquet files. */
  readonly duck: DuckRuntime
  /** What table operations (append, delete, scan, maintenance) take as their first argument. */
  readonly tables: TableContext
  /** The SQL engine (Trino dialect on DuckDB); served over the Trino protocol at `/v1/statement`. */
  readonly engine?: AkkoQueryEngine
  /** Closes everything in reverse order of opening; safe to call twice. */
  close(): Promise<void>
}

/** Opens the metastore and the object store and builds the services on them. */
export async function createPlatform(cfg: AkkoConfig, log: Logger): Promise<Platform> {
  const metastore = await openMetastore(cfg)
  let store: ObjectStore
  try {
    store = await openObjectStore(cfg)
  } catch (e) {
    await metastore.close()
    throw e
  }
  const catalog = new IcebergCatalog({ metastore, store, log })
  let duck: DuckRuntime
  try {
    duck = await DuckRuntime.create({ home: cfg.home })
  } catch (e) {
    await closeInOrder([store, metastore])
    throw e
  }
  const duckClosable = { close: async () => duck.close() }
  const tables: TableContext = { catalog, store, duck, log }
  let engine: AkkoQueryEngine
  try {
    engine = await platformEngineCreate(cfg, log, catalog, tables)
  } catch (e) {
    await closeInOrder([duckClosable, store, metastore])
    throw e
  }
  let closed: Promise<void> | undefined
  return {
    cfg,
    log,
    metastore,
    store,
    catalog,
    duck,
    tables,
    engine,
    close: () => (closed ??= closeInOrder([engine, duckClosable, store, metastore])),
  }
}

/** Reported to Trino clients (`/v1/info`). */
const AKKO_VERSION = '0.1.0'

/**
 * The SQL engine: catalog `iceberg` (the platform's tables, with DDL/DML), one catalog per configured PostgreSQL
 * database (`postgresql` is the embedded PGlite database under AKKO_HOME unless a URL is set), and `system`.
 * Its DuckDB sandbox may read only the local warehouse and the object-store cache.
 */
async function platformEngineCreate(cfg: AkkoConfig, log: Logger, catalog: IcebergCatalog, tables: TableContext): Promise<AkkoQueryEngine> {
  const sandbox = sandboxDefaults(cfg.home)
  const localWarehouse = /^s3a?:\/\//.test(cfg.warehouse) ? [] : [cfg.warehouse]
  const clients: PostgresqlClient[] = []
  const connectors: Connector[] = [icebergConnector({ catalog, tables })]
  try {
    for (const pc of cfg.postgresqlCatalogs) {
      const client = pc.url
        ? await postgresqlServerConnect(pc.url.reveal(), { catalog: pc.name })
        : postgresqlLazy({ display: `embedded PGlite (${join(cfg.home, 'postgresql')})`, secrets: [] }, () => postgresqlEmbeddedOpen(join(cfg.home, 'postgresql')))
      clients.push(client)
      connectors.push(postgresqlConnectorCreate({ catalog: pc.name, client, log }))
    }
    const engine = await createQueryEngine({
      connectors,
      iceberg: { catalog, tables },
      handlers: [icebergDdlHandler, icebergDmlHandler],
      sandbox: {
        ...sandbox,
        allowedDirectories: [...new Set([...sandbox.allowedDirectories, ...localWarehouse])],
        ...(cfg.query.maxMemory ? { memoryLimit: cfg.query.maxMemory } : {}),
      },
      limits: {
        maxRunMs: cfg.query.maxRunMs,
        ...(cfg.query.maxResultRows ? { maxRows: cfg.query.maxResultRows } : {}),
        maxConcurrent: cfg.query.maxConcurrent,
        maxQueued: cfg.query.maxQueued,
      },
      log,
    })
    // The engine owns the catalogs' database clients: closing it closes them too.
    const engineClose = engine.close.bind(engine)
    engine.close = () => closeInOrder([{ close: engineClose }, ...clients])
    return engine
  } catch (e) {
    await closeInOrder(clients)
    throw e
  }
}

/** How requests are authenticated: the generated admin token (default) or explicitly not at all. */
export type AuthMode = 'token' | 'none'

export interface StartServerOptions {
  /** Defaults to `AKKO_AUTH` from `env` ('none' turns authentication off), else 'token'. */
  readonly auth?: AuthMode
  readonly env?: NodeJS.ProcessEnv
}

export interface StartedServer {
  readonly url: string
  /** Base URI for Iceberg REST clients. */
  readonly icebergUri: string
  /** Server URI for Trino clients (JDBC `jdbc:trino://host:port`, CLI `--server`), when the engine runs. */
  readonly trinoUri?: string
  readonly auth: AuthMode
  /** Where the admin bearer token is stored (auth 'token' only). */
  readonly adminTokenPath?: string
  close(): Promise<void>
}

/**
 * Starts the HTTP server on cfg.host:cfg.port with every protocol mounted. Secure by default: the admin
 * token is generated at first start; `AKKO_AUTH=none` turns authentication off with a warning.
 */
export async function startServer(platform: Platform, cfg: AkkoConfig, opts: StartServerOptions = {}): Promise<StartedServer> {
  const auth = opts.auth ?? (opts.env ? authModeFromEnv(opts.env) : cfg.auth)
  let authenticate: Authenticator = noAuthenticator
  let tokenPath: string | undefined
  if (auth === 'token') {
    const t = await adminTokenEnsure(cfg.home)
    authenticate = bearerTokenAuthenticator(t.token)
    tokenPath = t.path
    platform.log.emit({ code: 'H003', level: 'info', msg: t.created ? 'admin token generated' : 'admin token loaded', path: t.path })
  } else {
    platform.log.emit({ code: 'H004', level: 'warn', msg: 'authentication is OFF (AKKO_AUTH=none): anyone who can reach the port has full access' })
  }
  const trino = platform.engine ? trinoGateway({ engine: platform.engine, log: platform.log, version: AKKO_VERSION }) : undefined
  const app = httpAppCreate({
    authenticate,
    log: platform.log,
    mounts: [
      { prefix: '/iceberg', app: icebergRestApp({ catalog: platform.catalog, log: platform.log }), renderError: e => icebergErrorResponse(e, platform.log) },
      ...(trino ? [trino.mount] : []),
    ],
  })
  let server
  try {
    server = await httpServerStart(app, { host: cfg.host, port: cfg.port })
  } catch (e) {
    trino?.close()
    throw e
  }
  platform.log.emit({ code: 'H000', level: 'info', msg: 'listening', url: server.url })
  const close = async (): Promise<void> => {
    trino?.close()
    await server.close()
  }
  return { url: server.url, icebergUri: `${server.url}/iceberg`, trinoUri: trino ? server.url : undefined, auth, adminTokenPath: tokenPath, close }
}

function authModeFromEnv(env: NodeJS.ProcessEnv): AuthMode {
  const v = env.AKKO_AUTH
  if (v === undefined || v === '' || v === 'token') return 'token'
  if (v === 'none') return 'none'
  throw new AkkoError('INVALID_CONFIG', `AKKO_AUTH must be "token" or "none", got ${JSON.stringify(v)}`)
}

async function closeInOrder(items: ReadonlyArray<{ close(): Promise<void> }>): Promise<void> {
  const errors: unknown[] = []
  for (const item of items) {
    try {
      await item.close()
    } catch (e) {
      errors.push(e)
    }
  }
  if (errors.length) throw errors[0]
}
