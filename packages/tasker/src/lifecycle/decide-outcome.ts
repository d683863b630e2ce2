import type { StepError } from "../model/task-response.js";
import type { StepEvent } from "../state/step-states.js";
import { decideFailure } from "./retry-policy.js";

/** What one attempt of a handler produced: its result, or the error to decide on. */
export type AttemptOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: StepError & { retry_after_ms: number | null } };

/** Where a step goes once its attempt's outcome is stored: the event, and what the retry policy chose. */
export interface StepDecision {
  applied: "completed" | "retry_scheduled" | "failed";
  event: Extract<StepEvent, "complete" | "schedule_retry" | "error">;
  /** The backoff before the next attempt (retry_scheduled). */
  retryDelayMs: number | null;
  metadata: Record<string, unknown>;
}

/** A success is completed, whatever the step's retry settings or the task's state. */
export const COMPLETED: Readonly<StepDecision> = Object.freeze({
  applied: "completed",
  event: "complete",
  retryDelayMs: null,
  metadata: {},
});

/** What deciding on a failed attempt needs of its step (read under its task's lock). */
export interface FailedStep {
  attempts: number;
  max_attempts: number;
  retryable: boolean;
  backoff: "exponential" | "linear";
  backoff_base_ms: number;
  max_backoff_ms: number;
}

/**
 * Pure: where a failed attempt's step goes - `waiting_for_retry` after a backoff, or `error` - by
 * the retry policy. A finished task (cancelled, say) starts nothing new, so its step cannot retry.
 */
export function decideFailedAttempt(
  step: FailedStep,
  error: { message: string; retryable: boolean; retry_after_ms?: number | null },
  jitterPercent: number,
  taskFinished: boolean,
): StepDecision {
  const failure = decideFailure(
    {
      attempts: step.attempts,
      maxAttempts: step.max_attempts,
      retryable: step.retryable,
      backoff: step.backoff,
      backoffBaseMs: step.backoff_base_ms,
      maxBackoffMs: step.max_backoff_ms,
    },
    { retryable: error.retryable, retryAfterMs: error.retry_after_ms ?? null },
    jitterPercent,
  );
  const message = error.message ?? null;
  if (taskFinished) {
    return {
      applied: "failed",
      event: "error",
      retryDelayMs: null,
      metadata: { reason: "task_finished", error: message },
    };
  }
  if (failure.event === "schedule_retry") {
    return {
      applied: "retry_scheduled",
      event: "schedule_retry",
      retryDelayMs: failure.delayMs,
      metadata: { delay_ms: failure.delayMs, error: message },
    };
  }
  return {
    applied: "failed",
    event: "error",
    retryDelayMs: null,
    metadata: { reason: failure.reason, error: message },
  };
}
