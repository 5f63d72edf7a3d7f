import { readFile, rm } from 'node:fs/promises'
import { loadConfig, silentLogger, type Logger } from '../../src/core/index.js'
import { createPlatform, startServer, type Platform, type StartedServer } from '../../src/platform.js'
import { tmpHome } from './paths.js'

/** A platform with its HTTP server on a free port, in a fresh temporary AKKO_HOME. */
export interface TestPlatform {
  /** e.g. `http://127.0.0.1:41234`; the Iceberg REST base is `${baseUrl}/iceberg`. */
  readonly baseUrl: string
  /** The generated admin bearer token. */
  readonly token: string
  readonly home: string
  readonly platform: Platform
  /** What startServer returned (issuer URL, demo secrets, the issuer itself). */
  readonly server: StartedServer
  /** Stops the server, closes the platform and deletes the home directory. */
  stop(): Promise<void>
}

export interface TestPlatformOptions {
  /** A PostgreSQL metastore URL; embedded PGlite when absent. */
  readonly metastoreUrl?: string
  readonly log?: Logger
  /** Extra configuration as environment variables (e.g. an S3 warehouse). */
  readonly env?: Readonly<Record<string, string>>
  /** Demo mode: the demo realm (alice … eve) and the akko-pipelines client. */
  readonly demo?: boolean
}

/** Starts a platform + server the way `akko serve` does, with authentication on. */
export async function startTestPlatform(opts: TestPlatformOptions = {}): Promise<TestPlatform> {
  const home = tmpHome('akko-platform-')
  const env: NodeJS.ProcessEnv = { AKKO_HOME: home, AKKO_PORT: '0', AKKO_HOST: '127.0.0.1' }
  if (opts.metastoreUrl) env.AKKO_METASTORE_URL = opts.metastoreUrl
  Object.assign(env, opts.env)
  const cfg = loadConfig(env, home)
  const platform = await createPlatform(cfg, opts.log ?? silentLogger)
  const server = await startServer(platform, cfg, { auth: 'token', env, ...(opts.demo ? { demo: true } : {}) })
  const token = (await readFile(server.adminTokenPath!, 'utf8')).trim()
  return {
    baseUrl: server.url,
    token,
    home,
    platform,
    server,
    stop: async () => {
      await server.close()
      await platform.close()
      await rm(home, { recursive: true, force: true })
    },
  }
}
