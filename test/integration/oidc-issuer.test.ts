/**
 * The built-in OIDC issuer over real HTTP. `openid-client` and `jose` are not installed in this
 * repository, so the relying party is played with fetch and node:crypto, following what openid-client
 * requires of an issuer (protocols.md §6.4): discovery, client credentials, authorization code with PKCE
 * (driving the login form), refresh, userinfo, and verification against the published JWKS.
 */
import assert from 'node:assert/strict'
import { createHash, createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { Hono } from 'hono'
import { silentLogger } from '../../src/core/index.js'
import { identityDemoSeed, identityServiceOpen, jwtSign, tokenVerifier, type IdentityService } from '../../src/govern/index.js'
import { httpAppCreate, httpServerStart, bearerTokenAuthenticator, type RunningServer } from '../../src/serve/http/index.js'
import { oidcMount } from '../../src/serve/oidc/index.js'
import { PgliteMetastore } from '../../src/storage/index.js'
import { Secret } from '../../src/core/index.js'
import { tmpHome } from '../support/paths.js'

let server: RunningServer
let metastore: PgliteMetastore
let issuer: IdentityService
let pipelinesSecret: string
let base: string

const form = (o: Record<string, string>): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() })
const b64json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

/** Verifies an RS256 JWT against the JWKS the issuer publishes, as any relying party would. */
async function verifyWithJwks(token: string): Promise<Record<string, unknown>> {
  const [h, p, s] = token.split('.') as [string, string, string]
  const header = b64json(h)
  const jwks = (await (await fetch(`${base}/realms/akko/protocol/openid-connect/certs`)).json()) as { keys: Array<Record<string, string>> }
  const jwk = jwks.keys.find(k => k.kid === header.kid)
  assert.ok(jwk, 'the token kid is published in the JWKS')
  assert.equal(header.alg, 'RS256')
  const key = createPublicKey({ key: jwk as never, format: 'jwk' })
  assert.ok(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(key, Buffer.from(s, 'base64url')), 'signature verifies')
  return b64json(p)
}

before(async () => {
  metastore = await PgliteMetastore.open(tmpHome('akko-oidc-'))
  let inner: Hono | undefined
  const outer = new Hono()
  outer.all('*', c => inner!.fetch(c.req.raw))
  server = await httpServerStart(outer, { host: '127.0.0.1', port: 0 })
  base = server.url
  issuer = await identityServiceOpen({ metastore, baseUrl: base, log: silentLogger })
  pipelinesSecret = (await identityDemoSeed(metastore.sql, base)).pipelinesSecret!.reveal()
  // The platform authenticator here is the admin token: the issuer's routes must not need it.
  inner = httpAppCreate({ authenticate: bearerTokenAuthenticator(new Secret('admin-only')), log: silentLogger, mounts: [oidcMount({ issuer, log: silentLogger, demo: true })] }) as unknown as Hono
})
after(async () => {
  await server.close()
  await metastore.close()
})

