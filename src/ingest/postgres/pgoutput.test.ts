import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lsnFormat, lsnParse, pgTimeToMs } from './lsn.js'
import { pgArrayParse, pgArrayToJson } from './pg-array.js'
import { pgoutputDecode, UNCHANGED } from './pgoutput.js'

/** A little writer for pgoutput messages. */
function msg(tag: string, ...parts: (['u8', number] | ['i16', number] | ['i32', number] | ['u64', bigint] | ['str', string] | ['text', string] | ['raw', string])[]): Buffer {
  const bufs: Buffer[] = [Buffer.from(tag)]
  for (const [k, v] of parts) {
    const b = Buffer.alloc(k === 'u8' || k === 'raw' ? 1 : k === 'i16' ? 2 : k === 'i32' ? 4 : k === 'u64' ? 8 : 0)
    if (k === 'u8') b.writeUInt8(v)
    else if (k === 'i16') b.writeInt16BE(v)
    else if (k === 'i32') b.writeInt32BE(v)
    else if (k === 'u64') b.writeBigUInt64BE(v)
    else if (k === 'raw') b.write(v)
    if (k === 'str') bufs.push(Buffer.from(`${v}\0`))
    else if (k === 'text') {
      const t = Buffer.from(v)
      const len = Buffer.alloc(4)
      len.writeInt32BE(t.length)
      bufs.push(Buffer.from('t'), len, t)
    } else bufs.push(b)
  }
  return Buffer.concat(bufs)
}

test('pgoutput messages decode with values kept as text, NULL and unchanged', () => {
  assert.deepEqual(pgoutputDecode(msg('B', ['u64', 0x16b374d848n], ['u64', 1_000_000n], ['i32', 77])), { tag: 'begin', finalLsn: 0x16b374d848n, commitTime: 1_000_000n, xid: 77 })
  assert.deepEqual(pgoutputDecode(msg('C', ['u8', 0], ['u64', 10n], ['u64', 20n], ['u64', 5n])), { tag: 'commit', commitLsn: 10n, endLsn: 20n, commitTime: 5n })
  const rel = pgoutputDecode(msg('R', ['i32', 16384], ['str', 'public'], ['str', 'accounts'], ['u8', 'd'.charCodeAt(0)], ['i16', 2],
    ['u8', 1], ['str', 'id'], ['i32', 23], ['i32', -1], ['u8', 0], ['str', 'note'], ['i32', 25], ['i32', -1]))
  assert.deepEqual(rel, { tag: 'relation', relationOid: 16384, schema: 'public', name: 'accounts', replicaIdentity: 'd', columns: [
    { flags: 1, name: 'id', typeOid: 23, typmod: -1 }, { flags: 0, name: 'note', typeOid: 25, typmod: -1 }] })
  assert.deepEqual(pgoutputDecode(msg('I', ['i32', 16384], ['raw', 'N'], ['i16', 2], ['text', '42'], ['raw', 'n'])), { tag: 'insert', relationOid: 16384, new: ['42', null] })
  const upd = pgoutputDecode(msg('U', ['i32', 16384], ['raw', 'K'], ['i16', 2], ['text', '1'], ['raw', 'n'], ['raw', 'N'], ['i16', 2], ['text', '2'], ['raw', 'u']))
  assert.deepEqual(upd, { tag: 'update', relationOid: 16384, key: ['1', null], new: ['2', UNCHANGED] })
  assert.deepEqual(pgoutputDecode(msg('U', ['i32', 1], ['raw', 'N'], ['i16', 1], ['text', 'é'])), { tag: 'update', relationOid: 1, new: ['é'] })
  assert.deepEqual(pgoutputDecode(msg('D', ['i32', 1], ['raw', 'O'], ['i16', 1], ['text', 'x'])), { tag: 'delete', relationOid: 1, old: ['x'] })
  assert.deepEqual(pgoutputDecode(msg('T', ['i32', 2], ['u8', 1], ['i32', 5], ['i32', 6])), { tag: 'truncate', relationOids: [5, 6], cascade: true, restartIdentity: false })
  assert.throws(() => pgoutputDecode(Buffer.from('Z')), /Unknown pgoutput message 'Z'/)
})

test('LSNs and PostgreSQL timestamps', () => {
  assert.equal(lsnParse('16/B374D848'), 0x16b374d848n)
  assert.equal(lsnFormat(0x16b374d848n), '16/B374D848')
  assert.equal(lsnFormat(lsnParse('0/0')), '0/0')
  assert.throws(() => lsnParse('nope'), /not a PostgreSQL LSN/)
  assert.equal(pgTimeToMs(0n), Date.UTC(2000, 0, 1))
})

test('array literals become JSON arrays of element texts', () => {
  assert.deepEqual(pgArrayParse('{1,NULL,3}'), ['1', null, '3'])
  assert.deepEqual(pgArrayParse('{}'), [])
  assert.deepEqual(pgArrayParse(String.raw`{"a b","c,d","e\"f","NULL","g\\h"}`), ['a b', 'c,d', 'e"f', 'NULL', String.raw`g\h`])
  assert.deepEqual(pgArrayParse('{{1,2},{3,4}}'), [['1', '2'], ['3', '4']])
  assert.deepEqual(pgArrayParse('[0:1]={7,8}'), ['7', '8'])
  assert.equal(pgArrayToJson('{x,NULL}'), '["x",null]')
  assert.equal(pgArrayToJson(null), null)
  assert.throws(() => pgArrayParse('{1,2'), /Cannot read the PostgreSQL array value/)
})
