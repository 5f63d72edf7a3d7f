/**
 * Decoding manifests written by any engine (spec "Manifests", v1 and v2, tolerating v3 fields):
 * fields are found in the WRITER's schema by field id, partition values are mapped to the partition
 * field names of the spec stored in the file header, and sequence numbers are inherited
 * (spec "Sequence Number Inheritance").
 */
import { AkkoError } from '../../core/index.js'
import { avroContainerOpen, type AvroField } from './avro-codec.js'
import {
  avroBytes,
  avroFieldReader,
  avroIntMapReader,
  avroLongToNumber,
  avroNumberListReader,
  avroRequiredReader,
  type Named,
} from './avro-fields.js'
import { avroFieldById, avroNamedTypes, avroRecordFields, avroResolve } from './avro-schemas.js'
import { jsonParseLossless } from './json.js'
import { manifestPartitionFromAvro } from './manifest-partition.js'
import type { DataFile, EntryStatus, FileContent, ManifestEntry, ManifestFile } from './spec.js'

/** A data or delete file as read from a manifest, with the v3 fields some writers add when present. */
export interface ManifestDataFile extends DataFile {
  /** Position deletes aimed at a single data file (field 143). */
  readonly referenced_data_file?: string | null
  /** v3 row lineage (field 142). */
  readonly first_row_id?: bigint | null
  /** v3 deletion vectors: offset and size of the blob in a Puffin file (fields 144, 145). */
  readonly content_offset?: number | null
  readonly content_size_in_bytes?: number | null
}

/** What the header of a manifest says about its contents. */
export interface ManifestHeader {
  readonly formatVersion: number
  readonly content: 'data' | 'deletes'
  readonly partitionSpecId: number | undefined
  readonly schemaId: number | undefined
}

type Rec = Record<string, unknown>
const num = avroLongToNumber
const big = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number))
const str = (v: unknown): string => String(v)

interface SpecFieldJson {
  readonly name: string
  readonly 'field-id'?: number
}

/** Partition field names by field id, from the header's `partition-spec` (v1 writers may omit ids: 1000, 1001, …). */
function specNamesById(meta: ReadonlyMap<string, string>): Map<number, string> {
  const out = new Map<number, string>()
  const text = meta.get('partition-spec')
  if (!text) return out
  try {
    const parsed = jsonParseLossless(text)
    const fields = (Array.isArray(parsed) ? parsed : ((parsed as { fields?: unknown[] }).fields ?? [])) as SpecFieldJson[]
    fields.forEach((f, i) => out.set(f['field-id'] === undefined ? 1000 + i : Number(f['field-id']), f.name))
  } catch {
    // The Avro field names still identify the partition fields; a broken header only loses the pretty names.
  }
  return out
}

function partitionReader(field: AvroField | undefined, named: Named, meta: ReadonlyMap<string, string>): (rec: Rec) => Record<string, unknown> {
  const names = specNamesById(meta)
  const decoders = avroRecordFields(field?.type ?? 'null', named).map((f) => {
    const id = f['field-id']
    const name = (id !== undefined ? names.get(id) : undefined) ?? f.name
    return { avroName: f.name, name, type: avroResolve(f.type, named) }
  })
  const fieldName = field?.name
  return (rec) => {
    const raw = fieldName === undefined ? undefined : (rec[fieldName] as Rec | null | undefined)
    const out: Record<string, unknown> = {}
    for (const d of decoders) out[d.name] = manifestPartitionFromAvro(d.type, raw?.[d.avroName])
    return out
  }
}

