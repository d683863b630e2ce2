import type { LifecycleEvent, LifecycleEventName } from "../events/lifecycle-events.js";
import { namespaceQueue, ORCHESTRATION_QUEUE } from "../queue/queue-names.js";
import type { StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Queryable } from "../store/database.js";
import { QUEUE_CHANNEL, sendMessages } from "../store/sql/queue.js";
import { type StepRow, selectSteps, transitionSteps } from "../store/sql/steps.js";
import { applyTaskTransitions, selectTask, type TaskRow } from "../store/sql/tasks.js";
import { planTask, type StepSnapshot, type TaskPlan } from "./plan-task.js";

const TASK_EVENT_FOR: Partial<Record<TaskState, LifecycleEventName>> = {
  complete: "task.completed",
  error: "task.failed",
  cancelled: "task.cancelled",
  resolved_manually: "task.resolved_manually",
};

export interface Evaluation {
  task: TaskRow;
  plan: TaskPlan;
  /** Steps enqueued by this evaluation. */
  dispatched: string[];
  /** Lifecycle events to publish (the caller publishes them with the rest of its transaction). */
  events: LifecycleEvent[];
}

/**
 * Re-plans one task and applies the plan: enqueue ready steps (all of them, so parallel branches
 * run together), move the task's state, schedule a wake-up for pending retries, and emit a
 * lifecycle event when the task finishes. Must run in a transaction holding the task's row lock
 * (pass the locked row, or it is locked here): that lock serialises every decision about one
 * task across orchestrators.
 */
export async function evaluateTask(
  tx: Queryable,
  taskUuid: string,
  locked?: TaskRow,
  now = new Date(),
): Promise<Evaluation | undefined> {
  const task = locked ?? (await selectTask(tx, taskUuid, { forUpdate: true }));
  if (!task) return undefined;
  const steps = await selectSteps(tx, taskUuid);
  const plan = planTask(task.status as TaskState, steps.map(toSnapshot), now);
  const events: LifecycleEvent[] = [];

  const queue = namespaceQueue(task.namespace);
  // Enqueue + signal + wake the namespace's workers: one statement.
  const dispatched = await transitionSteps(tx, {
    uuids: plan.ready.map((s) => s.uuid),
    event: "enqueue",
    metadata: { by: "orchestrator" },
    params: [queue, task.correlation_id],
    also: [
      `signal AS (
         INSERT INTO tasker.queue_messages (queue_name, message)
         SELECT $6, jsonb_build_object('task_uuid', task_uuid, 'step_uuid', workflow_step_uuid, 'correlation_id', $7::text)
           FROM upd
         RETURNING pg_notify('${QUEUE_CHANNEL}', $6))`,
    ],
  });

  const last = plan.transitions.at(-1);
  if (last) {
    const terminal = TASK_TERMINAL_STATES.has(last.to);
    const error = last.to === "error" ? taskErrorReason(steps) : last.to === "complete" ? null : undefined;
    await applyTaskTransitions(tx, taskUuid, plan.transitions, { error, terminal });
    task.status = last.to;
    if (error !== undefined) task.error = error;
    const eventName = TASK_EVENT_FOR[last.to];
    if (eventName) events.push(taskEvent(task, eventName));
  }

  // A pending retry needs a wake-up even while sibling branches run: nothing else would re-plan
  // the task when its backoff ends. Duplicates are harmless (evaluation is idempotent); a few ms
  // of margin covers clock skew between this process and the database.
  if (plan.nextRetryAt) {
    await sendMessages(tx, [
      {
        queueName: ORCHESTRATION_QUEUE,
        message: {
          kind: "evaluate_task",
          task_uuid: taskUuid,
          correlation_id: task.correlation_id,
          reason: "retry_due",
        },
        delayMs: Math.max(0, plan.nextRetryAt.getTime() - now.getTime()) + 10,
      },
    ]);
  }
  return { task, plan, dispatched: dispatched.map((s) => s.workflow_step_uuid), events };
}

export function toSnapshot(s: StepRow): StepSnapshot {
  return {
    uuid: s.workflow_step_uuid,
    name: s.name,
    state: s.state as StepState,
    attempts: s.attempts,
    maxAttempts: s.max_attempts,
    nextRetryAt: s.next_retry_at,
    totalParents: s.total_parents,
    completedParents: s.completed_parents,
  };
}

/** "step process_payment failed (card_declined): Card declined; ..." */
export function taskErrorReason(steps: readonly StepRow[]): string {
  return steps
    .filter((s) => s.state === "error")
    .map((s) => {
      const e = s.error as { message?: string; code?: string | null } | null;
      return `step ${s.name} failed${e?.code ? ` (${e.code})` : ""}: ${e?.message ?? "unknown error"}`;
    })
    .join("; ");
}

export function taskEvent(
  task: TaskRow,
  event: LifecycleEventName,
  step?: { uuid: string; name: string; error?: string | null },
): LifecycleEvent {
  return {
    event,
    task_uuid: task.task_uuid,
    namespace: task.namespace,
    name: task.name,
    version: task.version,
    status: task.status,
    correlation_id: task.correlation_id,
    error: step?.error ?? task.error ?? null,
    ...(step ? { step_uuid: step.uuid, step_name: step.name } : {}),
    occurred_at: new Date().toISOString(),
  };
}
