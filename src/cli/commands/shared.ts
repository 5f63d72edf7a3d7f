import { readFile } from 'node:fs/promises'
import { jsonLogger, loadConfig, type AkkoConfig } from '../../core/index.js'
import { createPlatform, type Platform } from '../../platform.js'
import { adminTokenPath } from '../../serve/index.js'
import { usageError, type CliIo, type OptionSpec } from '../command.js'

/** `--home`: the AKKO_HOME to use (overrides the environment). */
export const HOME_OPTION: OptionSpec = { type: 'string', valueName: '<dir>', description: 'AKKO_HOME directory (default: $AKKO_HOME or ./.akko)' }

/** The environment with `--home` applied, so the one config loader sees it like AKKO_HOME. */
export function envWithHome(env: NodeJS.ProcessEnv, home: string | boolean | undefined): NodeJS.ProcessEnv {
  return typeof home === 'string' && home ? { ...env, AKKO_HOME: home } : env
}

/**
 * Opens the configured platform in-process (not over HTTP) for the duration of `fn`, then closes it.
 * Logs go to stderr at warn level so command output stays clean.
 */
export async function withPlatform<T>(io: CliIo, home: string | boolean | undefined, fn: (p: Platform) => Promise<T>): Promise<T> {
  const cfg = loadConfig(envWithHome(io.env, home), io.cwd)
  const platform = await createPlatform(cfg, jsonLogger('warn', io.stderr))
  try {
    return await fn(platform)
  } finally {
    await platform.close()
  }
}

/** The admin token, read only for a server on this machine: it is the local platform's master key. */
export async function localAdminToken(server: string, cfg: AkkoConfig): Promise<string | undefined> {
  let host: string
  try {
    host = new URL(server).hostname
  } catch {
    throw usageError(`--server must be a URL such as http://127.0.0.1:8080; got "${server}"`)
  }
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host) && host !== cfg.host) return undefined
  try {
    return (await readFile(adminTokenPath(cfg.home), 'utf8')).trim() || undefined
  } catch {
    return undefined
  }
}

/** The URL of this configuration's server as seen from this machine (a wildcard listen address means loopback). */
export function localServerUrl(cfg: AkkoConfig): string {
  return `http://${cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host}:${cfg.port}`
}
