import { publishEvents } from "../events/lifecycle-events.js";
import type { StepError } from "../model/task-response.js";
import type { Logger } from "../observability/logger.js";
import type { Queryable } from "../store/database.js";
import { selectStep, transitionSteps } from "../store/sql/steps.js";
import { selectTask } from "../store/sql/tasks.js";
import { type Evaluation, evaluateTask, taskEvent } from "./evaluate-task.js";
import { decideFailure } from "./retry-policy.js";

export interface ResultOutcome {
  applied: "completed" | "retry_scheduled" | "failed" | "ignored";
  evaluation?: Evaluation | undefined;
  stepName?: string;
  namespace?: string;
  durationSeconds?: number;
}

/**
 * Applies a worker's stored result exactly once: `enqueued_for_orchestration -> complete`, or
 * for an error `-> waiting_for_retry | error` by the retry policy; then re-plans the task.
 * A duplicate or late message finds the step already moved on and is ignored (and logged).
 */
export async function applyStepResult(
  tx: Queryable,
  taskUuid: string,
  stepUuid: string,
  opts: { jitterPercent: number; logger: Logger },
): Promise<ResultOutcome> {
  const task = await selectTask(tx, taskUuid, { forUpdate: true });
  const step = task ? await selectStep(tx, taskUuid, stepUuid) : undefined;
  if (!task || !step) {
    opts.logger.warn({ task_uuid: taskUuid, step_uuid: stepUuid }, "result for an unknown step ignored");
    return { applied: "ignored" };
  }
  const log = opts.logger.child({ task_uuid: taskUuid, step_uuid: stepUuid, step: step.name });
  const durationSeconds = step.last_attempted_at
    ? (Date.now() - step.last_attempted_at.getTime()) / 1000
    : undefined;
  const base = { stepName: step.name, namespace: task.namespace, durationSeconds };
  let applied: ResultOutcome["applied"];

  if (step.state === "enqueued_for_orchestration") {
    await transitionSteps(tx, { uuids: [stepUuid], event: "complete", set: "completed_at = now()" });
    await publishEvents(tx, [taskEvent(task, "step.completed", { uuid: stepUuid, name: step.name })]);
    applied = "completed";
  } else if (step.state === "enqueued_as_error_for_orchestration") {
    const error = step.error as (StepError & { retry_after_ms?: number | null }) | null;
    const decision = decideFailure(
      {
        attempts: step.attempts,
        maxAttempts: step.max_attempts,
        retryable: step.retryable,
        backoff: step.backoff as "exponential" | "linear",
        backoffBaseMs: step.backoff_base_ms,
        maxBackoffMs: step.max_backoff_ms,
      },
      { retryable: error?.retryable ?? true, retryAfterMs: error?.retry_after_ms ?? null },
      opts.jitterPercent,
    );
    if (decision.event === "schedule_retry") {
      await transitionSteps(tx, {
        uuids: [stepUuid],
        event: "schedule_retry",
        set: "next_retry_at = now() + make_interval(secs => $6)",
        params: [decision.delayMs / 1000],
        metadata: { delay_ms: decision.delayMs, error: error?.message ?? null },
      });
      await publishEvents(tx, [
        taskEvent(task, "step.retry_scheduled", {
          uuid: stepUuid,
          name: step.name,
          error: error?.message ?? null,
        }),
      ]);
      log.info({ attempt: step.attempts, delay_ms: decision.delayMs }, "step failed; retry scheduled");
      applied = "retry_scheduled";
    } else {
      await transitionSteps(tx, {
        uuids: [stepUuid],
        event: "error",
        metadata: { reason: decision.reason, error: error?.message ?? null },
      });
      await publishEvents(tx, [
        taskEvent(task, "step.failed", { uuid: stepUuid, name: step.name, error: error?.message ?? null }),
      ]);
      log.warn({ attempt: step.attempts, reason: decision.reason, error: error?.message }, "step failed");
      applied = "failed";
    }
  } else {
    log.info({ state: step.state }, "duplicate or late step result ignored");
    return { applied: "ignored", ...base };
  }
  const evaluation = await evaluateTask(tx, taskUuid);
  return { applied, evaluation, ...base };
}
