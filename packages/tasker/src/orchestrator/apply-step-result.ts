import type { LifecycleEvent } from "../events/lifecycle-events.js";
import type { StepError } from "../model/task-response.js";
import { unboundFields } from "../observability/lazy-child.js";
import type { Logger } from "../observability/logger.js";
import type { StepEvent } from "../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Transaction } from "../store/database.js";
import { ackMessages } from "../store/sql/queue.js";
import { transitionSteps } from "../store/sql/steps.js";
import { lockTaskWithStep, type TaskRow } from "../store/sql/tasks.js";
import { type EvaluateOptions, type Evaluation, evaluateTask, taskEvent } from "./evaluate-task.js";
import { decideFailure } from "./retry-policy.js";

export interface ResultOutcome {
  applied: "completed" | "retry_scheduled" | "failed" | "ignored";
  evaluation?: Evaluation | undefined;
  events: LifecycleEvent[];
  stepName?: string;
  namespace?: string;
  durationSeconds?: number;
}

/** The columns of a step that deciding on its result needs. */
export interface StoredStep {
  name: string;
  state: string;
  attempts: number;
  max_attempts: number;
  retryable: boolean;
  backoff: "exponential" | "linear";
  backoff_base_ms: number;
  max_backoff_ms: number;
  error: (StepError & { retry_after_ms?: number | null }) | null;
  last_attempted_at: string | null;
}

/**
 * Applies a worker's stored result exactly once - `enqueued_for_orchestration -> complete`, or
 * for an error `-> waiting_for_retry | error` by the retry policy - acks the message in the same
 * statement, then re-plans the task. A duplicate or late message finds the step already moved on:
 * it is acked, logged and otherwise ignored.
 */
export async function applyStepResult(
  tx: Transaction,
  msg: { msgId: string | null; taskUuid: string; stepUuid: string },
  opts: { jitterPercent: number; logger: Logger },
): Promise<ResultOutcome> {
  const row = await lockTaskWithStep(tx, msg.taskUuid, msg.stepUuid);
  const step = row?.step as StoredStep | null | undefined;
  if (!row || !step) {
    opts.logger.warn(
      { task_uuid: msg.taskUuid, step_uuid: msg.stepUuid },
      "result for an unknown step ignored",
    );
    if (msg.msgId) await ackMessages(tx, [msg.msgId]);
    return { applied: "ignored", events: [] };
  }
  const { step: _step, ...task } = row;
  return applyLockedStepResult(tx, task as TaskRow, step, msg, opts);
}

/**
 * {@link applyStepResult} once the task row is locked and the step read: a worker that applies
 * its own outcome has both already (see apply-worker-outcome.ts).
 */
export async function applyLockedStepResult(
  tx: Transaction,
  task: TaskRow,
  step: StoredStep,
  msg: { msgId: string | null; taskUuid: string; stepUuid: string },
  opts: { jitterPercent: number; logger: Logger; evaluate?: EvaluateOptions },
): Promise<ResultOutcome> {
  const log = opts.logger.child({ task_uuid: msg.taskUuid, step_uuid: msg.stepUuid, step: step.name });
  const base = {
    stepName: step.name,
    namespace: task.namespace,
    durationSeconds: attemptSeconds(step),
  };
  const decision = decideStepResult(
    step,
    opts.jitterPercent,
    TASK_TERMINAL_STATES.has(task.status as TaskState),
  );
  if (!decision) {
    log.info({ state: step.state }, "duplicate or late step result ignored");
    if (msg.msgId) await ackMessages(tx, [msg.msgId]);
    return { applied: "ignored", events: [], ...base };
  }

  // The step's transition and the message's ack in one statement.
  const moved = await transitionSteps(tx, {
    uuids: [msg.stepUuid],
    event: decision.event,
    set:
      decision.applied === "completed"
        ? "completed_at = now()"
        : decision.applied === "retry_scheduled"
          ? "next_retry_at = now() + make_interval(secs => $7)"
          : "",
    params: [msg.msgId, ...(decision.retryDelayMs === null ? [] : [decision.retryDelayMs / 1000])],
    metadata: decision.metadata,
    also: ["ack AS (DELETE FROM tasker.queue_messages WHERE msg_id = $6::bigint)"],
  });
  if (moved.length === 0) return { applied: "ignored", events: [], ...base };

  const events: LifecycleEvent[] = [stepResultEvent(task, step, msg.stepUuid, decision, log)];
  const evaluation = await evaluateTask(tx, msg.taskUuid, task, new Date(), {
    ...opts.evaluate,
    precedingEvents: events,
  });
  events.push(...(evaluation?.events ?? []));
  return { applied: decision.applied, evaluation, events, ...base };
}

