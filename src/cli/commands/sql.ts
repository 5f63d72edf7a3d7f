/**
 * `akko sql`: run SQL against a server over the Trino protocol (default) or an in-process engine (`--embedded`),
 * one statement with `-e`, or an interactive prompt with history. Output formats follow the Trino CLI.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { AkkoError, loadConfig, toAkkoError, type AkkoConfig } from '../../core/index.js'
import type { ColumnMeta, Session } from '../../engine/index.js'
import { TrinoClient, typeSignatureParse, type ClientResult, type TypeSignature } from '../../serve/index.js'
import { EXIT_ERROR, EXIT_OK, usageError, type CliIo, type Command, type ExitCode } from '../command.js'
import { envWithHome, HOME_OPTION, withPlatform, localAdminToken, localServerUrl } from './shared.js'

const FORMATS = ['ALIGNED', 'CSV', 'CSV_HEADER', 'CSV_UNQUOTED', 'CSV_HEADER_UNQUOTED', 'TSV', 'TSV_HEADER', 'JSON', 'NULL'] as const
type Format = (typeof FORMATS)[number]

/** Runs statements one at a time, keeping the session (catalog, schema, properties, prepared statements). */
interface SqlRunner {
  run(sql: string, signal: AbortSignal): Promise<ClientResult>
}

