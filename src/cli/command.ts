import { parseArgs } from 'node:util'
import { AkkoError, toAkkoError } from '../core/index.js'

export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2
export type ExitCode = typeof EXIT_OK | typeof EXIT_ERROR | typeof EXIT_USAGE

/** Everything a command touches of the outside world, so commands stay testable and never exit themselves. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean }
  readonly stderr: { write(s: string): unknown; isTTY?: boolean }
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  /** Resolves when the user asks the process to stop (Ctrl-C, SIGTERM). */
  waitForShutdown(): Promise<string>
}

/** An option declared as data: parsed by `util.parseArgs`, listed by `--help`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  readonly default?: string | boolean
  readonly description: string
  /** Shown in help after the flag, e.g. `<table|json>`. */
  readonly valueName?: string
}

export interface CommandArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>
  readonly positionals: readonly string[]
}

/** One CLI command (or sub-command). Handlers return an exit code; only main.ts exits. */
export interface Command {
  readonly name: string
  readonly summary: string
  /** Positional synopsis for help, e.g. `<namespace.table>`. */
  readonly args?: string
  readonly positionals?: { readonly min: number; readonly max: number }
  readonly options?: Readonly<Record<string, OptionSpec>>
  /** Sub-commands (`akko iceberg show …`); a command has either these or `run`. */
  readonly subcommands?: ReadonlyMap<string, Command>
  run?(args: CommandArgs, io: CliIo): Promise<ExitCode>
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help' }

/** A usage mistake: printed with a hint to --help, exit code 2. */
export const usageError = (message: string): AkkoError => new AkkoError('INVALID_ARGUMENT', message, { usage: true })

/**
 * Parses `argv` for `cmd` (descending into sub-commands), prints help when asked, runs it, and turns any
 * error into `error [CODE]: message` (or a JSON object on stderr with `--format json`) and an exit code.
 */
export async function commandRun(cmd: Command, argv: readonly string[], io: CliIo, path: readonly string[] = ['akko', cmd.name]): Promise<ExitCode> {
  if (cmd.subcommands) {
    const [first, ...rest] = argv
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      io.stdout.write(commandHelp(cmd, path))
      return first === undefined ? EXIT_USAGE : EXIT_OK
    }
    const sub = cmd.subcommands.get(first)
    if (!sub) return reportError(usageError(`Unknown command "${path.join(' ')} ${first}"`), io, false, path)
    return commandRun(sub, rest, io, [...path, sub.name])
  }
  let json = argv.includes('json') && argv.some((a, i) => (a === '--format' && argv[i + 1] === 'json') || a === '--format=json')
  try {
    const options = { ...cmd.options, help: HELP }
    const parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, parseArgsOption(o)])) as never,
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, string | boolean | undefined>; positionals: string[] }
    if (parsed.values.help) {
      io.stdout.write(commandHelp(cmd, path))
      return EXIT_OK
    }
    json = parsed.values.format === 'json'
    const { min, max } = cmd.positionals ?? { min: 0, max: 0 }
    if (parsed.positionals.length < min) throw usageError(`Missing argument: ${cmd.args ?? ''}`.trim())
    if (parsed.positionals.length > max) throw usageError(`Unexpected argument "${parsed.positionals[max]}"`)
    if (typeof parsed.values.format === 'string' && !['table', 'json'].includes(parsed.values.format)) {
      throw usageError(`--format must be table or json, got "${parsed.values.format}"`)
    }
    return await cmd.run!({ values: parsed.values, positionals: parsed.positionals }, io)
  } catch (e) {
    const isParseError = typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('ERR_PARSE_ARGS')
    return reportError(isParseError ? usageError((e as Error).message) : e, io, json, path)
  }
}

/** `util.parseArgs` rejects keys set to undefined, so only present settings are passed. */
function parseArgsOption(o: OptionSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { type: o.type }
  if (o.short !== undefined) out.short = o.short
  if (o.default !== undefined) out.default = o.default
  return out
}

function reportError(err: unknown, io: CliIo, json: boolean, path: readonly string[]): ExitCode {
  const e = toAkkoError(err)
  const usage = e.details.usage === true
  if (json) io.stderr.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n')
  else io.stderr.write(`error [${e.code}]: ${e.message}\n${usage ? `Run \`${path.join(' ')} --help\` for usage.\n` : ''}`)
  return usage ? EXIT_USAGE : EXIT_ERROR
}

/** Help text: synopsis, summary, then sub-commands or options as aligned lists. */
export function commandHelp(cmd: Command, path: readonly string[]): string {
  const lines: string[] = []
  if (cmd.subcommands) {
    lines.push(`Usage: ${path.join(' ')} <command> [options]`, '', cmd.summary, '', 'Commands:')
    lines.push(...aligned([...cmd.subcommands.values()].map(c => [c.name + (c.args ? ' ' + c.args : ''), c.summary])))
    lines.push('', `Run \`${path.join(' ')} <command> --help\` for a command's options.`)
  } else {
    lines.push(`Usage: ${path.join(' ')}${cmd.args ? ' ' + cmd.args : ''} [options]`, '', cmd.summary, '', 'Options:')
    const opts = Object.entries({ ...cmd.options, help: HELP }).map(([name, o]): [string, string] => [
      `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? '<value>'}` : ''}`,
      o.description + (o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : ''),
    ])
    lines.push(...aligned(opts))
  }
  return lines.join('\n') + '\n'
}

function aligned(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const w = Math.max(...rows.map(r => r[0].length))
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`)
}