/** How long the step's last attempt has taken so far (the step-duration metric). */
export function attemptSeconds(step: StoredStep): number | undefined {
  return step.last_attempted_at ? (Date.now() - Date.parse(step.last_attempted_at)) / 1000 : undefined;
}

/** What happens to a step whose outcome the worker stored. */
export type StepDecision = {
  applied: "completed" | "retry_scheduled" | "failed";
  event: StepEvent;
  /** The backoff before the next attempt (retry_scheduled). */
  retryDelayMs: number | null;
  metadata: Record<string, unknown>;
};

/** A success is completed, whatever the step's retry settings or the task's state. */
export const COMPLETED: Readonly<StepDecision> = Object.freeze({
  applied: "completed",
  event: "complete",
  retryDelayMs: null,
  metadata: {},
});

/** Pure: the step's next move once a worker stored its outcome; undefined for a stale result. */
export function decideStepResult(
  step: StoredStep,
  jitterPercent: number,
  taskFinished: boolean,
): StepDecision | undefined {
  if (step.state === "enqueued_for_orchestration") return COMPLETED;
  if (step.state !== "enqueued_as_error_for_orchestration") return undefined;
  const failure = decideFailure(
    {
      attempts: step.attempts,
      maxAttempts: step.max_attempts,
      retryable: step.retryable,
      backoff: step.backoff,
      backoffBaseMs: step.backoff_base_ms,
      maxBackoffMs: step.max_backoff_ms,
    },
    { retryable: step.error?.retryable ?? true, retryAfterMs: step.error?.retry_after_ms ?? null },
    jitterPercent,
  );
  const error = step.error?.message ?? null;
  // A cancelled (or otherwise finished) task starts nothing new, so a failure cannot retry.
  if (taskFinished)
    return {
      applied: "failed",
      event: "error",
      retryDelayMs: null,
      metadata: { reason: "task_finished", error },
    };
  if (failure.event === "schedule_retry") {
    return {
      applied: "retry_scheduled",
      event: "schedule_retry",
      retryDelayMs: failure.delayMs,
      metadata: { delay_ms: failure.delayMs, error },
    };
  }
  return {
    applied: "failed",
    event: "error",
    retryDelayMs: null,
    metadata: { reason: failure.reason, error },
  };
}

/** The step's lifecycle event for a decision (and its log line). */
export function stepResultEvent(
  task: TaskRow,
  step: StoredStep,
  stepUuid: string,
  decision: StepDecision,
  log: Logger,
): LifecycleEvent {
  const message = step.error?.message ?? null;
  if (decision.applied === "completed") {
    return taskEvent(task, "step.completed", { uuid: stepUuid, name: step.name });
  }
  if (decision.applied === "retry_scheduled") {
    log.info(
      unboundFields(log, { attempt: step.attempts, delay_ms: decision.retryDelayMs }),
      "step failed; retry scheduled",
    );
    return taskEvent(task, "step.retry_scheduled", { uuid: stepUuid, name: step.name, error: message });
  }
  log.warn(
    unboundFields(log, { attempt: step.attempts, reason: decision.metadata.reason, error: message }),
    "step failed",
  );
  return taskEvent(task, "step.failed", { uuid: stepUuid, name: step.name, error: message });
}
