#!/usr/bin/env node
/**
 * The `akko` executable: looks up the command and exits with what it returns. Nothing else exits.
 * Commands live in ./commands (one file each); see ./command.ts for the conventions.
 */
import { commandRun } from './command.js'
import { AKKO } from './commands/index.js'
import { processIo } from './process-io.js'

process.exit(await commandRun(AKKO, process.argv.slice(2), processIo(), ['akko']))
