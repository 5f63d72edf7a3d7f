/**
 * The DuckDB read of a planned Iceberg scan (spec "Scan Planning", "Column Projection", "Position
 * Delete Files", "Equality Delete Files"): one SELECT that DuckDB runs in parallel over all files.
 * Columns are resolved by field id (`read_parquet(…, schema=MAP{id: …})`), so renamed columns and
 * files written by other engines with different column names read correctly, and columns added after
 * a file was written read as their `initial-default` or NULL. Deletes are anti-joins: position deletes
 * on (file, row number), equality deletes on the equality columns with NULL-safe equality, each only
 * against the data files the planner attached them to and only where the sequence numbers allow.
 * @module
 */
import { AkkoError, type IoOptions } from '../../../core/index.js'
import type { ObjectStore } from '../../object-store/object-store.js'
import type { DataFile, Schema, StructField } from '../spec.js'
import { schemaIndex } from '../types.js'
import { icebergToDuckType } from './duck-types.js'
import { sqlLiteralFromJson } from './sql-literal.js'
import { sqlIdent, sqlString, sqlStringList } from './sql-text.js'

/** Reserved field ids of position delete files (spec "Reserved Field IDs"). */
export const POSITION_DELETE_FILE_PATH_ID = 2147483546
export const POSITION_DELETE_POS_ID = 2147483545

/** A data file to read, with the delete files the planner found may apply to it. */
export interface FileScanTask {
  readonly dataFile: DataFile
  /** The data file's data sequence number. */
  readonly dataSequenceNumber: number
  readonly deletes: ReadonlyArray<{ readonly file: DataFile; readonly sequenceNumber: number }>
}

/** Input of `scanSql`. */
export interface ScanSqlOptions extends IoOptions {
  /** The schema to read: the table schema or a projection of it; output columns are its top-level fields. */
  readonly schema: Schema
  readonly tasks: readonly FileScanTask[]
  readonly store: ObjectStore
  /** The full table schema, to type equality-delete columns that the projection leaves out. */
  readonly tableSchema?: Schema
  /**
   * Also return `_file` (the data file's location as the table metadata records it) and `_pos` (the row's
   * 0-based position in that file): what row-level DELETE, UPDATE and MERGE turn into position deletes.
   */
  readonly withFilePos?: boolean
}

/** Internal name of a column while it is read (`__akko_c<id>`), so no user column name can clash. */
const col = (id: number): string => sqlIdent(`__akko_c${id}`)

/** Field id no file uses: read when the projection is empty, so DuckDB still counts rows. */
const NO_COLUMN_ID = 2147483000

interface ResolvedTask {
  readonly task: FileScanTask
  readonly local: string
  readonly positionDeletes: ReadonlyArray<{ readonly local: string }>
  readonly equalityDeletes: ReadonlyArray<{ readonly local: string; readonly ids: readonly number[] }>
}

/**
 * Builds one DuckDB SELECT returning the schema's top-level columns (by name, in schema order) for
 * the rows of `tasks` that survive their deletes. Files are read from `store.localPath`. An empty
 * task list gives an empty, typed SELECT. Throws NOT_SUPPORTED for equality deletes on nested columns,
 * INVALID_ARGUMENT for an equality column missing from both schemas, FILE_NOT_FOUND for a missing file.
 */
