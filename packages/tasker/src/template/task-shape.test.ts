import { describe, expect, it } from "vitest";
import { hasRunTimeSteps, taskShape } from "./task-shape.js";

const approval = [
  { name: "validate", dependencies: [] },
  { name: "route", type: "decision" as const, dependencies: ["validate"] },
  { name: "auto", dependencies: ["route"] },
  { name: "manager", dependencies: ["route"] },
  { name: "finance", dependencies: ["manager"] },
  { name: "finalize", type: "deferred_convergence" as const, dependencies: ["auto", "finance"] },
];

const presence = (steps: typeof approval, states: Record<string, string>) =>
  Object.fromEntries(taskShape(steps, new Map(Object.entries(states))).presence);

describe("taskShape", () => {
  it("marks the branch a finished decision did not choose as not taken, down to its descendants", () => {
    expect(
      presence(approval, {
        validate: "complete",
        route: "complete",
        auto: "in_progress",
        finalize: "pending",
      }),
    ).toEqual({
      validate: "created",
      route: "created",
      auto: "created",
      manager: "not_taken",
      finance: "not_taken",
      finalize: "created",
    });
  });

  it("leaves the branches of a decision that has not decided as not created yet", () => {
    expect(presence(approval, { validate: "complete", route: "in_progress" })).toMatchObject({
      auto: "not_yet_created",
      manager: "not_yet_created",
      finance: "not_yet_created",
      finalize: "not_yet_created",
    });
  });

  it("takes a convergence step as not taken only when every parent is", () => {
    const noBranches = presence(approval, { validate: "complete", route: "complete" });
    expect(noBranches.finalize).toBe("not_taken");
    const failed = presence(approval, { validate: "complete", route: "error" });
    expect(failed.auto).toBe("not_taken");
  });

  it("groups batch instances under their worker, the longest worker name first", () => {
    const steps = [
      { name: "split", type: "batchable" as const, dependencies: [] },
      { name: "rows", type: "batch_worker" as const, dependencies: ["split"] },
      { name: "rows_extra", type: "batch_worker" as const, dependencies: ["split"] },
      { name: "total", type: "deferred_convergence" as const, dependencies: ["rows", "rows_extra"] },
    ];
    const shape = taskShape(
      steps,
      new Map([
        ["split", "complete"],
        ["rows_001", "complete"],
        ["rows_002", "pending"],
        ["total", "pending"],
      ]),
    );
    expect(shape.instances.get("rows")).toEqual(["rows_001", "rows_002"]);
    expect(shape.instances.get("rows_extra")).toEqual([]);
    expect(shape.instanceOf.get("rows_002")).toBe("rows");
    expect(shape.presence.get("rows")).toBe("created");
    expect(shape.presence.get("rows_extra")).toBe("not_taken");
    expect(shape.presence.get("total")).toBe("created");
    expect(
      taskShape(
        steps,
        new Map([
          ["split", "complete"],
          ["rows_extra_1", "complete"],
        ]),
      ).instanceOf.get("rows_extra_1"),
    ).toBe("rows_extra");
  });

  it("tells templates with run-time steps from plain ones", () => {
    expect(hasRunTimeSteps(approval)).toBe(true);
    expect(hasRunTimeSteps([{ name: "a", dependencies: [] }])).toBe(false);
  });
});
