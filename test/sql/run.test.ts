/**
 * Runs every test/sql/<area>/*.slt file through the query engine (`engine.execute`) over the fixed data set
 * of test/support/sql-dataset.ts, loaded once. Files ending `_slow.slt` run only with AKKO_TEST_SLOW=1.
 * Each file starts with a fresh session (user `test`, no catalog or schema); USE and SET SESSION in a file
 * carry over to its later records, as they would for a Trino client.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { QueryEngine, QueryResult, Session } from '../../src/engine/engine.js'
import { repoRoot } from '../support/paths.js'
import { sqlEngineOpen, type SqlEngineFixture } from './engine-fixture.js'
import { sltParse, sltSubstitute, sltValue, type SltRecord } from './slt.js'

const SQL_DIR = join(repoRoot(), 'test', 'sql')
const SLOW = process.env.AKKO_TEST_SLOW === '1'

function sltFiles(dir: string): string[] {
  const out: string[] = []
  for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, ent.name)
    if (ent.isDirectory()) out.push(...sltFiles(p))
    else if (ent.name.endsWith('.slt') && (SLOW || !ent.name.endsWith('_slow.slt'))) out.push(p)
  }
  return out
}

async function collect(result: QueryResult): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const batch of result.rows) for (const row of batch) rows.push([...row])
  return rows
}

/** Applies what a statement changed in the session, as a Trino client applies the response headers. */
function sessionApply(s: Session, r: QueryResult): Session {
  const c = r.sessionChanges
  if (!c) return s
  const properties = { ...s.properties, ...c.setSession }
  for (const k of c.resetSession ?? []) delete properties[k]
  const preparedStatements = { ...s.preparedStatements, ...c.addedPrepare }
  for (const k of c.deallocatedPrepare ?? []) delete preparedStatements[k]
  return { ...s, catalog: c.setCatalog ?? s.catalog, schema: c.setSchema ?? s.schema, properties, preparedStatements }
}

function errorMatches(e: unknown, expected: string): boolean {
  const err = e as { code?: string; message?: string }
  const m = /^\/(.*)\/$/.exec(expected)
  if (m) return new RegExp(m[1]!, 'i').test(err.message ?? '')
  return err.code === expected
}

async function runRecord(engine: QueryEngine, session: Session, rec: SltRecord, sql: string, where: string): Promise<Session> {
  if (rec.kind === 'statement') {
    if (rec.arg === 'ok') {
      const r = await engine.execute(sql, session).catch((e: Error) => {
        throw new Error(`${where}: statement failed: ${(e as { code?: string }).code ?? ''} ${e.message}\n${sql}`)
      })
      await collect(r)
      return sessionApply(session, r)
    }
    const expected = rec.arg.replace(/^error\s+/, '').trim()
    let outcome: unknown
    try {
      await collect(await engine.execute(sql, session))
    } catch (e) {
      outcome = e
    }
    assert.ok(outcome !== undefined, `${where}: expected error ${expected}, but the statement succeeded\n${sql}`)
    const err = outcome as { code?: string; message?: string }
    assert.ok(errorMatches(outcome, expected), `${where}: expected error ${expected}, got ${err.code}: ${err.message}\n${sql}`)
    return session
  }
  const r = await engine.execute(sql, session).catch((e: Error) => {
    throw new Error(`${where}: query failed: ${(e as { code?: string }).code ?? ''} ${e.message}\n${sql}`)
  })
  const rows = await collect(r)
  assert.equal(r.columns.length, rec.arg.length, `${where}: ${r.columns.length} columns, the record declares ${rec.arg.length}\n${sql}`)
  let actual = rows.map((row) => row.map(sltValue).join('\t'))
  let expected = [...(rec.expected ?? [])]
  if (rec.rowsort) {
    actual = actual.sort()
    expected = expected.sort()
  }
  assert.deepEqual(actual, expected, `${where}: wrong result\n${sql}`)
  return sessionApply(session, r)
}

describe('SQL correctness suite (test/sql)', () => {
  let fx: SqlEngineFixture
  before(async () => {
    fx = await sqlEngineOpen()
  })
  after(async () => fx?.close())

  for (const file of sltFiles(SQL_DIR)) {
    const rel = relative(repoRoot(), file)
    const parsed = sltParse(readFileSync(file, 'utf8'), rel)
    test(`${rel}: ${parsed.description ?? ''}`, async () => {
      let session: Session = { user: 'test', properties: {}, preparedStatements: {} }
      // Every record runs and every failure is reported, so one wrong answer does not hide the next ones.
      const failures: string[] = []
      for (const rec of parsed.records) {
        const where = `${rel}:${rec.line}`
        if (rec.kind === 'user') {
          session = { ...session, user: rec.arg }
          continue
        }
        try {
          session = await runRecord(fx.engine, session, rec, sltSubstitute(rec.sql, fx.dataset.vars, where), where)
        } catch (e) {
          failures.push((e as Error).message)
        }
      }
      assert.deepEqual(failures, [], `${failures.length} record(s) failed:\n\n${failures.join('\n\n')}`)
    })
  }
})
