import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (the folder holding package.json), wherever the test file runs from. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url))
    dir = up
  }
  return dir
}

/** `../shared` beside the repository: specs, fixtures written by other engines. */
export const sharedDir = (): string => resolve(repoRoot(), '..', 'shared')

/** A fresh temporary directory (an AKKO_HOME for one test). */
export const tmpHome = (prefix = 'akko-test-'): string => mkdtempSync(join(tmpdir(), prefix))
