import { resolve } from 'node:path'
// The govern layer's index.ts is not written yet; switch to '../../govern/index.js' once it re-exports policy.
import { demoRulesPath, rulesCheck, RulesPolicy, rulesLoadFile, type Rules } from '../../govern/index.js'
import { AkkoError } from '../../core/index.js'
import { EXIT_ERROR, EXIT_OK, usageError, type CliIo, type Command } from '../command.js'
import { FORMAT_OPTION, outputJson } from '../output.js'

const FILE_HELP = 'Rules file (default: $AKKO_RULES_FILE, else the demo rules)'

/** The rules file to use: the argument, then AKKO_RULES_FILE, then the shipped demo rules. */
function rulesFileOf(arg: string | boolean | undefined, io: CliIo): string {
  if (typeof arg === 'string' && arg !== '') return resolve(io.cwd, arg)
  if (io.env.AKKO_RULES_FILE) return resolve(io.cwd, io.env.AKKO_RULES_FILE)
  return demoRulesPath()
}

/** `akko rules check [file]`: validates and lists every problem with its JSON path. */
const check: Command = {
  name: 'check',
  summary: 'Validate an access rules file (Trino file-based format); exit 1 listing every problem',
  args: '[file]',
  positionals: { min: 0, max: 1 },
  options: { format: FORMAT_OPTION },
  async run({ values, positionals }, io) {
    const file = rulesFileOf(positionals[0], io)
    let problems: Array<{ path: string; message: string }>
    let rules: Rules | undefined
    try {
      rules = rulesLoadFile(file)
      problems = []
    } catch (e) {
      if (!(e instanceof AkkoError) || e.code !== 'INVALID_CONFIG') throw e
      problems = (e.details.problems as typeof problems | undefined) ?? [{ path: '$', message: e.message }]
    }
    if (values.format === 'json') outputJson(io, { file, ok: problems.length === 0, problems })
    else if (problems.length === 0) {
      const counts = (['catalogs', 'schemas', 'tables', 'impersonation'] as const).map(k => `${rules?.[k]?.length ?? 'no'} ${k} rules`)
      io.stdout.write(`${file}: ok (${counts.join(', ')})\n`)
    } else {
      io.stdout.write(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`)
      for (const p of problems) io.stdout.write(`  ${p.path}: ${p.message}\n`)
    }
    return problems.length === 0 ? EXIT_OK : EXIT_ERROR
  },
}

const list = (v: string | boolean | undefined): string[] => (typeof v === 'string' ? v.split(',').map(s => s.trim()).filter(Boolean) : [])

/** `akko rules explain`: which rules decide a table for an identity, with privileges, masks and row filter. */
const explain: Command = {
  name: 'explain',
  summary: 'Show which rules apply to a table for a user (privileges, column masks, row filter) and why',
  options: {
    user: { type: 'string', short: 'u', valueName: '<name>', description: 'User name (required)' },
    group: { type: 'string', valueName: '<g1,g2>', description: 'Groups of the user, comma-separated' },
    role: { type: 'string', valueName: '<r1,r2>', description: 'Roles of the user, comma-separated' },
    table: { type: 'string', short: 't', valueName: '<catalog.schema.table>', description: 'The table (required)' },
    columns: { type: 'string', valueName: '<c1,c2>', description: 'Columns of the table, to show masks and denials' },
    file: { type: 'string', short: 'f', valueName: '<path>', description: FILE_HELP },
    format: FORMAT_OPTION,
  },
  async run({ values }, io) {
    if (typeof values.user !== 'string' || values.user === '') throw usageError('--user is required')
    const parts = typeof values.table === 'string' ? values.table.split('.') : []
    if (parts.length !== 3 || parts.some(p => p === '')) throw usageError('--table must be catalog.schema.table')
    const [c, s, t] = parts as [string, string, string]
    const rules = rulesLoadFile(rulesFileOf(values.file, io))
    const identity = { user: values.user, groups: list(values.group), roles: list(values.role) }
    const policy = new RulesPolicy(rules, identity)
    const x = policy.explainTable(c, s, t, list(values.columns))
    const rule = x.tableRule === undefined ? undefined : rules.tables?.[x.tableRule]
    const result = {
      identity,
      table: `${c}.${s}.${t}`,
      catalog: { access: x.catalogAccess, rule: x.catalogRule === undefined ? null : `$.catalogs[${x.catalogRule}]` },
      schema: { owner: x.schemaOwner, visible: policy.schemaVisible(c, s), rule: x.schemaRule === undefined ? null : `$.schemas[${x.schemaRule}]` },
      tableRule: rule ? `$.tables[${x.tableRule}]` : x.tablesSectionPresent ? null : '(no tables section: all privileges)',
      privileges: x.privileges,
      columnRules: rule?.columns.map(r => ({ ...(r.name !== undefined ? { name: r.name } : { tag: r.tag }), allow: r.allow, ...(r.mask ? { mask: r.mask } : {}) })) ?? [],
      masks: Object.fromEntries(x.columns.masks),
      denied: x.columns.denied,
      filter: x.filter ?? null,
      filterEnvironment: x.filterEnvironment ?? null,
    }
    if (values.format === 'json') {
      outputJson(io, result)
      return EXIT_OK
    }
    const lines = [
      `${result.table} for ${identity.user}${identity.roles.length ? ` (roles ${identity.roles.join(', ')})` : ''}${identity.groups.length ? ` (groups ${identity.groups.join(', ')})` : ''}`,
      `  catalog access: ${x.catalogAccess}${result.catalog.rule ? ` by ${result.catalog.rule}` : ' (default)'}`,
      `  schema:         ${result.schema.visible ? 'visible' : 'hidden'}${x.schemaOwner ? ', owner' : ''}${result.schema.rule ? ` by ${result.schema.rule}` : ''}`,
      `  table rule:     ${result.tableRule ?? 'none matched (denied)'}`,
      `  privileges:     ${x.privileges.length ? x.privileges.join(', ') : '(none)'}`,
      `  row filter:     ${x.filter ?? '(none)'}`,
      ...result.columnRules.map(r => `  column rule:    ${'name' in r ? r.name : `tag ${r.tag}`}: ${r.allow ? (r.mask ? `masked as ${r.mask}` : 'allowed') : 'denied'}`),
      ...Object.entries(result.masks).map(([col, m]) => `  mask:           ${col} → ${m}`),
      ...(x.columns.denied.length ? [`  denied columns: ${x.columns.denied.join(', ')}`] : []),
    ]
    io.stdout.write(lines.join('\n') + '\n')
    return EXIT_OK
  },
}

/** `akko rules`: access rules tools. */
export const rules: Command = {
  name: 'rules',
  summary: 'Check access rules files and explain which rules apply to a table',
  subcommands: new Map([check, explain].map(c => [c.name, c])),
}