export const sql: Command = {
  name: 'sql',
  summary: 'Run SQL (Trino dialect): one statement with -e, or an interactive prompt',
  options: {
    execute: { type: 'string', short: 'e', valueName: '<sql>', description: 'Run this statement and exit' },
    server: { type: 'string', valueName: '<url>', description: 'Server to talk to over the Trino protocol (default: http://$AKKO_HOST:$AKKO_PORT)' },
    token: { type: 'string', valueName: '<token>', description: 'Bearer token (default: the admin token in AKKO_HOME, for a server on this machine)' },
    user: { type: 'string', valueName: '<name>', description: 'Session user (default: admin with the local admin token, else $USER)' },
    password: { type: 'boolean', description: 'Authenticate as --user with the password in $AKKO_PASSWORD (HTTP basic, as Trino clients do)' },
    catalog: { type: 'string', valueName: '<name>', description: 'Default catalog' },
    schema: { type: 'string', valueName: '<name>', description: 'Default schema' },
    'output-format': { type: 'string', valueName: '<format>', description: `${FORMATS.join('|')} (default: CSV with -e, ALIGNED at the prompt)` },
    embedded: { type: 'boolean', description: 'Run an in-process engine on AKKO_HOME instead of talking to a server' },
    home: HOME_OPTION,
  },
  async run({ values }, io) {
    const cfg = loadConfig(envWithHome(io.env, values.home), io.cwd)
    const statement = typeof values.execute === 'string' ? values.execute : undefined
    const format = parseFormat(values['output-format'], statement !== undefined ? 'CSV' : 'ALIGNED')
    const session = { catalog: str(values.catalog), schema: str(values.schema) }
    const go = (runner: SqlRunner): Promise<ExitCode> =>
      statement !== undefined ? runOne(runner, statement, format, io) : repl(runner, format, io, cfg)
    if (values.embedded) {
      return withPlatform(io, values.home, async platform => {
        if (!platform.engine) throw new AkkoError('NOT_SUPPORTED', 'The SQL engine is not available in this build')
        // In-process means file-system access to the warehouse already: the session is the local administrator.
        return go(embeddedRunner(platform.engine, { user: str(values.user) ?? io.env.USER ?? 'admin', roles: ['akko-admin'], ...session }))
      })
    }
    const server = str(values.server) ?? localServerUrl(cfg)
    if (values.password) {
      const user = str(values.user)
      const password = io.env.AKKO_PASSWORD
      if (!user || !password) throw usageError('--password needs --user and the password in $AKKO_PASSWORD')
      return go(serverRunner(new TrinoClient({ server, user, password, ...session })))
    }
    const token = str(values.token) ?? (await localAdminToken(server, cfg))
    // The admin token's identity is `admin`; another --user is impersonation, which the access rules decide.
    const user = str(values.user) ?? (token && !str(values.token) ? 'admin' : io.env.USER ?? 'akko')
    return go(serverRunner(new TrinoClient({ server, user, token, ...session })))
  },
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function parseFormat(v: string | boolean | undefined, fallback: Format): Format {
  if (typeof v !== 'string') return fallback
  const f = v.toUpperCase()
  if (!(FORMATS as readonly string[]).includes(f)) throw usageError(`--output-format must be one of ${FORMATS.join(', ')}; got "${v}"`)
  return f as Format
}


function serverRunner(client: TrinoClient): SqlRunner {
  return { run: (s, signal) => client.query(s, signal) }
}

/** The engine in-process, with the session kept here as a server's client would keep it. */
function embeddedRunner(engine: import('../../engine/engine.js').QueryEngine, start: { user: string; roles: readonly string[]; catalog?: string; schema?: string }): SqlRunner {
  let session: Session = { user: start.user, roles: start.roles, groups: [], auditSource: 'cli', catalog: start.catalog, schema: start.schema, properties: {}, preparedStatements: {}, source: 'akko-cli' }
  return {
    async run(s, signal) {
      const r = await engine.execute(s, session, { signal })
      const c = r.sessionChanges
      if (c) {
        const properties = { ...session.properties, ...c.setSession }
        for (const k of c.resetSession ?? []) delete properties[k]
        const preparedStatements = { ...session.preparedStatements, ...c.addedPrepare }
        for (const k of c.deallocatedPrepare ?? []) delete preparedStatements[k]
        session = { ...session, catalog: c.setCatalog ?? session.catalog, schema: c.setSchema ?? session.schema, properties, preparedStatements }
      }
      return { queryId: r.queryId, columns: r.columns, rows: r.rows, update: () => ({ updateType: r.updateType, updateCount: r.updateCount }) }
    },
  }
}

/** `-e`: one statement; Ctrl-C cancels it. */
async function runOne(runner: SqlRunner, statement: string, format: Format, io: CliIo): Promise<ExitCode> {
  const ac = new AbortController()
  void io.waitForShutdown().then(() => ac.abort())
  await execute(runner, statement.trim().replace(/;\s*$/, ''), format, io, ac.signal)
  return EXIT_OK
}

/** Prints a statement's result as it streams in; statements without output print their update line on stderr. */
async function execute(runner: SqlRunner, statement: string, format: Format, io: CliIo, signal: AbortSignal): Promise<void> {
  const r = await runner.run(statement, signal)
  const out = new ResultPrinter(r.columns, format, io)
  let count = 0
  for await (const batch of r.rows) {
    if (signal.aborted) throw new AkkoError('CANCELLED', 'Query was canceled')
    count += batch.length
    if (!r.update().updateType) out.rows(batch)
  }
  const { updateType, updateCount } = r.update()
  if (updateType) io.stderr.write(updateCount !== undefined ? `${updateType}: ${updateCount} row${updateCount === 1 ? '' : 's'}\n` : `${updateType}\n`)
  else out.end(count)
}

/** The interactive prompt: statements end with `;` (may span lines); `quit`/`exit` or Ctrl-D leave. */
async function repl(runner: SqlRunner, format: Format, io: CliIo, cfg: AkkoConfig): Promise<ExitCode> {
  const interactive = process.stdin.isTTY === true
  const historyFile = join(cfg.home, 'sql_history')
  const history = interactive ? await loadHistory(historyFile) : []
  const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, history, historySize: 1000 })
  let running: AbortController | undefined
  let buffer = ''
  const prompt = (): void => {
    if (interactive) {
      rl.setPrompt(buffer ? '     -> ' : 'akko> ')
      rl.prompt()
    }
  }
  rl.on('SIGINT', () => {
    if (running) running.abort()
    else {
      buffer = ''
      io.stdout.write('\n')
      prompt()
    }
  })
  prompt()
  try {
    for await (const line of rl) {
      if (!buffer && /^\s*(quit|exit)\s*;?\s*$/i.test(line)) break
      buffer += (buffer ? '\n' : '') + line
      const { statements, rest } = statementsSplit(buffer)
      buffer = rest
      for (const s of statements) {
        if (interactive) await saveHistory(historyFile, s)
        running = new AbortController()
        try {
          await execute(runner, s, format, io, running.signal)
        } catch (e) {
          printError(io, s, e)
          if (!interactive) return EXIT_ERROR
        } finally {
          running = undefined
        }
      }
      prompt()
    }
    if (buffer.trim() && !interactive) {
      try {
        await execute(runner, buffer.trim(), format, io, new AbortController().signal)
      } catch (e) {
        printError(io, buffer, e)
        return EXIT_ERROR
      }
    }
  } finally {
    rl.close()
  }
  return EXIT_OK
}

