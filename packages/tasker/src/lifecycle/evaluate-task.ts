import {
  type LifecycleEventName,
  TASK_CANCELLED,
  TASK_COMPLETED,
  TASK_FAILED,
  TASK_RESOLVED_MANUALLY,
} from "../events/event-names.js";
import { eventPayloads, type LifecycleEvent } from "../events/lifecycle-events.js";
import { namespaceQueue, ORCHESTRATION_QUEUE } from "../queue/queue-names.js";
import { STEP_SATISFIED_STATES, type StepState } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Statement, Transaction } from "../store/database.js";
import {
  appliedTaskPlan,
  type TaskPlanRow,
  type TaskPlanWrite,
  type TaskStepCounts,
  taskPlanStatement,
} from "../store/sql/apply-task-plan.js";
import { type ClaimedStep, type StepRow, selectSteps } from "../store/sql/steps.js";
import { selectTask, type TaskRow } from "../store/sql/tasks.js";
import { planTask, RUNNING_STATES, type StepSnapshot, type TaskPlan } from "./plan-task.js";

const TASK_EVENT_FOR: Partial<Record<TaskState, LifecycleEventName>> = {
  complete: TASK_COMPLETED,
  error: TASK_FAILED,
  cancelled: TASK_CANCELLED,
  resolved_manually: TASK_RESOLVED_MANUALLY,
};

export interface Evaluation {
  task: TaskRow;
  plan: TaskPlan;
  /** Steps enqueued by this evaluation. */
  dispatched: string[];
  /** The step claimed for {@link EvaluateOptions.claimFor}'s worker. */
  claimed?: ClaimedStep | undefined;
  /** The task's lifecycle events this evaluation published (already sent with its write). */
  events: LifecycleEvent[];
}

/** A worker that may go straight on with a step a plan makes ready (see EvaluateOptions.claimFor). */
export interface ClaimFor {
  workerId: string;
  leaseSeconds: number;
  /** The callables of the handlers the worker has. */
  handlers: readonly string[];
}

export interface EvaluateOptions {
  /**
   * A worker going straight on with the task's next step: the first of the steps about to be
   * dispatched (in position order) whose handler it has is claimed for it in the plan's statement
   * instead of being announced on the queue.
   */
  claimFor?: ClaimFor | undefined;
  /** Events that happened before this evaluation (a step's result), published with its own. */
  precedingEvents?: readonly LifecycleEvent[] | undefined;
  /** The plan is the transaction's last statement: commit with it (one round trip fewer). */
  commit?: boolean | undefined;
}

/**
 * Re-plans one task from every step it has and applies the plan: enqueue ready steps (all of them,
 * so parallel branches run together), move the task's state, schedule a wake-up for pending
 * retries, and publish lifecycle events (`precedingEvents` first) - one statement after the read.
 * The plan also sets the counts a stored outcome advances the task from (see advance-tasks.ts)
 * to what the steps give. Must run in a transaction holding the task's row lock (pass the locked
 * row, or it is locked here): that lock serialises every decision about one task across
 * orchestrators and workers.
 */
export async function evaluateTask(
  tx: Transaction,
  taskUuid: string,
  locked?: TaskRow,
  now = new Date(),
  options: EvaluateOptions = {},
): Promise<Evaluation | undefined> {
  const task = locked ?? (await selectTask(tx, taskUuid, { forUpdate: true }));
  if (!task) return undefined;
  // A statement of its own, after the lock: its snapshot sees every decision committed before.
  const steps = await selectSteps(tx, taskUuid);
  return applyEvaluation(tx, task, steps, now, options);
}

/** {@link evaluateTask} once the task is locked and its steps read (and patched) by the caller. */
export async function applyEvaluation(
  tx: Transaction,
  task: TaskRow,
  steps: readonly StepRow[],
  now: Date,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const write = evaluationWrite(task, steps, now, options);
  const [rows] = await tx.batch([write.statement] as const, { commit: options.commit ?? false });
  return write.applied(rows[0]);
}

/**
 * An evaluation as a statement to send (alone, or batched with other tasks' by the caller) and
 * what to make of its row. `applied` also moves `task` to its new status.
 */
