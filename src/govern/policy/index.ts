/**
 * Access rules: Trino's file-based rules (with tag-based column rules) or an OPA server, behind one
 * `AccessPolicy` per identity that the engine's binder asks at every table reference.
 */
export {
  TABLE_PRIVILEGES,
  emptyTagSource,
  tagSourceStatic,
  policyTableDenied,
  policyColumnsDenied,
  policyDenied,
  columnName,
  type AccessPolicy,
  type Awaitable,
  type CatalogAccess,
  type ColumnAccess,
  type ColumnRef,
  type Identity,
  type PolicyProvider,
  type TablePrivilege,
  type TagSource,
} from './policy.js'
export {
  rulesCheck,
  rulesLoadFile,
  rulesParse,
  rulesParseText,
  expressionLexicalIssue,
  type ColumnRule,
  type Rules,
  type RulesProblem,
  type TableRule,
} from './rules-file.js'
export {
  RulesPolicy,
  identityKey,
  rulesPolicyProvider,
  subjectMatches,
  type RulesPolicyOptions,
  type RulesPolicyProvider,
  type TableExplanation,
} from './rules-policy.js'
export { rulesFilePolicy, rulesWatchFile, type RulesWatcher, type RulesWatchOptions } from './rules-watch.js'
export { opaPolicy, type OpaPolicyOptions } from './opa-policy.js'
export { demoRulesPath } from './demo.js'