function dataFileReader(field: AvroField, named: Named, meta: ReadonlyMap<string, string>, location: string, specId: number) {
  const fs = avroRecordFields(field.type, named)
  const by = (id: number, name: string) => avroFieldById(fs, id, name)
  const r = {
    content: avroFieldReader(by(134, 'content'), (v) => num(v) as FileContent, 0 as FileContent),
    file_path: avroRequiredReader(by(100, 'file_path'), str, location, 'data_file.file_path'),
    file_format: avroRequiredReader(by(101, 'file_format'), (v) => str(v).toUpperCase(), location, 'data_file.file_format'),
    partition: partitionReader(by(102, 'partition'), named, meta),
    record_count: avroRequiredReader(by(103, 'record_count'), num, location, 'data_file.record_count'),
    file_size_in_bytes: avroRequiredReader(by(104, 'file_size_in_bytes'), num, location, 'data_file.file_size_in_bytes'),
    column_sizes: avroIntMapReader(by(108, 'column_sizes'), named, 117, 118, num),
    value_counts: avroIntMapReader(by(109, 'value_counts'), named, 119, 120, num),
    null_value_counts: avroIntMapReader(by(110, 'null_value_counts'), named, 121, 122, num),
    nan_value_counts: avroIntMapReader(by(137, 'nan_value_counts'), named, 138, 139, num),
    lower_bounds: avroIntMapReader(by(125, 'lower_bounds'), named, 126, 127, (v) => avroBytes(v)!),
    upper_bounds: avroIntMapReader(by(128, 'upper_bounds'), named, 129, 130, (v) => avroBytes(v)!),
    key_metadata: avroFieldReader(by(131, 'key_metadata'), avroBytes, null),
    split_offsets: avroNumberListReader(by(132, 'split_offsets')),
    equality_ids: avroNumberListReader(by(135, 'equality_ids')),
    sort_order_id: avroFieldReader<number | null>(by(140, 'sort_order_id'), num, null),
    referenced_data_file: avroFieldReader<string | null>(by(143, 'referenced_data_file'), str, null),
    first_row_id: avroFieldReader<bigint | null>(by(142, 'first_row_id'), big, null),
    content_offset: avroFieldReader<number | null>(by(144, 'content_offset'), num, null),
    content_size_in_bytes: avroFieldReader<number | null>(by(145, 'content_size_in_bytes'), num, null),
  }
  const v3 = ['referenced_data_file', 'first_row_id', 'content_offset', 'content_size_in_bytes'] as const
  return (rec: Rec): ManifestDataFile => {
    const df: Record<string, unknown> = { spec_id: specId }
    for (const [k, read] of Object.entries(r)) {
      const v = read(rec)
      // Optional v3 fields appear only when the writer set them, so plain v2 files read back unchanged.
      if (v === null && (v3 as readonly string[]).includes(k)) continue
      df[k] = v
    }
    return df as unknown as ManifestDataFile
  }
}

/** The header facts of a manifest (format version, content, spec id). */
export function manifestHeaderOf(meta: ReadonlyMap<string, string>, hasSequenceNumbers: boolean): ManifestHeader {
  const fv = meta.get('format-version')
  const int = (k: string) => (meta.has(k) && /^-?\d+$/.test(meta.get(k)!) ? Number(meta.get(k)) : undefined)
  return {
    // Old v1 writers wrote no format-version; without sequence number fields a file can only be v1.
    formatVersion: fv !== undefined && /^\d+$/.test(fv) ? Number(fv) : hasSequenceNumbers ? 2 : 1,
    content: meta.get('content') === 'deletes' ? 'deletes' : 'data',
    partitionSpecId: int('partition-spec-id'),
    schemaId: int('schema-id'),
  }
}

/**
 * Decodes the entries of a manifest held in `bytes`, applying inheritance from its manifest list entry `mf`:
 * a null snapshot_id takes `mf.added_snapshot_id`; an ADDED entry with null sequence numbers takes
 * `mf.sequence_number`; every entry of a v1 manifest has sequence number 0.
 */
export function* manifestDecode(bytes: Uint8Array, mf: ManifestFile, opts: { includeDeleted?: boolean } = {}): Generator<ManifestEntry> {
  const location = mf.manifest_path
  const file = avroContainerOpen(bytes, location)
  const named = avroNamedTypes(file.schema)
  const top = avroRecordFields(file.schema, named)
  const seqField = avroFieldById(top, 3, 'sequence_number')
  const header = manifestHeaderOf(file.meta, seqField !== undefined)
  const dataFileField = avroFieldById(top, 2, 'data_file')
  if (!dataFileField) {
    throw new AkkoError('CORRUPT_FILE', `${location} is an Avro file but not an Iceberg manifest (no data_file field)`, { file: location })
  }
  const status = avroRequiredReader(avroFieldById(top, 0, 'status'), (v) => num(v) as EntryStatus, location, 'status')
  const snapshotId = avroFieldReader<bigint | null>(avroFieldById(top, 1, 'snapshot_id'), big, null)
  const seq = avroFieldReader<number | null>(seqField, num, null)
  const fileSeq = avroFieldReader<number | null>(avroFieldById(top, 4, 'file_sequence_number'), num, null)
  const dataFile = dataFileReader(dataFileField, named, file.meta, location, mf.partition_spec_id)
  const v1 = header.formatVersion === 1
  for (const raw of file.records()) {
    const rec = raw as Rec
    const st = status(rec)
    if (st === 2 && !opts.includeDeleted) continue
    const df = dataFile(rec[dataFileField.name] as Rec)
    yield {
      status: st,
      snapshot_id: snapshotId(rec) ?? mf.added_snapshot_id,
      sequence_number: v1 ? 0 : inherit(seq(rec), st, mf, location, df.file_path),
      file_sequence_number: v1 ? 0 : inherit(fileSeq(rec), st, mf, location, df.file_path),
      data_file: df,
    }
  }
}

function inherit(explicit: number | null, status: EntryStatus, mf: ManifestFile, location: string, path: string): number {
  if (explicit !== null) return explicit
  if (status === 1) return mf.sequence_number
  throw new AkkoError(
    'CORRUPT_FILE',
    `${location} lists ${path} as ${status === 0 ? 'EXISTING' : 'DELETED'} without its sequence number; only ADDED entries may inherit one`,
    { file: location, dataFile: path },
  )
}
