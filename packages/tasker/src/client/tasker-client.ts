import type { StepAction } from "../model/step-action.js";
import type { TaskRequest } from "../model/task-request.js";
import type {
  ListTasksQuery,
  StepResponse,
  StepTransition,
  TaskListResponse,
  TaskResponse,
} from "../model/task-response.js";

export interface CreateTaskResult {
  task: TaskResponse;
  /** false when an idempotency key matched an existing task with the same payload. */
  created: boolean;
}

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
  createTask(request: TaskRequest): Promise<CreateTaskResult>;
  getTask(taskUuid: string): Promise<TaskResponse>;
  listTasks(query?: ListTasksQuery): Promise<TaskListResponse>;
  listTaskSteps(taskUuid: string): Promise<StepResponse[]>;
  getStep(taskUuid: string, stepUuid: string): Promise<StepResponse>;
  getStepAudit(taskUuid: string, stepUuid: string): Promise<StepTransition[]>;
  cancelTask(taskUuid: string, reason?: string): Promise<TaskResponse>;
  /** Apply an operator action (`reset_for_retry`, `resolve_manually`, `complete_manually`). */
  updateStep(taskUuid: string, stepUuid: string, action: StepAction): Promise<StepResponse>;
  retryStep(taskUuid: string, stepUuid: string, reason: string): Promise<StepResponse>;
  resolveStepManually(taskUuid: string, stepUuid: string, reason: string): Promise<StepResponse>;
  completeStepManually(
    taskUuid: string,
    stepUuid: string,
    result: unknown,
    reason: string,
  ): Promise<StepResponse>;
  /** Resolves with the task once it is terminal (complete, error, cancelled, resolved_manually). */
  waitForTask(taskUuid: string, options?: WaitForTaskOptions): Promise<TaskResponse>;
}
