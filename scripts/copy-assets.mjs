#!/usr/bin/env node
// Copies the non-TypeScript files that modules load at run time (e.g. the demo rules JSON) from src/ into dist/src/,
// so the built `akko` finds them beside the compiled modules.
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const src = join(root, 'src')
let copied = 0
const walk = dir => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (/\.(json|html|css|sql)$/.test(name)) {
      const to = join(root, 'dist', 'src', relative(src, p))
      mkdirSync(dirname(to), { recursive: true })
      copyFileSync(p, to)
      copied++
    }
  }
}
walk(src)
console.log(`copied ${copied} asset file(s) into dist/src`)
