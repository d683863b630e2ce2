import type { Backoff } from "./job-queue.js";

/** Delay before try number `nextAttempt` (2 = the first retry). */
export function backoffDelayMs(backoff: Backoff | undefined, nextAttempt: number): number {
  if (!backoff) return 0;
  if (backoff.type === "fixed") return backoff.delayMs;
  return backoff.delayMs * 2 ** Math.max(0, nextAttempt - 2);
}
