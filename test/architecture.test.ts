/**
 * The layer rule of ARCHITECTURE.md: a file may import another layer only if that layer comes earlier in
 * ORDER, and only through its `index.ts`. `src/platform.ts` is the composition root; only the CLI imports it.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { repoRoot } from './support/paths.js'

const ORDER = ['core', 'storage', 'govern', 'engine', 'ingest', 'transform', 'ai', 'serve', 'cli']
const SRC = join(repoRoot(), 'src')

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return listTs(p)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [p] : []
  })
}

const layerOf = (file: string): string | undefined => {
  const rel = relative(SRC, file)
  if (rel.startsWith('..')) return undefined
  const first = rel.split('/')[0]!
  return first.replace(/\.(ts|js)$/, '')
}

test('layers import only earlier layers, and only through their index', () => {
  const problems: string[] = []
  for (const file of listTs(SRC)) {
    const from = layerOf(file)!
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1]!)
      const to = layerOf(target)
      if (!to || to === from) continue
      const where = `${relative(repoRoot(), file)} imports ${m[1]}`
      if (to === 'platform') {
        if (from !== 'cli') problems.push(`${where}: only the CLI may import the composition root`)
        continue
      }
      if (from === 'platform') {
        if (!/\/index\.js$/.test(m[1]!)) problems.push(`${where}: import ${to} through its index`)
        continue
      }
      if (ORDER.indexOf(to) === -1 || ORDER.indexOf(from) === -1) problems.push(`${where}: unknown layer`)
      else if (ORDER.indexOf(to) > ORDER.indexOf(from)) problems.push(`${where}: ${from} may not import ${to}`)
      else if (relative(join(SRC, to), target) !== 'index.js') problems.push(`${where}: import ${to} through ${to}/index.js`)
    }
  }
  assert.deepEqual(problems, [])
})
