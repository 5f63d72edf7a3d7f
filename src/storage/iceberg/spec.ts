/**
 * Iceberg table format types, named exactly as the spec serializes them:
 * metadata JSON keys in kebab-case (spec "Table Metadata" and "Appendix C: JSON serialization"),
 * manifest Avro fields in snake_case (spec "Manifests", "Manifest Lists").
 * Values are plain data: parse with `metadataParse`, never mutate; updates return new objects.
 */

// ---------------------------------------------------------------- types (Appendix C)

/** Primitive type strings: 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time' | 'timestamp' |
 * 'timestamptz' | 'timestamp_ns' | 'timestamptz_ns' | 'string' | 'uuid' | 'binary' | 'decimal(P,S)' | 'fixed[L]'. */
export type PrimitiveType = string

export interface StructField {
  readonly id: number
  readonly name: string
  readonly required: boolean
  readonly type: IcebergType
  readonly doc?: string
  readonly 'initial-default'?: unknown
  readonly 'write-default'?: unknown
}

export interface StructType {
  readonly type: 'struct'
  readonly fields: readonly StructField[]
}

export interface ListType {
  readonly type: 'list'
  readonly 'element-id': number
  readonly element: IcebergType
  readonly 'element-required': boolean
}

export interface MapType {
  readonly type: 'map'
  readonly 'key-id': number
  readonly key: IcebergType
  readonly 'value-id': number
  readonly value: IcebergType
  readonly 'value-required': boolean
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType

export interface Schema extends StructType {
  readonly 'schema-id': number
  readonly 'identifier-field-ids'?: readonly number[]
}

// ---------------------------------------------------------------- partitioning and sorting

/** 'identity' | 'bucket[N]' | 'truncate[W]' | 'year' | 'month' | 'day' | 'hour' | 'void' */
export type Transform = string

export interface PartitionField {
  readonly 'source-id': number
  readonly 'field-id': number
  readonly name: string
  readonly transform: Transform
}

export interface PartitionSpec {
  readonly 'spec-id': number
  readonly fields: readonly PartitionField[]
}

export interface SortField {
  readonly 'source-id': number
  readonly transform: Transform
  readonly direction: 'asc' | 'desc'
  readonly 'null-order': 'nulls-first' | 'nulls-last'
}

export interface SortOrder {
  readonly 'order-id': number
  readonly fields: readonly SortField[]
}

// ---------------------------------------------------------------- snapshots

export interface Snapshot {
  readonly 'snapshot-id': bigint
  readonly 'parent-snapshot-id'?: bigint
  readonly 'sequence-number': number
  readonly 'timestamp-ms': number
  readonly 'manifest-list': string
  /** Summary: 'operation' is required ('append' | 'replace' | 'overwrite' | 'delete'); values are strings. */
  readonly summary: Readonly<Record<string, string>> & { readonly operation: string }
  readonly 'schema-id'?: number
}

export interface SnapshotRef {
  readonly 'snapshot-id': bigint
  readonly type: 'branch' | 'tag'
  readonly 'min-snapshots-to-keep'?: number
  readonly 'max-snapshot-age-ms'?: number
  readonly 'max-ref-age-ms'?: number
}

export interface SnapshotLogEntry {
  readonly 'snapshot-id': bigint
  readonly 'timestamp-ms': number
}

export interface MetadataLogEntry {
  readonly 'metadata-file': string
  readonly 'timestamp-ms': number
}

export interface StatisticsFile {
  readonly 'snapshot-id': bigint
  readonly 'statistics-path': string
  readonly 'file-size-in-bytes': number
  readonly 'file-footer-size-in-bytes': number
  readonly 'blob-metadata': readonly unknown[]
}

export interface PartitionStatisticsFile {
  readonly 'snapshot-id': bigint
  readonly 'statistics-path': string
  readonly 'file-size-in-bytes': number
}

// ---------------------------------------------------------------- table metadata

/**
 * Table metadata as read from and written to `vN.metadata.json` (always normalized to the v2 shape on read;
 * `format-version` keeps what the file says). Snapshot ids are 64-bit:
 * always `bigint` in memory (JSON is parsed losslessly, see json.ts), so ids from Spark (> 2^53) survive.
 */
export interface TableMetadata {
  readonly 'format-version': 1 | 2 | 3
  readonly 'table-uuid': string
  readonly location: string
  readonly 'last-sequence-number': number
  readonly 'last-updated-ms': number
  readonly 'last-column-id': number
  readonly schemas: readonly Schema[]
  readonly 'current-schema-id': number
  readonly 'partition-specs': readonly PartitionSpec[]
  readonly 'default-spec-id': number
  readonly 'last-partition-id': number
  readonly properties: Readonly<Record<string, string>>
  readonly 'current-snapshot-id'?: bigint | null
  readonly snapshots: readonly Snapshot[]
  readonly 'snapshot-log': readonly SnapshotLogEntry[]
  readonly 'metadata-log': readonly MetadataLogEntry[]
  readonly 'sort-orders': readonly SortOrder[]
  readonly 'default-sort-order-id': number
  readonly refs: Readonly<Record<string, SnapshotRef>>
  readonly statistics?: readonly StatisticsFile[]
  readonly 'partition-statistics'?: readonly PartitionStatisticsFile[]
}

// ---------------------------------------------------------------- manifests (Avro, snake_case)

/** 0 data, 1 position deletes, 2 equality deletes. */
export type FileContent = 0 | 1 | 2

/** Partition tuple: field name (as in the spec) → value in Iceberg's in-memory representation (see values.ts). */
export type PartitionValues = Readonly<Record<string, unknown>>

/** A data or delete file (spec "data_file" struct, field ids 100–146). */
export interface DataFile {
  readonly content: FileContent
  readonly file_path: string
  readonly file_format: 'PARQUET' | 'AVRO' | 'ORC' | string
  readonly partition: PartitionValues
  readonly record_count: number
  readonly file_size_in_bytes: number
  readonly column_sizes?: ReadonlyMap<number, number> | null
  readonly value_counts?: ReadonlyMap<number, number> | null
  readonly null_value_counts?: ReadonlyMap<number, number> | null
  readonly nan_value_counts?: ReadonlyMap<number, number> | null
  /** Serialized with Iceberg's single-value binary encoding (spec Appendix D). */
  readonly lower_bounds?: ReadonlyMap<number, Uint8Array> | null
  readonly upper_bounds?: ReadonlyMap<number, Uint8Array> | null
  readonly key_metadata?: Uint8Array | null
  readonly split_offsets?: readonly number[] | null
  readonly equality_ids?: readonly number[] | null
  readonly sort_order_id?: number | null
  /** v2: the spec id the file was written with (kept from the manifest it came from). */
  readonly spec_id?: number
}

/** 0 EXISTING, 1 ADDED, 2 DELETED. */
export type EntryStatus = 0 | 1 | 2

/** A manifest entry with sequence numbers already inherited (spec "Sequence Number Inheritance"). */
export interface ManifestEntry {
  readonly status: EntryStatus
  readonly snapshot_id: bigint
  /** Data sequence number. */
  readonly sequence_number: number
  readonly file_sequence_number: number
  readonly data_file: DataFile
}

export interface FieldSummary {
  readonly contains_null: boolean
  readonly contains_nan?: boolean | null
  readonly lower_bound?: Uint8Array | null
  readonly upper_bound?: Uint8Array | null
}

/** An entry of a manifest list (spec "Manifest Lists"). */
export interface ManifestFile {
  readonly manifest_path: string
  readonly manifest_length: number
  readonly partition_spec_id: number
  /** 0 data, 1 deletes. */
  readonly content: 0 | 1
  readonly sequence_number: number
  readonly min_sequence_number: number
  readonly added_snapshot_id: bigint
  readonly added_files_count: number
  readonly existing_files_count: number
  readonly deleted_files_count: number
  readonly added_rows_count: number
  readonly existing_rows_count: number
  readonly deleted_rows_count: number
  readonly partitions?: readonly FieldSummary[] | null
  readonly key_metadata?: Uint8Array | null
}
