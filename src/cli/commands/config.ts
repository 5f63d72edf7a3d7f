import { stringify as yamlStringify } from 'yaml'
import { configForDisplay, loadConfig } from '../../core/index.js'
import { EXIT_OK, type Command } from '../command.js'
import { FORMAT_OPTION, outputJson } from '../output.js'
import { envWithHome, HOME_OPTION } from './shared.js'

/** `akko config`: the effective configuration (defaults, akko.yaml, AKKO_* variables) with secrets hidden. */
export const config: Command = {
  name: 'config',
  summary: 'Print the effective configuration (secrets hidden) and where it came from',
  options: { format: FORMAT_OPTION, home: HOME_OPTION },
  async run({ values }, io) {
    const shown = configForDisplay(loadConfig(envWithHome(io.env, values.home), io.cwd))
    if (values.format === 'json') outputJson(io, shown)
    else io.stdout.write(yamlStringify(shown))
    return EXIT_OK
  },
}
