/**
 * Round trip of `SELECT 1` through the Trino protocol (POST /v1/statement, then GETs on nextUri until done), 200
 * runs, against two floors measured in the same run: the HTTP round trip of `GET /api/health` on the same server
 * (what any request costs), and `engine.execute('SELECT 1')` in-process with its rows drained (what the engine
 * costs without HTTP). The platform runs in a fresh temporary home, in this process.
 * @module
 */
import { rm } from 'node:fs/promises'
import { AkkoError, silentLogger } from '../src/core/index.js'
import { createPlatform, startServer } from '../src/platform.js'
import { TrinoClient } from '../src/serve/trino/index.js'
import { tmpHome } from '../test/support/paths.js'
import { BENCH_SESSION, engineConfig, rowsDrain } from './engine-fixture.js'
import type { BenchOptions, LoadedScenario, Scenario } from './scenario.js'

export const engineRoundtrip: Scenario = {
  name: 'engine-roundtrip',
  description: 'SELECT 1 through the Trino protocol vs GET /api/health and in-process engine.execute',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const home = tmpHome('akko-bench-roundtrip-')
    const cfg = engineConfig(home)
    const platform = await createPlatform(cfg, silentLogger)
    const close = async () => {
      await platform.close()
      await rm(home, { recursive: true, force: true })
    }
    let server
    try {
      server = await startServer(platform, cfg, { auth: 'none' })
    } catch (e) {
      await close()
      throw e
    }
    const engine = platform.engine
    if (!engine) throw new AkkoError('INTERNAL', 'The platform started without its SQL engine (this is a bug)')
    const url = server.url
    const client = new TrinoClient({ server: url, user: 'bench', source: 'akko-bench' })
    let pages = 0
    const protocol = async () => {
      const r = await client.query('SELECT 1')
      pages = 0
      let rows = 0
      for await (const batch of r.rows) {
        pages++
        rows += batch.length
      }
      if (rows !== 1) throw new AkkoError('INTERNAL', `SELECT 1 returned ${rows} rows through the protocol (this is a bug)`)
      return { dataPages: pages }
    }
    const repeat = opts.quick ? { warmup: 10, iterations: 50 } : { warmup: 20, iterations: 200 }
    return {
      cases: [
        {
          label: 'SELECT 1 via /v1/statement', measure: 'latency', ...repeat, run: protocol,
          baseline: {
            label: 'GET /api/health',
            run: async () => {
              const res = await fetch(`${url}/api/health`)
              await res.json()
            },
          },
        },
        {
          label: 'SELECT 1 via /v1/statement', measure: 'latency', ...repeat, run: protocol,
          baseline: {
            label: "in-process engine.execute('SELECT 1')",
            run: async () => void (await rowsDrain((await engine.execute('SELECT 1', BENCH_SESSION)).rows)),
          },
        },
      ],
      close: async () => {
        await server.close()
        await close()
      },
    }
  },
}
