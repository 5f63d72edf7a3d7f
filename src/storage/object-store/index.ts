/**
 * @module object-store
 * Iceberg's FileIO: the local disk and S3, behind one ObjectStore interface.
 */
import { join } from 'node:path'
import type { AkkoConfig } from '../../core/index.js'
import { LocalObjectStore } from './local-object-store.js'
import { locationIsS3 } from './location.js'
import type { ObjectStore } from './object-store.js'
import { S3ObjectStore } from './s3-object-store.js'

export type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from './object-store.js'
export { LocalObjectStore, type LocalObjectStoreOptions } from './local-object-store.js'
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js'
export {
  locationAsFolder,
  locationFormat,
  locationIsFile,
  locationIsS3,
  locationJoin,
  locationNormalize,
  locationParse,
  type ParsedLocation,
} from './location.js'

/**
 * The object store for the configured warehouse: S3 for an `s3://` (or `s3a://`, `s3n://`)
 * warehouse, the local disk otherwise. Downloads are cached under `<home>/cache/s3` and files
 * about to be uploaded are written under `<home>/tmp`.
 */
export function openObjectStore(cfg: AkkoConfig): ObjectStore {
  const scratchDir = join(cfg.home, 'tmp')
  if (locationIsS3(cfg.warehouse)) {
    return new S3ObjectStore({ root: cfg.warehouse, s3: cfg.s3, cacheDir: join(cfg.home, 'cache', 's3'), scratchDir })
  }
  return new LocalObjectStore(cfg.warehouse, { scratchDir })
}