export function evaluationWrite(
  task: TaskRow,
  steps: readonly StepRow[],
  now: Date,
  options: Omit<EvaluateOptions, "commit"> = {},
): {
  statement: Statement<TaskPlanRow>;
  applied: (row: TaskPlanRow | undefined) => Evaluation;
} {
  const planned = planEvaluation(task, steps, now, options.claimFor?.handlers);
  const last = planned.plan.transitions.at(-1);
  const dispatched = new Set(planned.plan.ready.map((s) => s.uuid));
  const write: TaskPlanWrite = {
    taskUuid: task.task_uuid,
    ready: planned.plan.ready.map((s) => s.uuid),
    queue: namespaceQueue(task.namespace),
    correlationId: task.correlation_id,
    claim:
      planned.claimed !== null && options.claimFor
        ? {
            stepUuid: planned.claimed,
            workerId: options.claimFor.workerId,
            leaseSeconds: options.claimFor.leaseSeconds,
          }
        : null,
    transitions: planned.plan.transitions,
    status: last?.to ?? null,
    error: planned.error,
    terminal: last ? TASK_TERMINAL_STATES.has(last.to) : false,
    wakeUp:
      planned.retryWakeDelayMs === null
        ? null
        : {
            queue: ORCHESTRATION_QUEUE,
            message: {
              kind: "evaluate_task",
              task_uuid: task.task_uuid,
              correlation_id: task.correlation_id,
              reason: "retry_due",
            },
            delayMs: planned.retryWakeDelayMs,
          },
    eventPayloads: eventPayloads([...(options.precedingEvents ?? []), ...planned.events]),
    counts: changedCounts(task, countSteps(steps, dispatched)),
    parentCounts: steps.flatMap((s) => {
      const unfinished = s.total_parents - s.completed_parents;
      return s.unfinished_parents === unfinished || dispatched.has(s.workflow_step_uuid)
        ? []
        : [{ uuid: s.workflow_step_uuid, unfinished }];
    }),
  };
  return {
    statement: taskPlanStatement(write),
    applied: (row) => {
      const { dispatched, claimed } = appliedTaskPlan(row);
      if (last) {
        task.status = last.to;
        if (planned.error !== undefined) task.error = planned.error;
      }
      return { task, plan: planned.plan, dispatched, claimed, events: planned.events };
    },
  };
}

/** The task's step counts once the steps in `dispatched` are enqueued (see TaskStepCounts). */
export function countSteps(steps: readonly StepRow[], dispatched: ReadonlySet<string>): TaskStepCounts {
  const counts = { done: 0, failed: 0, waiting: 0, running: 0 };
  for (const s of steps) {
    const state = dispatched.has(s.workflow_step_uuid) ? "enqueued" : (s.state as StepState);
    if (STEP_SATISFIED_STATES.has(state)) counts.done++;
    else if (state === "error") counts.failed++;
    else if (state === "waiting_for_retry") counts.waiting++;
    else if (RUNNING_STATES.has(state)) counts.running++;
  }
  return counts;
}

/** `counts`, when they are not the task's already. */
function changedCounts(task: TaskRow, counts: TaskStepCounts): TaskStepCounts | null {
  return task.steps_done === counts.done &&
    task.steps_failed === counts.failed &&
    task.steps_waiting === counts.waiting &&
    task.steps_running === counts.running
    ? null
    : counts;
}

/** What an evaluation will write, decided without touching the database. */
export interface PlannedEvaluation {
  plan: TaskPlan;
  /** The ready step claimed for a worker going on (see EvaluateOptions.claimFor). */
  claimed: string | null;
  /** The task's new error (undefined: unchanged). */
  error: string | null | undefined;
  /** The task's lifecycle event, if it finishes. */
  events: LifecycleEvent[];
  /** Delay of the re-evaluation for the earliest pending retry, or null. */
  retryWakeDelayMs: number | null;
}

/** Pure: the plan for a task and everything that follows from it. */
export function planEvaluation(
  task: TaskRow,
  steps: readonly StepRow[],
  now: Date,
  /** The handlers of a worker going on: the first ready step it can run is claimed for it. */
  handlers?: readonly string[],
): PlannedEvaluation {
  const plan = planTask(task.status as TaskState, steps.map(toSnapshot), now);
  const readyUuids = new Set(plan.ready.map((s) => s.uuid));
  const claimed = handlers
    ? (steps.find((s) => readyUuids.has(s.workflow_step_uuid) && handlers.includes(s.handler_callable))
        ?.workflow_step_uuid ?? null)
    : null;
  const last = plan.transitions.at(-1);
  const error = !last
    ? undefined
    : last.to === "error"
      ? taskErrorReason(steps)
      : last.to === "complete"
        ? null
        : undefined;
  const events: LifecycleEvent[] = [];
  const eventName = last ? TASK_EVENT_FOR[last.to] : undefined;
  if (last && eventName) {
    events.push(
      taskEvent({ ...task, status: last.to, error: error === undefined ? task.error : error }, eventName),
    );
  }
  // A pending retry needs a wake-up even while sibling branches run: nothing else would re-plan
  // the task when its backoff ends. Duplicates are harmless (evaluation is idempotent); a few ms
  // of margin covers clock skew between this process and the database.
  const retryWakeDelayMs = plan.nextRetryAt
    ? Math.max(0, plan.nextRetryAt.getTime() - now.getTime()) + 10
    : null;
  return { plan, claimed, error, events, retryWakeDelayMs };
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
