/**
 * A writer that dies between writing data files and committing them: used by the crash-safety test,
 * which kills this process with SIGKILL once it prints READY.
 * Usage: node --import tsx crash-writer.ts <AKKO_HOME> <namespace> <table>
 */
import { loadConfig, silentLogger } from '../../../src/core/index.js'
import { createPlatform } from '../../../src/platform.js'
import { currentSchema, specById, tableLoad } from '../../../src/storage/table/index.js'
import { dataFilesWrite } from '../../../src/storage/iceberg/duck/index.js'

const [home, ns, name] = process.argv.slice(2) as [string, string, string]
const platform = await createPlatform(loadConfig({ AKKO_HOME: home }, home), silentLogger)
const { metadata: m } = await tableLoad(platform.tables, { namespace: [ns], name })
const conn = await platform.duck.connect()
const files = await dataFilesWrite(conn, {
  sourceSql: `SELECT (100000 + i)::BIGINT AS id, 'CRASH' AS region FROM range(500) t(i)`,
  schema: currentSchema(m),
  spec: specById(m, m['default-spec-id']),
  store: platform.store,
  dataLocation: `${m.location}/data`,
})
process.stdout.write(`READY ${JSON.stringify(files.map(f => f.file_path))}\n`)
setInterval(() => {}, 1000)
