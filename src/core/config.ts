import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { AkkoError } from './errors/index.js'
import { Secret } from './secret.js'
import type { Level } from './log.js'

/** S3 settings for an `s3://bucket/prefix` warehouse (SeaweedFS, MinIO, AWS). */
export interface S3Config {
  readonly endpoint?: string
  readonly region: string
  readonly accessKeyId?: string
  readonly secretAccessKey?: Secret
  /** Path-style addressing (`http://host/bucket/key`), needed by most self-hosted servers. */
  readonly pathStyle: boolean
}

/** A PostgreSQL catalog of the SQL engine: the embedded PGlite database (no url) or a server. */
export interface PostgresqlCatalogConfig {
  readonly name: string
  readonly url?: Secret
}

/** A CDC pipeline: PostgreSQL tables streamed into Iceberg tables by logical replication. */
export interface CdcPipelineConfig {
  /** Names the replication slot and publication (`akko_<name>`): lower-case letters, digits, underscores. */
  readonly name: string
  /** The source server (wal_level=logical). */
  readonly url: Secret
  /** Source `schema.table` (or `table`, schema public) into target `namespace.table`. */
  readonly tables: readonly { readonly table: string; readonly target: string }[]
  /** A micro-batch is committed this long after its first transaction at the latest. */
  readonly flushIntervalMs?: number
}

/** Limits every query runs under (Trino's query.max-run-time, query.max-memory, result size). */
export interface QueryConfig {
  readonly maxRunMs: number
  /** DuckDB memory limit for all queries together, e.g. '4GB'. */
  readonly maxMemory?: string
  readonly maxResultRows?: number
  readonly maxConcurrent: number
  readonly maxQueued: number
}

/** Identity and access rules. */
export interface SecurityConfig {
  /** Demo mode: the demo realm (alice, bob, carol, dave, eve with public passwords) and the demo rules. */
  readonly demo: boolean
  /** The URL clients reach the platform at (the built-in issuer's base); defaults to the listening address. */
  readonly publicUrl?: string
  /** An external OIDC issuer (Keycloak realm, Entra ID, Okta…): its tokens are verified, none are issued here. */
  readonly oidcIssuer?: string
  /** The audience every access token must carry. */
  readonly oidcAudience: string
  /** Dotted claim paths holding roles (`{client}` = the token's azp); Keycloak's by default. */
  readonly oidcRoleClaims?: readonly string[]
  /** The password grant (CLI, scripts, development) on the built-in issuer. */
  readonly passwordGrant: boolean
  /** HTTP basic authentication against the built-in realm (Trino clients with a password). */
  readonly basicAuth: boolean
  /** Lifetime of the built-in issuer's access tokens, in seconds (Keycloak's default: 5 minutes). */
  readonly accessTokenTtlSeconds: number
  /** A Trino file-based access-control rules file; the built-in role-based rules when absent. */
  readonly rulesFile?: string
  /** An OPA server answering Trino's OPA access-control queries (e.g. http://opa:8181/v1/data/trino). */
  readonly opaUrl?: string
}

/** The audit trail: where else it is shipped, how long it is kept. */
export interface AuditConfig {
  /** An HTTP endpoint receiving every audit event as JSON lines (a SIEM, a log collector). */
  readonly sinkUrl?: string
  /** Bearer token for the sink. */
  readonly sinkToken?: Secret
  /** Delete events older than this many days (with a sink, only those shipped); absent: kept for ever. */
  readonly retentionDays?: number
}

