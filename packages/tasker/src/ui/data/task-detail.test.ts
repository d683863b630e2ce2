import { describe, expect, it } from "vitest";
import type { StepResponse } from "../../model/task-response.js";
import { pickStep, taskFingerprint } from "./task-detail.js";

const step = (name: string, state: StepResponse["current_state"], extra: Partial<StepResponse> = {}) =>
  ({
    workflow_step_uuid: `uuid-${name}`,
    name,
    current_state: state,
    attempts: 0,
    updated_at: "2026-03-01T00:00:00.000Z",
    ...extra,
  }) as StepResponse;

describe("pickStep", () => {
  const steps = [step("a", "complete"), step("b", "error"), step("c", "pending")];

  it("finds a step by uuid or name, and the failed one when none is asked for", () => {
    expect(pickStep(steps, "uuid-c")?.name).toBe("c");
    expect(pickStep(steps, "a")?.name).toBe("a");
    expect(pickStep(steps, undefined)?.name).toBe("b");
    expect(pickStep(steps, "zzz")).toBeUndefined();
    expect(pickStep([step("a", "complete")], undefined)).toBeUndefined();
  });
});

describe("taskFingerprint", () => {
  const task = {
    status: "steps_in_process" as const,
    updated_at: "2026-03-01T00:00:00.000Z",
    steps: [step("a", "in_progress", { attempts: 1 })],
  };

  it("is stable while nothing shown changes", () => {
    expect(taskFingerprint(task, 3, undefined)).toBe(taskFingerprint(structuredClone(task), 3, undefined));
  });

  it("changes with a step's state or attempts, new transitions, or another chosen step", () => {
    const base = taskFingerprint(task, 3, undefined);
    const moved = { ...task, steps: [step("a", "complete", { attempts: 1 })] };
    const retried = { ...task, steps: [step("a", "in_progress", { attempts: 2 })] };
    expect(taskFingerprint(moved, 3, undefined)).not.toBe(base);
    expect(taskFingerprint(retried, 3, undefined)).not.toBe(base);
    expect(taskFingerprint(task, 4, undefined)).not.toBe(base);
    expect(taskFingerprint(task, 3, { uuid: "uuid-a", auditCount: 2 })).not.toBe(base);
    expect(taskFingerprint(task, 3, { uuid: "uuid-a", auditCount: 3 })).not.toBe(
      taskFingerprint(task, 3, { uuid: "uuid-a", auditCount: 2 }),
    );
  });
});
