/**
 * Layer 3, governance: identity (the built-in OIDC issuer and token verification), later access rules,
 * audit and lineage. Other layers import govern only through this file.
 * @module
 */
export { IdentityService, identityServiceOpen, oauthError, REALM, type IdentityServiceOptions, type TokenResponse, type AuthorizationRequest } from './identity/identity-service.js'
export { identityFromClaims, accessTokenClaims, idTokenClaims, pkceMatches, DEFAULT_ROLE_CLAIMS, type Identity } from './identity/claims.js'
export { tokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './identity/token-verifier.js'
export { passwordHash, passwordVerify, PASSWORD_HASH_DEFAULTS, type ScryptParams } from './identity/password-hash.js'
export { jwtSign, jwtDecode, signingKeyGenerate, type PublicJwk, type SigningKey, type JwtClaims } from './identity/jwt.js'
export { IDENTITY_MIGRATIONS } from './identity/migrations.js'
export {
  userCreate, userList, userFind, userGet, userPasswordSet, userEnabledSet, userDelete,
  roleCreate, roleList, roleDelete, roleGrant, roleRevoke,
  groupCreate, groupList, groupDelete, groupAddMember, groupRemoveMember,
  type UserRecord, type ClientRecord, type GrantType, type UserCreateInput,
} from './identity/realm-store.js'
export { clientCreate, clientList, clientFind, clientDelete, clientSecretRotate, serviceAccountName, type ClientCreateInput } from './identity/client-store.js'
export { identityDemoSeed, identityAdminEnsure, identityBuiltinsEnsure, AKKO_ROLES, DEMO_PERSONAS } from './identity/realm-seed.js'
export {
  TABLE_PRIVILEGES, emptyTagSource, tagSourceStatic, policyTableDenied, policyColumnsDenied, policyDenied, columnName,
  rulesCheck, rulesLoadFile, rulesParse, rulesParseText, RulesPolicy, rulesPolicyProvider, rulesFilePolicy, rulesWatchFile,
  opaPolicy, demoRulesPath,
  type AccessPolicy, type CatalogAccess, type ColumnAccess, type ColumnRef, type Identity as PolicyIdentity,
  type PolicyProvider, type TablePrivilege, type TagSource, type Rules, type RulesProblem, type TableRule, type ColumnRule,
  type OpaPolicyOptions,
} from './policy/index.js'
export { auditNone, AUDIT_KINDS, type AuditEvent, type AuditEventInput, type AuditFilter, type AuditReader, type AuditKind, type AuditOutcome, type AuditRecorder, type AuditSource } from './audit/event.js'
export { AuditTrail, auditTrailOpen, type AuditTrailOptions, type AuditTrailStatus } from './audit/audit-trail.js'
export { AuditSink, auditSinkUrlCheck, type AuditSinkOptions, type AuditSinkStatus } from './audit/audit-sink.js'
export { auditReader, auditEventsRead, AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT } from './audit/audit-store.js'
export { auditExport, auditEventLine, type AuditOutput } from './audit/audit-export.js'
export { auditRedact, auditScrubText } from './audit/redact.js'
export { AUDIT_MIGRATIONS } from './audit/migrations.js'
export { expressionLexicalIssue, type RulesPolicyProvider } from './policy/index.js'
