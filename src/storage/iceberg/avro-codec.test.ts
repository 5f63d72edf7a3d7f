import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { describe, test } from 'node:test'
import avsc from 'avsc'
import { avroContainerOpen, avroContainerWrite, type AvroSchemaObject } from './avro-codec.js'

const SCHEMA: AvroSchemaObject = {
  type: 'record',
  name: 'row',
  fields: [
    { name: 'id', type: 'long', 'field-id': 1 },
    { name: 'xs', type: { type: 'array', items: 'long', 'element-id': 3 }, 'field-id': 2 },
    { name: 'tags', type: ['null', { type: 'map', values: 'int' }], default: null, 'field-id': 4 },
  ],
}
const zigzag = (n: number) => avsc.Type.forSchema('long').toBuffer(n)

describe('Avro object container', () => {
  test('round trip keeps 64-bit longs exact, metadata, and the writer schema with its field ids', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ id: 2n ** 62n + BigInt(i), xs: [BigInt(-i), 7n], tags: i % 2 ? { a: i } : null }))
    for (const codec of ['deflate', 'null'] as const) {
      const bytes = avroContainerWrite(SCHEMA, { 'snapshot-id': '9158179788527662767' }, rows, codec)
      const file = avroContainerOpen(bytes, 'mem://rows.avro')
      assert.equal(file.meta.get('snapshot-id'), '9158179788527662767')
      assert.equal(file.meta.get('avro.codec'), codec)
      assert.deepEqual((file.schema as AvroSchemaObject).fields!.map((f) => f['field-id']), [1, 2, 4])
      const back = [...file.records()].map((r) => ({ ...(r as object) }))
      assert.deepEqual(back, rows.map((r) => ({ ...r, tags: r.tags && { ...r.tags } })))
    }
  })

  test('an array claiming a billion items in a few bytes is CORRUPT_FILE, not an exhausted heap', () => {
    const header = avroContainerWrite(SCHEMA, {}, [], 'null')
    const sync = header.subarray(header.length - 16)
    const data = Buffer.concat([zigzag(1), zigzag(1_000_000_000), zigzag(2), Buffer.from([0, 0])])
    const bytes = Buffer.concat([header, zigzag(1), zigzag(data.length), data, sync])
    const file = avroContainerOpen(bytes, 'mem://evil.avro')
    assert.throws(() => [...file.records()], { code: 'CORRUPT_FILE', message: /mem:\/\/evil\.avro/ })
  })

  test('a wrong sync marker, a cut block and a foreign codec are refused', () => {
    const bytes = avroContainerWrite(SCHEMA, {}, [{ id: 1n, xs: [], tags: null }], 'null')
    const badSync = Uint8Array.from(bytes)
    badSync[badSync.length - 1] = badSync[badSync.length - 1]! ^ 0xff
    assert.throws(() => [...avroContainerOpen(badSync, 'a').records()], { code: 'CORRUPT_FILE', message: /sync marker/ })
    assert.throws(() => [...avroContainerOpen(bytes.subarray(0, bytes.length - 18), 'b').records()], { code: 'CORRUPT_FILE' })
    assert.throws(() => avroContainerOpen(bytes.subarray(0, 30), 'c'), { code: 'CORRUPT_FILE' })
    const snappy = Buffer.from(bytes)
    const at = snappy.indexOf('null', snappy.indexOf('avro.codec'))
    assert.ok(at > 0)
    // Same length, so the header stays well-formed: only the codec name changes.
    snappy.write('zstd', at)
    assert.throws(() => avroContainerOpen(snappy, 'd.avro'), { code: 'NOT_SUPPORTED', message: /'zstd'/ })
  })
})
