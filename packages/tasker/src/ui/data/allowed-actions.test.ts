import { describe, expect, it } from "vitest";
import { STEP_STATES } from "../../state/step-states.js";
import { TASK_STATES } from "../../state/task-states.js";
import { allowedStepActions, canCancelTask } from "./allowed-actions.js";

describe("allowedStepActions", () => {
  it("offers retry, resolve and complete for a failed step of a failed task", () => {
    expect(allowedStepActions("error", "error")).toEqual([
      "reset_for_retry",
      "resolve_manually",
      "complete_manually",
    ]);
  });

  it("offers resolve and complete, not retry, for a step that has not failed", () => {
    expect(allowedStepActions("waiting_for_retry", "waiting_for_retry")).toEqual([
      "resolve_manually",
      "complete_manually",
    ]);
  });

  it("offers nothing for running or finished steps, or steps of a task that ended otherwise", () => {
    expect(allowedStepActions("steps_in_process", "in_progress")).toEqual([]);
    expect(allowedStepActions("steps_in_process", "complete")).toEqual([]);
    for (const status of ["complete", "cancelled", "resolved_manually"] as const) {
      for (const state of STEP_STATES) expect(allowedStepActions(status, state)).toEqual([]);
    }
  });
});

describe("canCancelTask", () => {
  it("is true exactly for unfinished tasks", () => {
    const cancellable = TASK_STATES.filter(canCancelTask);
    expect(cancellable).not.toContain("complete");
    expect(cancellable).not.toContain("error");
    expect(cancellable).toContain("steps_in_process");
    expect(cancellable).toHaveLength(8);
  });
});
