import { fileURLToPath } from 'node:url'

/**
 * The demo realm's rules file, shipped beside this module: PII masked for every role but akko-admin and
 * akko-engineer, email hashed for viewers, analysts limited to region EU (unless in group akko-all-regions),
 * viewers limited to the analytics schemas and active accounts, stewards reading metadata and the audit trail
 * but no raw rows (their row filter is `false`).
 */
export const demoRulesPath = (): string => fileURLToPath(new URL('./demo-rules.json', import.meta.url))
