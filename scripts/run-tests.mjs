#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's built-in test runner (through tsx).
// Suites that need a real service are named after it (`*.postgres.test.ts`). When the service is not
// reachable they fail under CI (CI=true) and are left out on a laptop, listed at the end of the run.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { connect } from 'node:net'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const only = args.filter(a => !a.startsWith('--'))

function walk(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

function reachable(host, port, ms = 1500) {
  return new Promise(resolve => {
    const s = connect({ host, port })
    const done = ok => { s.destroy(); resolve(ok) }
    s.setTimeout(ms, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

const pgUrl = new URL(process.env.AKKO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
const services = {
  postgres: { why: `PostgreSQL at ${pgUrl.host}`, up: await reachable(pgUrl.hostname, Number(pgUrl.port || 5432)) },
}

let files = [...walk(join(root, 'src')), ...walk(join(root, 'test'))].sort()
if (only.length) files = files.filter(f => only.some(o => relative(root, f).includes(o)))
const notRun = []
files = files.filter(f => {
  for (const [name, svc] of Object.entries(services)) {
    if (f.includes(`.${name}.`) && !svc.up) {
      if (process.env.CI) {
        console.error(`error: ${relative(root, f)} needs ${svc.why}, which is not reachable (CI requires it)`)
        process.exitCode = 1
      }
      notRun.push(`${relative(root, f)} (needs ${svc.why})`)
      return false
    }
  }
  return true
})
if (process.exitCode) process.exit(process.exitCode)

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', '--test-force-exit', ...files], {
  stdio: 'inherit', cwd: root, env: { ...process.env, AKKO_TEST: '1' },
})
child.on('exit', code => {
  if (notRun.length) {
    console.log(`\nReal-service suites not run (service not reachable):\n${notRun.map(n => `  - ${n}`).join('\n')}`)
  }
  process.exit(code ?? 1)
})
