import { TASK_STATES } from "@tasker-ts/tasker/client";
import { describe, expect, it } from "vitest";
import { TASK_TERMINAL_EVENTS } from "./engine-handle.js";
import { rowStatusForEvent, rowStatusForTaskState } from "./row-status.js";

describe("row status", () => {
  it("maps every terminal task state and leaves running ones alone", () => {
    const mapped = Object.fromEntries(TASK_STATES.map((s) => [s, rowStatusForTaskState(s)]));
    expect(mapped).toEqual({
      pending: undefined,
      initializing: undefined,
      enqueuing_steps: undefined,
      steps_in_process: undefined,
      evaluating_results: undefined,
      waiting_for_dependencies: undefined,
      waiting_for_retry: undefined,
      blocked_by_failures: undefined,
      complete: "completed",
      error: "failed",
      cancelled: "cancelled",
      resolved_manually: "completed",
    });
  });

  it("agrees with the task state for every terminal event", () => {
    const stateOf = {
      "task.completed": "complete",
      "task.failed": "error",
      "task.cancelled": "cancelled",
      "task.resolved_manually": "resolved_manually",
    } as const;
    for (const event of TASK_TERMINAL_EVENTS) {
      expect(rowStatusForEvent(event)).toBe(rowStatusForTaskState(stateOf[event]));
    }
  });
});
