import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { commandRun, type CliIo } from '../../src/cli/command.js'
import { rules } from '../../src/cli/commands/rules.js'
import { tmpHome } from '../support/paths.js'

/** Runs `akko rules …` in-process with captured output, as main.ts would. */
async function akkoRules(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: tmpHome('akko-rules-cli-'),
    waitForShutdown: () => new Promise(() => {}),
  }
  const code = await commandRun(rules, argv, io, ['akko', 'rules'])
  return { code, stdout, stderr }
}

describe('akko rules', () => {
  test('check accepts the demo rules and reports every problem of a bad file with exit 1', async () => {
    const ok = await akkoRules(['check'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /demo-rules\.json: ok \(4 catalogs rules, 2 schemas rules, \d+ tables rules/)

    const file = join(tmpHome('akko-rules-'), 'bad.json')
    writeFileSync(file, JSON.stringify({ catalogs: [{ allow: 'maybe' }], tables: [{ privileges: ['SELECT'], columns: [{ name: 'x', mask: "'oops" }] }] }))
    const bad = await akkoRules(['check', file])
    assert.equal(bad.code, 1)
    assert.match(bad.stdout, /2 problems/)
    assert.match(bad.stdout, /^ {2}\$\.catalogs\[0\]\.allow: must be "all", "read-only" or "none", got "maybe"$/m)
    assert.match(bad.stdout, /^ {2}\$\.tables\[0\]\.columns\[0\]\.mask: unterminated string literal/m)

    const json = await akkoRules(['check', file, '--format', 'json'])
    assert.equal(json.code, 1)
    assert.equal(JSON.parse(json.stdout).problems.length, 2)

    const viaEnv = await akkoRules(['check'], { AKKO_RULES_FILE: file })
    assert.equal(viaEnv.code, 1)
  })

  test('explain shows the matching rule, privileges, masks and filter for a persona', async () => {
    const r = await akkoRules(['explain', '--user', 'carol', '--role', 'akko-analyst', '--table', 'iceberg.banking.customers', '--columns', 'customer_id,customer_name,region'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /catalog access: read-only by \$\.catalogs\[1\]/)
    assert.match(r.stdout, /table rule: +\$\.tables\[\d+\]/)
    assert.match(r.stdout, /privileges: +SELECT$/m)
    assert.match(r.stdout, /row filter: +region = 'EU'/)
    assert.match(r.stdout, /mask: +customer_name → '\*\*\*'/)

    const dave = await akkoRules(['explain', '-u', 'dave', '--role', 'akko-viewer', '-t', 'iceberg.banking.transactions', '--format', 'json'])
    const d = JSON.parse(dave.stdout)
    assert.deepEqual(d.privileges, [])
    assert.equal(d.tableRule, null)
    assert.equal(d.schema.visible, false)

    const usage = await akkoRules(['explain', '--user', 'x', '--table', 'only.two'])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /--table must be catalog\.schema\.table/)
  })
})