export async function scanSql(opts: ScanSqlOptions): Promise<{ sql: string }> {
  const { schema } = opts
  const output = schema.fields.length === 0 ? 'NULL AS "__akko_row"' : schema.fields.map((f) => `${col(f.id)} AS ${sqlIdent(f.name)}`).join(', ')
  const filePos = opts.withFilePos === true
  if (opts.tasks.length === 0) {
    const typed = schema.fields.length === 0 ? 'NULL AS "__akko_row"' : schema.fields.map((f) => `CAST(NULL AS ${icebergToDuckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')
    return { sql: `SELECT ${typed}${filePos ? ', NULL::VARCHAR AS "_file", NULL::BIGINT AS "_pos"' : ''} WHERE false` }
  }
  const resolved = await tasksResolve(opts)
  const hasDeletes = (r: ResolvedTask): boolean => r.positionDeletes.length > 0 || r.equalityDeletes.length > 0
  const plain = resolved.filter((r) => !hasDeletes(r))
  const withDeletes = resolved.filter(hasDeletes)
  const parts: string[] = []
  const ctes: string[] = []
  // With `_file`/`_pos`, files are read with their local path and row number, and a small map turns the
  // local path back into the location the metadata records (what position delete files must name).
  const fileJoin = filePos ? ' JOIN __akko_fmap AS fm ON fm.local = d.__akko_file' : ''
  const outputFull = filePos ? `${output}, fm.location AS "_file", d.file_row_number AS "_pos"` : output
  if (filePos) {
    const pairs = resolved.map((r) => `(${sqlString(r.local)}, ${sqlString(r.task.dataFile.file_path)})`)
    ctes.push(`__akko_fmap(local, location) AS (SELECT * FROM (VALUES ${pairs.join(', ')}))`)
  }
  if (plain.length > 0) {
    parts.push(filePos
      ? `SELECT ${outputFull} FROM read_parquet(${sqlStringList(plain.map((r) => r.local))}, ${schemaParam(schema.fields)}, filename = '__akko_file', file_row_number = true, hive_partitioning = false) AS d${fileJoin}`
      : `SELECT ${output} FROM read_parquet(${sqlStringList(plain.map((r) => r.local))}, ${schemaParam(schema.fields)}, hive_partitioning = false)`)
  }
  if (withDeletes.length > 0) parts.push(deletedReadSql(opts, withDeletes, outputFull, ctes, fileJoin))
  const body = parts.join('\nUNION ALL\n')
  return { sql: ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n${body}` : body }
}

async function tasksResolve(opts: ScanSqlOptions): Promise<ResolvedTask[]> {
  const locals = new Map<string, Promise<string>>()
  const local = (location: string): Promise<string> => {
    let p = locals.get(location)
    if (!p) locals.set(location, (p = opts.store.localPath(location, { signal: opts.signal })))
    return p
  }
  return Promise.all(opts.tasks.map(async (task) => {
    const seq = task.dataSequenceNumber
    // The planner chose these files; the sequence-number rules are applied again here so a delete
    // never removes rows written after it (spec "Scan Planning").
    const pos = task.deletes.filter((d) => d.file.content === 1 && d.sequenceNumber >= seq)
    const eq = task.deletes.filter((d) => d.file.content === 2 && d.sequenceNumber > seq)
    return {
      task,
      local: await local(task.dataFile.file_path),
      positionDeletes: await Promise.all(pos.map(async (d) => ({ local: await local(d.file.file_path) }))),
      equalityDeletes: await Promise.all(eq.map(async (d) => ({ local: await local(d.file.file_path), ids: equalityIds(d.file) }))),
    }
  }))
}

function equalityIds(file: DataFile): number[] {
  const ids = file.equality_ids ?? []
  if (ids.length === 0) throw new AkkoError('INVALID_METADATA', `Equality delete file ${file.file_path} lists no equality_ids`, { file: file.file_path })
  return [...ids]
}

/** `schema=MAP{id: {name, type, default_value}}`: columns by field id; defaults as text DuckDB casts to the type. */
function schemaParam(fields: readonly StructField[]): string {
  if (fields.length === 0) {
    return `schema = MAP {${NO_COLUMN_ID}: {name: '__akko_none', type: 'BOOLEAN', default_value: NULL::VARCHAR}}`
  }
  const entries = fields.map((f) => {
    const def = f['initial-default'] === undefined || f['initial-default'] === null ? 'NULL::VARCHAR' : `CAST(${sqlLiteralFromJson(f.type, f['initial-default'])} AS VARCHAR)`
    return `${f.id}: {name: ${sqlString(`__akko_c${f.id}`)}, type: ${sqlString(icebergToDuckType(f.type))}, default_value: ${def}}`
  })
  return `schema = MAP {${entries.join(', ')}}`
}

/** The read of data files that have deletes; adds the CTEs it needs to `ctes`. */
function deletedReadSql(opts: ScanSqlOptions, tasks: readonly ResolvedTask[], output: string, ctes: string[], fileJoin = ''): string {
  const eqGroups = new Map<string, { ids: number[]; pairs: Array<[string, string]> }>()
  const posPairs: Array<[string, string, string]> = []
  for (const r of tasks) {
    for (const d of r.positionDeletes) posPairs.push([r.local, r.task.dataFile.file_path, d.local])
    for (const d of r.equalityDeletes) {
      const ids = [...new Set(d.ids)].sort((a, b) => a - b)
      const key = ids.join(',')
      const g = eqGroups.get(key) ?? { ids, pairs: [] }
      g.pairs.push([r.local, d.local])
      eqGroups.set(key, g)
    }
  }
  const readFields = fieldsWithEqualityColumns(opts, [...eqGroups.values()].flatMap((g) => g.ids))
  const conditions: string[] = []
  if (posPairs.length > 0) {
    ctes.push(positionDeletesCte(posPairs))
    conditions.push('NOT EXISTS (SELECT 1 FROM __akko_pos p WHERE p.data_file = d.__akko_file AND p.pos = d.file_row_number)')
  }
  let g = 0
  for (const group of eqGroups.values()) {
    const name = `__akko_eq${g++}`
    ctes.push(equalityDeletesCte(name, group.pairs, group.ids.map((id) => readFields.find((f) => f.id === id)!)))
    const match = group.ids.map((id) => `e.${col(id)} IS NOT DISTINCT FROM d.${col(id)}`).join(' AND ')
    conditions.push(`NOT EXISTS (SELECT 1 FROM ${name} e WHERE e.data_file = d.__akko_file AND ${match})`)
  }
  const files = sqlStringList([...new Set(tasks.map((r) => r.local))])
  return `SELECT ${output} FROM read_parquet(${files}, ${schemaParam(readFields)}, filename = '__akko_file', file_row_number = true, hive_partitioning = false) AS d${fileJoin}
WHERE ${conditions.join('\n  AND ')}`
}

/** The read schema's fields plus any equality column it leaves out (typed from the table schema). */
function fieldsWithEqualityColumns(opts: ScanSqlOptions, ids: readonly number[]): StructField[] {
  const out = [...opts.schema.fields]
  for (const id of new Set(ids)) {
    if (out.some((f) => f.id === id)) continue
    const f = opts.tableSchema?.fields.find((x) => x.id === id)
    if (f) {
      out.push(f)
      continue
    }
    if (opts.tableSchema && schemaIndex(opts.tableSchema).byId.has(id)) throw new AkkoError('NOT_SUPPORTED', `Equality deletes on the nested column with id ${id} are not supported yet`, { fieldId: id })
    throw new AkkoError('INVALID_ARGUMENT', `An equality delete matches on column id ${id}, which neither the read schema nor the table schema has; pass tableSchema`, { fieldId: id })
  }
  return out
}

function positionDeletesCte(pairs: ReadonlyArray<readonly [string, string, string]>): string {
  const values = pairs.map(([dataLocal, dataLocation, deleteLocal]) => `(${sqlString(dataLocal)}, ${sqlString(dataLocation)}, ${sqlString(deleteLocal)})`).join(', ')
  const deleteFiles = sqlStringList([...new Set(pairs.map((p) => p[2]))])
  const schema = `schema = MAP {${POSITION_DELETE_FILE_PATH_ID}: {name: 'file_path', type: 'VARCHAR', default_value: NULL::VARCHAR}, ${POSITION_DELETE_POS_ID}: {name: 'pos', type: 'BIGINT', default_value: NULL::VARCHAR}}`
  // Delete files name data files by their table location; DuckDB knows them by local path.
  return `__akko_pos_pairs(data_local, data_location, delete_local) AS (VALUES ${values}),
__akko_pos AS (SELECT pr.data_local AS data_file, x.pos FROM read_parquet(${deleteFiles}, ${schema}, filename = '__akko_del', hive_partitioning = false) AS x
  JOIN __akko_pos_pairs pr ON x.__akko_del = pr.delete_local AND x.file_path = pr.data_location)`
}

function equalityDeletesCte(name: string, pairs: ReadonlyArray<readonly [string, string]>, fields: readonly StructField[]): string {
  const values = pairs.map(([dataLocal, deleteLocal]) => `(${sqlString(dataLocal)}, ${sqlString(deleteLocal)})`).join(', ')
  const deleteFiles = sqlStringList([...new Set(pairs.map((p) => p[1]))])
  const cols = fields.map((f) => `x.${col(f.id)}`).join(', ')
  // Equality columns are read with no default: a delete file lacking one matches only NULLs, as written.
  const bare = fields.map((f) => ({ ...f, 'initial-default': undefined }))
  return `${name}_pairs(data_local, delete_local) AS (VALUES ${values}),
${name} AS (SELECT DISTINCT pr.data_local AS data_file, ${cols} FROM read_parquet(${deleteFiles}, ${schemaParam(bare)}, filename = '__akko_del', hive_partitioning = false) AS x
  JOIN ${name}_pairs pr ON x.__akko_del = pr.delete_local)`
}
