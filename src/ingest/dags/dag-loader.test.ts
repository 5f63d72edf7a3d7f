import assert from 'node:assert/strict'
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { tmpHome } from '../../../test/support/paths.js'
import { DagLoader } from './dag-loader.js'

let dir: string

before(async () => {
  dir = join(tmpHome('akko-dag-files-'), 'dags')
  await mkdir(dir)
  await writeFile(join(dir, 'plain.mjs'), `export default { id: 'plain_js', schedule: '@hourly', tasks: [{ id: 't', run: () => 1 }] }\n`)
  await writeFile(join(dir, 'typed.ts'), `interface Out { n: number }\nconst out: Out = { n: 2 }\nexport const typed = { id: 'typed_ts', tasks: [{ id: 't', run: (): Out => out }] }\nexport const helper = 42\n`)
  await writeFile(join(dir, 'many.js'), `export const dags = [{ id: 'many_1', tasks: [{ id: 't', run() {} }] }, { id: 'many_2', tasks: [{ id: 't', run() {} }] }]\n`)
  await writeFile(join(dir, 'broken.mjs'), `export default { id: 'broken', tasks: [{ id: 't', dependsOn: ['nope'], run() {} }] }\n`)
  await writeFile(join(dir, 'syntax.js'), `export default {{\n`)
  await writeFile(join(dir, 'dup.mjs'), `export default { id: 'plain_js', tasks: [{ id: 'x', run() {} }] }\n`)
  await writeFile(join(dir, '_helper.mjs'), `throw new Error('files starting with _ are not DAG files')\n`)
  await writeFile(join(dir, 'notes.txt'), 'not code')
})
after(async () => rm(join(dir, '..'), { recursive: true, force: true }))

test('loads .mjs, .js and .ts DAG files; reports broken files and duplicate ids without stopping', async () => {
  const r = await new DagLoader([dir, join(dir, 'missing')]).load()
  assert.deepEqual(r.dags.map(d => [d.dag.id, d.file.slice(dir.length + 1)]).sort(), [['many_1', 'many.js'], ['many_2', 'many.js'], ['plain_js', 'dup.mjs'], ['typed_ts', 'typed.ts']])
  const errors = Object.fromEntries(r.errors.map(e => [e.file.slice(dir.length + 1), e.message]))
  assert.deepEqual(Object.keys(errors).sort(), ['broken.mjs', 'plain.mjs', 'syntax.js'])
  assert.match(errors['broken.mjs']!, /depends on "nope"/)
  assert.match(errors['plain.mjs']!, /DAG id plain_js is already defined in .*dup\.mjs/)
  const typed = r.dags.find(d => d.dag.id === 'typed_ts')!.dag
  assert.deepEqual(await typed.tasks[0]!.run({} as never), { n: 2 })
})

test('a changed file is imported again; an unchanged one is not', async () => {
  const loader = new DagLoader([dir])
  const first = (await loader.load()).dags.find(d => d.dag.id === 'many_1')!.dag
  const again = (await loader.load()).dags.find(d => d.dag.id === 'many_1')!.dag
  assert.equal(first, again, 'the same module, not re-imported')
  await writeFile(join(dir, 'many.js'), `export const dags = [{ id: 'many_1', description: 'changed', tasks: [{ id: 't', run() {} }] }]\n`)
  const later = new Date(Date.now() + 5000)
  await utimes(join(dir, 'many.js'), later, later)
  const r = await loader.load()
  assert.equal(r.dags.find(d => d.dag.id === 'many_1')!.dag.description, 'changed')
  assert.equal(r.dags.find(d => d.dag.id === 'many_2'), undefined)
})
