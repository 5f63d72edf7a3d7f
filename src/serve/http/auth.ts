import { randomBytes, timingSafeEqual, createHash } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AkkoError, Secret } from '../../core/index.js'

/** Who is calling. Until the OIDC issuer exists, the only identities are the admin token and "auth off". */
export interface Identity {
  readonly subject: string
  readonly method: 'admin-token' | 'none'
}

/** Resolves the `Authorization` header to an identity, or throws UNAUTHENTICATED. */
export type Authenticator = (authorization: string | undefined) => Identity

/** Where the generated admin token lives under AKKO_HOME. */
export const adminTokenPath = (home: string): string => join(home, 'secrets', 'admin-token')

/**
 * Returns the admin bearer token, generating a random one at first start into
 * `${home}/secrets/admin-token` (directory 0700, file 0600). The token itself is never logged.
 */
export async function adminTokenEnsure(home: string): Promise<{ path: string; token: Secret; created: boolean }> {
  const path = adminTokenPath(home)
  try {
    const text = (await readFile(path, 'utf8')).trim()
    if (text) return { path, token: new Secret(text), created: false }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AkkoError('INVALID_CONFIG', `Cannot read the admin token at ${path}: ${(e as Error).message}`, { path })
    }
  }
  await mkdir(join(home, 'secrets'), { recursive: true, mode: 0o700 })
  const token = randomBytes(32).toString('base64url')
  await writeFile(path, token + '\n', { mode: 0o600 })
  await chmod(path, 0o600)
  return { path, token: new Secret(token), created: true }
}

/** Accepts exactly `Authorization: Bearer <token>`; compares in constant time. */
export function bearerTokenAuthenticator(token: Secret): Authenticator {
  const expected = digest(token.reveal())
  return header => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
    if (!m) throw new AkkoError('UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <token>" (see `akko serve` output for where the admin token is)')
    if (!timingSafeEqual(digest(m[1]!), expected)) throw new AkkoError('UNAUTHENTICATED', 'The bearer token is not valid')
    return { subject: 'admin', method: 'admin-token' }
  }
}

/** Authentication turned off explicitly (AKKO_AUTH=none): everyone is the anonymous admin. */
export const noAuthenticator: Authenticator = () => ({ subject: 'anonymous', method: 'none' })

// Hashing first gives equal-length inputs to timingSafeEqual, whatever the caller sent.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
