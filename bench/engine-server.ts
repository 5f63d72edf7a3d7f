/**
 * The platform served from a child process, so the paging benchmark measures the server's memory apart from the
 * client's: opens the platform on `AKKO_HOME` (prepared by the parent, which has closed it: the embedded
 * metastore admits one process), serves with authentication off on a free loopback port, prints
 * `{"url": …}` on one stdout line, and shuts down when stdin closes or on SIGTERM.
 * @module
 */
import { silentLogger } from '../src/core/index.js'
import { createPlatform, startServer } from '../src/platform.js'
import { engineConfig } from './engine-fixture.js'

const home = process.env.AKKO_HOME
if (!home) {
  process.stderr.write('engine-server: set AKKO_HOME to the prepared home\n')
  process.exit(2)
}
const cfg = engineConfig(home)
const platform = await createPlatform(cfg, silentLogger)
const server = await startServer(platform, cfg, { auth: 'none' })
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`)

let stopping: Promise<void> | undefined
const stop = () => (stopping ??= (async () => {
  await server.close()
  await platform.close()
  process.exit(0)
})())
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
process.on('SIGTERM', stop)
