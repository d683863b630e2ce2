// The public API of @tasker-ts/tasker, and nothing else.
export * from "./api/index.js";
export { TaskerHttpClient, type TaskerHttpClientOptions } from "./client/http-client.js";

export { InProcessClient } from "./client/in-process-client.js";
export * from "./client/tasker-client.js";
export * from "./config/index.js";
export {
  LIFECYCLE_EVENT_NAMES,
  type LifecycleEvent,
  type LifecycleEventName,
  LifecycleEvents,
} from "./events/lifecycle-events.js";
export * from "./model/index.js";
export { createLogger, type Logger } from "./observability/logger.js";
export { createMetrics, type Metrics } from "./observability/metrics.js";
export type { MetricsSink } from "./observability/metrics-sink.js";
export type { OrchestratorOptions } from "./orchestrator/orchestrator.js";
export { Orchestrator } from "./orchestrator/orchestrator.js";
export { namespaceQueue, ORCHESTRATION_QUEUE } from "./queue/queue-names.js";
export * from "./state/index.js";
export type { BatchRows, Database, Queryable, Statement, Transaction } from "./store/database.js";
export { migrate } from "./store/migrate.js";
export { openDatabase } from "./store/open-database.js";
export { type StartWorkerOptions, Tasker, type TaskerOptions } from "./tasker.js";
export * from "./template/index.js";
export * from "./ui/index.js";
export {
  type BootstrapConfig,
  type BootstrapResult,
  bootstrapWorker,
  getWorkerStatus,
  stopWorker,
} from "./worker/bootstrap.js";
export { type HandlerErrorOptions, PermanentError, RetryableError } from "./worker/errors.js";
export {
  defineHandler,
  type HandlerSpec,
  isStepHandler,
  type StepContext,
  type StepHandler,
  StepHandlerBase,
} from "./worker/handler.js";
export { HandlerRegistry } from "./worker/handler-registry.js";
export { ProtocolError, RemoteWorker, type RemoteWorkerOptions } from "./worker/remote-worker.js";
export type { Worker, WorkerStatus } from "./worker/worker.js";
