import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { silentLogger } from '../../core/index.js'
import { PgliteMetastore } from '../../storage/index.js'
import { tmpHome } from '../../../test/support/paths.js'
import { clientFind } from './client-store.js'
import { identityServiceOpen, type IdentityService } from './identity-service.js'
import { identityAdminEnsure } from './realm-seed.js'
import { userCreate, userEnabledSet, userPasswordSet } from './realm-store.js'

let metastore: PgliteMetastore
let issuer: IdentityService

before(async () => {
  metastore = await PgliteMetastore.open(tmpHome('akko-identity-'))
  issuer = await identityServiceOpen({ metastore, baseUrl: 'http://localhost:8080', log: silentLogger, lockout: { maxFailures: 3, seconds: 60 } })
})
after(() => metastore.close())

describe('identity service', () => {
  test('the first admin comes from AKKO_ADMIN_USER/PASSWORD, once', async () => {
    const r = await identityAdminEnsure(metastore.sql, 'http://localhost:8080', { AKKO_ADMIN_USER: 'root', AKKO_ADMIN_PASSWORD: 'pw-root-1' })
    assert.deepEqual(r, { created: { username: 'root' } })
    assert.deepEqual(await identityAdminEnsure(metastore.sql, 'http://localhost:8080', {}), {})
    assert.deepEqual((await issuer.login('root', 'pw-root-1')).roles, ['akko-admin', 'akko-user'])
  })

  test('lockout after N failures refuses even the right password; a reset unlocks', async () => {
    await userCreate(metastore.sql, { username: 'mallory', password: 'right-one' })
    for (let i = 0; i < 3; i++) await assert.rejects(issuer.login('mallory', 'wrong'), /Invalid user name or password/)
    await assert.rejects(issuer.login('mallory', 'right-one'), /temporarily locked/)
    await userPasswordSet(metastore.sql, 'mallory', 'new-one')
    assert.equal((await issuer.login('mallory', 'new-one')).username, 'mallory')
  })

  test('a disabled user cannot sign in and an unknown user gets the same message as a wrong password', async () => {
    await userCreate(metastore.sql, { username: 'trent', password: 'pw-trent' })
    await userEnabledSet(metastore.sql, 'trent', false)
    await assert.rejects(issuer.login('trent', 'pw-trent'), /disabled/)
    await assert.rejects(issuer.login('nobody', 'x'), /Invalid user name or password/)
  })

  test('the password grant can be disabled', async () => {
    const off = await identityServiceOpen({ metastore, baseUrl: 'http://localhost:8080', log: silentLogger, passwordGrant: false })
    const cli = (await clientFind(metastore.sql, 'akko-cli'))!
    await assert.rejects(off.grantPassword(cli, 'root', 'pw-root-1'), (e: { details: { oauthError?: string } }) => e.details.oauthError === 'unsupported_grant_type')
    const token = (await issuer.grantPassword(cli, 'root', 'pw-root-1')).access_token
    assert.equal(issuer.verifyAccessToken(token, 'akko').user, 'root')
  })
})
