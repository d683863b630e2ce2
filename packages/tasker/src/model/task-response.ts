import { z } from "zod";
import { STEP_STATES } from "../state/step-states.js";
import { TASK_STATES } from "../state/task-states.js";
import { storableString } from "./task-request.js";

/** A task state (see {@link TASK_STATES}). */
export const TaskStateSchema = z.enum(TASK_STATES);
/** A step state (see {@link STEP_STATES}). */
export const StepStateSchema = z.enum(STEP_STATES);

/**
 * The error stored on a failed step: message, code, whether it may be retried, what kind of
 * failure it was (`permanent`, `retryable`, `timeout`, `worker_lost`, `handler_missing`, `manual`)
 * and the handler's metadata.
 */
export const StepErrorSchema = z.object({
  message: z.string(),
  code: z.string().nullable(),
  retryable: z.boolean(),
  kind: z.enum(["permanent", "retryable", "timeout", "worker_lost", "handler_missing", "manual"]),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
/** The error stored on a failed step. */
export type StepError = z.infer<typeof StepErrorSchema>;

/** A workflow step as seen through the API (`steps[]` of a task and the step routes). */
export const StepResponseSchema = z.object({
  workflow_step_uuid: z.string().uuid(),
  task_uuid: z.string().uuid(),
  name: z.string(),
  current_state: StepStateSchema,
  dependencies_satisfied: z.boolean(),
  retry_eligible: z.boolean(),
  ready_for_execution: z.boolean(),
  total_parents: z.number().int(),
  completed_parents: z.number().int(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  last_failure_at: z.string().nullable(),
  next_retry_at: z.string().nullable(),
  last_attempted_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
  /** Present on the step routes; also included in `steps[]` for convenience. */
  results: z.unknown().nullable().optional(),
  error: StepErrorSchema.nullable().optional(),
  /** The last checkpoint the step's attempts saved (its `cursor`...), kept after it ends; null: none. */
  checkpoint: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe("The last checkpoint the step's attempts saved (by convention with a `cursor`); null: none."),
  /** When that checkpoint was saved. */
  checkpointed_at: z.string().nullable().optional().describe("When that checkpoint was saved."),
});
/** A workflow step as the API and the clients return it. */
export type StepResponse = z.infer<typeof StepResponseSchema>;

/** Where a task's execution stands: ready steps, running, blocked, all complete, or waiting. */
export const ExecutionStatusSchema = z.enum([
  "has_ready_steps",
  "processing",
  "blocked_by_failures",
  "all_complete",
  "waiting_for_dependencies",
]);
/** What should happen next to a task (`handle_failures` asks for an operator). */
export const RecommendedActionSchema = z.enum([
  "execute_ready_steps",
  "wait_for_completion",
  "handle_failures",
  "finalize_task",
  "wait_for_dependencies",
  "none",
]);
/**
 * A task's health: `healthy`, `recovering` (retries pending), `blocked` (a step failed for good), `unknown`.
 */
export const HealthStatusSchema = z.enum(["healthy", "recovering", "blocked", "unknown"]);

/**
 * A task as the API and the clients return it: what it was created with, its state, step
 * counts, progress, and its steps.
 */
export const TaskResponseSchema = z.object({
  task_uuid: z.string().uuid(),
  name: z.string(),
  namespace: z.string(),
  version: z.string(),
  status: TaskStateSchema,
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
  initiator: z.string().nullable(),
  source_system: z.string().nullable(),
  reason: z.string().nullable(),
  tags: z.array(z.string()),
  priority: z.number().int(),
  correlation_id: z.string(),
  parent_correlation_id: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  total_steps: z.number().int(),
  pending_steps: z.number().int(),
  in_progress_steps: z.number().int(),
  completed_steps: z.number().int(),
  failed_steps: z.number().int(),
  ready_steps: z.number().int(),
  completion_percentage: z.number(),
  execution_status: ExecutionStatusSchema,
  recommended_action: RecommendedActionSchema,
  health_status: HealthStatusSchema,
  /** The reason a task ended in `error` (the failing step and its message). */
  error: z.string().nullable(),
  steps: z.array(StepResponseSchema),
});
/** A task as the API and the clients return it. */
export type TaskResponse = z.infer<typeof TaskResponseSchema>;

/** Pagination of a list: `{total, limit, offset, has_more}`. */
export const PaginationSchema = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  has_more: z.boolean(),
});

/** The body of `GET /v1/tasks`: a page of tasks (without their steps) and its pagination. */
export const TaskListResponseSchema = z.object({
  tasks: z.array(TaskResponseSchema.omit({ steps: true })),
  pagination: PaginationSchema,
});
/** A page of tasks. */
export type TaskListResponse = z.infer<typeof TaskListResponseSchema>;
/** A task in a list (a {@link TaskResponse} without `steps`). */
export type TaskSummary = TaskListResponse["tasks"][number];

/** Filters and pagination of `GET /v1/tasks` (limit 1-500, default 50). */
export const ListTasksQuerySchema = z.object({
  namespace: storableString().optional(),
  name: storableString().optional(),
  status: TaskStateSchema.optional(),
  correlation_id: storableString().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
/** Filters and pagination for listing tasks. */
export type ListTasksQuery = z.input<typeof ListTasksQuerySchema>;

/** One recorded state change of a step (from, to, event, metadata such as worker id and attempt). */
export const StepTransitionSchema = z.object({
  id: z.string(),
  workflow_step_uuid: z.string().uuid(),
  from_state: StepStateSchema.nullable(),
  to_state: StepStateSchema,
  event: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
/** One recorded state change of a step. */
export type StepTransition = z.infer<typeof StepTransitionSchema>;

/** One recorded state change of a task. */
export const TaskTransitionSchema = z.object({
  id: z.string(),
  task_uuid: z.string().uuid(),
  from_state: TaskStateSchema.nullable(),
  to_state: TaskStateSchema,
  event: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
/** One recorded state change of a task. */
export type TaskTransition = z.infer<typeof TaskTransitionSchema>;
