import { describe, expect, it } from "vitest";
import type { StepType } from "./schema.js";
import {
  initialSteps,
  initialTemplateSteps,
  outcomeSteps,
  type ShapeStep,
  stepsForOutcome,
} from "./step-creation.js";

const step = (name: string, dependencies: string[] = [], type: StepType = "standard"): ShapeStep => ({
  name,
  dependencies,
  type,
});

/** The approval routing of docs/templates.md: a decision, three branches, a convergence step. */
const approval: ShapeStep[] = [
  step("validate"),
  step("route", ["validate"], "decision"),
  step("auto_approve", ["route"]),
  step("manager_approval", ["route"]),
  step("finance_review", ["manager_approval"]),
  step("finalize", ["auto_approve", "manager_approval", "finance_review"], "deferred_convergence"),
  step("notify", ["finalize"]),
];

describe("initialSteps", () => {
  it("creates the steps up to and including the first decision, nothing behind it", () => {
    expect(initialSteps(approval)).toEqual({
      create: ["validate", "route"],
      edges: [{ from: "validate", to: "route" }],
      lateEdges: [],
    });
  });

  it("creates every step of a template without decisions", () => {
    const diamond = [step("a"), step("b", ["a"]), step("c", ["a"]), step("d", ["b", "c"])];
    expect(initialSteps(diamond).create).toEqual(["a", "b", "c", "d"]);
  });

  it("stops at a batchable step and never creates a batch worker", () => {
    const batch = [
      step("load"),
      step("split", ["load"], "batchable"),
      step("work", ["split"], "batch_worker"),
      step("merge", ["work"], "deferred_convergence"),
    ];
    expect(initialSteps(batch).create).toEqual(["load", "split"]);
  });

  it("creates a convergence step with a parent in the initial graph, with edges from those only", () => {
    const steps = [
      step("a"),
      step("d", ["a"], "decision"),
      step("b", ["d"]),
      step("k", ["a", "b"], "deferred_convergence"),
    ];
    const plan = initialSteps(steps);
    expect(plan.create).toEqual(["a", "d", "k"]);
    expect(plan.edges).toContainEqual({ from: "a", to: "k" });
    expect(plan.edges).not.toContainEqual({ from: "b", to: "k" });
  });
});

describe("a convergence step waits for the creators that could still create its parents", () => {
  it("in the initial graph: an ordering edge from a batchable step whose worker it also waits for", () => {
    const steps = [
      step("root"),
      step("split", ["root"], "batchable"),
      step("work", ["split"], "batch_worker"),
      step("meta", ["root"]),
      step("summary", ["work", "meta"], "deferred_convergence"),
    ];
    const plan = initialSteps(steps);
    expect(plan.create).toEqual(["root", "split", "meta", "summary"]);
    expect(plan.edges).toContainEqual({ from: "split", to: "summary", order: true });
    expect(initialTemplateSteps(steps).find((s) => s.name === "summary")?.dependencies).toEqual([
      "meta",
      "split",
    ]);
    expect(
      initialTemplateSteps(steps, { orderEdges: false }).find((s) => s.name === "summary")?.dependencies,
    ).toEqual(["meta"]);
  });

  it("created by one decision: an ordering edge from the other decision, none from the deciding one", () => {
    const steps = [
      step("root"),
      step("d1", ["root"], "decision"),
      step("d2", ["root"], "decision"),
      step("a", ["d1"]),
      step("b", ["d2"]),
      step("c", ["a", "b"], "deferred_convergence"),
    ];
    const plan = stepsForOutcome(
      steps,
      "d1",
      { type: "create_steps", step_names: ["a"] },
      new Set(["root", "d1", "d2"]),
      100,
    );
    expect(plan).toEqual({
      create: ["a", "c"],
      edges: [
        { from: "d1", to: "a" },
        { from: "a", to: "c" },
        { from: "d2", to: "c", order: true },
      ],
      lateEdges: [],
    });
  });

  it("that exists: an ordering edge from a decision created now that could create its parent", () => {
    const steps = [
      step("root"),
      step("d1", ["root"], "decision"),
      step("d2", ["d1"], "decision"),
      step("m", ["root"]),
      step("b", ["d2"]),
      step("c", ["m", "b"], "deferred_convergence"),
    ];
    const plan = stepsForOutcome(
      steps,
      "d1",
      { type: "create_steps", step_names: ["d2"] },
      new Set(["root", "d1", "m", "c"]),
      100,
    );
    expect(plan).toMatchObject({ create: ["d2"], lateEdges: [{ from: "d2", to: "c", order: true }] });
  });
});

