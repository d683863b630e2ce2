/** The retry settings a step was created with (from its template version). */
export interface StepRetrySettings {
  attempts: number;
  maxAttempts: number;
  retryable: boolean;
  backoff: "exponential" | "linear";
  backoffBaseMs: number;
  maxBackoffMs: number;
}

export interface FailureFacts {
  /** The handler's error allows another attempt (RetryableError, timeout, unknown error). */
  retryable: boolean;
  /** A delay the handler asked for (RetryableError.retryAfterMs). */
  retryAfterMs?: number | null;
}

export type FailureDecision =
  | { event: "schedule_retry"; delayMs: number }
  | { event: "error"; reason: "permanent" | "not_retryable" | "attempts_exhausted" };

/**
 * Backoff before attempt `attempts + 1`: exponential `min(max, base * 2^(attempts-1))` or linear
 * `min(max, base * attempts)`, with +/- jitter so that retries of many tasks do not stampede.
 */
export function backoffDelayMs(
  s: StepRetrySettings,
  jitterPercent: number,
  random: () => number = Math.random,
) {
  const n = Math.max(1, s.attempts);
  const raw = s.backoff === "linear" ? s.backoffBaseMs * n : s.backoffBaseMs * 2 ** (n - 1);
  const capped = Math.min(s.maxBackoffMs, raw);
  const jitter = capped * (jitterPercent / 100) * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(s.maxBackoffMs, capped + jitter)));
}

/** What happens after a failed attempt. Pure. */
export function decideFailure(
  s: StepRetrySettings,
  failure: FailureFacts,
  jitterPercent: number,
  random: () => number = Math.random,
): FailureDecision {
  if (!s.retryable) return { event: "error", reason: "not_retryable" };
  if (!failure.retryable) return { event: "error", reason: "permanent" };
  if (s.attempts >= s.maxAttempts) return { event: "error", reason: "attempts_exhausted" };
  // A non-finite retry-after (Infinity) would make an invalid next_retry_at: use the backoff instead.
  const retryAfter = failure.retryAfterMs;
  const delayMs =
    retryAfter != null && Number.isFinite(retryAfter) && retryAfter >= 0
      ? Math.round(retryAfter)
      : backoffDelayMs(s, jitterPercent, random);
  return { event: "schedule_retry", delayMs };
}
