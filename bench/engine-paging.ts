/**
 * Paging a large result to a client: `SELECT * FROM transactions` (10M rows, 2M with --quick; all ten columns)
 * through the Trino protocol, the client reading and discarding every page. The server runs in a child process
 * (`engine-server.ts`) on the prepared home, so its memory is sampled on its own from `/proc/<pid>/status`:
 * peak VmRSS during the run (every 20 ms), VmRSS before it, and VmHWM (the process's lifetime peak). The
 * baseline is a plain DuckDB in this process streaming the same SELECT over the same Parquet files, chunk by
 * chunk, turning each chunk into JS rows and discarding them.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { AkkoError } from '../src/core/index.js'
import { TrinoClient } from '../src/serve/trino/index.js'
import { enginePlatformOpen, rawDuckOpen } from './engine-fixture.js'
import { rowsLabel, type BenchOptions, type LoadedScenario, type Scenario } from './scenario.js'

const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'engine-server.ts')

export const enginePaging: Scenario = {
  name: 'engine-paging',
  description: 'rows/s of SELECT * paged through the Trino protocol (server in a child process, its RSS sampled) vs DuckDB streaming in-process',
  async load(opts: BenchOptions): Promise<LoadedScenario> {
    const rows = opts.rowsGiven ? opts.rows : opts.quick ? 2_000_000 : 10_000_000
    const progress = (msg: string) => process.stdout.write(`  ${msg}\n`)
    // Prepare (or reuse) the tables, then close: the child opens the same home and its embedded metastore.
    const { platform, tables } = await enginePlatformOpen(rows, progress)
    await platform.close()
    progress(`transactions: ${rowsLabel(rows)} rows in ${tables.txFiles.length} data files`)
    const duck = await rawDuckOpen(tables)
    let child: Awaited<ReturnType<typeof serverSpawn>>
    try {
      child = await serverSpawn(tables.home)
    } catch (e) {
      duck.close()
      throw e
    }
    const client = new TrinoClient({ server: child.url, user: 'bench', catalog: 'iceberg', schema: 'bench', source: 'akko-bench' })
    const pid = child.proc.pid as number
    // A full-size run takes minutes, so none is spent on warm-up there (the files are already in the OS cache).
    const repeat = opts.quick ? { warmup: 1, iterations: 2 } : { warmup: 0, iterations: 2 }
    return {
      cases: [{
        label: `page ${rowsLabel(rows)} rows (SELECT *)`,
        measure: 'throughput',
        rows,
        ...repeat,
        baseline: {
          label: 'duckdb stream in-process',
          run: async () => {
            const result = await duck.conn.stream('SELECT * FROM transactions')
            let n = 0
            for (;;) {
              const chunk = await result.fetchChunk()
              if (!chunk || chunk.rowCount === 0) break
              n += chunk.getRows().length
            }
            if (n !== rows) throw new AkkoError('INTERNAL', `DuckDB streamed ${n} rows, expected ${rows} (this is a bug)`)
          },
        },
        async run() {
          const before = procStatus(pid)
          let peak = before.rssKb
          const timer = setInterval(() => {
            peak = Math.max(peak, procStatus(pid).rssKb)
          }, 20)
          let n = 0
          let pages = 0
          try {
            const r = await client.query('SELECT * FROM transactions')
            for await (const batch of r.rows) {
              n += batch.length
              pages++
            }
          } finally {
            clearInterval(timer)
          }
          const after = procStatus(pid)
          if (n !== rows) throw new AkkoError('INTERNAL', `The protocol paged ${n} rows, expected ${rows} (this is a bug)`)
          const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`
          return {
            pages, rowsPerPage: Math.round(n / Math.max(pages, 1)),
            serverRssBefore: mb(before.rssKb), serverPeakRss: mb(Math.max(peak, after.rssKb)), serverRssAfter: mb(after.rssKb), serverVmHWM: mb(after.hwmKb),
          }
        },
      }],
      close: async () => {
        await child.stop()
        duck.close()
      },
    }
  },
}

/** VmRSS and VmHWM of a live process, in kB. */
function procStatus(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0)
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') }
}

/** Starts `engine-server.ts` on `home` and waits for the URL it prints; `stop` closes its stdin and waits for exit. */
async function serverSpawn(home: string): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT], {
    env: { ...process.env, AKKO_HOME: home },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>(resolve => proc.once('exit', () => resolve()))
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.stdin?.end()
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  const lines = createInterface({ input: proc.stdout! })
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', code => reject(new AkkoError('INTERNAL', `The benchmark server exited with code ${code} before listening (its errors are above)`)))
    lines.once('line', line => {
      try {
        resolve((JSON.parse(line) as { url: string }).url)
      } catch {
        reject(new AkkoError('INTERNAL', `The benchmark server printed '${line.slice(0, 200)}' instead of its URL`))
      }
    })
  }).catch(async e => {
    await stop()
    throw e
  })
  return { url, proc, stop }
}
