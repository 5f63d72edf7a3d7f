import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Secret } from '../../core/index.js'
import { AUDIT_MAX_DETAILS, AUDIT_MAX_QUERY_TEXT, auditRedact, auditScrubText, auditStorable } from './redact.js'

describe('audit redaction', () => {
  test('free text: form parameters, URL credentials, bearer and basic credentials, JWTs, quoted secrets', () => {
    const cases: Array<[string, string]> = [
      ['grant_type=password&username=a&password=p%40ss&client_id=cli', 'grant_type=password&username=a&password=***&client_id=cli'],
      ['client_secret=abc&refresh_token=def;access_token=ghi, id_token=jkl', 'client_secret=***&refresh_token=***;access_token=***, id_token=***'],
      ['POST /token?code_verifier=v1&client_assertion=a1', 'POST /token?code_verifier=***&client_assertion=***'],
      ['failed (password=hunter2)', 'failed (password=***)'],
      ['postgres://app:pw-1@db:5432/x and s3://k:s@bucket/p', 'postgres://app:***@db:5432/x and s3://k:***@bucket/p'],
      ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer ***'],
      ['header Basic dXNlcjpwdw==', 'header Basic ***'],
      ['token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig_-x here', 'token *** here'],
      ["CREATE USER x WITH PASSWORD 'it''s secret'", "CREATE USER x WITH PASSWORD '***'"],
      ["SELECT * FROM t WHERE api_token = 'abc'", "SELECT * FROM t WHERE api_token = '***'"],
      ['{"user":"a","clientSecret":"xyz","n":1}', '{"user":"a","clientSecret":"***","n":1}'],
      ["SELECT region, count(*) FROM iceberg.banking.transactions WHERE region = 'EU'", "SELECT region, count(*) FROM iceberg.banking.transactions WHERE region = 'EU'"],
      ['login failed for user bob', 'login failed for user bob'],
    ]
    for (const [input, expected] of cases) assert.equal(auditScrubText(input), expected, input)
  })

  test('details: secret-named keys at any depth are masked, Secrets print as ***, other values are kept', () => {
    const out = auditRedact({
      kind: 'admin', actor: 'root', outcome: 'success', action: 'client.create', source: 'api',
      details: { clientId: 'etl', PASSWORD: 'x', sub: { apiKey: 'k', private_key: 'pk', session_cookie: 'c', keep: [1, 'two', { Token: 't' }] }, secret: null, when: new Date(0), s: new Secret('v') },
    })
    assert.deepEqual(out.details, { clientId: 'etl', PASSWORD: '***', sub: { apiKey: '***', private_key: '***', session_cookie: '***', keep: [1, 'two', { Token: '***' }] }, secret: null, when: '1970-01-01T00:00:00.000Z', s: '***' })
  })

  test('bounds: long query text and strings are cut with a note, oversized details are replaced by their size', () => {
    const out = auditRedact({ kind: 'query', actor: 'a', outcome: 'success', action: 'INSERT', source: 'trino', queryText: 'x'.repeat(AUDIT_MAX_QUERY_TEXT + 10), details: { many: Array.from({ length: 40 }, () => 'y'.repeat(2000)) } })
    assert.equal(out.queryText!.length, AUDIT_MAX_QUERY_TEXT + '…[truncated 10 characters]'.length)
    assert.ok(out.queryText!.endsWith('…[truncated 10 characters]'))
    assert.equal(out.details!.truncated, true)
    assert.ok(Number(out.details!.size) > AUDIT_MAX_DETAILS)
    assert.equal(auditStorable('a\u0000b\udc00c\ud83d\ude00'), 'a\uFFFDb\uFFFDc\ud83d\ude00', 'NUL and lone surrogates replaced, pairs kept')
  })

  test('odd input is coerced, never thrown: wrong types, non-finite numbers, non-object details', () => {
    const out = auditRedact({ kind: 'query', actor: 42 as unknown as string, outcome: 'success', action: 'SELECT', source: 'trino', rows: Infinity, durationMs: Number.NaN, tables: 'not-a-list' as unknown as string[], details: ['a'] as unknown as Record<string, unknown> })
    assert.deepEqual(out, { kind: 'query', actor: '42', outcome: 'success', action: 'SELECT', source: 'trino', details: { value: ['a'] } })
  })
})
