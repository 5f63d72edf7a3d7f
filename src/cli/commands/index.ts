import type { Command } from '../command.js'
import { audit } from './audit.js'
import { cdc } from './cdc.js'
import { config } from './config.js'
import { dags } from './dags.js'
import { demo } from './demo.js'
import { iceberg } from './iceberg/index.js'
import { rules } from './rules.js'
import { serve } from './serve.js'
import { sql } from './sql.js'
import { clients, groups, roles, users } from './users.js'

/** Every top-level command; add a new one here (one file per command in this folder). */
export const COMMANDS: readonly Command[] = [serve, config, iceberg, sql, rules, users, groups, roles, clients, audit, dags, cdc, demo]

/** The root command: `akko <command>`. */
export const AKKO: Command = {
  name: 'akko',
  summary: 'AKKO, the open data platform in one process: Iceberg lakehouse, REST catalog, SQL, governance.',
  subcommands: new Map(COMMANDS.map(c => [c.name, c])),
}