describe("outcomeSteps", () => {
  it("lists the steps reachable through standard steps, not convergence steps", () => {
    expect(outcomeSteps(approval, "route")).toEqual(["auto_approve", "manager_approval", "finance_review"]);
  });

  it("stops at a nested decision (its own outcome creates what is behind it)", () => {
    const steps = [
      step("a"),
      step("d1", ["a"], "decision"),
      step("d2", ["d1"], "decision"),
      step("x", ["d2"]),
    ];
    expect(outcomeSteps(steps, "d1")).toEqual(["d2"]);
    expect(outcomeSteps(steps, "d2")).toEqual(["x"]);
  });
});

describe("stepsForOutcome", () => {
  const existing = new Set(["validate", "route"]);

  it("creates a named step, its descendants, and the convergence step with edges from the parents created", () => {
    const plan = stepsForOutcome(
      approval,
      "route",
      { type: "create_steps", step_names: ["auto_approve"] },
      existing,
      100,
    );
    expect(plan).toEqual({
      create: ["auto_approve", "finalize", "notify"],
      edges: [
        { from: "route", to: "auto_approve" },
        { from: "auto_approve", to: "finalize" },
        { from: "finalize", to: "notify" },
      ],
      lateEdges: [],
    });
  });

  it("creates the descendants of a named step down to the convergence step", () => {
    const plan = stepsForOutcome(
      approval,
      "route",
      { type: "create_steps", step_names: ["manager_approval"] },
      existing,
      100,
    );
    expect(plan).toMatchObject({ create: ["manager_approval", "finance_review", "finalize", "notify"] });
    expect((plan as { edges: unknown[] }).edges).toContainEqual({ from: "finance_review", to: "finalize" });
  });

  it("creates nothing for no_branches", () => {
    expect(stepsForOutcome(approval, "route", { type: "no_branches" }, existing, 100)).toEqual({
      create: [],
      edges: [],
      lateEdges: [],
    });
  });

  it("names unknown steps, with what the decision can create", () => {
    const problem = stepsForOutcome(
      approval,
      "route",
      { type: "create_steps", step_names: ["manger_approval"] },
      existing,
      100,
    );
    expect(problem).toEqual({
      names: ["manger_approval"],
      message:
        'decision "route" named "manger_approval", not a step of the template; it can create "auto_approve", "manager_approval", "finance_review"',
    });
  });

  it("names steps not reachable from the decision", () => {
    const problem = stepsForOutcome(
      approval,
      "route",
      { type: "create_steps", step_names: ["validate", "finalize"] },
      existing,
      100,
    );
    expect(problem).toMatchObject({
      names: ["validate", "finalize"],
      message: expect.stringContaining("not reachable from it"),
    });
  });

  it("refuses more names than the limit", () => {
    const problem = stepsForOutcome(
      approval,
      "route",
      { type: "create_steps", step_names: ["auto_approve", "manager_approval"] },
      existing,
      1,
    );
    expect(problem).toMatchObject({ message: expect.stringContaining("more than the limit of 1") });
  });

  it("refuses a named step that waits for a step the task does not have", () => {
    const problem = stepsForOutcome(
      approval,
      "route",
      { type: "create_steps", step_names: ["finance_review"] },
      existing,
      100,
    );
    expect(problem).toMatchObject({
      names: ["finance_review"],
      message: expect.stringContaining("does not have"),
    });
  });

  it("adds an edge to a convergence step that exists already (created by an earlier parent)", () => {
    const steps = [
      step("a"),
      step("d1", ["a"], "decision"),
      step("d2", ["a"], "decision"),
      step("x", ["d1"]),
      step("y", ["d2"]),
      step("k", ["x", "y"], "deferred_convergence"),
    ];
    const plan = stepsForOutcome(
      steps,
      "d2",
      { type: "create_steps", step_names: ["y"] },
      new Set(["a", "d1", "d2", "x", "k"]),
      100,
    );
    expect(plan).toEqual({
      create: ["y"],
      edges: [{ from: "d2", to: "y" }],
      lateEdges: [{ from: "y", to: "k" }],
    });
  });

  it("creates a join of two named branches once, when both are named", () => {
    const steps = [
      step("a"),
      step("d", ["a"], "decision"),
      step("x", ["d"]),
      step("y", ["d"]),
      step("j", ["x", "y"]),
    ];
    const both = stepsForOutcome(
      steps,
      "d",
      { type: "create_steps", step_names: ["x", "y"] },
      new Set(["a", "d"]),
      100,
    );
    expect(both).toMatchObject({ create: ["x", "y", "j"] });
    const one = stepsForOutcome(
      steps,
      "d",
      { type: "create_steps", step_names: ["x"] },
      new Set(["a", "d"]),
      100,
    );
    expect(one).toMatchObject({ create: ["x"] });
  });
});
