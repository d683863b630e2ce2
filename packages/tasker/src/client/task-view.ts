import { toSnapshot } from "../lifecycle/evaluate-task.js";
import { isReady } from "../lifecycle/plan-task.js";
import type {
  StepError,
  StepResponse,
  StepTransition,
  TaskResponse,
  TaskSummary,
  TaskTransition,
} from "../model/task-response.js";
import { STEP_IN_PROGRESS_STATES, type StepState } from "../state/step-states.js";
import type { TaskState } from "../state/task-states.js";
import type { StepRow } from "../store/sql/steps.js";
import type { TaskRow } from "../store/sql/tasks.js";
import type { StoredTransition } from "../store/sql/transitions.js";

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The API's view of a step, derived from its row (pure). */
export function toStepResponse(s: StepRow, now = new Date(), withPayload = true): StepResponse {
  return {
    workflow_step_uuid: s.workflow_step_uuid,
    task_uuid: s.task_uuid,
    name: s.name,
    current_state: s.state as StepState,
    dependencies_satisfied: s.completed_parents === s.total_parents,
    retry_eligible:
      s.retryable &&
      s.attempts < s.max_attempts &&
      (s.state === "waiting_for_retry" || s.state === "pending"),
    ready_for_execution: isReady(toSnapshot(s), now),
    total_parents: s.total_parents,
    completed_parents: s.completed_parents,
    attempts: s.attempts,
    max_attempts: s.max_attempts,
    last_failure_at: iso(s.last_failure_at),
    next_retry_at: iso(s.next_retry_at),
    last_attempted_at: iso(s.last_attempted_at),
    created_at: iso(s.created_at)!,
    updated_at: iso(s.updated_at)!,
    completed_at: iso(s.completed_at),
    ...(withPayload
      ? {
          results: s.results ?? null,
          error: (s.error as StepError | null) ?? null,
          checkpoint: s.checkpoint ?? null,
          checkpointed_at: iso(s.checkpointed_at ?? null),
        }
      : {}),
  };
}

/** A task without its steps (list views); counts still come from the steps. */
export function toTaskSummary(t: TaskRow, steps: readonly StepRow[], now = new Date()): TaskSummary {
  const { steps: _omit, ...summary } = toTaskResponse(t, steps, now);
  return summary;
}

/** The API's view of a task with its steps and derived health (pure). */
export function toTaskResponse(t: TaskRow, steps: readonly StepRow[], now = new Date()): TaskResponse {
  const views = steps.map((s) => toStepResponse(s, now));
  return { ...taskFields(t), ...countsFor(t.status as TaskState, views), steps: views };
}

function taskFields(t: TaskRow) {
  return {
    task_uuid: t.task_uuid,
    name: t.name,
    namespace: t.namespace,
    version: t.version,
    status: t.status as TaskState,
    created_at: iso(t.created_at)!,
    updated_at: iso(t.updated_at)!,
    completed_at: iso(t.completed_at),
    context: t.context,
    initiator: t.initiator,
    source_system: t.source_system,
    reason: t.reason,
    tags: t.tags,
    priority: t.priority,
    correlation_id: t.correlation_id,
    parent_correlation_id: t.parent_correlation_id,
    idempotency_key: t.idempotency_key,
    error: t.error,
  };
}

function countsFor(status: TaskState, steps: readonly StepResponse[]) {
  const count = (pred: (s: StepResponse) => boolean) => steps.filter(pred).length;
  const total = steps.length;
  const completed = count((s) => s.current_state === "complete" || s.current_state === "resolved_manually");
  const failed = count((s) => s.current_state === "error");
  const inProgress = count((s) => STEP_IN_PROGRESS_STATES.has(s.current_state));
  const pending = count((s) => s.current_state === "pending" || s.current_state === "waiting_for_retry");
  const ready = count((s) => s.ready_for_execution);
  const waitingRetry = count((s) => s.current_state === "waiting_for_retry");

  const execution_status =
    total > 0 && completed === total
      ? ("all_complete" as const)
      : failed > 0 && inProgress === 0 && ready === 0
        ? ("blocked_by_failures" as const)
        : ready > 0
          ? ("has_ready_steps" as const)
          : inProgress > 0
            ? ("processing" as const)
            : ("waiting_for_dependencies" as const);
  // A finished task (other than `error`, which an operator can still repair) has nothing left to do.
  const finished = status === "complete" || status === "cancelled" || status === "resolved_manually";
  const recommended_action = finished
    ? ("none" as const)
    : {
        all_complete: "finalize_task" as const,
        blocked_by_failures: "handle_failures" as const,
        has_ready_steps: "execute_ready_steps" as const,
        processing: "wait_for_completion" as const,
        waiting_for_dependencies: "wait_for_dependencies" as const,
      }[execution_status];
  const health_status =
    total === 0
      ? ("unknown" as const)
      : failed > 0 && execution_status === "blocked_by_failures"
        ? ("blocked" as const)
        : // A failed step is never healthy, even while other branches still make progress.
          failed > 0 || waitingRetry > 0
          ? ("recovering" as const)
          : ("healthy" as const);
  return {
    total_steps: total,
    pending_steps: pending,
    in_progress_steps: inProgress,
    completed_steps: completed,
    failed_steps: failed,
    ready_steps: ready,
    completion_percentage: total === 0 ? 0 : Math.round((completed / total) * 10_000) / 100,
    execution_status,
    recommended_action,
    health_status,
  };
}

/** A step's transition in the API's shape. */
export function toStepTransition(r: StoredTransition): StepTransition {
  return { id: r.id, workflow_step_uuid: r.subject_uuid, ...transitionFields(r) };
}

/** A task's transition in the API's shape. */
export function toTaskTransition(r: StoredTransition): TaskTransition {
  return { id: r.id, task_uuid: r.subject_uuid, ...transitionFields(r) };
}

function transitionFields(r: StoredTransition) {
  return {
    from_state: r.from_state as StepTransition["from_state"] & TaskTransition["from_state"],
    to_state: r.to_state as StepTransition["to_state"] & TaskTransition["to_state"],
    event: r.event,
    metadata: r.metadata,
    created_at: new Date(r.created_at).toISOString(),
  };
}
