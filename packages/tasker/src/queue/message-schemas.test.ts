import { describe, expect, it } from "vitest";
import { checkOrchestrationMessage, checkStepMessage } from "./message-schemas.js";

const TASK = "0190a5d0-ac96-774b-bcce-b302099a8057";
const STEP = "0190a5d0-ac96-774b-bcce-b302099a8058";

describe("checkStepMessage", () => {
  it("accepts the signal the engine sends (extra fields are ignored)", () => {
    expect(
      checkStepMessage({ task_uuid: TASK, step_uuid: STEP, correlation_id: "c", injected: true }),
    ).toEqual({
      ok: true,
      message: { task_uuid: TASK, step_uuid: STEP, correlation_id: "c" },
    });
  });

  it("rejects anything that could never be claimed, naming the field", () => {
    for (const raw of [{}, [], "text", null, 42, { task_uuid: TASK, step_uuid: "not-a-uuid" }]) {
      const checked = checkStepMessage(raw);
      expect(checked.ok).toBe(false);
    }
    expect(checkStepMessage({ task_uuid: TASK, step_uuid: "x" })).toMatchObject({
      ok: false,
      problem: "step_uuid: must be a UUID",
      preview: `{"task_uuid":"${TASK}","step_uuid":"x"}`,
    });
  });

  it("keeps the preview of a huge message short", () => {
    const checked = checkStepMessage({ step_uuid: "x".repeat(10_000) });
    expect(checked.ok === false && checked.preview.length).toBe(203);
  });
});

describe("checkOrchestrationMessage", () => {
  it("accepts step results and re-evaluations", () => {
    expect(
      checkOrchestrationMessage({
        kind: "step_result",
        task_uuid: TASK,
        step_uuid: STEP,
        correlation_id: "c",
      }),
    ).toMatchObject({ ok: true, message: { kind: "step_result", step_uuid: STEP } });
    expect(checkOrchestrationMessage({ kind: "evaluate_task", task_uuid: TASK })).toEqual({
      ok: true,
      message: { kind: "evaluate_task", task_uuid: TASK, correlation_id: "", reason: "unspecified" },
    });
  });

  it("rejects unknown kinds, missing kinds and ids that are not UUIDs", () => {
    for (const raw of [
      {},
      { task_uuid: TASK },
      { kind: "something_else", task_uuid: TASK },
      { kind: "step_result", task_uuid: TASK },
      { kind: "evaluate_task", task_uuid: 42 },
    ]) {
      expect(checkOrchestrationMessage(raw).ok).toBe(false);
    }
  });
});
