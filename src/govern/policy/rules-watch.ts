/**
 * Keeps a rules file's rules current: watches the file's folder (editors often replace a file rather than write
 * it in place, which a watch on the file itself would miss), debounces bursts of events, and swaps in the new rules
 * only when they validate. A bad edit is logged with every problem and the last good rules stay in force.
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { AkkoError, silentLogger, type Logger } from '../../core/index.js'
import { rulesLoadFile, type Rules } from './rules-file.js'
import { rulesPolicyProvider, type RulesPolicyOptions, type RulesPolicyProvider } from './rules-policy.js'

export interface RulesWatchOptions {
  /** Quiet time after the last change before reloading (ms). */
  readonly debounceMs?: number
  readonly logger?: Logger
  /** Called after every reload attempt: the error when the edit was rejected. */
  readonly onReload?: (outcome: { ok: true; rules: Rules } | { ok: false; error: AkkoError }) => void
}

/** The current rules of a watched file. */
export interface RulesWatcher {
  readonly path: string
  current(): Rules
  /** Re-reads the file now; true when the new rules were taken. */
  reload(): boolean
  close(): void
}

/** Loads `path` (throwing INVALID_CONFIG when it is invalid at start) and keeps watching it. */
export function rulesWatchFile(path: string, opts: RulesWatchOptions = {}): RulesWatcher {
  const file = resolve(path)
  const logger = opts.logger ?? silentLogger
  let rules = rulesLoadFile(file)
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined

  const reload = (): boolean => {
    try {
      rules = rulesLoadFile(file)
      logger.emit({ code: 'G110', level: 'info', msg: 'access rules reloaded', file })
      opts.onReload?.({ ok: true, rules })
      return true
    } catch (e) {
      const error = e instanceof AkkoError ? e : new AkkoError('INVALID_CONFIG', `Cannot load the rules file ${file}: ${(e as Error).message}`, { file })
      logger.emit({
        code: 'G111',
        level: 'warn',
        msg: 'access rules file rejected; the last good rules stay in force',
        file,
        error: error.message,
        problems: error.details.problems,
      })
      opts.onReload?.({ ok: false, error })
      return false
    }
  }

  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(file)) return
      clearTimeout(timer)
      timer = setTimeout(reload, opts.debounceMs ?? 200)
    })
    watcher.on('error', e => logger.emit({ code: 'G112', level: 'warn', msg: 'stopped watching the access rules file', file, error: e.message }))
  } catch (e) {
    // Without a watch the rules still work; they just need a restart (or reload()) to change.
    logger.emit({ code: 'G112', level: 'warn', msg: 'cannot watch the access rules file', file, error: (e as Error).message })
  }

  return {
    path: file,
    current: () => rules,
    reload,
    close() {
      clearTimeout(timer)
      watcher?.close()
    },
  }
}

/** A policy provider over a rules file that reloads itself when the file changes. */
export function rulesFilePolicy(path: string, opts: RulesWatchOptions & RulesPolicyOptions = {}): RulesPolicyProvider & { readonly watcher: RulesWatcher } {
  const watcher = rulesWatchFile(path, opts)
  return { ...rulesPolicyProvider(() => watcher.current(), { ...opts, onClose: () => watcher.close() }), watcher }
}