function printError(io: CliIo, statement: string, err: unknown): void {
  const e = toAkkoError(err)
  if (e.code === 'CANCELLED') {
    io.stderr.write('Query aborted by user\n')
    return
  }
  io.stderr.write(`Query failed [${(e.details.errorName as string | undefined) ?? e.code}]: ${e.message}\n`)
  const line = Number(e.details.line)
  const column = Number(e.details.column)
  const text = statement.split('\n')[line - 1]
  if (text !== undefined && column >= 1) io.stderr.write(`\n${text}\n${' '.repeat(column - 1)}^\n`)
}

/**
 * Splits complete statements (ending in `;` outside quotes and comments) off the input typed so far.
 * Exported for tests.
 */
export function statementsSplit(text: string): { statements: string[]; rest: string } {
  const statements: string[] = []
  let start = 0
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1)
      if (end < 0) break
      i = end + 1
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i)
      if (end < 0) break
      i = end + 1
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) break
      i = end + 2
    } else if (c === ';') {
      const s = text.slice(start, i).trim()
      if (s) statements.push(s)
      start = ++i
    } else i++
  }
  return { statements, rest: text.slice(start).trim() ? text.slice(start) : '' }
}

async function loadHistory(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean).slice(-1000).reverse()
  } catch {
    return []
  }
}

async function saveHistory(file: string, statement: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true })
    await appendFile(file, statement.replace(/\s*\n\s*/g, ' ') + ';\n', { mode: 0o600 })
  } catch {
    // History is a convenience; a read-only home must not stop queries.
  }
}

/** Rows of at most this many are aligned together; larger results print in aligned chunks. */
const ALIGN_CHUNK = 10_000
const NUMERIC = /^(tinyint|smallint|integer|bigint|real|double|decimal)$/

/** Writes rows in one of the Trino CLI's formats as they arrive. */
class ResultPrinter {
  private readonly sigs: TypeSignature[]
  private pending: string[][] = []
  private headerDone = false

  constructor(
    private readonly columns: readonly ColumnMeta[],
    private readonly format: Format,
    private readonly io: CliIo,
  ) {
    this.sigs = columns.map(c => typeSignatureParse(c.type))
  }