/** The effective configuration: defaults, then `akko.yaml`, then `AKKO_*` environment variables. */
export interface AkkoConfig {
  readonly home: string
  readonly host: string
  readonly port: number
  /** PostgreSQL URL of the metastore; absent means embedded PGlite under `home`. */
  readonly metastoreUrl?: Secret
  /** Warehouse root: a local directory or `s3://bucket/prefix`. */
  readonly warehouse: string
  readonly s3: S3Config
  readonly logLevel: Level
  /** `token` (default): every HTTP path but /api/health needs a bearer token; `none` turns that off. */
  readonly auth: 'token' | 'none'
  /** PostgreSQL catalogs of the SQL engine; `postgresql` (embedded PGlite under home unless a URL is set) always exists. */
  readonly postgresqlCatalogs: readonly PostgresqlCatalogConfig[]
  readonly query: QueryConfig
  readonly security: SecurityConfig
  readonly audit: AuditConfig
  /** Folder of DAG files the orchestrator loads (default `${home}/dags`). */
  readonly dagsDir: string
  /** CDC pipelines (`cdc:` in akko.yaml), run while `akko serve` runs. */
  readonly cdcPipelines: readonly CdcPipelineConfig[]
  /** Where the configuration came from, for `akko config`. */
  readonly sources: readonly string[]
}

interface RawConfig {
  home?: string
  host?: string
  port?: number | string
  metastoreUrl?: string
  warehouse?: string
  s3?: { endpoint?: string; region?: string; accessKeyId?: string; secretAccessKey?: string; pathStyle?: boolean | string }
  logLevel?: string
  auth?: string
  /** Named catalogs: `{ crm: { connector: postgresql, url: postgres://… } }`. */
  catalogs?: Record<string, { connector?: string; url?: string }>
  query?: { maxRunTime?: string | number; maxMemory?: string; maxResultRows?: number | string; maxConcurrent?: number | string; maxQueued?: number | string }
  audit?: { sinkUrl?: string; sinkToken?: string; retentionDays?: number | string }
  dagsDir?: string
  /** `{ orders: { url: postgres://…, tables: [{ table: public.orders, target: raw.orders }], flushInterval: 1s } }`. */
  cdc?: Record<string, { url?: string; tables?: unknown; flushInterval?: string | number }>
  security?: {
    demo?: boolean | string; publicUrl?: string; oidcIssuer?: string; oidcAudience?: string; oidcRoleClaims?: string | string[]
    passwordGrant?: boolean | string; basicAuth?: boolean | string; rulesFile?: string; opaUrl?: string; accessTokenTtl?: string | number
  }
}

const ENV: ReadonlyArray<[string, (raw: RawConfig, v: string) => void]> = [
  ['AKKO_HOME', (r, v) => (r.home = v)],
  ['AKKO_HOST', (r, v) => (r.host = v)],
  ['AKKO_PORT', (r, v) => (r.port = v)],
  ['AKKO_METASTORE_URL', (r, v) => (r.metastoreUrl = v)],
  ['AKKO_WAREHOUSE', (r, v) => (r.warehouse = v)],
  ['AKKO_S3_ENDPOINT', (r, v) => ((r.s3 ??= {}).endpoint = v)],
  ['AKKO_S3_REGION', (r, v) => ((r.s3 ??= {}).region = v)],
  ['AKKO_S3_ACCESS_KEY_ID', (r, v) => ((r.s3 ??= {}).accessKeyId = v)],
  ['AKKO_S3_SECRET_ACCESS_KEY', (r, v) => ((r.s3 ??= {}).secretAccessKey = v)],
  ['AKKO_S3_PATH_STYLE', (r, v) => ((r.s3 ??= {}).pathStyle = v)],
  ['AKKO_LOG_LEVEL', (r, v) => (r.logLevel = v)],
  ['AKKO_AUTH', (r, v) => (r.auth = v)],
  ['AKKO_POSTGRESQL_URL', (r, v) => (((r.catalogs ??= {}).postgresql ??= { connector: 'postgresql' }).url = v)],
  ['AKKO_QUERY_MAX_RUN_TIME', (r, v) => ((r.query ??= {}).maxRunTime = v)],
  ['AKKO_QUERY_MAX_MEMORY', (r, v) => ((r.query ??= {}).maxMemory = v)],
  ['AKKO_QUERY_MAX_RESULT_ROWS', (r, v) => ((r.query ??= {}).maxResultRows = v)],
  ['AKKO_QUERY_MAX_CONCURRENT', (r, v) => ((r.query ??= {}).maxConcurrent = v)],
  ['AKKO_DAGS_DIR', (r, v) => (r.dagsDir = v)],
  ['AKKO_AUDIT_SINK_URL', (r, v) => ((r.audit ??= {}).sinkUrl = v)],
  ['AKKO_AUDIT_SINK_TOKEN', (r, v) => ((r.audit ??= {}).sinkToken = v)],
  ['AKKO_AUDIT_RETENTION_DAYS', (r, v) => ((r.audit ??= {}).retentionDays = v)],
  ['AKKO_DEMO', (r, v) => ((r.security ??= {}).demo = v)],
  ['AKKO_PUBLIC_URL', (r, v) => ((r.security ??= {}).publicUrl = v)],
  ['AKKO_OIDC_ISSUER', (r, v) => ((r.security ??= {}).oidcIssuer = v)],
  ['AKKO_OIDC_AUDIENCE', (r, v) => ((r.security ??= {}).oidcAudience = v)],
  ['AKKO_OIDC_ROLE_CLAIMS', (r, v) => ((r.security ??= {}).oidcRoleClaims = v)],
  ['AKKO_PASSWORD_GRANT', (r, v) => ((r.security ??= {}).passwordGrant = v)],
  ['AKKO_BASIC_AUTH', (r, v) => ((r.security ??= {}).basicAuth = v)],
  ['AKKO_RULES_FILE', (r, v) => ((r.security ??= {}).rulesFile = v)],
  ['AKKO_OPA_URL', (r, v) => ((r.security ??= {}).opaUrl = v)],
  ['AKKO_ACCESS_TOKEN_TTL', (r, v) => ((r.security ??= {}).accessTokenTtl = v)],
]

