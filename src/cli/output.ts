import { jsonStringifyLossless } from '../storage/index.js'
import type { CliIo } from './command.js'

export type OutputFormat = 'table' | 'json'

export type Row = Readonly<Record<string, unknown>>

/** Renders one cell: bigints and numbers as digits, null/undefined as empty, objects as compact JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  return jsonStringifyLossless(v)
}

/** An aligned plain-text table with a header row; numbers are right-aligned. */
export function formatTable(rows: readonly Row[], columns: readonly string[]): string {
  const cells = rows.map(r => columns.map(c => cellText(r[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map(r => r[i]!.length)))
  const numeric = columns.map(c => rows.length > 0 && rows.every(r => typeof r[c] === 'number' || typeof r[c] === 'bigint' || r[c] == null))
  const line = (vals: readonly string[]): string =>
    vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(columns), line(widths.map(w => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n'
}

/** Prints a listing as an aligned table or as a JSON array (64-bit ids kept exact). */
export function outputRows(io: CliIo, rows: readonly Row[], columns: readonly string[], format: string | boolean | undefined): void {
  if (format === 'json') io.stdout.write(jsonStringifyLossless(rows.map(r => Object.fromEntries(columns.map(c => [c, r[c] ?? null]))), 2) + '\n')
  else io.stdout.write(formatTable(rows, columns))
}

/** Prints one value as JSON (lossless). */
export function outputJson(io: CliIo, value: unknown): void {
  io.stdout.write(jsonStringifyLossless(value, 2) + '\n')
}

/** `--format` as declared by every listing command. */
export const FORMAT_OPTION = { type: 'string', default: 'table', valueName: '<table|json>', description: 'Output format' } as const
