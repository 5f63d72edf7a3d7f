/**
 * The built-in issuer as real OIDC clients see it, on the running platform: `openid-client` does discovery,
 * client credentials, authorization code with PKCE (driving the login form over HTTP), refresh and userinfo;
 * `jose` verifies the tokens against the published JWKS. Then every entry point (Trino protocol, Iceberg REST,
 * /api) takes those tokens and refuses bad ones with 401 — for the built-in issuer and for an external issuer
 * (a small discovery + JWKS server in this test, signing with jose, standing in for Keycloak or Okta).
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import * as oidc from 'openid-client'
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose'
import { Trino, BasicAuth } from 'trino-client'
import { startTestPlatform, type TestPlatform } from '../support/platform.js'

/** The three kinds of entry point, each answering 401 in its own protocol's shape. */
const ENTRY_POINTS = [
  { name: 'Trino protocol', method: 'POST', path: '/v1/statement', body: 'SELECT 1', headers: { 'X-Trino-User': 'someone' } },
  { name: 'Iceberg REST', method: 'GET', path: '/iceberg/v1/namespaces' },
  { name: '/api', method: 'GET', path: '/api/me' },
] as const

async function callWith(base: string, ep: (typeof ENTRY_POINTS)[number], authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { ...('headers' in ep ? ep.headers : {}) }
  if (authorization) headers.authorization = authorization
  return fetch(base + ep.path, { method: ep.method, headers, ...('body' in ep ? { body: ep.body } : {}) })
}

