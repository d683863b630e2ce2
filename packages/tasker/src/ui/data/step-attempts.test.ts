import { describe, expect, it } from "vitest";
import type { StepTransition } from "../../model/task-response.js";
import { summarizeAttempts } from "./step-attempts.js";

const STEP = "0190e0c0-0000-7000-8000-000000000001";
let id = 0;
const tr = (
  event: string,
  to: string,
  at: string,
  metadata: Record<string, unknown> = {},
): StepTransition => ({
  id: String(++id),
  workflow_step_uuid: STEP,
  from_state: null,
  to_state: to as StepTransition["to_state"],
  event,
  metadata,
  created_at: at,
});

describe("summarizeAttempts", () => {
  it("pairs each claim with the result that ended it", () => {
    const attempts = summarizeAttempts([
      tr("enqueue", "enqueued", "2026-01-01T00:00:00.000Z"),
      tr("claim", "in_progress", "2026-01-01T00:00:01.000Z", { worker_id: "w1", attempt: 1 }),
      tr("fail", "enqueued_as_error_for_orchestration", "2026-01-01T00:00:01.250Z"),
      tr("schedule_retry", "waiting_for_retry", "2026-01-01T00:00:01.300Z"),
      tr("enqueue", "enqueued", "2026-01-01T00:00:02.000Z"),
      tr("claim", "in_progress", "2026-01-01T00:00:02.100Z", { worker_id: "w2", attempt: 2 }),
      tr("succeed", "enqueued_for_orchestration", "2026-01-01T00:00:04.100Z"),
      tr("complete", "complete", "2026-01-01T00:00:04.200Z"),
    ]);
    expect(attempts).toEqual([
      {
        attempt: 1,
        worker_id: "w1",
        started_at: "2026-01-01T00:00:01.000Z",
        ended_at: "2026-01-01T00:00:01.250Z",
        duration_ms: 250,
        outcome: "failed",
      },
      {
        attempt: 2,
        worker_id: "w2",
        started_at: "2026-01-01T00:00:02.100Z",
        ended_at: "2026-01-01T00:00:04.100Z",
        duration_ms: 2000,
        outcome: "succeeded",
      },
    ]);
  });

  it("shows a lease that ran out, and a run still going", () => {
    const attempts = summarizeAttempts([
      tr("claim", "in_progress", "2026-01-01T00:00:00.000Z", { worker_id: "dead", attempt: 1 }),
      tr("claim_expired", "enqueued", "2026-01-01T00:00:30.000Z"),
      tr("claim", "in_progress", "2026-01-01T00:00:30.000Z", { worker_id: "alive", attempt: 2 }),
    ]);
    expect(attempts.map((a) => [a.worker_id, a.outcome, a.duration_ms])).toEqual([
      ["dead", "lease_expired", 30_000],
      ["alive", "running", null],
    ]);
  });

  it("numbers attempts itself when metadata lacks them, and ignores ends without a claim", () => {
    const attempts = summarizeAttempts([
      tr("fail", "error", "2026-01-01T00:00:00.000Z"),
      tr("claim", "in_progress", "2026-01-01T00:00:01.000Z"),
    ]);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, worker_id: null, outcome: "running" });
  });
});
