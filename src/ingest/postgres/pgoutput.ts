/**
 * Decoder of PostgreSQL's `pgoutput` logical replication messages, protocol version 1 (PostgreSQL docs,
 * "Logical Replication Message Formats"). Column values stay exactly as the server sent them: text (the type's
 * output function), NULL, or "unchanged TOASTed value" (an update that did not touch a large value).
 *
 * Written here rather than taken from pg-logical-replication: that package converts values with `pg`'s global
 * type parsers (timestamps become JS Dates with millisecond precision, json is parsed, and changing the parsers
 * would change them for every `pg` user in the process), cannot tell an unchanged TOASTed value from a missing
 * one, and its standby-status timer reports the last *received* position as flushed, which would acknowledge
 * changes before they are committed to Iceberg. The protocol is small; owning it keeps exactly-once in our hands.
 * @module
 */
import { AkkoError } from '../../core/index.js'

/** A column value of an unchanged TOASTed datum: the new row keeps the value it had. */
export const UNCHANGED: unique symbol = Symbol('unchanged-toast')

/** One column value: text, NULL, or unchanged. */
export type PgoutputValue = string | null | typeof UNCHANGED

export interface PgoutputColumn {
  /** Bit 1: part of the replica identity key. */
  readonly flags: number
  readonly name: string
  readonly typeOid: number
  readonly typmod: number
}

export type PgoutputMessage =
  | { readonly tag: 'begin'; readonly finalLsn: bigint; readonly commitTime: bigint; readonly xid: number }
  | { readonly tag: 'commit'; readonly commitLsn: bigint; readonly endLsn: bigint; readonly commitTime: bigint }
  | { readonly tag: 'origin'; readonly lsn: bigint; readonly name: string }
  | { readonly tag: 'relation'; readonly relationOid: number; readonly schema: string; readonly name: string; readonly replicaIdentity: string; readonly columns: readonly PgoutputColumn[] }
  | { readonly tag: 'type'; readonly typeOid: number; readonly schema: string; readonly name: string }
  | { readonly tag: 'insert'; readonly relationOid: number; readonly new: readonly PgoutputValue[] }
  | { readonly tag: 'update'; readonly relationOid: number; readonly key?: readonly PgoutputValue[]; readonly old?: readonly PgoutputValue[]; readonly new: readonly PgoutputValue[] }
  | { readonly tag: 'delete'; readonly relationOid: number; readonly key?: readonly PgoutputValue[]; readonly old?: readonly PgoutputValue[] }
  | { readonly tag: 'truncate'; readonly relationOids: readonly number[]; readonly cascade: boolean; readonly restartIdentity: boolean }
  | { readonly tag: 'message'; readonly prefix: string }

class Reader {
  pos = 0
  constructor(readonly buf: Buffer) {}
  u8(): number { return this.buf.readUInt8(this.pos++) }
  i16(): number { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v }
  i32(): number { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v }
  u32(): number { const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v }
  u64(): bigint { const v = this.buf.readBigUInt64BE(this.pos); this.pos += 8; return v }
  i64(): bigint { const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return v }
  str(): string {
    const end = this.buf.indexOf(0, this.pos)
    const s = this.buf.toString('utf8', this.pos, end)
    this.pos = end + 1
    return s
  }
  bytes(n: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }
}

function tuple(r: Reader): PgoutputValue[] {
  const n = r.i16()
  const out: PgoutputValue[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const kind = r.u8()
    if (kind === 0x6e /* n */) out[i] = null
    else if (kind === 0x75 /* u */) out[i] = UNCHANGED
    else if (kind === 0x74 /* t */) out[i] = r.bytes(r.i32())
    else throw new AkkoError('CONNECTOR_ERROR', `pgoutput sent a column value of kind '${String.fromCharCode(kind)}', which text-mode replication does not expect`)
  }
  return out
}

/** Decodes one pgoutput message (the payload of an XLogData message). */
export function pgoutputDecode(buf: Buffer): PgoutputMessage {
  const r = new Reader(buf)
  const tag = r.u8()
  switch (tag) {
    case 0x42: return { tag: 'begin', finalLsn: r.u64(), commitTime: r.i64(), xid: r.u32() }
    case 0x43: {
      r.u8()
      return { tag: 'commit', commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() }
    }
    case 0x4f: return { tag: 'origin', lsn: r.u64(), name: r.str() }
    case 0x52: {
      const relationOid = r.u32()
      const schema = r.str()
      const name = r.str()
      const replicaIdentity = String.fromCharCode(r.u8())
      const n = r.i16()
      const columns: PgoutputColumn[] = []
      for (let i = 0; i < n; i++) columns.push({ flags: r.u8(), name: r.str(), typeOid: r.u32(), typmod: r.i32() })
      return { tag: 'relation', relationOid, schema, name, replicaIdentity, columns }
    }
    case 0x59: return { tag: 'type', typeOid: r.u32(), schema: r.str(), name: r.str() }
    case 0x49: {
      const relationOid = r.u32()
      r.u8() // 'N'
      return { tag: 'insert', relationOid, new: tuple(r) }
    }
    case 0x55: {
      const relationOid = r.u32()
      let k = r.u8()
      let key: PgoutputValue[] | undefined
      let old: PgoutputValue[] | undefined
      if (k === 0x4b /* K */) key = tuple(r)
      else if (k === 0x4f /* O */) old = tuple(r)
      if (key || old) k = r.u8()
      if (k !== 0x4e) throw new AkkoError('CONNECTOR_ERROR', 'pgoutput update message without a new tuple')
      return { tag: 'update', relationOid, ...(key ? { key } : {}), ...(old ? { old } : {}), new: tuple(r) }
    }
    case 0x44: {
      const relationOid = r.u32()
      const k = r.u8()
      const values = tuple(r)
      return { tag: 'delete', relationOid, ...(k === 0x4b ? { key: values } : { old: values }) }
    }
    case 0x54: {
      const n = r.i32()
      const flags = r.u8()
      const relationOids: number[] = []
      for (let i = 0; i < n; i++) relationOids.push(r.u32())
      return { tag: 'truncate', relationOids, cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0 }
    }
    case 0x4d: {
      r.u8()
      r.u64()
      return { tag: 'message', prefix: r.str() }
    }
    default:
      throw new AkkoError('CONNECTOR_ERROR', `Unknown pgoutput message '${String.fromCharCode(tag)}' (protocol version 1 expected)`)
  }
}
