import { describe, expect, it } from "vitest";
import { StepActionSchema } from "./step-action.js";

describe("StepActionSchema", () => {
  it("accepts the three operator actions", () => {
    expect(
      StepActionSchema.parse({ action_type: "reset_for_retry", reason: "fixed", reset_by: "ops" }),
    ).toEqual({
      action_type: "reset_for_retry",
      reason: "fixed",
      reset_by: "ops",
    });
    expect(
      StepActionSchema.parse({ action_type: "resolve_manually", reason: "done by hand" }).action_type,
    ).toBe("resolve_manually");
    const complete = StepActionSchema.parse({
      action_type: "complete_manually",
      reason: "r",
      completion_data: { result: { ok: true } },
    });
    expect(complete).toMatchObject({ completion_data: { result: { ok: true } } });
  });

  it("requires a reason", () => {
    expect(StepActionSchema.safeParse({ action_type: "reset_for_retry" }).success).toBe(false);
    expect(StepActionSchema.safeParse({ action_type: "reset_for_retry", reason: "" }).success).toBe(false);
  });

  it("requires completion_data for complete_manually", () => {
    const r = StepActionSchema.safeParse({ action_type: "complete_manually", reason: "r" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["completion_data"]);
  });

  it("rejects an unknown action and fields of another action", () => {
    expect(StepActionSchema.safeParse({ action_type: "retry", reason: "r" }).success).toBe(false);
    expect(
      StepActionSchema.safeParse({ action_type: "reset_for_retry", reason: "r", resolved_by: "x" }).success,
    ).toBe(false);
  });
});

describe("StepActionSchema and text PostgreSQL cannot store", () => {
  it("refuses NUL in the reason and anywhere in completion data, with the path", () => {
    const bad = StepActionSchema.safeParse({ action_type: "resolve_manually", reason: "a\u0000" });
    expect(bad.success || bad.error.issues.map((i) => i.path.join("."))).toEqual(["reason"]);
    const data = StepActionSchema.safeParse({
      action_type: "complete_manually",
      reason: "ok",
      completion_data: { result: { rows: ["fine", "x\u0000"] } },
    });
    expect(data.success || data.error.issues.map((i) => i.path.join("."))).toEqual([
      "completion_data.result.rows.1",
    ]);
  });
});
