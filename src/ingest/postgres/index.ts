/**
 * PostgreSQL → Iceberg replication: batch (full or incremental by watermark, merged by key) and CDC (logical
 * replication with pgoutput, applied in micro-batches, exactly once).
 * @module
 */
export { replicateBatch, replicationWatermark, REPLICATION_SUMMARY, type ReplicateBatchOptions, type ReplicateBatchResult } from './replicate-batch.js'
export type { PgSourceSpec } from './pg-source.js'
export { pgColumnType, PG_NUMERIC_DEFAULT, type PgColumnType, type PgTypeInfo, type PgUnsupportedTypes } from './pg-types.js'
export { cdcPipeline, cdcDrop, cdcSlotName, CDC_SUMMARY, type CdcPipeline, type CdcPipelineOptions, type CdcStatus, type CdcTable, type CdcAppliedEvent } from './cdc-pipeline.js'
