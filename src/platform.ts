/**
 * The composition root: the only place that chooses implementations from the configuration and wires
 * layers together. Everything else receives its collaborators as constructor arguments.
 */
import { AkkoError, type AkkoConfig, type Logger, type Secret } from './core/index.js'
import {
  DuckRuntime, IcebergCatalog, openMetastore, openObjectStore,
  type Metastore, type ObjectStore, type TableContext,
} from './storage/index.js'
import {
  adminApi,
  adminTokenEnsure,
  httpAppCreate,
  httpServerStart,
  icebergErrorResponse,
  icebergRestApp,
  noAuthenticator,
  oidcMount,
  dagsApi,
  cdcApi,
  platformAuthenticator,
  trinoGateway,
  genericErrorResponse,
  type Authenticator,
  type HttpMount,
  type Identity as HttpIdentity,
  type ImpersonationCheck,
} from './serve/index.js'
import {
  auditTrailOpen,
  demoRulesPath,
  identityAdminEnsure,
  identityDemoSeed,
  identityServiceOpen,
  opaPolicy,
  rulesFilePolicy,
  tokenVerifier,
  userFind,
  type AccessPolicy,
  type AuditTrail,
  type IdentityService,
  type PolicyProvider,
  type TokenVerifier,
} from './govern/index.js'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { bankingFraudDag, cdcManagerCreate, orchestratorCreate, type CdcManager, type Orchestrator } from './ingest/index.js'
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
  type RuntimeTables,
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
  /** The access rules (rules file, the built-in role rules, or OPA), applied by the engine and the REST catalog. */
  readonly policy: PolicyProvider
  /** The audit trail (append-only, in the metastore; shipped to AKKO_AUDIT_SINK_URL when set). */
  readonly audit: AuditTrail
  /** The DAG orchestrator (DAG files from AKKO_DAGS_DIR); its scheduler runs while `akko serve` runs. */
  readonly orchestrator: Orchestrator
  /** The CDC pipelines of `cdc:` in akko.yaml; they run once `cdc.start()` is called (`akko serve` does). */
  readonly cdc: CdcManager
  /** The database behind a PostgreSQL catalog (`postgresql` by default), shared with the engine's connector. */
  postgresql(catalog?: string): PostgresqlSource
  /** Closes everything in reverse order of opening; safe to call twice. */
  close(): Promise<void>
}

/** A configured PostgreSQL database: the client the engine reads through, and its URL when it is a server. */
export interface PostgresqlSource {
  readonly catalog: string
  readonly client: PostgresqlClient
  /** Absent for the embedded PGlite database (reach it through `client.embedded()`). */
  readonly url?: Secret
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
  // Created first (it only reads the configuration) so the engine's system.runtime.cdc_pipelines can list it.
  const cdc = cdcManagerCreate({ tables, pipelines: cfg.cdcPipelines, log })
  let audit: AuditTrail
  let policy: PolicyProvider
  let engine: AkkoQueryEngine
  const sources = new Map<string, PostgresqlSource>()
  try {
    audit = await auditTrailOpen({
      metastore, log,
      ...(cfg.audit.sinkUrl ? { sink: { url: cfg.audit.sinkUrl, ...(cfg.audit.sinkToken ? { token: cfg.audit.sinkToken } : {}) } } : {}),
      ...(cfg.audit.retentionDays ? { retentionDays: cfg.audit.retentionDays } : {}),
    })
  } catch (e) {
    await closeInOrder([duckClosable, store, metastore])
    throw e
  }
  const auditClosable = { close: () => audit.close() }
  try {
    policy = policyProviderCreate(cfg, log)
  } catch (e) {
    await closeInOrder([auditClosable, duckClosable, store, metastore])
    throw e
  }
  const policyClosable = { close: async () => policy.close() }
  try {
    engine = await platformEngineCreate(cfg, log, catalog, tables, { policy, audit, metastore, runtimeTables: { cdcPipelines: () => cdc.status() } }, sources)
  } catch (e) {
    await closeInOrder([policyClosable, auditClosable, duckClosable, store, metastore])
    throw e
  }
  const postgresql = (name = 'postgresql'): PostgresqlSource => {
    const src = sources.get(name)
    if (!src) throw new AkkoError('NOT_FOUND', `No PostgreSQL catalog named ${name} is configured (catalogs: ${[...sources.keys()].join(', ')})`, { catalog: name })
    return src
  }
  let orchestrator: Orchestrator
  try {
    orchestrator = await orchestratorCreate({
      metastore, dagsDirs: [cfg.dagsDir], log,
      services: { engine, catalog, tables, metastore, store, log, postgresql },
    })
    // The built-in demo flow; `akko demo banking-fraud` runs it, `akko dags trigger` can too.
    await orchestrator.register(bankingFraudDag())
  } catch (e) {
    await closeInOrder([engine, policyClosable, auditClosable, duckClosable, store, metastore])
    throw e
  }
  const orchestratorClosable = { close: () => orchestrator.stop() }
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
    policy,
    audit,
    orchestrator,
    cdc,
    postgresql,
    close: () => (closed ??= closeInOrder([cdc, orchestratorClosable, engine, policyClosable, auditClosable, duckClosable, store, metastore])),
  }
}

