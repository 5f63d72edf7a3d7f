import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AkkoError } from '../../core/index.js'
import { rulesCheck, rulesLoadFile, rulesParse, rulesParseText } from './rules-file.js'
import { demoRulesPath } from './demo.js'

const problemsOf = (doc: unknown) => rulesCheck(doc).problems.map(p => `${p.path}: ${p.message}`)

describe('rules file validation', () => {
  test('collects every problem with its JSON path and throws once', () => {
    const doc = {
      catalogs: [{ allow: 'sometimes' }],
      tables: [
        { privileges: ['SELECT', 'READ'] },
        { table: '(unclosed', privileges: [] },
        { privileges: ['SELECT'], columns: [{ allow: false }, { name: 'ssn', allow: false, mask: "'x'" }] },
        { privileges: ['SELECT'], filter: "region = 'EU" },
        { privilege: ['SELECT'] },
      ],
      typo_section: [],
    }
    const problems = problemsOf(doc)
    const expectPath = (path: string, text: RegExp) => assert.ok(problems.some(p => p.startsWith(path + ':') && text.test(p)), `${path} ~ ${text} in\n${problems.join('\n')}`)
    expectPath('$.catalogs[0].allow', /"all", "read-only" or "none"/)
    expectPath('$.tables[0].privileges[1]', /unknown value "READ"/)
    expectPath('$.tables[1].table', /not a valid regular expression/)
    expectPath('$.tables[2].columns[0]', /exactly one of "name"/)
    expectPath('$.tables[2].columns[1].mask', /cannot also be masked/)
    expectPath('$.tables[3].filter', /unterminated string literal/)
    expectPath('$.tables[4].privilege', /unknown field/)
    expectPath('$.tables[4].privileges', /is required/)
    expectPath('$.typo_section', /unknown section/)
    assert.throws(() => rulesParse(doc, 'rules.json'), (e: unknown) => {
      assert.ok(e instanceof AkkoError)
      assert.equal(e.code, 'INVALID_CONFIG')
      assert.match(e.message, /rules\.json \(\d+ problems\)/)
      assert.match(e.message, /\$\.tables\[0\]\.privileges\[1\]/)
      assert.equal((e.details.problems as unknown[]).length, problems.length)
      return true
    })
  })

  test('bad JSON is one problem at $', () => {
    assert.throws(() => rulesParseText('{"tables": [', 'x.json'), /x\.json \(1 problem\):\n {2}\$: not valid JSON/)
  })

  test('a missing file says which file', () => {
    assert.throws(() => rulesLoadFile('/nonexistent/rules.json'), /Cannot read the rules file \/nonexistent\/rules\.json: ENOENT/)
  })

  test('accepts legacy booleans, session_properties alias and the demo file', () => {
    const r = rulesParse({ catalogs: [{ allow: true }, { allow: false }], session_properties: [{ property: 'x', allow: true }] })
    assert.deepEqual(r.catalogs?.map(c => c.allow), ['all', 'none'])
    assert.equal(r.systemSessionProperties?.length, 1)
    const demo = rulesLoadFile(demoRulesPath())
    assert.ok((demo.tables?.length ?? 0) > 5)
  })

  test('mask and filter expressions may not smuggle statements', () => {
    assert.match(problemsOf({ tables: [{ privileges: [], filter: 'true; DROP TABLE x' }] })[0]!, /cannot contain ";"/)
    assert.match(problemsOf({ tables: [{ privileges: [], filter: 'true -- x' }] })[0]!, /comment/)
    assert.deepEqual(problemsOf({ tables: [{ privileges: [], filter: "note = 'a;b' AND (x = 'it''s')" }] }), [])
  })
})
