import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { commandRun, type CliIo } from '../../src/cli/command.js'
import { audit } from '../../src/cli/commands/audit.js'
import { AKKO } from '../../src/cli/commands/index.js'
import { configForDisplay, loadConfig, silentLogger } from '../../src/core/index.js'
import { auditTrailOpen, type AuditEvent } from '../../src/govern/index.js'
import { PgliteMetastore } from '../../src/storage/index.js'
import { tmpHome } from '../support/paths.js'

/** Runs `akko audit …` in-process with captured output, as main.ts would. */
async function akkoAudit(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: tmpHome('akko-audit-cli-cwd-'),
    waitForShutdown: () => new Promise(() => {}),
  }
  const code = await commandRun(audit, argv, io, ['akko', 'audit'])
  return { code, stdout, stderr }
}

describe('akko audit', () => {
  const home = tmpHome('akko-audit-cli-')
  const day = '2020-01-01'

  before(async () => {
    // What a running platform would have recorded, in the home's embedded metastore.
    const metastore = await PgliteMetastore.open(join(home, 'metastore'))
    const trail = await auditTrailOpen({ metastore, log: silentLogger })
    trail.record({ kind: 'authentication', actor: 'alice', outcome: 'success', action: 'token', source: 'oidc', details: { grant: 'password', password: 'pw-alice' } })
    trail.record({ kind: 'query', actor: 'alice', outcome: 'success', action: 'SELECT', source: 'trino', queryText: 'SELECT region,\n  count(*)\nFROM iceberg.banking.transactions GROUP BY 1', tables: ['iceberg.banking.transactions'], rows: 4 })
    trail.record({ kind: 'denial', actor: 'dave', runAs: 'eve', outcome: 'denied', action: 'SELECT', source: 'trino', queryText: 'SELECT * FROM iceberg.banking.customers', error: { code: 'PERMISSION_DENIED', message: 'Access Denied' } })
    trail.record({ kind: 'admin', actor: 'root', outcome: 'success', action: 'user.create', source: 'api' })
    await trail.close()
    await metastore.close()
  })

  test('export writes JSON lines to stdout, filtered by kind, actor and time', async () => {
    const all = await akkoAudit(['export', '--home', home])
    assert.equal(all.code, 0, all.stderr)
    const events = all.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEvent)
    assert.deepEqual(events.map((e) => [e.id, e.kind, e.actor]), [[1, 'authentication', 'alice'], [2, 'query', 'alice'], [3, 'denial', 'dave'], [4, 'admin', 'root']])
    assert.ok(!all.stdout.includes('pw-alice'), 'secrets were never stored')

    const some = await akkoAudit(['export', '--home', home, '--actor', 'alice', '--kind', 'query', '--since', day, '--until', '2999-01-01T00:00:00Z'])
    assert.equal(some.code, 0, some.stderr)
    assert.deepEqual(some.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as AuditEvent).id), [2])
  })

  test('export --output writes a file and says how many events; tail shows the latest as a table or JSON', async () => {
    const file = join(tmpHome('akko-audit-out-'), 'audit.jsonl')
    const r = await akkoAudit(['export', '--home', home, '--kind', 'denial', '-o', file])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /Exported 1 audit event to .*audit\.jsonl/)
    const line = JSON.parse((await readFile(file, 'utf8')).trimEnd()) as AuditEvent
    assert.deepEqual([line.actor, line.runAs, line.error?.code], ['dave', 'eve', 'PERMISSION_DENIED'])

    const tail = await akkoAudit(['tail', '--home', home, '--limit', '3'])
    assert.equal(tail.code, 0, tail.stderr)
    const rows = tail.stdout.trimEnd().split('\n')
    assert.match(rows[0]!, /^id\s+time\s+kind\s+actor\s+outcome\s+action\s+what$/)
    assert.equal(rows.length, 5, 'header, rule, the 3 newest events')
    assert.match(rows[2]!, /^ *2 .* query +alice +success +SELECT +SELECT region, count\(\*\) FROM iceberg\.banking\.transactions GROUP BY 1$/)
    assert.match(rows[3]!, /^ *3 .* denial +dave as eve +denied +SELECT +SELECT \* FROM iceberg\.banking\.customers PERMISSION_DENIED$/)
    assert.match(rows[4]!, /^ *4 .* admin +root/)

    const json = await akkoAudit(['tail', '--home', home, '-n', '1', '--actor', 'alice', '--format', 'json'])
    assert.equal(json.code, 0, json.stderr)
    assert.deepEqual((JSON.parse(json.stdout) as AuditEvent[]).map((e) => e.id), [2])
  })

  test('bad options are usage errors (exit 2) before anything is opened; the command is registered', async () => {
    for (const argv of [['export', '--kind', 'bogus'], ['export', '--since', 'last tuesday'], ['tail', '--limit', '0'], ['tail', '--format', 'xml']]) {
      const r = await akkoAudit([...argv, '--home', join(home, 'does-not-matter')])
      assert.equal(r.code, 2, argv.join(' '))
      assert.match(r.stderr, /error \[INVALID_ARGUMENT\]/)
    }
    assert.equal(AKKO.subcommands?.get('audit'), audit)
  })

  test('configuration: the sink and retention from akko.yaml or AKKO_AUDIT_*, the token hidden by akko config', () => {
    const cwd = tmpHome('akko-audit-cfg-')
    const cfg = loadConfig({ AKKO_HOME: cwd, AKKO_AUDIT_SINK_URL: 'https://siem.example/ingest?src=akko', AKKO_AUDIT_SINK_TOKEN: 'sink-secret-1', AKKO_AUDIT_RETENTION_DAYS: '90' }, cwd)
    assert.equal(cfg.audit.sinkUrl, 'https://siem.example/ingest?src=akko')
    assert.equal(cfg.audit.sinkToken?.reveal(), 'sink-secret-1')
    assert.equal(cfg.audit.retentionDays, 90)
    const shown = JSON.stringify(configForDisplay(cfg))
    assert.ok(!shown.includes('sink-secret-1'))
    assert.deepEqual(configForDisplay(cfg).audit, { sinkUrl: 'https://siem.example/ingest?src=akko', sinkToken: '***', retentionDays: 90 })
    assert.deepEqual(loadConfig({ AKKO_HOME: cwd }, cwd).audit, {})
    writeFileSync(join(cwd, 'akko.yaml'), 'audit:\n  sinkUrl: http://127.0.0.1:9000/audit\n  retentionDays: 30\n')
    assert.deepEqual(loadConfig({ AKKO_HOME: cwd }, cwd).audit, { sinkUrl: 'http://127.0.0.1:9000/audit', retentionDays: 30 })
    assert.equal(loadConfig({ AKKO_HOME: cwd, AKKO_AUDIT_RETENTION_DAYS: '7' }, cwd).audit.retentionDays, 7, 'the environment overrides the file')
    assert.throws(() => loadConfig({ AKKO_HOME: cwd, AKKO_AUDIT_SINK_URL: 'https://u:pw@siem.example/in', AKKO_AUDIT_RETENTION_DAYS: '-1' }, cwd), (e: Error) =>
      /audit\.sinkUrl must not carry credentials/.test(e.message) && /audit\.retentionDays must be a positive number/.test(e.message) && !e.message.includes('pw@'))
  })
})
