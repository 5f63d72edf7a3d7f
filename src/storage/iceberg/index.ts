/**
 * The Iceberg table format (spec v2, reading v1): pure functions over metadata, manifests and values,
 * and the DuckDB data-file layer in `duck/`.
 * @module
 */
export type * from './spec.js'
export { jsonParseLossless, jsonStringifyLossless } from './json.js'
export { schemaIndex, typeIsPrimitive, typeValidate } from './types.js'
export { transformParse, transformApply, transformResultType, transformToHumanString, bucketHash } from './transforms.js'
export { valueToBytes, valueFromBytes, valueCompare, valueToJson, valueFromJson } from './values.js'
export {
  metadataParse, metadataSerialize, metadataNew, metadataFileName, metadataCurrentSchema,
  metadataSnapshot, metadataCurrentSnapshot, metadataSnapshotAt,
} from './metadata.js'
export { updatesParse, requirementsParse, requirementsCheck, updatesApply, updatesEmptyBase, type TableUpdate, type TableRequirement } from './updates.js'
export {
  exprEq, exprNotEq, exprLt, exprLtEq, exprGt, exprGtEq, exprIn, exprNotIn, exprIsNull, exprNotNull,
  exprStartsWith, exprAnd, exprOr, exprNot, exprBind, type Expr, type BoundExpr,
} from './expressions.js'
export { manifestRead, manifestEntries, manifestWrite, manifestCacheClear } from './manifest.js'
export { manifestListRead, manifestListWrite } from './manifest-list.js'
export * from './duck/index.js'
