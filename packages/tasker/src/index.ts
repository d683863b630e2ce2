// `@tasker-ts/tasker`: the engine embedded in an application, and what handlers are written with.
// By folder: the engine (tasker, store: database, migrations, embedded PGlite), its events,
// logging and metrics, templates, worker.toml (config), handlers and the workers that run them.
// Other entry points: `/client` (driving the engine: the client interface, the HTTP client, requests
// and responses), `/api` (the REST API server), `/ui` (the dashboard), `/protocol` (the worker
// protocol's messages), `/testing` (test databases). Each name has one entry point, and
// entry-points.test.ts lists them: a name joins the public API on purpose.

export { ConfigError, type ConfigIssue, formatConfigIssue } from "./config/errors.js";
export {
  type ConfigSource,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  type ParsedConfig,
  parseConfigText,
} from "./config/load.js";
export { defaultConfig, type TaskerConfig } from "./config/schema.js";
export {
  LIFECYCLE_EVENT_NAMES,
  type LifecycleEventName,
  TASK_CANCELLED,
  TASK_COMPLETED,
  TASK_FAILED,
  TASK_RESOLVED_MANUALLY,
  TASK_TERMINAL_EVENTS,
  type TaskTerminalEventName,
} from "./events/event-names.js";
export type { LifecycleEvent, LifecycleEvents } from "./events/lifecycle-events.js";
export {
  BATCH_OUTCOME_KEY,
  type BatchInputs,
  type BatchOutcome,
  type BatchResult,
  batchInputs,
  batchResults,
  type CursorConfig,
  createBatches,
  noBatches,
  planBatches,
} from "./model/batch-outcome.js";
export { MAX_CHECKPOINT_BYTES, type StepCheckpoint } from "./model/checkpoint.js";
export {
  DECISION_OUTCOME_KEY,
  type DecisionOutcome,
  type DecisionResult,
  decide,
  noBranches,
} from "./model/decision-outcome.js";
export { createLogger, type Logger } from "./observability/logger.js";
export { createMetrics, type Metrics } from "./observability/metrics.js";
export type { MetricsSink } from "./observability/metrics-sink.js";
export type { Orchestrator, OrchestratorOptions } from "./orchestrator/orchestrator.js";
export type {
  BatchRows,
  Database,
  Queryable,
  Statement,
  Transaction,
  TransactionOptions,
} from "./store/database.js";
export {
  EmbeddedSqlClient,
  type EmbeddedSqlClientOptions,
  type EmbeddedSqlTransaction,
  embeddedSqlClient,
  type SqlQueryOptions,
  type SqlResults,
} from "./store/embedded-sql-client.js";
export { migrate } from "./store/migrate.js";
export { type DatabaseLocation, openDatabase } from "./store/open-database.js";
export { DataDirLockedError } from "./store/pglite-data-dir.js";
export { embeddedPglite } from "./store/pglite-database.js";
export { type StartWorkerOptions, Tasker, type TaskerOptions } from "./tasker.js";
export {
  type DefinedTemplate,
  defineTemplate,
  type StepDefinition,
  type TemplateDefinition,
} from "./template/define-template.js";
export { formatTemplateIssue, type TemplateIssue, TemplateValidationError } from "./template/errors.js";
export { TASK_TEMPLATE_SCHEMA_ID, taskTemplateJsonSchema } from "./template/json-schema.js";
export {
  type LoadedTemplate,
  type LoadOptions,
  type LoadTemplatesResult,
  loadTemplateFile,
  loadTemplates,
  type ParsedTemplate,
  parseTemplate,
  parseTemplateObject,
} from "./template/load.js";
export { type MermaidOptions, templateToMermaid } from "./template/mermaid.js";
export type {
  EnvironmentOverride,
  RetryPolicy,
  StepOverride,
  StepTemplate,
  TaskTemplate,
  TaskTemplateInput,
} from "./template/schema.js";
export {
  type BootstrapConfig,
  type BootstrapResult,
  bootstrapWorker,
  getWorkerStatus,
  stopWorker,
} from "./worker/bootstrap.js";
export {
  CheckpointRefusedError,
  type HandlerErrorOptions,
  PermanentError,
  RetryableError,
} from "./worker/errors.js";
export {
  defineHandler,
  type HandlerSpec,
  isStepHandler,
  type RunningStepContext,
  type StepContext,
  type StepHandler,
  StepHandlerBase,
} from "./worker/handler.js";
export { HandlerRegistry } from "./worker/handler-registry.js";
export { ProtocolError, RemoteWorker, type RemoteWorkerOptions } from "./worker/remote-worker.js";
export type { Worker, WorkerStatus } from "./worker/worker.js";
