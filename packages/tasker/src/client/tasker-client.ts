import type { StepAction } from "../model/step-action.js";
import type { TaskBatchResponse } from "../model/task-batch.js";
import type { TaskRequest } from "../model/task-request.js";
import type {
  ListTasksQuery,
  StepResponse,
  StepTransition,
  TaskListResponse,
  TaskResponse,
} from "../model/task-response.js";

/** What `createTask` returns: the task, and whether this call created it. */
export interface CreateTaskResult {
  task: TaskResponse;
  /** false when an idempotency key matched an existing task with the same payload. */
  created: boolean;
}

/** Options of {@link TaskerClient.waitForTask}. */
export interface WaitForTaskOptions {
  /** Give up after this long (default 30 s): throws TaskerError SERVICE_UNAVAILABLE. */
  timeoutMs?: number;
  /** Poll interval for clients that poll (HTTP); in-process waits on events. Default 1 s. */
  intervalMs?: number;
  /** Called with every observed state change (progress output). */
  onProgress?: (task: TaskResponse) => void;
  signal?: AbortSignal;
}

/**
 * What users call to drive the engine. Implemented in-process (`InProcessClient`, straight on the
 * database) and over HTTP (`TaskerHttpClient`), with the same behaviour and the same `TaskerError`s.
 */
export interface TaskerClient {
  /**
   * Creates a task from a registered template (the newest version unless `version` is given).
   * The context is checked against the template's `input_schema`. With an `idempotency_key`, the
   * same request returns the existing task (`created: false`); a different payload throws `CONFLICT`.
   */
  createTask(request: TaskRequest): Promise<CreateTaskResult>;
  /**
   * Creates many tasks in one call and one statement, all or none: every request is checked first
   * (errors name the index and field, `tasks[3].context.x`), at most 1,000 (MAX_BATCH_TASKS) of
   * them. Idempotency keys work per task as in `createTask`. Answers one `{ task_uuid, created }`
   * per request, in order.
   */
  createTasks(requests: readonly TaskRequest[]): Promise<TaskBatchResponse>;
  /** The task with its counts, execution status and steps; throws `NOT_FOUND`. */
  getTask(taskUuid: string): Promise<TaskResponse>;
  /** Tasks, newest first, filtered by namespace, name, status or correlation id; paginated. */
  listTasks(query?: ListTasksQuery): Promise<TaskListResponse>;
  /** The task's steps in template order, with their results and errors. */
  listTaskSteps(taskUuid: string): Promise<StepResponse[]>;
  /** One step with its results and error. */
  getStep(taskUuid: string, stepUuid: string): Promise<StepResponse>;
  /** Every state change of a step, oldest first (event, metadata, time). */
  getStepAudit(taskUuid: string, stepUuid: string): Promise<StepTransition[]>;
  /** Cancels a task: no new steps start, running ones finish; throws `CONFLICT` when it already ended. */
  cancelTask(taskUuid: string, reason?: string): Promise<TaskResponse>;
  /** Apply an operator action (`reset_for_retry`, `resolve_manually`, `complete_manually`). */
  updateStep(taskUuid: string, stepUuid: string, action: StepAction): Promise<StepResponse>;
  /** Operator action `reset_for_retry`: puts a failed step back in line with fresh attempts. */
  retryStep(taskUuid: string, stepUuid: string, reason: string): Promise<StepResponse>;
  /** Operator action `resolve_manually`: treats the step as done without a result, so dependents can run. */
  resolveStepManually(taskUuid: string, stepUuid: string, reason: string): Promise<StepResponse>;
  /** Operator action `complete_manually`: completes the step with `result`, which dependent steps receive. */
  completeStepManually(
    taskUuid: string,
    stepUuid: string,
    result: unknown,
    reason: string,
  ): Promise<StepResponse>;
  /** Resolves with the task once it is terminal (complete, error, cancelled, resolved_manually). */
  waitForTask(taskUuid: string, options?: WaitForTaskOptions): Promise<TaskResponse>;
}
