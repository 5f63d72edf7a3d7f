export { ERROR_CODES, type ErrorCode, type ErrorKind, type ErrorSpec } from './codes.js'
export { AkkoError, toAkkoError, isAkkoError, isCommitConflict, invariant } from './akko-error.js'
