import { posix } from 'node:path'
import { AkkoError } from '../../core/index.js'

/**
 * Object locations as Iceberg metadata stores them.
 *
 * Accepted forms:
 * - `file:///abs/path`, `file:/abs/path` (Hadoop style) and `file://localhost/abs/path`;
 * - a plain absolute path `/abs/path`, treated as `file://`;
 * - `s3://bucket/key`, `s3a://bucket/key`, `s3n://bucket/key`, which all address the same object.
 *
 * Locations are raw strings, never percent-decoded: Iceberg writers (Spark, the Java API) store
 * paths and keys as they are, so `s3://b/a%20b` is the key `a%20b` and `s3://b/a b` the key `a b`.
 */
export type ParsedLocation =
  | { readonly scheme: 'file'; readonly path: string }
  | { readonly scheme: 's3'; readonly bucket: string; readonly key: string }

const S3_SCHEMES = /^(s3|s3a|s3n):\/\//i
const ANY_SCHEME = /^([a-z][a-z0-9+.-]*):/i
// S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens today; legacy buckets and some
// self-hosted servers also allow uppercase and underscores, so those are accepted too.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/

/** Parses a location into a local path or an S3 bucket and key; INVALID_ARGUMENT when it is neither. */
export function locationParse(location: string): ParsedLocation {
  if (typeof location !== 'string' || location === '') {
    throw invalid(String(location), 'an empty location')
  }
  if (location.includes('\0')) throw invalid(location, 'a NUL character')
  const s3 = S3_SCHEMES.exec(location)
  if (s3) return parseS3(location, location.slice(s3[0].length))
  if (location.startsWith('/')) return { scheme: 'file', path: normalizePath(location) }
  const scheme = ANY_SCHEME.exec(location)?.[1]
  if (scheme?.toLowerCase() === 'file') return { scheme: 'file', path: normalizePath(fileUrlPath(location)) }
  if (scheme && scheme.length > 1) {
    throw new AkkoError(
      'INVALID_ARGUMENT',
      `Unsupported location scheme "${scheme}:" in ${location}: use file://, an absolute path, or s3:// (s3a://, s3n://)`,
      { location },
    )
  }
  throw new AkkoError(
    'INVALID_ARGUMENT',
    `Relative location ${location}: object locations must be absolute (file:///abs/path, /abs/path or s3://bucket/key)`,
    { location },
  )
}

/** The canonical form of a location: `file:///abs/path` or `s3://bucket/key` (s3a/s3n become s3). */
export function locationNormalize(location: string): string {
  return locationFormat(locationParse(location))
}

/** Formats a parsed location in its canonical form. */
export function locationFormat(loc: ParsedLocation): string {
  return loc.scheme === 'file' ? `file://${loc.path}` : `s3://${loc.bucket}/${loc.key}`
}

/** Whether `location` uses an S3 scheme (s3, s3a or s3n); does not validate the rest. */
export function locationIsS3(location: string): boolean {
  return S3_SCHEMES.test(location)
}

/** Whether `location` is a local file location (`file:` or an absolute path); does not validate the rest. */
export function locationIsFile(location: string): boolean {
  return location.startsWith('/') || /^file:/i.test(location)
}

/**
 * Joins a root location (with or without a trailing slash) and a relative key, e.g.
 * `locationJoin('s3://b/wh', 'db/t/metadata/v1.metadata.json')`. The key may not be absolute
 * nor contain `..` segments, so a joined location never escapes its root.
 */
export function locationJoin(root: string, key: string): string {
  if (key.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(key) || /^file:/i.test(key)) {
    throw new AkkoError('INVALID_ARGUMENT', `Cannot join ${root} with ${key}: the key must be relative`, { root, key })
  }
  if (key.split('/').some((seg) => seg === '..')) {
    throw new AkkoError('INVALID_ARGUMENT', `Cannot join ${root} with ${key}: ".." is not allowed in a key`, { root, key })
  }
  const rel = key.replace(/^(\.\/)+/, '')
  const loc = locationParse(root)
  if (loc.scheme === 'file') return locationFormat({ scheme: 'file', path: normalizePath(posix.join(loc.path, rel)) })
  const dir = loc.key.replace(/\/+$/, '')
  const joined = dir === '' ? rel : rel === '' ? dir : `${dir}/${rel}`
  return locationFormat({ ...loc, key: joined })
}

/**
 * The "folder" form of a prefix used by `list`: the canonical location followed by exactly one `/`
 * (`file:///` and `s3://bucket/` for the roots).
 */
export function locationAsFolder(location: string): string {
  const loc = locationParse(location)
  if (loc.scheme === 'file') return loc.path === '/' ? 'file:///' : `file://${loc.path}/`
  const dir = loc.key.replace(/\/+$/, '')
  return dir === '' ? `s3://${loc.bucket}/` : `s3://${loc.bucket}/${dir}/`
}

function parseS3(location: string, rest: string): ParsedLocation {
  const slash = rest.indexOf('/')
  const bucket = slash < 0 ? rest : rest.slice(0, slash)
  const key = slash < 0 ? '' : rest.slice(slash + 1)
  if (bucket === '') throw invalid(location, 'no bucket (use s3://bucket/key)')
  if (!BUCKET.test(bucket)) {
    throw invalid(location, `an invalid bucket name "${bucket}" (at least 3 letters, digits, dots, hyphens or underscores)`)
  }
  return { scheme: 's3', bucket, key }
}

function fileUrlPath(location: string): string {
  const rest = location.slice('file:'.length)
  if (rest.startsWith('///')) return rest.slice(2)
  if (rest.startsWith('//localhost/')) return rest.slice('//localhost'.length)
  if (rest.startsWith('//')) throw invalid(location, 'a host (only file:///abs/path or file:/abs/path are local)')
  if (rest.startsWith('/')) return rest
  throw invalid(location, 'a relative path (use file:///abs/path)')
}

// Collapses `.`, `..` and repeated slashes; drops a trailing slash except for the root itself.
function normalizePath(p: string): string {
  const n = posix.normalize(p)
  return n.length > 1 ? n.replace(/\/+$/, '') : n
}

function invalid(location: string, what: string): AkkoError {
  return new AkkoError('INVALID_ARGUMENT', `Invalid location ${location}: it has ${what}`, { location })
}
