/**
 * Outside demo mode there is no default password: the first administrator comes from AKKO_ADMIN_USER /
 * AKKO_ADMIN_PASSWORD, or is `admin` with a random password shown once; a restart on the same home creates
 * nobody, and the demo personas do not exist.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { test } from 'node:test'
import { loadConfig, silentLogger } from '../../src/core/index.js'
import { createPlatform, startServer } from '../../src/platform.js'
import { tmpHome } from '../support/paths.js'

async function passwordGrant(issuer: string, username: string, password: string): Promise<number> {
  const res = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'akko-cli', username, password }),
  })
  return res.status
}

async function start(home: string, extra: Record<string, string> = {}) {
  const env = { AKKO_HOME: home, AKKO_PORT: '0', AKKO_HOST: '127.0.0.1', ...extra }
  const cfg = loadConfig(env, home)
  const platform = await createPlatform(cfg, silentLogger)
  const server = await startServer(platform, cfg, { env })
  return { server, stop: async () => { await server.close(); await platform.close() } }
}

test('a random first administrator is shown once and can sign in; a restart creates nobody; no demo personas', async () => {
  const home = tmpHome('akko-first-admin-')
  try {
    const first = await start(home)
    try {
      assert.equal(first.server.firstAdmin?.username, 'admin')
      const password = first.server.firstAdmin!.password!
      assert.ok(password.length >= 16)
      assert.equal(await passwordGrant(first.server.issuerUrl!, 'admin', password), 200)
      assert.equal(await passwordGrant(first.server.issuerUrl!, 'alice', 'alice123'), 400, 'no demo persona outside demo mode (invalid_grant)')
    } finally {
      await first.stop()
    }
    const again = await start(home)
    try {
      assert.equal(again.server.firstAdmin, undefined)
    } finally {
      await again.stop()
    }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
})

test('AKKO_ADMIN_USER and AKKO_ADMIN_PASSWORD name the first administrator; the password is not echoed', async () => {
  const home = tmpHome('akko-first-admin-')
  try {
    const s = await start(home, { AKKO_ADMIN_USER: 'ops', AKKO_ADMIN_PASSWORD: 'a-long-chosen-secret' })
    try {
      assert.deepEqual(s.server.firstAdmin, { username: 'ops' })
      assert.equal(await passwordGrant(s.server.issuerUrl!, 'ops', 'a-long-chosen-secret'), 200)
    } finally {
      await s.stop()
    }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
})