/**
 * Loads the configuration. Misconfiguration fails here with INVALID_CONFIG, listing every problem,
 * rather than on the first request.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AkkoConfig {
  const sources: string[] = ['defaults']
  const fromEnv: RawConfig = {}
  for (const [name, set] of ENV) {
    const v = env[name]
    if (v !== undefined && v !== '') set(fromEnv, v)
  }
  const home = resolve(cwd, fromEnv.home ?? './.akko')
  let raw: RawConfig = {}
  for (const file of [join(home, 'akko.yaml'), join(cwd, 'akko.yaml')]) {
    if (!existsSync(file)) continue
    raw = readYaml(file)
    sources.push(file)
    break
  }
  if (Object.keys(fromEnv).length) sources.push('environment')
  const merged: RawConfig = {
    ...raw, ...fromEnv,
    s3: { ...raw.s3, ...fromEnv.s3 },
    query: { ...raw.query, ...fromEnv.query },
    audit: { ...raw.audit, ...fromEnv.audit },
    security: { ...raw.security, ...fromEnv.security },
    catalogs: { ...raw.catalogs, ...Object.fromEntries(Object.entries(fromEnv.catalogs ?? {}).map(([k, v]) => [k, { ...raw.catalogs?.[k], ...v }])) },
  }
  return validate(merged, home, sources)
}

function readYaml(file: string): RawConfig {
  try {
    const v = parseYaml(readFileSync(file, 'utf8')) as unknown
    if (v === null || v === undefined) return {}
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('the top level must be a mapping')
    return v as RawConfig
  } catch (e) {
    throw new AkkoError('INVALID_CONFIG', `Cannot read ${file}: ${(e as Error).message}`, { file })
  }
}

function validate(r: RawConfig, home: string, sources: string[]): AkkoConfig {
  const problems: string[] = []
  const port = Number(r.port ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`port must be an integer 0..65535, got ${JSON.stringify(r.port)}`)
  const logLevel = (r.logLevel ?? 'info') as Level
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push(`logLevel must be debug|info|warn|error, got ${JSON.stringify(r.logLevel)}`)
  const warehouse = r.warehouse ? (r.warehouse.startsWith('s3://') || r.warehouse.startsWith('s3a://') ? r.warehouse : resolve(home, r.warehouse)) : join(home, 'warehouse')
  if (/^s3a?:\/\/$|^s3a?:\/\/\//.test(warehouse)) problems.push(`warehouse ${warehouse} has no bucket: use s3://bucket/prefix`)
  if (r.metastoreUrl && !/^postgres(ql)?:\/\//.test(r.metastoreUrl)) problems.push('metastoreUrl must be a postgres:// or postgresql:// URL')
  const s3 = r.s3 ?? {}
  const pathStyle = s3.pathStyle === undefined ? Boolean(s3.endpoint) : s3.pathStyle === true || s3.pathStyle === 'true' || s3.pathStyle === '1'
  const auth = (r.auth ?? 'token') as 'token' | 'none'
  if (auth !== 'token' && auth !== 'none') problems.push(`auth must be token or none, got ${JSON.stringify(r.auth)}`)
  const postgresqlCatalogs = catalogsValidate(r.catalogs ?? {}, problems)
  const query = queryValidate(r.query ?? {}, problems)
  const audit = auditValidate(r.audit ?? {}, problems)
  const security = securityValidate(r.security ?? {}, home, problems)
  const cdcPipelines = cdcValidate(r.cdc ?? {}, problems)
  if (problems.length) throw new AkkoError('INVALID_CONFIG', `Invalid configuration:\n- ${problems.join('\n- ')}`, { problems })
  return Object.freeze({
    home,
    host: r.host ?? '127.0.0.1',
    port,
    metastoreUrl: r.metastoreUrl ? new Secret(r.metastoreUrl) : undefined,
    warehouse,
    s3: Object.freeze({
      endpoint: s3.endpoint,
      region: s3.region ?? 'us-east-1',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey ? new Secret(s3.secretAccessKey) : undefined,
      pathStyle,
    }),
    logLevel,
    auth,
    postgresqlCatalogs,
    query,
    security,
    audit,
    dagsDir: r.dagsDir ? resolve(home, r.dagsDir) : join(home, 'dags'),
    cdcPipelines,
    sources: Object.freeze(sources),
  })
}

function securityValidate(s: NonNullable<RawConfig['security']>, home: string, problems: string[]): SecurityConfig {
  const bool = (key: string, v: boolean | string | undefined, dflt: boolean): boolean => {
    if (v === undefined || v === '') return dflt
    if (typeof v === 'boolean') return v
    if (/^(true|1|yes|on)$/i.test(v)) return true
    if (/^(false|0|no|off)$/i.test(v)) return false
    problems.push(`security.${key} must be true or false, got ${JSON.stringify(v)}`)
    return dflt
  }
  const url = (key: string, v: string | undefined): string | undefined => {
    if (v === undefined || v === '') return undefined
    if (!/^https?:\/\/[^/]/.test(v) || !URL.canParse(v)) problems.push(`security.${key} must be an http(s) URL, got ${JSON.stringify(v)}`)
    return v.replace(/\/+$/, '')
  }
  const claims = typeof s.oidcRoleClaims === 'string' ? s.oidcRoleClaims.split(',').map(x => x.trim()).filter(Boolean) : s.oidcRoleClaims
  const opaUrl = url('opaUrl', s.opaUrl)
  const rulesFile = s.rulesFile ? resolve(home, s.rulesFile) : undefined
  const ttlMs = durationMs(s.accessTokenTtl ?? '5m')
  if (ttlMs === undefined || ttlMs < 1000) problems.push(`security.accessTokenTtl must be a duration of at least 1s such as 5m, got ${JSON.stringify(s.accessTokenTtl)}`)
  if (opaUrl && rulesFile) problems.push('security.rulesFile and security.opaUrl exclude each other: choose one source of access rules')
  return Object.freeze({
    demo: bool('demo', s.demo, false),
    publicUrl: url('publicUrl', s.publicUrl),
    oidcIssuer: url('oidcIssuer', s.oidcIssuer),
    oidcAudience: s.oidcAudience || 'akko',
    ...(claims?.length ? { oidcRoleClaims: Object.freeze([...claims]) } : {}),
    passwordGrant: bool('passwordGrant', s.passwordGrant, true),
    basicAuth: bool('basicAuth', s.basicAuth, true),
    accessTokenTtlSeconds: Math.round((ttlMs ?? 300_000) / 1000),
    rulesFile,
    opaUrl,
  })
}

function catalogsValidate(raw: NonNullable<RawConfig['catalogs']>, problems: string[]): PostgresqlCatalogConfig[] {
  const out: PostgresqlCatalogConfig[] = []
  if (!raw.postgresql) out.push({ name: 'postgresql' })
  for (const [name, c] of Object.entries(raw)) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push(`catalog name ${JSON.stringify(name)} must be lower-case letters, digits and _`)
    else if (['iceberg', 'system'].includes(name)) problems.push(`catalog name ${name} is reserved`)
    const connector = c?.connector ?? 'postgresql'
    if (connector !== 'postgresql') problems.push(`catalogs.${name}.connector must be postgresql, got ${JSON.stringify(connector)}`)
    if (c?.url !== undefined && !/^postgres(ql)?:\/\//.test(c.url)) problems.push(`catalogs.${name}.url must be a postgres:// URL`)
    out.push({ name, url: c?.url ? new Secret(c.url) : undefined })
  }
  return out
}

function cdcValidate(raw: NonNullable<RawConfig['cdc']>, problems: string[]): CdcPipelineConfig[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('cdc must be a mapping of pipeline names to { url, tables }')
    return []
  }
  const out: CdcPipelineConfig[] = []
  for (const [name, c] of Object.entries(raw)) {
    const where = `cdc.${name}`
    if (!/^[a-z0-9_]{1,58}$/.test(name)) problems.push(`${where}: a pipeline name must be 1 to 58 lower-case letters, digits or underscores (it names the replication slot akko_${name})`)
    if (!c || typeof c.url !== 'string' || !/^postgres(ql)?:\/\//.test(c.url)) {
      problems.push(`${where}.url must be the postgres:// URL of a server with wal_level=logical`)
      continue
    }
    const tables: { table: string; target: string }[] = []
    if (!Array.isArray(c.tables) || c.tables.length === 0) problems.push(`${where}.tables must be a non-empty list of { table: schema.table, target: namespace.table }`)
    else {
      for (const [i, t] of (c.tables as unknown[]).entries()) {
        const e = t as { table?: unknown; target?: unknown } | null
        if (typeof e?.table !== 'string' || !/^[^.\s]+(\.[^.\s]+)?$/.test(e.table)) problems.push(`${where}.tables[${i}].table must be schema.table or table, got ${JSON.stringify(e?.table)}`)
        else if (typeof e.target !== 'string' || !/^[^.\s]+(\.[^.\s]+)+$/.test(e.target)) problems.push(`${where}.tables[${i}].target must be namespace.table, got ${JSON.stringify(e?.target)}`)
        else tables.push({ table: e.table, target: e.target })
      }
    }
    let flushIntervalMs: number | undefined
    if (c.flushInterval !== undefined) {
      flushIntervalMs = durationMs(c.flushInterval)
      if (flushIntervalMs === undefined) problems.push(`${where}.flushInterval must be a duration such as 500ms or 1s, got ${JSON.stringify(c.flushInterval)}`)
    }
    out.push(Object.freeze({ name, url: new Secret(c.url), tables: Object.freeze(tables), ...(flushIntervalMs !== undefined ? { flushIntervalMs } : {}) }))
  }
  return out
}

function queryValidate(q: NonNullable<RawConfig['query']>, problems: string[]): QueryConfig {
  const int = (key: string, v: unknown, dflt: number | undefined) => {
    if (v === undefined || v === '') return dflt
    const n = Number(v)
    if (!Number.isInteger(n) || n <= 0) problems.push(`query.${key} must be a positive integer, got ${JSON.stringify(v)}`)
    return n
  }
  const maxRunMs = durationMs(q.maxRunTime ?? '30m')
  if (maxRunMs === undefined) problems.push(`query.maxRunTime must be a duration such as 90s, 10m or 2h, got ${JSON.stringify(q.maxRunTime)}`)
  if (q.maxMemory !== undefined && !/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(q.maxMemory)) problems.push(`query.maxMemory must be a size such as 4GB, got ${JSON.stringify(q.maxMemory)}`)
  return Object.freeze({
    maxRunMs: maxRunMs ?? 0,
    maxMemory: q.maxMemory,
    maxResultRows: int('maxResultRows', q.maxResultRows, undefined),
    maxConcurrent: int('maxConcurrent', q.maxConcurrent, 8) ?? 8,
    maxQueued: int('maxQueued', q.maxQueued, 1000) ?? 1000,
  })
}

function auditValidate(a: NonNullable<RawConfig['audit']>, problems: string[]): AuditConfig {
  const { sinkUrl, sinkToken, retentionDays } = a
  if (sinkUrl) {
    if (!/^https?:\/\/[^/]/.test(sinkUrl) || !URL.canParse(sinkUrl)) problems.push(`audit.sinkUrl must be an http(s) URL, got ${JSON.stringify(redactUrl(sinkUrl))}`)
    else if (new URL(sinkUrl).username || new URL(sinkUrl).password) problems.push('audit.sinkUrl must not carry credentials: put the bearer token in audit.sinkToken (AKKO_AUDIT_SINK_TOKEN)')
  }
  const days = retentionDays === undefined || retentionDays === '' ? undefined : Number(retentionDays)
  if (days !== undefined && !(Number.isFinite(days) && days > 0)) problems.push(`audit.retentionDays must be a positive number of days, got ${JSON.stringify(retentionDays)}`)
  return Object.freeze({
    ...(sinkUrl ? { sinkUrl } : {}),
    ...(sinkToken ? { sinkToken: new Secret(sinkToken) } : {}),
    ...(days !== undefined ? { retentionDays: days } : {}),
  })
}

/** '90s', '10m', '2h', '1d', or milliseconds as a number. */
function durationMs(v: string | number): number | undefined {
  if (typeof v === 'number') return v > 0 ? v : undefined
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(v.trim())
  if (!m) return undefined
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
  return Math.round(Number(m[1]) * unit)
}

