/** The DAG engine: definitions, task kinds, schedules, the orchestrator and its state in the metastore. */
export {
  defineDag, task, TaskSkip, isTaskSkip, dagProblems, retryBackoffMs,
  type DagDefinition, type TaskDefinition, type TaskContext, type TaskLogger, type TaskPolicy, type TriggerRule, type DagServices, type SqlExecutor,
} from './dag.js'
export { sqlTask, sqlTemplate, DAG_IDENTITY, type SqlTaskOptions, type SqlTaskValue } from './sql-task.js'
export { scheduleCreate, zonedDate, type Schedule, type ScheduleSpec } from './schedule.js'
export { triggerRuleDecide, type TriggerDecision } from './trigger-rules.js'
export { DagLoader, dagFileImport, type DagsLoadResult, type LoadedDag } from './dag-loader.js'
export { DAGS_MIGRATIONS } from './migrations.js'
export {
  Orchestrator, orchestratorCreate,
  type OrchestratorOptions, type TriggerOptions, type BackfillResult, type StartOptions,
} from './orchestrator.js'
export type {
  Json, JsonObject, RunType, RunState, TaskState, AttemptState, DataInterval, DagRun, TaskInstance, TaskAttempt, LogLevel, LogLine, TaskLog, DagInfo, DagLoadError,
} from './types.js'
