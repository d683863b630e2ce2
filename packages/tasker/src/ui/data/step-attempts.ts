import type { StepTransition } from "../../model/task-response.js";

export type AttemptOutcome = "running" | "succeeded" | "failed" | "lease_expired";

/** One run of a step's handler, read back from its transitions. */
export interface Attempt {
  attempt: number;
  worker_id: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  outcome: AttemptOutcome;
}

const OUTCOME_OF: Record<string, AttemptOutcome> = {
  succeed: "succeeded",
  fail: "failed",
  claim_expired: "lease_expired",
};

/**
 * The attempts of a step (pure): each `claim` starts one; the worker's `succeed`/`fail`, or a
 * `claim_expired` when its lease ran out, ends it. An attempt without an end is still running.
 */
export function summarizeAttempts(transitions: readonly StepTransition[]): Attempt[] {
  const attempts: Attempt[] = [];
  let open: Attempt | undefined;
  for (const t of transitions) {
    if (t.event === "claim") {
      const attempt = Number(t.metadata.attempt);
      const workerId = t.metadata.worker_id;
      open = {
        attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : attempts.length + 1,
        worker_id: typeof workerId === "string" ? workerId : null,
        started_at: t.created_at,
        ended_at: null,
        duration_ms: null,
        outcome: "running",
      };
      attempts.push(open);
      continue;
    }
    const outcome = OUTCOME_OF[t.event];
    if (outcome && open) {
      open.ended_at = t.created_at;
      open.duration_ms = Math.max(0, Date.parse(t.created_at) - Date.parse(open.started_at));
      open.outcome = outcome;
      open = undefined;
    }
  }
  return attempts;
}
