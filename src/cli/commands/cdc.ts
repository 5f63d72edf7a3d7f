/**
 * `akko cdc …`: the CDC pipelines of `cdc:` in akko.yaml. `status` asks the running server (`akko serve` runs the
 * pipelines; by default the one at AKKO_HOST:AKKO_PORT); `drop` removes a pipeline's replication slot and
 * publication from its source server (the Iceberg tables stay).
 */
import { loadConfig, redactUrl } from '../../core/index.js'
import { cdcDrop } from '../../ingest/index.js'
import { cdcApiStatus } from '../../serve/index.js'
import { EXIT_OK, usageError, type Command } from '../command.js'
import { FORMAT_OPTION, outputJson, outputRows } from '../output.js'
import { envWithHome, HOME_OPTION, localAdminToken, localServerUrl } from './shared.js'

const status: Command = {
  name: 'status',
  summary: 'State, lag and counters of every CDC pipeline of the running server',
  options: {
    server: { type: 'string', valueName: '<url>', description: 'The server (default: http://$AKKO_HOST:$AKKO_PORT of this configuration)' },
    token: { type: 'string', valueName: '<token>', description: 'Bearer token (default: the admin token in AKKO_HOME, for a server on this machine)' },
    home: HOME_OPTION,
    format: FORMAT_OPTION,
  },
  async run({ values }, io) {
    const cfg = loadConfig(envWithHome(io.env, values.home), io.cwd)
    const server = typeof values.server === 'string' && values.server ? values.server : localServerUrl(cfg)
    const token = typeof values.token === 'string' && values.token ? values.token : await localAdminToken(server, cfg)
    const r = await cdcApiStatus(server, token)
    if (values.format === 'json') {
      outputJson(io, r)
      return EXIT_OK
    }
    if (!r.started && r.pipelines.length) io.stderr.write('note: the server does not run its CDC pipelines (they run under akko serve)\n')
    if (!r.pipelines.length) io.stderr.write('No CDC pipelines are configured (cdc: in akko.yaml).\n')
    outputRows(io, r.pipelines.map(p => ({
      name: p.name, state: p.state, lag_ms: p.lagMs, last_applied_lsn: p.lastAppliedLsn ?? '', last_applied_commit_time: p.lastAppliedCommitTime ?? '',
      rows_applied: p.rowsApplied, transactions_applied: p.transactionsApplied, restarts: p.restarts, error: p.error ?? '',
    })), ['name', 'state', 'lag_ms', 'last_applied_lsn', 'last_applied_commit_time', 'rows_applied', 'transactions_applied', 'restarts', 'error'], 'table')
    return EXIT_OK
  },
}

const drop: Command = {
  name: 'drop',
  summary: "Drop a pipeline's replication slot and publication on its source server (its Iceberg tables stay)",
  args: '<name>',
  positionals: { min: 1, max: 1 },
  options: {
    url: { type: 'string', valueName: '<postgres://…>', description: 'The source server, for a pipeline no longer in akko.yaml' },
    home: HOME_OPTION,
  },
  async run({ values, positionals }, io) {
    const name = positionals[0]!
    const cfg = loadConfig(envWithHome(io.env, values.home), io.cwd)
    const configured = cfg.cdcPipelines.find(p => p.name === name)
    const url = typeof values.url === 'string' && values.url ? values.url : configured?.url.reveal()
    if (!url) throw usageError(`No CDC pipeline named ${name} in the configuration (${cfg.cdcPipelines.map(p => p.name).join(', ') || 'none'}): give its source with --url postgres://…`)
    if (configured) io.stderr.write(`warning: ${name} is still in akko.yaml: a running akko serve creates its slot again (with a new initial snapshot) when it restarts the pipeline; remove it from cdc: first\n`)
    const r = await cdcDrop({ source: { url }, name })
    io.stdout.write(`${name} on ${redactUrl(url)}: ${r.slotDropped ? 'replication slot dropped' : 'no replication slot'}, publication dropped\n`)
    return EXIT_OK
  },
}

export const cdc: Command = {
  name: 'cdc',
  summary: 'CDC pipelines (PostgreSQL logical replication into Iceberg): status and lag, drop',
  subcommands: new Map([status, drop].map(c => [c.name, c])),
}