describe('built-in OIDC issuer over HTTP', () => {
  test('discovery names the issuer exactly and Keycloak endpoint paths', async () => {
    const res = await fetch(`${base}/realms/akko/.well-known/openid-configuration`)
    assert.equal(res.status, 200)
    const doc = (await res.json()) as Record<string, unknown>
    assert.equal(doc.issuer, `${base}/realms/akko`)
    assert.equal(doc.token_endpoint, `${base}/realms/akko/protocol/openid-connect/token`)
    assert.equal(doc.jwks_uri, `${base}/realms/akko/protocol/openid-connect/certs`)
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256'])
    assert.ok((doc.token_endpoint_auth_methods_supported as string[]).includes('client_secret_post'))
  })

  test('client credentials: a service-account token with Keycloak claims, verifiable with the JWKS', async () => {
    const basic = 'Basic ' + Buffer.from(`akko-pipelines:${pipelinesSecret}`).toString('base64')
    const res = await fetch(`${base}/realms/akko/protocol/openid-connect/token`, { ...form({ grant_type: 'client_credentials' }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const body = (await res.json()) as Record<string, unknown>
    assert.equal(body.token_type, 'Bearer')
    assert.equal(body.expires_in, 300)
    assert.equal(body.refresh_token, undefined)
    const claims = await verifyWithJwks(body.access_token as string)
    assert.equal(claims.iss, `${base}/realms/akko`)
    assert.equal(claims.preferred_username, 'service-account-akko-pipelines')
    assert.equal(claims.azp, 'akko-pipelines')
    assert.deepEqual((claims.realm_access as { roles: string[] }).roles, ['akko-engineer', 'akko-user'])

    const bad = await fetch(`${base}/realms/akko/protocol/openid-connect/token`, form({ grant_type: 'client_credentials', client_id: 'akko-pipelines', client_secret: 'wrong' }))
    assert.equal(bad.status, 401)
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_client')
  })

  test('authorization code with PKCE through the login form, then refresh and userinfo', async () => {
    const verifier = randomBytes(32).toString('base64url')
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    const redirect = `${new URL(base).origin}/callback`
    const q = new URLSearchParams({ response_type: 'code', client_id: 'akko-web', redirect_uri: redirect, scope: 'openid profile email', state: 'st-1', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256' })
    const page = await fetch(`${base}/realms/akko/protocol/openid-connect/auth?${q}`)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /<label for="username">/)
    assert.match(html, /Demo realm/)
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!
    const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(m => [m[1]!, m[2]!.replace(/&amp;/g, '&')]))

    const wrong = await fetch(new URL(action, base), { ...form({ ...hidden, username: 'carol', password: 'nope' }), redirect: 'manual' })
    assert.equal(wrong.status, 401)
    assert.match(await wrong.text(), /role="alert"[^>]*>Invalid user name or password/)

    const ok = await fetch(new URL(action, base), { ...form({ ...hidden, username: 'carol', password: 'carol123' }), redirect: 'manual' })
    assert.equal(ok.status, 302)
    const loc = new URL(ok.headers.get('location')!)
    assert.equal(loc.origin + loc.pathname, redirect)
    assert.equal(loc.searchParams.get('state'), 'st-1')
    assert.equal(loc.searchParams.get('iss'), `${base}/realms/akko`)
    const code = loc.searchParams.get('code')!

    const tokenUrl = `${base}/realms/akko/protocol/openid-connect/token`
    const badPkce = await fetch(tokenUrl, form({ grant_type: 'authorization_code', client_id: 'akko-web', code, redirect_uri: redirect, code_verifier: randomBytes(32).toString('base64url') }))
    assert.equal(badPkce.status, 400)
    assert.equal(((await badPkce.json()) as { error: string }).error, 'invalid_grant')
    // The failed attempt spent the code: codes are single-use. Sign in again for a fresh one.
    const spent = await fetch(tokenUrl, form({ grant_type: 'authorization_code', client_id: 'akko-web', code, redirect_uri: redirect, code_verifier: verifier }))
    assert.equal(spent.status, 400)
    const again = await fetch(new URL(action, base), { ...form({ ...hidden, username: 'carol', password: 'carol123' }), redirect: 'manual' })
    const code2 = new URL(again.headers.get('location')!).searchParams.get('code')!
    const res = await fetch(tokenUrl, form({ grant_type: 'authorization_code', client_id: 'akko-web', code: code2, redirect_uri: redirect, code_verifier: verifier }))
    assert.equal(res.status, 200)
    const tokens = (await res.json()) as Record<string, string>
    const access = await verifyWithJwks(tokens.access_token!)
    assert.equal(access.preferred_username, 'carol')
    assert.equal(access.email, 'carol@demo.akko.local')
    assert.deepEqual((access.realm_access as { roles: string[] }).roles, ['akko-analyst', 'akko-user'])
    assert.deepEqual((access.resource_access as Record<string, { roles: string[] }>)['akko-web']!.roles, ['akko-analyst', 'akko-user'])
    const id = await verifyWithJwks(tokens.id_token!)
    assert.equal(id.aud, 'akko-web')
    assert.equal(id.nonce, 'n-1')
    assert.equal(id.sub, access.sub)

    const info = await fetch(`${base}/realms/akko/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    assert.equal(info.status, 200)
    const user = (await info.json()) as Record<string, unknown>
    assert.equal(user.sub, access.sub)
    assert.equal(user.preferred_username, 'carol')

    const refreshed = await fetch(tokenUrl, form({ grant_type: 'refresh_token', client_id: 'akko-web', refresh_token: tokens.refresh_token! }))
    assert.equal(refreshed.status, 200)
    const next = (await refreshed.json()) as Record<string, string>
    assert.notEqual(next.refresh_token, tokens.refresh_token)
    assert.equal((await verifyWithJwks(next.access_token!)).preferred_username, 'carol')
    // Rotation: the old refresh token is spent, and replaying it ends the session (the new one dies too).
    const replay = await fetch(tokenUrl, form({ grant_type: 'refresh_token', client_id: 'akko-web', refresh_token: tokens.refresh_token! }))
    assert.equal(replay.status, 400)
    const afterReplay = await fetch(tokenUrl, form({ grant_type: 'refresh_token', client_id: 'akko-web', refresh_token: next.refresh_token! }))
    assert.equal(afterReplay.status, 400)
  })

  test('an unregistered redirect URI gets an error page, never a redirect', async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: 'akko-web', redirect_uri: 'https://evil.example/cb', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })
    const res = await fetch(`${base}/realms/akko/protocol/openid-connect/auth?${q}`, { redirect: 'manual' })
    assert.equal(res.status, 400)
    assert.match(await res.text(), /redirect_uri is not registered/)
  })

  test('password grant for akko-cli', async () => {
    const res = await fetch(`${base}/realms/akko/protocol/openid-connect/token`, form({ grant_type: 'password', client_id: 'akko-cli', username: 'alice', password: 'alice123' }))
    assert.equal(res.status, 200)
    const claims = await verifyWithJwks(((await res.json()) as { access_token: string }).access_token)
    assert.deepEqual((claims.realm_access as { roles: string[] }).roles, ['akko-admin', 'akko-user'])
  })
})

describe('token verification against the issuer', () => {
  const password = async (): Promise<string> => {
    const res = await fetch(`${base}/realms/akko/protocol/openid-connect/token`, form({ grant_type: 'password', client_id: 'akko-cli', username: 'bob', password: 'bob123' }))
    return ((await res.json()) as { access_token: string }).access_token
  }

  test('the external-issuer verifier accepts a good token via discovery and JWKS', async () => {
    const v = tokenVerifier({ issuer: `${base}/realms/akko`, audience: 'akko' })
    const id = await v.verify(await password())
    assert.equal(id.user, 'bob')
    assert.equal(id.clientId, 'akko-cli')
    assert.deepEqual(id.roles, ['akko-engineer', 'akko-user'])
  })

  test('unknown issuer, expired, wrong audience and tampered signature are each UNAUTHENTICATED', async () => {
    const v = tokenVerifier({ issuer: `${base}/realms/akko`, audience: 'akko' })
    const good = await password()
    const [h, p, s] = good.split('.') as [string, string, string]
    const claims = b64json(p)
    const reject = async (token: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(v.verify(token), (e: { code?: string; message: string }) => e.code === 'UNAUTHENTICATED' && pattern.test(e.message))
      assert.throws(() => issuer.verifyAccessToken(token, 'akko'), (e: { code?: string }) => e.code === 'UNAUTHENTICATED')
      const info = await fetch(`${base}/realms/akko/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(info.status, 401)
      assert.match(info.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
    }
    // Another issuer signing with its own key, even naming our kid.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const foreign = { kid: String(b64json(h).kid), privateKey, publicJwk: {} as never }
    await reject(jwtSign({ ...claims, iss: 'https://elsewhere.example/realms/akko' }, foreign), /not by the trusted issuer/)
    await reject(jwtSign(claims, foreign), /signature/)
    await reject(`${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`, /signature/)
    const tampered = Buffer.from(JSON.stringify({ ...claims, preferred_username: 'alice' })).toString('base64url')
    await reject(`${h}.${tampered}.${s}`, /signature/)
    // Expired and wrong audience need a correctly signed token: mint one with a short-lived issuer.
    const short = await identityServiceOpen({ metastore, baseUrl: base, log: silentLogger, accessTtlSeconds: -120 })
    const expired = ((await (await import('../../src/govern/index.js')).clientFind(metastore.sql, 'akko-cli'))!)
    await reject((await short.grantPassword(expired, 'bob', 'bob123')).access_token, /expired/)
    await assert.rejects(tokenVerifier({ issuer: `${base}/realms/akko`, audience: 'trino' }).verify(good), (e: { code?: string; message: string }) => e.code === 'UNAUTHENTICATED' && /audience/.test(e.message))
    assert.throws(() => issuer.verifyAccessToken(good, 'trino'), /audience/)
  })

  test('key rotation keeps old tokens valid and signs new ones with the new key', async () => {
    const old = await password()
    const kid = await issuer.rotateKeys()
    const jwks = (await (await fetch(`${base}/realms/akko/protocol/openid-connect/certs`)).json()) as { keys: Array<{ kid: string }> }
    assert.equal(jwks.keys.length, 2)
    assert.equal(jwks.keys[0]!.kid, kid)
    assert.equal(issuer.verifyAccessToken(old).user, 'bob')
    const fresh = await password()
    assert.equal(b64json(fresh.split('.')[0]!).kid, kid)
    assert.equal((await tokenVerifier({ issuer: `${base}/realms/akko`, jwksCacheSeconds: 0 }).verify(fresh)).user, 'bob')
  })
})
