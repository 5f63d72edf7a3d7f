/**
 * Finds DAGs in folders: every `.js`, `.mjs`, `.ts` and `.mts` file directly in the folder (not `_`- or
 * `.`-prefixed, not `.d.ts` or `.test.*`) is imported; its default export and named exports that look like DAGs
 * (an object with an `id` and a `tasks` array, or an array of them) are checked with `defineDag`. JavaScript loads
 * with plain `import()`; TypeScript through tsx's API (`tsx/esm/api`) when it is installed. A file that fails
 * is reported and the others still load; an unchanged file is not imported again.
 */
import { readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { AkkoError } from '../../core/index.js'
import { defineDag, type DagDefinition } from './dag.js'
import type { DagLoadError } from './types.js'

/** A DAG and the file it came from. */
export interface LoadedDag {
  readonly dag: DagDefinition
  readonly file: string
}

export interface DagsLoadResult {
  readonly dags: readonly LoadedDag[]
  readonly errors: readonly DagLoadError[]
}

const EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts'])
const requireCache = createRequire(import.meta.url).cache

/** Loads DAG files from folders, remembering each file's modification time to import only what changed. */
export class DagLoader {
  readonly #cache = new Map<string, { mtimeMs: number; dags: DagDefinition[]; errors: string[] }>()

  constructor(private readonly dirs: readonly string[]) {}

  /** Scans the folders (a missing folder holds no DAGs). Duplicate DAG ids across files are errors. */
  async load(): Promise<DagsLoadResult> {
    const dags: LoadedDag[] = []
    const errors: DagLoadError[] = []
    const seen = new Map<string, string>()
    const files = (await Promise.all(this.dirs.map(dagFilesList))).flat()
    for (const key of [...this.#cache.keys()]) if (!files.some(f => f.path === key)) this.#cache.delete(key)
    for (const f of files) {
      let entry = this.#cache.get(f.path)
      if (!entry || entry.mtimeMs !== f.mtimeMs) {
        entry = await dagFileImport(f.path, f.mtimeMs).then(
          r => ({ mtimeMs: f.mtimeMs, ...r }),
          (e: unknown) => ({ mtimeMs: f.mtimeMs, dags: [], errors: [e instanceof Error ? e.message : String(e)] }),
        )
        this.#cache.set(f.path, entry)
      }
      for (const message of entry.errors) errors.push({ file: f.path, message })
      for (const dag of entry.dags) {
        const other = seen.get(dag.id)
        if (other) {
          errors.push({ file: f.path, message: `DAG id ${dag.id} is already defined in ${other}; this one is ignored` })
          continue
        }
        seen.set(dag.id, f.path)
        dags.push({ dag, file: f.path })
      }
    }
    return { dags, errors }
  }
}

async function dagFilesList(dir: string): Promise<Array<{ path: string; mtimeMs: number }>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new AkkoError('INVALID_CONFIG', `Cannot read the DAGs folder ${dir}: ${(e as Error).message}`, { dir })
  }
  const out: Array<{ path: string; mtimeMs: number }> = []
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.startsWith('_') || name.endsWith('.d.ts') || /\.test\.[mc]?[jt]s$/.test(name)) continue
    if (!EXTENSIONS.has(extname(name))) continue
    const path = resolve(join(dir, name))
    const s = await stat(path).catch(() => undefined)
    if (s?.isFile()) out.push({ path, mtimeMs: s.mtimeMs })
  }
  return out
}

/**
 * Imports one file and returns the DAGs it exports, with a message per export that is not a valid DAG (the
 * valid ones still load). Throws when the file cannot be imported or exports no DAG at all.
 */
export async function dagFileImport(path: string, version = 0): Promise<{ dags: DagDefinition[]; errors: string[] }> {
  // The query string makes a changed file a new ES module (cached by URL). A `.js` or `.ts` file outside an ESM
  // package loads as CommonJS, cached by path: drop that entry so the changed file is read again.
  const url = `${pathToFileURL(path).href}?v=${version}`
  delete requireCache[path]
  const mod = /\.m?ts$/.test(path) ? await typescriptImport(url, path) : ((await import(url)) as Record<string, unknown>)
  const found = new Map<string, DagDefinition>()
  const errors: string[] = []
  let candidates = 0
  for (const [name, value] of Object.entries(mod)) {
    for (const candidate of Array.isArray(value) ? value : [value]) {
      if (!looksLikeDag(candidate)) continue
      candidates++
      try {
        const dag = defineDag(candidate as DagDefinition)
        found.set(dag.id, dag)
      } catch (e) {
        errors.push(`export ${name}: ${(e as Error).message}`)
      }
    }
  }
  if (!candidates) throw new AkkoError('INVALID_ARGUMENT', 'exports no DAG: export an object { id, tasks: [...] } (or an array of them), as default or by name', { file: path })
  return { dags: [...found.values()], errors }
}

function looksLikeDag(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && Array.isArray((v as { tasks?: unknown }).tasks)
}

type TsImport = (specifier: string, parent: string) => Promise<Record<string, unknown>>
let tsImportFn: Promise<TsImport | undefined> | undefined

/** TypeScript DAG files need tsx (a development dependency); without it, say how to proceed. */
async function typescriptImport(url: string, path: string): Promise<Record<string, unknown>> {
  tsImportFn ??= import('tsx/esm/api').then(
    m => m.tsImport as TsImport,
    () => undefined,
  )
  const tsImport = await tsImportFn
  if (!tsImport) throw new AkkoError('NOT_SUPPORTED', 'is TypeScript, and tsx is not installed: install tsx next to akko, or compile the file to .js/.mjs', { file: path })
  return tsImport(url, import.meta.url)
}
