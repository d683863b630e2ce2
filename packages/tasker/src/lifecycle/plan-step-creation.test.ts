import { describe, expect, it } from "vitest";
import type { ExistingStep } from "../store/sql/create-steps.js";
import { parseTemplateObject } from "../template/load.js";
import { planDecision } from "./plan-step-creation.js";

const { steps } = parseTemplateObject({
  name: "approval",
  namespace_name: "unit",
  version: "1.0.0",
  steps: [
    { name: "validate", handler: { callable: "u.validate" } },
    { name: "route", type: "decision", dependencies: ["validate"], handler: { callable: "u.route" } },
    { name: "auto", dependencies: ["route"], handler: { callable: "u.auto", initialization: { limit: 10 } } },
    { name: "manager", dependencies: ["route"], handler: { callable: "u.manager" } },
    {
      name: "done",
      type: "deferred_convergence",
      dependencies: ["auto", "manager"],
      handler: { callable: "u.done" },
    },
  ],
}).template;

const existing: ExistingStep[] = [
  {
    workflow_step_uuid: "v",
    name: "validate",
    state: "complete",
    position: 0,
    ancestor_positions: "{}",
    claimed_by: null,
    attempts: 1,
  },
  {
    workflow_step_uuid: "r",
    name: "route",
    state: "in_progress",
    position: 1,
    ancestor_positions: "{[0,1)}",
    claimed_by: "w",
    attempts: 1,
  },
];
const claim = { taskUuid: "t", stepUuid: "r", workerId: "w", attempts: 1 };
let n = 0;
const opts = { maxStepsPerDecision: 100, now: new Date(0), newUuid: () => `new${++n}` };

describe("planDecision", () => {
  it("plans the rows of the named step and the convergence step, and the decision's new children", () => {
    n = 0;
    const plan = planDecision(steps, existing, claim, { type: "create_steps", step_names: ["auto"] }, opts);
    expect(plan.kind).toBe("create");
    const creation = (plan as Extract<typeof plan, { kind: "create" }>).creation!;
    expect(
      creation.steps.map((s) => [
        s.name,
        s.position,
        s.ancestor_positions,
        s.child_uuids,
        s.unfinished_parents,
      ]),
    ).toEqual([
      ["auto", 2, "{[0,2)}", ["new2"], 1],
      ["done", 3, "{[0,3)}", [], 1],
    ]);
    expect(creation.steps[0]).toMatchObject({ handler_callable: "u.auto", initialization: { limit: 10 } });
    expect(creation.updates).toEqual([
      { workflow_step_uuid: "r", add_children: ["new1"], add_unfinished: 0, add_ancestors: "{}" },
    ]);
  });

  it("stores the result as it is when the step is not a decision or its claim is gone", () => {
    const outcome = { type: "no_branches" };
    expect(planDecision(steps, existing, { ...claim, stepUuid: "v" }, outcome, opts)).toEqual({
      kind: "as_is",
    });
    expect(planDecision(steps, existing, { ...claim, attempts: 2 }, outcome, opts)).toEqual({
      kind: "as_is",
    });
    expect(planDecision(steps, existing, { ...claim, workerId: "other" }, outcome, opts)).toEqual({
      kind: "as_is",
    });
  });

  it("refuses a malformed outcome and names unknown steps", () => {
    expect(planDecision(steps, existing, claim, { type: "create_steps" }, opts)).toMatchObject({
      kind: "invalid",
    });
    expect(
      planDecision(steps, existing, claim, { type: "create_steps", step_names: ["boss"] }, opts),
    ).toMatchObject({
      kind: "invalid",
      names: ["boss"],
    });
  });

  it("creates nothing for no_branches", () => {
    expect(planDecision(steps, existing, claim, { type: "no_branches" }, opts)).toEqual({
      kind: "create",
      creation: undefined,
      created: [],
    });
  });
});
