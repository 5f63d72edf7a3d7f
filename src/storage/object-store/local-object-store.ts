import { randomBytes } from 'node:crypto'
import { constants as fsConstants, mkdirSync, type Dirent } from 'node:fs'
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AkkoError, type IoOptions } from '../../core/index.js'
import { byteRangeResolve, byteRangeValidate } from './byte-range.js'
import { locationIsFile, locationNormalize, locationParse } from './location.js'
import type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from './object-store.js'
import { storeCancelled, storeCheckAbort, storeConflict, storeIsAbort, storeNotFound } from './store-errors.js'

/** Options of a LocalObjectStore. */
export interface LocalObjectStoreOptions {
  /** Where files about to be uploaded are written; defaults to `<root>/.akko-scratch`. */
  readonly scratchDir?: string
}

// Temporary files live next to their target so the final rename/link stays on one filesystem.
// `list` hides them, so a reader never sees a half-written object.
const TEMP_PREFIX = '.akko-tmp-'
const isTempName = (name: string): boolean => name.startsWith(TEMP_PREFIX)

/**
 * Iceberg FileIO on the local disk. Serves any absolute path or `file://` location (tables
 * registered from elsewhere on the disk too), not only those under `root`.
 *
 * Writes are atomic: the bytes go to a temporary file in the target's directory, are flushed to
 * disk, then renamed over the target, so a reader sees the old object or the new one, never a part.
 * A conditional create (`ifNoneMatch`) uses `link()`, which fails if the target exists, so two
 * writers racing for the same name cannot both win.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const
  readonly root: string
  readonly #scratch: string

  constructor(root: string, opts: LocalObjectStoreOptions = {}) {
    const parsed = locationParse(root)
    if (parsed.scheme !== 'file') {
      throw new AkkoError('INVALID_ARGUMENT', `A local object store needs a local directory, got ${root}`, { root })
    }
    this.root = locationNormalize(root)
    this.#scratch = opts.scratchDir ?? join(parsed.path, '.akko-scratch')
  }

  handles(location: string): boolean {
    return locationIsFile(location)
  }

  async get(location: string, range?: ByteRange, opts: IoOptions = {}): Promise<Uint8Array> {
    const path = this.#path(location)
    byteRangeValidate(location, range)
    storeCheckAbort(opts.signal, location, 'Read')
    const fh = await open(path, 'r').catch((e: unknown) => {
      throw fsError('read', location, e)
    })
    try {
      const st = await fh.stat()
      if (!st.isFile()) throw storeNotFound(location, { reason: 'not a regular file' })
      const { start, end } = byteRangeResolve(location, range, st.size)
      const buf = new Uint8Array(end - start)
      let done = 0
      // Positional reads: only the requested bytes are read, however large the file.
      while (done < buf.length) {
        storeCheckAbort(opts.signal, location, 'Read')
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
      return done === buf.length ? buf : buf.subarray(0, done)
    } catch (e) {
      throw fsError('read', location, e)
    } finally {
      await fh.close()
    }
  }

  async head(location: string, opts: IoOptions = {}): Promise<ObjectInfo | undefined> {
    const path = this.#path(location)
    storeCheckAbort(opts.signal, location, 'Head')
    try {
      const st = await stat(path)
      if (!st.isFile()) return undefined
      return { location: `file://${path}`, size: st.size, lastModified: st.mtime }
    } catch (e) {
      if (isMissing(e)) return undefined
      throw fsError('stat', location, e)
    }
  }

  async put(location: string, body: Uint8Array, opts: PutOptions = {}): Promise<void> {
    await this.#writeAtomic(location, opts, async (tmp) => {
      const fh = await open(tmp, 'wx')
      try {
        await fh.writeFile(body, { signal: opts.signal })
        await fh.sync()
      } finally {
        await fh.close()
      }
    })
  }

  async putFile(location: string, localPath: string, opts: PutOptions = {}): Promise<void> {
    const src = await stat(localPath).catch((e: unknown) => {
      if (isMissing(e)) throw new AkkoError('FILE_NOT_FOUND', `Local file to upload not found: ${localPath}`, { localPath, location })
      throw fsError('stat', localPath, e)
    })
    if (!src.isFile()) throw new AkkoError('INVALID_ARGUMENT', `Cannot upload ${localPath}: it is not a regular file`, { localPath, location })
    await this.#writeAtomic(location, opts, async (tmp) => {
      await copyFile(localPath, tmp, fsConstants.COPYFILE_EXCL)
      const fh = await open(tmp, 'r+')
      try {
        await fh.sync()
      } finally {
        await fh.close()
      }
    })
  }

  async delete(location: string, opts: IoOptions = {}): Promise<void> {
    const path = this.#path(location)
    storeCheckAbort(opts.signal, location, 'Delete')
    try {
      await unlink(path)
    } catch (e) {
      if (isMissing(e)) return
      throw fsError('delete', location, e)
    }
  }

  /**
   * Objects under the folder `prefix` (a trailing slash is optional), recursively, in no
   * particular order. `list('file:///w/a/b')` yields `/w/a/b/x` and `/w/a/b/c/y` but never
   * `/w/a/bc/z`, nor a file named exactly `/w/a/b`. A missing folder yields nothing.
   */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    const dir = this.#path(prefix)
    yield* walk(dir, prefix, opts)
  }

  async localPath(location: string, opts: IoOptions = {}): Promise<string> {
    const info = await this.head(location, opts)
    if (!info) throw storeNotFound(location)
    return this.#path(location)
  }

  scratchDir(): string {
    mkdirSync(this.#scratch, { recursive: true })
    return this.#scratch
  }

  async close(): Promise<void> {}

  #path(location: string): string {
    const parsed = locationParse(location)
    if (parsed.scheme !== 'file') {
      throw new AkkoError('INVALID_ARGUMENT', `The local object store cannot serve ${location}: configure an s3:// warehouse to read S3 objects`, { location })
    }
    return parsed.path
  }

  async #writeAtomic(location: string, opts: PutOptions, writeTemp: (tmp: string) => Promise<void>): Promise<void> {
    const path = this.#path(location)
    storeCheckAbort(opts.signal, location, 'Write')
    const dir = dirname(path)
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw fsError('write', location, e)
    })
    // A cheap early answer; the link() below is what makes the create atomic.
    if (opts.ifNoneMatch && (await stat(path).then(() => true, () => false))) throw storeConflict(location)
    const tmp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`)
    try {
      await writeTemp(tmp)
      storeCheckAbort(opts.signal, location, 'Write')
      if (opts.ifNoneMatch) await link(tmp, path)
      else await rename(tmp, path)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && opts.ifNoneMatch) throw storeConflict(location)
      throw fsError('write', location, e)
    } finally {
      // After rename the temp name is gone already; after link or a failure it must go.
      await rm(tmp, { force: true })
    }
  }
}

async function* walk(dir: string, prefix: string, opts: IoOptions): AsyncGenerator<ObjectInfo> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (e) {
    if (isMissing(e)) return
    throw fsError('list', prefix, e)
  }
  for (const ent of entries) {
    storeCheckAbort(opts.signal, prefix, 'Listing')
    const full = join(dir, ent.name)
    if (ent.isDirectory()) {
      yield* walk(full, prefix, opts)
      continue
    }
    // Symbolic links are followed to files only, so a link cycle cannot loop the walk.
    if (!(ent.isFile() || ent.isSymbolicLink()) || isTempName(ent.name)) continue
    const st = await stat(full).catch(() => undefined)
    if (!st?.isFile()) continue
    yield { location: `file://${full}`, size: st.size, lastModified: st.mtime }
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

// Turns a file-system error into the store's codes; AkkoErrors pass through unchanged.
function fsError(operation: string, location: string, e: unknown): AkkoError {
  if (e instanceof AkkoError) return e
  if (storeIsAbort(e)) return storeCancelled(location, operation)
  if (isMissing(e) && operation !== 'write') return storeNotFound(location)
  const code = (e as NodeJS.ErrnoException | null)?.code ?? 'unknown error'
  const hint = code === 'EACCES' || code === 'EPERM' ? ' (permission denied: check the owner of the warehouse folder)' : code === 'ENOSPC' ? ' (the disk is full)' : ''
  return new AkkoError('STORAGE_ERROR', `Cannot ${operation} ${location}: ${code}${hint}`, { location, operation, errno: code, file: basename(location) })
}
