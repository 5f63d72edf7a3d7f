/**
 * What identity costs per request: verifying a built-in issuer's access token (RS256) the way every entry point
 * does (the platform authenticator: parse, key lookup, signature, claims), then the access rules of one table for
 * that identity (policy lookup, SELECT check, columns with masks, row filter) — against `jose`'s `jwtVerify` of the
 * same token with the same key set, the reference JavaScript implementation. Each run verifies BATCH tokens; the
 * per-request p50/p99 in µs are reported from the last run.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import { silentLogger } from '../src/core/index.js'
import {
  auditNone, demoRulesPath, identityDemoSeed, identityServiceOpen, rulesLoadFile, rulesPolicyProvider,
} from '../src/govern/index.js'
import { platformAuthenticator } from '../src/serve/index.js'
import { PgliteMetastore } from '../src/storage/index.js'
import type { Scenario } from './scenario.js'

const BATCH = 500

function percentiles(samples: number[]): { p50_us: string; p99_us: string } {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!
  return { p50_us: (at(0.5) * 1000).toFixed(1), p99_us: (at(0.99) * 1000).toFixed(1) }
}

export const tokenVerify: Scenario = {
  name: 'token-verify',
  description: 'access token verification + one table\'s rule evaluation per request, vs jose jwtVerify',
  async load(opts) {
    const dir = mkdtempSync(join(tmpdir(), 'akko-bench-token-'))
    const metastore = await PgliteMetastore.open(join(dir, 'metastore'))
    const baseUrl = 'http://127.0.0.1:8080'
    const issuer = await identityServiceOpen({ metastore, baseUrl, log: silentLogger })
    await identityDemoSeed(issuer.sql, baseUrl)
    const client = await issuer.client('akko-cli', undefined, 'password')
    const { access_token: token } = await issuer.grantPassword(client, 'carol', 'carol123')
    const authenticate = platformAuthenticator({ issuer, audience: 'akko', audit: auditNone, log: silentLogger })
    const policy = rulesPolicyProvider(rulesLoadFile(demoRulesPath()))
    const columns = ['transaction_id', 'ts', 'customer_id', 'customer_name', 'email', 'card_pan', 'amount', 'region']
    const jwks = createLocalJWKSet(issuer.jwks() as unknown as JSONWebKeySet)
    const header = `Bearer ${token}`
    const iterations = opts.quick ? 5 : 30
    return {
      cases: [{
        label: `verify + rules, ${BATCH} requests per run`,
        measure: 'latency',
        warmup: 2,
        iterations,
        baseline: {
          label: 'jose jwtVerify',
          async run() {
            for (let i = 0; i < BATCH; i++) await jwtVerify(token, jwks, { issuer: issuer.issuer, audience: 'akko' })
          },
        },
        async run() {
          const verify: number[] = []
          const rules: number[] = []
          for (let i = 0; i < BATCH; i++) {
            const t0 = performance.now()
            const id = await authenticate(header)
            const t1 = performance.now()
            const p = policy.policyFor({ user: id.subject, groups: id.groups, roles: id.roles })
            await p.checkTable('iceberg', 'banking', 'transactions', 'SELECT')
            await p.columns('iceberg', 'banking', 'transactions', columns)
            await p.rowFilter('iceberg', 'banking', 'transactions')
            rules.push(performance.now() - t1)
            verify.push(t1 - t0)
          }
          const v = percentiles(verify)
          const r = percentiles(rules)
          return { verify_p50_us: v.p50_us, verify_p99_us: v.p99_us, rules_p50_us: r.p50_us, rules_p99_us: r.p99_us }
        },
      }],
      async close() {
        policy.close()
        await metastore.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}