describe('built-in issuer with openid-client and jose', () => {
  let p: TestPlatform
  let issuer: URL
  before(async () => {
    p = await startTestPlatform({ demo: true })
    issuer = new URL(p.server.issuerUrl!)
  })
  after(() => p.stop())

  const insecure = { execute: [oidc.allowInsecureRequests] }

  test('discovery, then client credentials for the pipelines service account; jose verifies the token with the JWKS', async () => {
    const secret = (await readFile(p.server.pipelinesSecretPath!, 'utf8')).trim()
    const config = await oidc.discovery(issuer, 'akko-pipelines', secret, undefined, insecure)
    assert.equal(config.serverMetadata().issuer, issuer.href)
    const tokens = await oidc.clientCredentialsGrant(config)
    assert.equal(tokens.token_type.toLowerCase(), 'bearer')
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!))
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: issuer.href, audience: 'akko' })
    assert.equal(payload.preferred_username, 'service-account-akko-pipelines')
    assert.ok((payload.realm_access as { roles: string[] }).roles.includes('akko-engineer'))
    // The token works on the platform.
    const me = await fetch(`${p.baseUrl}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    assert.equal(me.status, 200)
    assert.equal(((await me.json()) as { user: string }).user, 'service-account-akko-pipelines')
  })

  test('authorization code with PKCE through the login form, then refresh and userinfo', async () => {
    const config = await oidc.discovery(issuer, 'akko-web', undefined, oidc.None(), insecure)
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const redirectUri = `${new URL(p.baseUrl).origin}/callback`
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid profile email', state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })
    const page = await fetch(authUrl)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /demo/i, 'the login page says it is a demo realm')
    const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&'), authUrl)
    const form = new URLSearchParams([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [m[1]!, m[2]!.replace(/&amp;/g, '&')]))
    // A wrong password shows the form again with an error, and no code.
    const wrong = await fetch(action, { method: 'POST', body: new URLSearchParams([...form, ['username', 'carol'], ['password', 'nope']]), redirect: 'manual' })
    assert.equal(wrong.status, 401)
    const ok = await fetch(action, { method: 'POST', body: new URLSearchParams([...form, ['username', 'carol'], ['password', 'carol123']]), redirect: 'manual' })
    assert.equal(ok.status, 302)
    const callback = new URL(ok.headers.get('location')!)
    assert.equal(callback.origin + callback.pathname, redirectUri)
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })
    assert.ok(tokens.id_token, 'an ID token for the web app')
    const claims = tokens.claims()!
    assert.equal(claims.preferred_username, 'carol')
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
    assert.equal(info.preferred_username, 'carol')
    assert.deepEqual((info.realm_access as { roles: string[] }).roles.sort(), ['akko-analyst', 'akko-user'])
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
    assert.notEqual(refreshed.access_token, tokens.access_token)
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!))
    const { payload } = await jwtVerify(refreshed.access_token, jwks, { issuer: issuer.href, audience: 'akko' })
    assert.equal(payload.preferred_username, 'carol')
    // The code is single use.
    await assert.rejects(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }))
  })

  test('a password-grant token and HTTP basic credentials both work on the Trino protocol, as the token\'s user', async () => {
    const config = await oidc.discovery(issuer, 'akko-cli', undefined, oidc.None(), insecure)
    const tokens = await oidc.genericGrantRequest(config, 'password', { username: 'bob', password: 'bob123', scope: 'openid' })
    const viaToken = Trino.create({ server: p.baseUrl, catalog: 'system', schema: 'runtime', extraHeaders: { Authorization: `Bearer ${tokens.access_token}`, 'X-Trino-User': 'bob' } })
    const rows: unknown[][] = []
    for await (const r of await viaToken.query('SELECT current_user')) rows.push(...(r.data ?? []))
    assert.deepEqual(rows, [['bob']])
    const viaBasic = Trino.create({ server: p.baseUrl, auth: new BasicAuth('dave', 'dave123') })
    const rows2: unknown[][] = []
    for await (const r of await viaBasic.query('SELECT current_user')) rows2.push(...(r.data ?? []))
    assert.deepEqual(rows2, [['dave']])
    const bad = await fetch(`${p.baseUrl}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { authorization: `Basic ${Buffer.from('dave:wrong').toString('base64')}`, 'X-Trino-User': 'dave' } })
    assert.equal(bad.status, 401)
  })

  test('X-Trino-User other than the token\'s user needs an impersonation rule', async () => {
    const config = await oidc.discovery(issuer, 'akko-cli', undefined, oidc.None(), insecure)
    const carol = await oidc.genericGrantRequest(config, 'password', { username: 'carol', password: 'carol123', scope: 'openid' })
    const res = await fetch(`${p.baseUrl}/v1/statement`, { method: 'POST', body: 'SELECT current_user', headers: { authorization: `Bearer ${carol.access_token}`, 'X-Trino-User': 'alice' } })
    assert.equal(res.status, 403)
    assert.match(await res.text(), /cannot impersonate user alice/)
    // alice (akko-admin) may run as carol.
    const alice = await oidc.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice123', scope: 'openid' })
    const client = Trino.create({ server: p.baseUrl, extraHeaders: { Authorization: `Bearer ${alice.access_token}`, 'X-Trino-User': 'carol' } })
    const rows: unknown[][] = []
    for await (const r of await client.query('SELECT current_user')) rows.push(...(r.data ?? []))
    assert.deepEqual(rows, [['carol']])
  })

  test('unknown issuer and tampered signature are refused with 401 on every entry point', async () => {
    const config = await oidc.discovery(issuer, 'akko-cli', undefined, oidc.None(), insecure)
    const good = (await oidc.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice123', scope: 'openid' })).access_token
    const [h, body, sig] = good.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, preferred_username: 'mallory' })).toString('base64url')}.${sig}`
    const { privateKey } = await generateKeyPair('RS256')
    const foreign = await new SignJWT({ ...claims, iss: 'https://evil.example/realms/akko' }).setProtectedHeader({ alg: 'RS256', kid: 'x' }).sign(privateKey)
    const sameIssuerOtherKey = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid }).sign(privateKey)
    for (const ep of ENTRY_POINTS) {
      assert.notEqual((await callWith(p.baseUrl, ep, `Bearer ${good}`)).status, 401, `${ep.name} accepts the good token`)
      for (const [label, token] of [['tampered', tampered], ['unknown issuer', foreign], ['forged with another key', sameIssuerOtherKey], ['garbage', 'abc.def.ghi']] as const) {
        const res = await callWith(p.baseUrl, ep, `Bearer ${token}`)
        assert.equal(res.status, 401, `${ep.name}: ${label}`)
      }
      assert.equal((await callWith(p.baseUrl, ep)).status, 401, `${ep.name}: no credentials`)
    }
  })
})

describe('external issuer (AKKO_OIDC_ISSUER): tokens verified via discovery and JWKS, none issued here', () => {
  let p: TestPlatform
  let idp: Server
  let idpUrl: string
  let sign: (claims: Record<string, unknown>, opts?: { kid?: string; key?: Parameters<SignJWT['sign']>[0] }) => Promise<string>

  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    idp = createServer((req, res) => {
      const body = req.url === '/realms/corp/.well-known/openid-configuration'
        ? { issuer: `${idpUrl}/realms/corp`, jwks_uri: `${idpUrl}/realms/corp/protocol/openid-connect/certs` }
        : req.url === '/realms/corp/protocol/openid-connect/certs' ? { keys: [jwk] } : undefined
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}))
    })
    await new Promise<void>(r => idp.listen(0, '127.0.0.1', r))
    idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`
    sign = (claims, o = {}) =>
      new SignJWT({ iss: `${idpUrl}/realms/corp`, aud: 'akko', sub: 'u-1', preferred_username: 'frank', realm_access: { roles: ['akko-analyst'] }, exp: Math.floor(Date.now() / 1000) + 300, iat: Math.floor(Date.now() / 1000), ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1' })
        .sign(o.key ?? privateKey)
    p = await startTestPlatform({ env: { AKKO_OIDC_ISSUER: `${idpUrl}/realms/corp` } })
  })
  after(async () => {
    await p.stop()
    await new Promise(r => idp.close(r))
  })

  test('the platform does not issue tokens itself', async () => {
    assert.equal(p.server.issuerUrl, undefined)
    assert.equal((await fetch(`${p.baseUrl}/realms/akko/.well-known/openid-configuration`)).status, 401)
  })

  test('a good token is accepted everywhere with the roles from its claims', async () => {
    const good = await sign({})
    for (const ep of ENTRY_POINTS) assert.notEqual((await callWith(p.baseUrl, ep, `Bearer ${good}`)).status, 401, ep.name)
    const me = (await (await fetch(`${p.baseUrl}/api/me`, { headers: { authorization: `Bearer ${good}` } })).json()) as { user: string; roles: string[] }
    assert.equal(me.user, 'frank')
    assert.deepEqual(me.roles, ['akko-analyst'])
  })

  test('unknown issuer, expired, wrong audience and tampered signature: 401 on every entry point', async () => {
    const { privateKey: other } = await generateKeyPair('RS256')
    const good = await sign({})
    const [h, b] = good.split('.') as [string, string]
    const cases: Array<[string, string]> = [
      ['unknown issuer', await sign({ iss: 'https://elsewhere.example/realms/corp' })],
      ['expired', await sign({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 3900 })],
      ['wrong audience', await sign({ aud: 'some-other-api' })],
      ['tampered signature', `${h}.${b}.${Buffer.from('not the signature').toString('base64url')}`],
      ['signed by a key not in the JWKS', await sign({}, { key: other, kid: 'k1' })],
    ]
    for (const ep of ENTRY_POINTS) {
      for (const [label, token] of cases) assert.equal((await callWith(p.baseUrl, ep, `Bearer ${token}`)).status, 401, `${ep.name}: ${label}`)
    }
    // HTTP basic means nothing without a realm here.
    assert.equal((await callWith(p.baseUrl, ENTRY_POINTS[0], `Basic ${Buffer.from('frank:pw').toString('base64')}`)).status, 401)
  })
})
