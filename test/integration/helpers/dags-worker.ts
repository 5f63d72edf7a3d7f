/**
 * An orchestrator process the DAG recovery test kills with SIGKILL while a task runs.
 * Usage: node --import tsx dags-worker.ts <metastore dir> <marker dir> <dag id> <retries>
 * It triggers a run of the DAG, prints `RUNNING <run id>` once the task's first attempt is under way, and waits.
 * The task keeps a marker file holding the pid of the process running it: an attempt that finds the marker held by
 * a live process records an overlap, which the test asserts never happens.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineDag, orchestratorCreate, task, type DagDefinition } from '../../../src/ingest/index.js'
import { PgliteMetastore } from '../../../src/storage/index.js'

/** Short leases so a killed worker's task is recovered quickly. */
export const WORKER_LEASE = { leaseMs: 1000, heartbeatMs: 100 } as const

/** The DAG: one task that sleeps on its first attempt (until killed) and finishes quickly on later ones. */
export function recoveryDag(id: string, retries: number, markers: string, onRunning?: () => void): DagDefinition {
  return defineDag({
    id,
    tasks: [task({
      id: 'sleepy', retries, retryDelayMs: 1,
      run: async ctx => {
        const lease = join(markers, `${id}.lease`)
        if (existsSync(lease)) {
          const holder = Number(readFileSync(lease, 'utf8'))
          if (alive(holder)) appendFileSync(join(markers, `${id}.overlap`), `attempt ${ctx.attempt} in ${process.pid} while ${holder} runs\n`)
        }
        writeFileSync(lease, String(process.pid))
        appendFileSync(join(markers, `${id}.events`), `start ${ctx.attempt}\n`)
        if (ctx.attempt === 1) {
          onRunning?.()
          await new Promise(() => undefined)
        }
        await new Promise(r => setTimeout(r, 50))
        rmSync(lease)
        appendFileSync(join(markers, `${id}.events`), `end ${ctx.attempt}\n`)
        return 'done'
      },
    })],
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, markers, dagId, retries] = process.argv.slice(2) as [string, string, string, string]
  const metastore = await PgliteMetastore.open(dir)
  let runId = 0
  const dag = recoveryDag(dagId, Number(retries), markers, () => setTimeout(() => process.stdout.write(`RUNNING ${runId}\n`), 300))
  const orch = await orchestratorCreate({ metastore, dags: [dag], pollMs: 20, ...WORKER_LEASE })
  orch.start({ schedule: false })
  runId = (await orch.trigger(dagId)).id
  setInterval(() => {}, 1000)
}