  rows(batch: readonly (readonly unknown[])[]): void {
    const f = this.format
    if (f === 'NULL') return
    if (f === 'JSON') {
      const text = batch.map(r => JSON.stringify(Object.fromEntries(this.columns.map((c, i) => [c.name, r[i] ?? null])))).join('\n')
      this.io.stdout.write(text + '\n')
      return
    }
    const cells = batch.map(r => r.map((v, i) => (v === null || v === undefined ? null : valueText(v, this.sigs[i]!))))
    if (f === 'ALIGNED') {
      for (const r of cells) this.pending.push(r.map(v => v ?? 'NULL'))
      if (this.pending.length >= ALIGN_CHUNK) this.flushAligned()
      return
    }
    const lines: string[] = []
    if (!this.headerDone && (f === 'CSV_HEADER' || f === 'CSV_HEADER_UNQUOTED' || f === 'TSV_HEADER')) {
      lines.push(this.line(this.columns.map(c => c.name)))
    }
    this.headerDone = true
    for (const r of cells) lines.push(this.line(r))
    if (lines.length) this.io.stdout.write(lines.join('\n') + '\n')
  }

  end(rowCount: number): void {
    if (this.format === 'ALIGNED') {
      this.flushAligned()
      this.io.stdout.write(`(${rowCount} row${rowCount === 1 ? '' : 's'})\n`)
    } else if (!this.headerDone && rowCount === 0) this.rows([])
  }

  private line(cells: readonly (string | null)[]): string {
    switch (this.format) {
      case 'CSV':
      case 'CSV_HEADER':
        return cells.map(v => `"${(v ?? '').replace(/"/g, '""')}"`).join(',')
      case 'CSV_UNQUOTED':
      case 'CSV_HEADER_UNQUOTED':
        return cells.map(v => v ?? '').join(',')
      default:
        return cells.map(v => (v === null ? '' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'))).join('\t')
    }
  }

  /** Trino's aligned table: centred header, numbers right-aligned, `-+-` rule. */
  private flushAligned(): void {
    if (this.pending.length === 0 && this.headerDone) return
    const names = this.columns.map(c => c.name)
    const widths = names.map((n, i) => Math.max(n.length, ...this.pending.map(r => r[i]!.length)))
    const right = this.sigs.map(s => NUMERIC.test(s.rawType))
    const out: string[] = []
    if (!this.headerDone) {
      out.push(' ' + names.map((n, i) => centre(n, widths[i]!)).join(' | ') + ' ')
      out.push(widths.map(w => '-'.repeat(w + 2)).join('+'))
      this.headerDone = true
    }
    for (const r of this.pending) out.push(' ' + r.map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ') + ' ')
    this.pending = []
    if (out.length) this.io.stdout.write(out.join('\n') + '\n')
  }
}

function centre(s: string, w: number): string {
  const left = Math.floor((w - s.length) / 2)
  return ' '.repeat(left) + s + ' '.repeat(w - s.length - left)
}

/** A wire value as the Trino CLI shows it: arrays `[a, b]`, maps `{k=v}`, rows `{field=v}`, varbinary as hex bytes. */
function valueText(v: unknown, sig: TypeSignature): string {
  if (v === null || v === undefined) return 'NULL'
  const arg = (i: number): TypeSignature => {
    const a = sig.arguments[i]
    return a?.kind === 'TYPE' ? a.value : a?.kind === 'NAMED_TYPE' ? a.value.typeSignature : { rawType: 'unknown', arguments: [] }
  }
  switch (sig.rawType) {
    case 'varbinary':
      return typeof v === 'string' ? [...Buffer.from(v, 'base64')].map(b => b.toString(16).padStart(2, '0')).join(' ') : String(v)
    case 'array':
      return Array.isArray(v) ? `[${v.map(x => valueText(x, arg(0))).join(', ')}]` : String(v)
    case 'map':
      return typeof v === 'object' ? `{${Object.entries(v as object).map(([k, x]) => `${k}=${valueText(x, arg(1))}`).join(', ')}}` : String(v)
    case 'row':
      if (!Array.isArray(v)) return String(v)
      return `{${v.map((x, i) => { const a = sig.arguments[i]; const name = a?.kind === 'NAMED_TYPE' ? a.value.fieldName?.name : undefined; return `${name ?? `field${i}`}=${valueText(x, arg(i))}` }).join(', ')}}`
    default:
      return typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
}
