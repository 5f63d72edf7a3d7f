/** Task kinds for DAGs: PostgreSQL replication, file loads and HTTP JSON loads into Iceberg tables. */
export { replicateTask, type ReplicateTaskOptions, type ReplicateTaskValue } from './replicate-task.js'
export { loadFilesTask, loadHttpTask, type LoadFilesTaskOptions, type LoadHttpTaskOptions, type LoadTaskValue } from './load-tasks.js'
export { tableIdentParse, type TaskPostgresqlSource } from './task-services.js'
