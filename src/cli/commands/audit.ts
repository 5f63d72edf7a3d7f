import { open } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import { loadConfig } from '../../core/index.js'
import { AUDIT_KINDS, AUDIT_MIGRATIONS, auditExport, auditReader, type AuditEvent, type AuditFilter, type AuditKind, type AuditOutput, type AuditReader } from '../../govern/index.js'
import { openMetastore } from '../../storage/index.js'
import { EXIT_OK, usageError, type CliIo, type Command, type CommandArgs, type OptionSpec } from '../command.js'
import { FORMAT_OPTION, outputJson, outputRows } from '../output.js'
import { envWithHome, HOME_OPTION } from './shared.js'

/**
 * Opens only the configured metastore (not the engine or the object store) with the audit table in place.
 * The embedded PGlite metastore admits one process at a time: stop `akko serve` first, or use PostgreSQL.
 */
async function withAuditReader<T>(io: CliIo, home: CommandArgs['values'][string], fn: (reader: AuditReader) => Promise<T>): Promise<T> {
  const metastore = await openMetastore(loadConfig(envWithHome(io.env, home), io.cwd))
  try {
    await metastore.migrate(AUDIT_MIGRATIONS)
    return await fn(auditReader(metastore.sql))
  } finally {
    await metastore.close()
  }
}

const FILTER_OPTIONS: Record<string, OptionSpec> = {
  kind: { type: 'string', valueName: `<${AUDIT_KINDS.join('|')}>`, description: 'Only events of this kind' },
  actor: { type: 'string', valueName: '<user>', description: 'Only events of this user' },
}

/** The filter given on the command line; bad values are usage errors (exit 2). */
function filterOf(values: CommandArgs['values']): AuditFilter {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined)
  const time = (name: string): string | undefined => {
    const v = text(name)
    if (v !== undefined && Number.isNaN(Date.parse(v))) throw usageError(`--${name} must be an ISO-8601 time such as 2025-01-31 or 2025-01-31T12:00:00Z, got "${v}"`)
    return v
  }
  const kind = text('kind')
  if (kind !== undefined && !AUDIT_KINDS.includes(kind as AuditKind)) throw usageError(`--kind must be one of ${AUDIT_KINDS.join(', ')}, got "${kind}"`)
  const since = time('since')
  const until = time('until')
  const actor = text('actor')
  return { ...(since ? { since } : {}), ...(until ? { until } : {}), ...(kind ? { kind: kind as AuditKind } : {}), ...(actor !== undefined ? { actor } : {}) }
}

const exportCmd: Command = {
  name: 'export',
  summary: 'Write audit events as JSON lines (one object per line, oldest first) to stdout or a file',
  options: {
    since: { type: 'string', valueName: '<ISO time>', description: 'Events at or after this time' },
    until: { type: 'string', valueName: '<ISO time>', description: 'Events before this time' },
    ...FILTER_OPTIONS,
    output: { type: 'string', short: 'o', valueName: '<file>', description: 'Write to this file instead of stdout' },
    home: HOME_OPTION,
  },
  async run({ values }, io) {
    const filter = filterOf(values)
    const file = typeof values.output === 'string' ? values.output : undefined
    await withAuditReader(io, values.home, async (reader) => {
      if (!file) {
        await auditExport(reader, io.stdout as AuditOutput, filter)
        return
      }
      // Opened first so a bad path fails before anything is read; the stream closes the handle.
      const out = (await open(file, 'w')).createWriteStream()
      const done = finished(out)
      done.catch(() => undefined)
      let n: number
      try {
        n = await auditExport(reader, out, filter)
      } finally {
        out.end()
      }
      await done
      io.stderr.write(`Exported ${n} audit event${n === 1 ? '' : 's'} to ${file}\n`)
    })
    return EXIT_OK
  },
}

const tailCmd: Command = {
  name: 'tail',
  summary: 'Show the latest audit events',
  options: {
    limit: { type: 'string', short: 'n', default: '20', valueName: '<n>', description: 'How many events' },
    ...FILTER_OPTIONS,
    format: FORMAT_OPTION,
    home: HOME_OPTION,
  },
  async run({ values }, io) {
    const limit = Number(values.limit)
    if (!Number.isSafeInteger(limit) || limit <= 0) throw usageError(`--limit must be a positive integer, got "${values.limit}"`)
    const filter = filterOf(values)
    const events = await withAuditReader(io, values.home, (reader) => reader.events({ ...filter, limit, newest: true }))
    if (values.format === 'json') outputJson(io, events)
    else outputRows(io, events.map(tailRow), ['id', 'time', 'kind', 'actor', 'outcome', 'action', 'what'], values.format)
    return EXIT_OK
  },
}

/** One line per event: the query text (on one line, shortened), else the tables touched; the error code last. */
function tailRow(e: AuditEvent): Record<string, unknown> {
  const subject = e.queryText ? e.queryText.replace(/\s+/g, ' ').trim() : (e.tables ?? []).join(',')
  const short = subject.length > 80 ? `${subject.slice(0, 79)}…` : subject
  return { id: e.id, time: e.time, kind: e.kind, actor: e.runAs ? `${e.actor} as ${e.runAs}` : e.actor, outcome: e.outcome, action: e.action, what: [short, e.error?.code].filter(Boolean).join(' ') }
}

/** `akko audit export|tail`: the audit trail kept in the metastore. */
export const audit: Command = {
  name: 'audit',
  summary: 'Read the audit trail: export as JSON lines, or show the latest events',
  subcommands: new Map([exportCmd, tailCmd].map((c) => [c.name, c])),
}