/**
 * The access rules: an OPA server when AKKO_OPA_URL is set (its package URL, e.g. `http://opa:8181/v1/data/trino`,
 * with Trino's rule names under it), else the rules file AKKO_RULES_FILE (reloaded when it changes), else the
 * built-in role-based rules (the ones the demo documents: admins and engineers everything, analysts EU rows
 * with PII masked, viewers the analytics schemas, stewards metadata and the audit trail).
 */
function policyProviderCreate(cfg: AkkoConfig, log: Logger): PolicyProvider {
  const { opaUrl, rulesFile } = cfg.security
  if (opaUrl) {
    const base = opaUrl.replace(/\/allow$/, '')
    log.emit({ code: 'G020', level: 'info', msg: 'access rules from OPA', url: base })
    return opaPolicy({
      url: `${base}/allow`, batchUrl: `${base}/batch`, rowFiltersUrl: `${base}/rowFilters`, batchColumnMaskingUrl: `${base}/batchColumnMasks`, logger: log,
    })
  }
  const path = rulesFile ?? demoRulesPath()
  log.emit({ code: 'G020', level: 'info', msg: rulesFile ? 'access rules from file' : 'built-in role-based access rules', path })
  return rulesFilePolicy(path, { logger: log })
}

/** Reported to Trino clients (`/v1/info`). */
const AKKO_VERSION = '0.1.0'

/**
 * The SQL engine: catalog `iceberg` (the platform's tables, with DDL/DML), one catalog per configured PostgreSQL
 * database (`postgresql` is the embedded PGlite database under AKKO_HOME unless a URL is set), and `system`.
 * Its DuckDB sandbox may read only the local warehouse and the object-store cache.
 */
