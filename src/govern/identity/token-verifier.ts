import type { JsonWebKey } from 'node:crypto'
import { AkkoError } from '../../core/index.js'
import { DEFAULT_ROLE_CLAIMS, identityFromClaims, type Identity } from './claims.js'
import { jwtClaimsCheck, jwtDecode, jwtSignatureValid, invalidToken } from './jwt.js'

export interface TokenVerifierOptions {
  /** The issuer (`iss`, exactly); discovery is `${issuer}/.well-known/openid-configuration`. */
  readonly issuer?: string
  /** An explicit discovery document URL; its `issuer` field then becomes the trusted issuer. */
  readonly discoveryUrl?: string
  readonly audience?: string
  /** Dotted claim paths holding roles; `{client}` is replaced by the token's azp. */
  readonly roleClaims?: readonly string[]
  /** Seconds a fetched JWKS is trusted before refetching (an unknown kid refetches at most every 30 s). */
  readonly jwksCacheSeconds?: number
  readonly fetch?: typeof fetch
}

/** Verifies bearer tokens of one issuer. */
export interface TokenVerifier {
  verify(token: string): Promise<Identity>
}

/**
 * A verifier for an external issuer (Keycloak realm, Entra ID, Okta…) via discovery and its JWKS, cached
 * and refetched when a token names a key id not seen yet (key rotation). Every failure is UNAUTHENTICATED.
 */
export function tokenVerifier(o: TokenVerifierOptions): TokenVerifier {
  if (!o.issuer && !o.discoveryUrl) throw new AkkoError('INVALID_CONFIG', 'An OIDC verifier needs an issuer URL or a discovery URL')
  const doFetch = o.fetch ?? fetch
  const ttl = (o.jwksCacheSeconds ?? 600) * 1000
  let meta: Promise<{ issuer: string; jwksUri: string }> | undefined
  let keys: { at: number; byKid: Map<string, JsonWebKey>; all: JsonWebKey[] } | undefined

  const discover = (): Promise<{ issuer: string; jwksUri: string }> => (meta ??= (async () => {
    const url = o.discoveryUrl ?? `${o.issuer!.replace(/\/+$/, '')}/.well-known/openid-configuration`
    const doc = (await getJson(doFetch, url)) as { issuer?: unknown; jwks_uri?: unknown }
    if (typeof doc.issuer !== 'string' || typeof doc.jwks_uri !== 'string') throw new AkkoError('INVALID_CONFIG', `The discovery document at ${url} lacks issuer or jwks_uri`)
    if (o.issuer && doc.issuer !== o.issuer) throw new AkkoError('INVALID_CONFIG', `The discovery document names issuer ${doc.issuer}, not the configured ${o.issuer}`)
    return { issuer: doc.issuer, jwksUri: doc.jwks_uri }
  })().catch(e => { meta = undefined; throw e }))

  const loadKeys = async (): Promise<NonNullable<typeof keys>> => {
    const { jwksUri } = await discover()
    const doc = (await getJson(doFetch, jwksUri)) as { keys?: unknown }
    const all = (Array.isArray(doc.keys) ? doc.keys : []).filter((k): k is JsonWebKey & { kid?: string } => !!k && typeof k === 'object' && (k as JsonWebKey).kty === 'RSA')
    keys = { at: Date.now(), all, byKid: new Map(all.filter(k => typeof k.kid === 'string').map(k => [k.kid!, k])) }
    return keys
  }

  const keyFor = async (kid: unknown): Promise<JsonWebKey[]> => {
    let k = keys && Date.now() - keys.at < ttl ? keys : await loadKeys()
    if (typeof kid !== 'string') return k.all
    if (!k.byKid.has(kid) && Date.now() - k.at > 30_000) k = await loadKeys()
    const found = k.byKid.get(kid)
    return found ? [found] : []
  }

  return {
    async verify(token: string): Promise<Identity> {
      const parts = jwtDecode(token)
      let issuer: string
      try {
        issuer = (await discover()).issuer
      } catch (e) {
        throw new AkkoError('UNAUTHENTICATED', `Cannot verify the token: the issuer's discovery document is unavailable (${(e as Error).message})`, { oauthError: 'invalid_token' })
      }
      if (parts.claims.iss !== issuer) throw invalidToken(`The token was issued by ${JSON.stringify(parts.claims.iss)}, not by the trusted issuer ${issuer}`)
      const candidates = await keyFor(parts.header.kid)
      if (!candidates.some(k => jwtSignatureValid(parts, k))) throw invalidToken('The token signature is not valid')
      jwtClaimsCheck(parts.claims, o.audience === undefined ? { issuer } : { issuer, audience: o.audience })
      return identityFromClaims(parts.claims, o.roleClaims ?? DEFAULT_ROLE_CLAIMS)
    },
  }
}

async function getJson(doFetch: typeof fetch, url: string): Promise<unknown> {
  const res = await doFetch(url, { headers: { accept: 'application/json' } })
  if (!res.ok) throw new AkkoError('UNAUTHENTICATED', `GET ${url} answered HTTP ${res.status}`)
  return res.json()
}
