import { jsonLogger, loadConfig } from '../../core/index.js'
import { createPlatform, startServer, type StartedServer } from '../../platform.js'
import { EXIT_OK, type Command } from '../command.js'
import { envWithHome, HOME_OPTION } from './shared.js'

/** `akko serve`: the whole platform on one port until Ctrl-C or SIGTERM. */
export const serve: Command = {
  name: 'serve',
  summary: 'Start the platform (Iceberg REST catalog and the HTTP API) on one port',
  options: {
    home: HOME_OPTION,
    host: { type: 'string', valueName: '<addr>', description: 'Address to listen on (default: $AKKO_HOST or 127.0.0.1)' },
    port: { type: 'string', short: 'p', valueName: '<port>', description: 'Port to listen on, 0 for any free port (default: $AKKO_PORT or 8080)' },
    demo: { type: 'boolean', description: 'Demo mode: seed the demo realm (alice/alice123 … eve/eve123, public passwords) — never with real data' },
  },
  async run({ values }, io) {
    const env = { ...envWithHome(io.env, values.home) }
    if (typeof values.host === 'string') env.AKKO_HOST = values.host
    if (typeof values.port === 'string') env.AKKO_PORT = values.port
    const cfg = loadConfig(env, io.cwd)
    const log = jsonLogger(cfg.logLevel, io.stderr)
    const platform = await createPlatform(cfg, log)
    let server
    try {
      server = await startServer(platform, cfg, { env, ...(values.demo === true ? { demo: true } : {}) })
    } catch (e) {
      await platform.close()
      throw e
    }
    io.stdout.write(serverBanner(server).join('\n') + '\n')
    platform.orchestrator.start()
    // CDC runs under `akko serve` only: other commands open the platform in-process without replicating.
    platform.cdc.start()
    const signal = await io.waitForShutdown()
    io.stderr.write(`Received ${signal}, shutting down…\n`)
    await platform.orchestrator.stop()
    await server.close()
    await platform.close()
    return EXIT_OK
  },
}

/** What `akko serve` (and `akko demo`) print once the server is up: where everything is and how to sign in. */
export function serverBanner(server: StartedServer): string[] {
  return [
    `AKKO is running at ${server.url}`,
    `  Iceberg REST catalog URI: ${server.icebergUri}`,
    ...(server.trinoUri ? [`  Trino protocol (SQL):     ${server.trinoUri}   e.g. npx akko sql --server ${server.trinoUri}`] : []),
    ...(server.issuerUrl ? [`  OIDC issuer:              ${server.issuerUrl}`] : []),
    ...(server.externalIssuer ? [`  Tokens accepted from:     ${server.externalIssuer} (external issuer)`] : []),
    ...(server.auth === 'token'
      ? [`  Admin bearer token:       in ${server.adminTokenPath} (send "Authorization: Bearer <token>")`]
      : ['  Authentication:           OFF (AKKO_AUTH=none): anyone who can reach the port has full access']),
    ...(server.firstAdmin
      ? server.firstAdmin.password
        ? [`  First administrator:      ${server.firstAdmin.username} / ${server.firstAdmin.password}   (shown only now: change it with PUT /api/users/${server.firstAdmin.username}/password, or akko users passwd while the server is stopped)`]
        : [`  First administrator:      ${server.firstAdmin.username} (password from AKKO_ADMIN_PASSWORD)`]
      : []),
    ...(server.demo
      ? [
          '  DEMO REALM: alice/alice123 (admin), bob/bob123 (engineer), carol/carol123 (analyst), dave/dave123 (viewer), eve/eve123 (steward).',
          '  These passwords are public: never put real data in a demo realm.',
          ...(server.pipelinesSecretPath ? [`  Pipelines client secret:  in ${server.pipelinesSecretPath} (client akko-pipelines)`] : []),
        ]
      : []),
    'Press Ctrl-C to stop.',
  ]
}