async function platformEngineCreate(
  cfg: AkkoConfig, log: Logger, catalog: IcebergCatalog, tables: TableContext,
  gov: { policy: PolicyProvider; audit: AuditTrail; metastore: Metastore; runtimeTables?: RuntimeTables },
  sources: Map<string, PostgresqlSource>,
): Promise<AkkoQueryEngine> {
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
      sources.set(pc.name, { catalog: pc.name, client, ...(pc.url ? { url: pc.url } : {}) })
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
      policy: gov.policy,
      audit: gov.audit,
      auditReader: gov.audit,
      ...(gov.runtimeTables ? { runtimeTables: gov.runtimeTables } : {}),
      // A SECURITY DEFINER view's owner reads with that user's roles and groups in the realm.
      resolveIdentity: async user => {
        const u = await userFind(gov.metastore.sql, user).catch(() => undefined)
        return u && u.enabled ? { user: u.username, groups: u.groups, roles: u.roles } : undefined
      },
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

/** How requests are authenticated: tokens (default) or explicitly not at all. */
export type AuthMode = 'token' | 'none'

export interface StartServerOptions {
  /** Defaults to `AKKO_AUTH` from `env` ('none' turns authentication off), else 'token'. */
  readonly auth?: AuthMode
  readonly env?: NodeJS.ProcessEnv
  /** Demo mode (the demo realm with its public passwords); defaults to AKKO_DEMO. */
  readonly demo?: boolean
}

export interface StartedServer {
  readonly url: string
  /** Base URI for Iceberg REST clients. */
  readonly icebergUri: string
  /** Server URI for Trino clients (JDBC `jdbc:trino://host:port`, CLI `--server`), when the engine runs. */
  readonly trinoUri?: string
  /** The built-in OIDC issuer (`…/realms/akko`), when tokens are issued here. */
  readonly issuerUrl?: string
  /** The external issuer whose tokens are accepted (AKKO_OIDC_ISSUER). */
  readonly externalIssuer?: string
  readonly auth: AuthMode
  readonly demo: boolean
  /** Where the admin bearer token is stored (auth 'token' only). */
  readonly adminTokenPath?: string
  /** The first administrator created at this start; its generated password is shown once, here only. */
  readonly firstAdmin?: { readonly username: string; readonly password?: string }
  /** Where the demo's pipelines client secret was written (demo mode). */
  readonly pipelinesSecretPath?: string
  /** The built-in issuer, for in-process callers (tests, the CLI). */
  readonly issuer?: IdentityService
  close(): Promise<void>
}

/**
 * Starts the HTTP server on cfg.host:cfg.port with every protocol mounted. Secure by default: every path needs
 * an identity (an OIDC access token from the built-in issuer at `/realms/akko` or the configured external one,
 * basic credentials of the realm, or the admin token generated at first start); `AKKO_AUTH=none` turns
 * authentication off with a warning.
 */
export async function startServer(platform: Platform, cfg: AkkoConfig, opts: StartServerOptions = {}): Promise<StartedServer> {
  const auth = opts.auth ?? (opts.env ? authModeFromEnv(opts.env) : cfg.auth)
  const demo = opts.demo ?? cfg.security.demo
  const log = platform.log
  // Listen first: the issuer's URL (in every token) is the address we end up on when no public URL is set.
  let handler: { fetch: (req: Request, env: unknown) => Response | Promise<Response> } = {
    fetch: () => genericErrorResponse(new AkkoError('UNAVAILABLE', 'The server is starting; retry in a moment')),
  }
  const server = await httpServerStart({ fetch: (req: Request, env: unknown) => handler.fetch(req, env) }, { host: cfg.host, port: cfg.port })
  const baseUrl = cfg.security.publicUrl ?? server.url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//localhost')
  const closers: Array<() => unknown> = [() => server.close()]
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c()
  }
  try {
    let authenticate: Authenticator = noAuthenticator
    let tokenPath: string | undefined
    let issuer: IdentityService | undefined
    let external: TokenVerifier | undefined
    let firstAdmin: StartedServer['firstAdmin']
    let pipelinesSecretPath: string | undefined
    if (auth === 'token') {
      const t = await adminTokenEnsure(cfg.home)
      tokenPath = t.path
      log.emit({ code: 'H003', level: 'info', msg: t.created ? 'admin token generated' : 'admin token loaded', path: t.path })
      if (cfg.security.oidcIssuer) {
        external = tokenVerifier({ issuer: cfg.security.oidcIssuer, audience: cfg.security.oidcAudience, ...(cfg.security.oidcRoleClaims ? { roleClaims: cfg.security.oidcRoleClaims } : {}) })
        log.emit({ code: 'H005', level: 'info', msg: 'accepting tokens of an external issuer; none are issued here', issuer: cfg.security.oidcIssuer })
      } else {
        issuer = await identityServiceOpen({ metastore: platform.metastore, baseUrl, log, passwordGrant: cfg.security.passwordGrant, accessTtlSeconds: cfg.security.accessTokenTtlSeconds })
        if (demo) {
          const seeded = await identityDemoSeed(issuer.sql, baseUrl)
          if (seeded.pipelinesSecret) pipelinesSecretPath = await secretFileWrite(cfg.home, 'akko-pipelines-client-secret', seeded.pipelinesSecret.reveal())
          log.emit({ code: 'H006', level: 'warn', msg: 'DEMO REALM: users alice, bob, carol, dave, eve have the public passwords <name>123; never put real data here' })
        } else {
          const ensured = await identityAdminEnsure(issuer.sql, baseUrl, opts.env ?? process.env)
          if (ensured.created) firstAdmin = { username: ensured.created.username, ...(ensured.created.password ? { password: ensured.created.password.reveal() } : {}) }
        }
      }
      authenticate = platformAuthenticator({
        adminToken: t.token, ...(issuer ? { issuer } : {}), ...(external ? { external } : {}), audience: cfg.security.oidcAudience,
        basic: cfg.security.basicAuth && !!issuer && cfg.security.passwordGrant, audit: platform.audit, log,
      })
    } else {
      log.emit({ code: 'H004', level: 'warn', msg: 'authentication is OFF (AKKO_AUTH=none): anyone who can reach the port has full access' })
    }
    const policyFor = (id: HttpIdentity): AccessPolicy | undefined =>
      id.method === 'none' ? undefined : platform.policy.policyFor({ user: id.subject, groups: id.groups, roles: id.roles })
    const impersonate: ImpersonationCheck = async (id, user) => {
      const p = policyFor(id)
      if (p && !(await p.canImpersonate(user))) {
        platform.audit.record({ kind: 'denial', actor: id.subject, runAs: user, outcome: 'denied', action: 'impersonate', source: 'trino', error: { code: 'PERMISSION_DENIED', message: `cannot impersonate ${user}` } })
        throw new AkkoError('PERMISSION_DENIED', `Access Denied: User ${id.subject} cannot impersonate user ${user}`, { user: id.subject, target: user })
      }
      const target = issuer ? await userFind(issuer.sql, user) : undefined
      return { groups: target?.groups ?? [], roles: target?.roles ?? [] }
    }
    const trino = platform.engine ? trinoGateway({ engine: platform.engine, log, version: AKKO_VERSION, impersonate }) : undefined
    if (trino) closers.push(() => trino.close())
    const api = adminApi({ ...(issuer ? { issuer } : {}), audit: platform.audit, demo })
    api.route('/', dagsApi(platform.orchestrator, { audit: platform.audit }))
    api.route('/', cdcApi(platform.cdc))
    const app = httpAppCreate({
      authenticate,
      log,
      mounts: [
        {
          prefix: '/iceberg',
          app: icebergRestApp({ catalog: platform.catalog, log, policyFor, audit: platform.audit }),
          renderError: e => icebergErrorResponse(e, log),
        },
        ...(trino ? [trino.mount] : []),
        ...(issuer ? [oidcMount({ issuer, log, demo, audit: platform.audit })] : []),
        { prefix: '/api', app: api as unknown as HttpMount['app'], renderError: genericErrorResponse },
      ],
    })
    handler = app
    log.emit({ code: 'H000', level: 'info', msg: 'listening', url: server.url })
    return {
      url: server.url,
      icebergUri: `${server.url}/iceberg`,
      trinoUri: trino ? server.url : undefined,
      ...(issuer ? { issuerUrl: issuer.issuer, issuer } : {}),
      ...(cfg.security.oidcIssuer && auth === 'token' ? { externalIssuer: cfg.security.oidcIssuer } : {}),
      auth,
      demo,
      adminTokenPath: tokenPath,
      ...(firstAdmin ? { firstAdmin } : {}),
      ...(pipelinesSecretPath ? { pipelinesSecretPath } : {}),
      close,
    }
  } catch (e) {
    await close().catch(() => {})
    throw e
  }
}

/** Writes a secret to `${home}/secrets/<name>` (directory 0700, file 0600) and returns the path. */
async function secretFileWrite(home: string, name: string, value: string): Promise<string> {
  const dir = join(home, 'secrets')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, name)
  await writeFile(path, value + '\n', { mode: 0o600 })
  await chmod(path, 0o600)
  return path
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