/** The configuration as shown to a user: secrets hidden, including passwords inside URLs. */
export function configForDisplay(cfg: AkkoConfig): Record<string, unknown> {
  return {
    home: cfg.home,
    host: cfg.host,
    port: cfg.port,
    metastore: cfg.metastoreUrl ? redactUrl(cfg.metastoreUrl.reveal()) : `embedded PGlite (${join(cfg.home, 'metastore')})`,
    warehouse: cfg.warehouse,
    s3: { ...cfg.s3, secretAccessKey: cfg.s3.secretAccessKey ? '***' : undefined },
    logLevel: cfg.logLevel,
    auth: cfg.auth,
    catalogs: Object.fromEntries(cfg.postgresqlCatalogs.map(c => [c.name, { connector: 'postgresql', database: c.url ? redactUrl(c.url.reveal()) : `embedded PGlite (${join(cfg.home, 'postgresql')})` }])),
    query: cfg.query,
    audit: { sinkUrl: cfg.audit.sinkUrl ? redactUrl(cfg.audit.sinkUrl) : undefined, sinkToken: cfg.audit.sinkToken ? '***' : undefined, retentionDays: cfg.audit.retentionDays },
    security: { ...cfg.security, opaUrl: cfg.security.opaUrl ? redactUrl(cfg.security.opaUrl) : undefined },
    dagsDir: cfg.dagsDir,
    cdc: Object.fromEntries(cfg.cdcPipelines.map(p => [p.name, { url: redactUrl(p.url.reveal()), tables: p.tables, flushIntervalMs: p.flushIntervalMs }])),
    sources: cfg.sources,
  }
}

/** Hides the password in a URL such as postgres://user:pw@host/db. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '***'
  }
}
