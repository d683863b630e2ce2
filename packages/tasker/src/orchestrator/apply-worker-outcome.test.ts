import { describe, expect, it } from "vitest";
import { diamondAfterA, NOW, stepRow, taskRow } from "../../test/support/step-rows.js";
import { decideStepResult, type StoredStep } from "./apply-step-result.js";
import { patchStored } from "./apply-worker-outcome.js";
import { planEvaluation } from "./evaluate-task.js";

const TASK = taskRow();

describe("patchStored", () => {
  it("completes the stored step and counts it as a done parent of its children only", () => {
    const steps = patchStored(
      diamondAfterA(),
      "uuid-a",
      { state: "complete", error: null, retryDelayMs: null },
      NOW,
    );
    expect(steps.map((s) => [s.name, s.state, s.completed_parents])).toEqual([
      ["a", "complete", 0],
      ["b", "pending", 1],
      ["c", "pending", 1],
      ["d", "pending", 0],
    ]);
    expect(steps[0]!.claimed_by).toBeNull();
    expect(steps.map((s) => s.parent_uuids)).toEqual(diamondAfterA().map((s) => s.parent_uuids));
  });

  it("a retry is due after its delay and gives its children nothing", () => {
    const steps = patchStored(
      diamondAfterA(),
      "uuid-a",
      { state: "waiting_for_retry", error: { message: "boom" } as StoredStep["error"], retryDelayMs: 2000 },
      NOW,
    );
    expect(steps[0]).toMatchObject({ state: "waiting_for_retry", error: { message: "boom" } });
    expect(steps[0]!.next_retry_at?.getTime()).toBe(NOW.getTime() + 2000);
    expect(steps.slice(1).map((s) => s.completed_parents)).toEqual([0, 0, 0]);
  });
});

describe("planEvaluation after a worker's outcome", () => {
  it("dispatches both branches and keeps the first one the worker can run", () => {
    const steps = patchStored(
      diamondAfterA(),
      "uuid-a",
      { state: "complete", error: null, retryDelayMs: null },
      NOW,
    );
    const planned = planEvaluation(
      TASK,
      steps,
      NOW,
      (ready) => ready.find((s) => s.name === "c")?.workflow_step_uuid,
    );
    expect(planned.plan.ready.map((s) => s.name)).toEqual(["b", "c"]);
    expect(planned.keep).toBe("uuid-c");
    expect(planned.events).toEqual([]);
    expect(planned.retryWakeDelayMs).toBeNull();
  });

  it("keeps nothing when the worker has none of the ready handlers", () => {
    const steps = patchStored(
      diamondAfterA(),
      "uuid-a",
      { state: "complete", error: null, retryDelayMs: null },
      NOW,
    );
    expect(planEvaluation(TASK, steps, NOW, () => undefined).keep).toBeNull();
  });

  it("finishes the task with task.completed when the last step completes", () => {
    const steps = patchStored(
      [stepRow("a", { state: "in_progress", attempts: 1 })],
      "uuid-a",
      { state: "complete", error: null, retryDelayMs: null },
      NOW,
    );
    const planned = planEvaluation(TASK, steps, NOW);
    expect(planned.plan.transitions.at(-1)?.to).toBe("complete");
    expect(planned.error).toBeNull();
    expect(planned.events.map((e) => [e.event, e.status])).toEqual([["task.completed", "complete"]]);
  });

  it("names the failed step and its code in the task's error", () => {
    const steps = patchStored(
      [stepRow("a", { state: "in_progress", attempts: 1 })],
      "uuid-a",
      {
        state: "error",
        error: { message: "no", code: "refused" } as StoredStep["error"],
        retryDelayMs: null,
      },
      NOW,
    );
    const planned = planEvaluation(TASK, steps, NOW);
    expect(planned.error).toBe("step a failed (refused): no");
    expect(planned.events[0]).toMatchObject({ event: "task.failed", status: "error" });
  });

  it("schedules a wake-up for a retry that is not yet due", () => {
    const steps = patchStored(
      [stepRow("a", { state: "in_progress", attempts: 1 })],
      "uuid-a",
      { state: "waiting_for_retry", error: { message: "later" } as StoredStep["error"], retryDelayMs: 5000 },
      NOW,
    );
    const planned = planEvaluation(TASK, steps, NOW);
    expect(planned.plan.ready).toEqual([]);
    expect(planned.retryWakeDelayMs).toBe(5010);
  });
});

describe("decideStepResult", () => {
  const base: StoredStep = {
    name: "a",
    state: "enqueued_for_orchestration",
    attempts: 1,
    max_attempts: 3,
    retryable: true,
    backoff: "linear",
    backoff_base_ms: 100,
    max_backoff_ms: 1000,
    error: null,
    last_attempted_at: null,
  };

  it("completes a success, retries a retryable failure, gives up on a permanent one", () => {
    expect(decideStepResult(base, 0, false)).toMatchObject({ applied: "completed", event: "complete" });
    const failed = {
      ...base,
      state: "enqueued_as_error_for_orchestration",
      error: { message: "x", retryable: true },
    };
    expect(decideStepResult(failed as StoredStep, 0, false)).toMatchObject({
      applied: "retry_scheduled",
      event: "schedule_retry",
      retryDelayMs: 100,
    });
    const permanent = { ...failed, error: { message: "x", retryable: false } };
    expect(decideStepResult(permanent as StoredStep, 0, false)).toMatchObject({
      applied: "failed",
      event: "error",
    });
  });

  it("never retries once the task is finished, and ignores a result in any other state", () => {
    const failed = {
      ...base,
      state: "enqueued_as_error_for_orchestration",
      error: { message: "x", retryable: true },
    };
    expect(decideStepResult(failed as StoredStep, 0, true)).toMatchObject({
      applied: "failed",
      metadata: { reason: "task_finished" },
    });
    expect(decideStepResult({ ...base, state: "complete" }, 0, false)).toBeUndefined();
  });
});
