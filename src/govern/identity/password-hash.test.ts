import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { accessTokenClaims, identityFromClaims, pkceMatches } from './claims.js'
import { passwordHash, passwordVerify } from './password-hash.js'
import type { UserRecord } from './realm-store.js'

describe('password hashing', () => {
  test('scrypt hash records its parameters, salts each hash and verifies only the right password', async () => {
    const a = await passwordHash('s3cret!')
    const b = await passwordHash('s3cret!')
    assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    assert.notEqual(a, b)
    assert.equal(await passwordVerify('s3cret!', a), true)
    assert.equal(await passwordVerify('s3cret?', a), false)
    assert.equal(await passwordVerify('s3cret!', 'plain-text'), false)
    await assert.rejects(passwordHash(''), { code: 'INVALID_ARGUMENT' })
  })
})

describe('PKCE S256', () => {
  test('accepts the verifier of the challenge (RFC 7636 appendix B) and nothing else', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    assert.equal(pkceMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), true)
    assert.equal(pkceMatches(verifier.slice(1) + 'A', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), false)
    const short = 'abc'
    assert.equal(pkceMatches(short, createHash('sha256').update(short).digest('base64url')), false, 'verifiers under 43 characters are refused')
  })
})

describe('token claims', () => {
  const user: UserRecord = { id: 'u-1', username: 'carol', email: 'carol@x', enabled: true, lockedUntil: null, serviceClient: null, roles: ['akko-analyst', 'akko-user'], groups: ['finance'] }
  test('access token claims have Keycloak shapes and map back to the identity', () => {
    const c = accessTokenClaims({ issuer: 'http://h/realms/akko', user, clientId: 'akko-web', scope: 'openid', sessionId: 's', ttlSeconds: 300, now: 1_000_000 })
    assert.equal(c.exp, 1000 + 300)
    assert.equal(c.typ, 'Bearer')
    assert.deepEqual(c.aud, ['akko-web', 'akko'])
    assert.deepEqual(c.groups, ['/finance'])
    assert.deepEqual(c.realm_access, { roles: ['akko-analyst', 'akko-user'] })
    assert.deepEqual(c.resource_access, { 'akko-web': { roles: ['akko-analyst', 'akko-user'] } })
    const id = identityFromClaims(c)
    assert.equal(id.user, 'carol')
    assert.equal(id.clientId, 'akko-web')
    assert.deepEqual(id.groups, ['finance'])
    assert.deepEqual(id.roles, ['akko-analyst', 'akko-user'])
  })
  test('roles come from configurable claims (an Entra-style `roles` array)', () => {
    const id = identityFromClaims({ sub: 'x', roles: ['reader'], realm_access: { roles: ['ignored'] } }, ['roles'])
    assert.deepEqual(id.roles, ['reader'])
    assert.equal(id.user, 'x')
  })
})
