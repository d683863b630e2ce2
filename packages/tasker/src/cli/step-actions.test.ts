import { describe, expect, it } from "vitest";
import { StepActionSchema } from "../model/step-action.js";
import { buildStepAction } from "./step-actions.js";

describe("buildStepAction", () => {
  it("builds each operator action as the API's PATCH body, with who acted", () => {
    const retry = buildStepAction("retry", { reason: "flaky", by: "ana" });
    expect(retry).toEqual({ action_type: "reset_for_retry", reason: "flaky", reset_by: "ana" });
    const resolve = buildStepAction("resolve", { reason: "done by hand" });
    expect(resolve).toEqual({ action_type: "resolve_manually", reason: "done by hand" });
    const complete = buildStepAction("complete", { reason: "r", result: '{"total": 3}', by: "bo" });
    expect(complete).toEqual({
      action_type: "complete_manually",
      reason: "r",
      completed_by: "bo",
      completion_data: { result: { total: 3 } },
    });
    for (const action of [retry, resolve, complete])
      expect(StepActionSchema.safeParse(action).success).toBe(true);
  });

  it("completes with null when no result is given, and rejects bad JSON naming --result", () => {
    expect(buildStepAction("complete", { reason: "r" })).toMatchObject({ completion_data: { result: null } });
    expect(() => buildStepAction("complete", { reason: "r", result: "{" })).toThrow(
      /--result is not valid JSON/,
    );
  });
});
