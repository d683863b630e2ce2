import { describe, expect, it } from "vitest";
import type { StepType } from "./schema.js";
import { type RuleStep, shapeIssues } from "./shape-rules.js";

const step = (
  name: string,
  dependencies: string[] = [],
  type: StepType = "standard",
  worker_template?: string,
): RuleStep => ({
  name,
  dependencies,
  type,
  ...(worker_template ? { batch_config: { worker_template } } : {}),
});

const messages = (steps: RuleStep[], limits = { maxStepsPerDecision: 100, maxDecisionDepth: 10 }) =>
  shapeIssues(steps, limits).map((i) => `${i.step}: ${i.key}: ${i.message}`);

describe("shapeIssues", () => {
  it("rejects the reserved initialization keys batch and batch_config", () => {
    const steps: RuleStep[] = [
      { ...step("a"), handler: { initialization: { batch: { failure_strategy: "fail_fast" }, ok: 1 } } },
      { ...step("b", ["a"]), handler: { initialization: { batch_config: {} } } },
    ];
    expect(messages(steps)).toEqual([
      'a: handler.initialization.batch: "batch" is reserved: the engine gives it to batch steps (batch, batch_config); use another key',
      'b: handler.initialization.batch_config: "batch_config" is reserved: the engine gives it to batch steps (batch, batch_config); use another key',
    ]);
  });

  it("accepts a decision with branches and a convergence step, and a batch", () => {
    expect(
      messages([
        step("a"),
        step("d", ["a"], "decision"),
        step("x", ["d"]),
        step("y", ["d"]),
        step("k", ["x", "y"], "deferred_convergence"),
        step("split", ["k"], "batchable", "work"),
        step("work", ["split"], "batch_worker"),
        step("merge", ["work"], "deferred_convergence"),
      ]),
    ).toEqual([]);
  });

  it("rejects a decision with no parent", () => {
    expect(messages([step("d", [], "decision"), step("x", ["d"])])).toEqual([
      "d: dependencies: a decision step needs at least one parent (it decides from their results); add dependencies, e.g. a step that gathers what the decision needs",
    ]);
  });

  it("rejects a decision no step depends on", () => {
    expect(messages([step("a"), step("d", ["a"], "decision")])[0]).toMatch(
      /^d: type: no step depends on decision "d"/,
    );
  });

  it("rejects a possible outcome that also waits for a step only a later decision creates", () => {
    const found = messages([
      step("a"),
      step("d", ["a"], "decision"),
      step("d2", ["d"], "decision"),
      step("z", ["d2"]),
      step("x", ["d", "z"]),
    ]);
    expect(
      found.some((m) =>
        m.startsWith('x: dependencies: is a possible outcome of decision "d" but also waits for "z"'),
      ),
    ).toBe(true);
  });

  it("rejects a convergence step with no possible parent", () => {
    expect(messages([step("a"), step("k", [], "deferred_convergence")])).toEqual([
      "k: dependencies: a deferred_convergence step lists every step it may wait for (it is created once one of them is); add dependencies",
    ]);
  });

  it("limits steps per decision and decision depth", () => {
    const wide = [step("a"), step("d", ["a"], "decision"), step("x", ["d"]), step("y", ["d"])];
    expect(messages(wide, { maxStepsPerDecision: 1, maxDecisionDepth: 10 })).toEqual([
      'd: type: decision "d" can create 2 steps, more than the limit of 1 per decision; split it into several decisions',
    ]);
    const deep = [
      step("a"),
      step("d1", ["a"], "decision"),
      step("d2", ["d1"], "decision"),
      step("x", ["d2"]),
    ];
    expect(messages(deep, { maxStepsPerDecision: 100, maxDecisionDepth: 1 })).toEqual([
      'd2: type: decision "d2" is 2 decisions deep (d1 -> d2), more than the limit of 1; flatten the decisions',
    ]);
  });

  it("rejects a batchable step without batch_config, or whose worker template is not a batch_worker", () => {
    expect(messages([step("a"), step("s", ["a"], "batchable")])[0]).toMatch(
      /^s: batch_config: is required for a batchable step/,
    );
    expect(messages([step("a"), step("s", ["a"], "batchable", "b"), step("b", ["s"])])).toEqual([
      's: batch_config.worker_template: "b" is a standard step; the worker template must be a step of type batch_worker',
    ]);
    expect(
      messages([step("a"), step("s", ["a"], "batchable", "wrk"), step("work", ["s"], "batch_worker")]),
    ).toContain('s: batch_config.worker_template: unknown step "wrk" (did you mean "work"?)');
  });

  it("rejects a batch_worker used as a normal step", () => {
    const found = messages([
      step("a"),
      step("s", ["a"], "batchable", "work"),
      step("work", ["s"], "batch_worker"),
      step("after", ["work"]),
      step("orphan", ["a"], "batch_worker"),
    ]);
    expect(found).toContain(
      'after: dependencies: "work" is a batch_worker, a template of the instances its batchable step creates at run time, not a step of its own; only a deferred_convergence step can depend on it (and then waits for every instance)',
    );
    expect(found.some((m) => m.startsWith('orphan: type: no batchable step names "orphan"'))).toBe(true);
  });

  it("rejects a batch_worker that depends on anything but its batchable step (its instances would get no edge from it)", () => {
    const deps = (workDeps: string[]) =>
      messages([
        step("a"),
        step("lookup"),
        step("s", ["a"], "batchable", "work"),
        step("work", workDeps, "batch_worker"),
      ]).filter((m) => m.startsWith("work: dependencies"));
    expect(deps(["s"])).toEqual([]);
    expect(deps(["s", "lookup"])).toEqual([
      'work: dependencies: a batch worker depends only on the batchable step that creates its instances: set its dependencies to ["s"] (what else it needs, make a dependency of "s")',
    ]);
    expect(deps(["lookup"])).toHaveLength(1);
  });

  it("rejects a step whose name starts with a batch worker's instance prefix", () => {
    const found = messages([
      step("a"),
      step("s", ["a"], "batchable", "rows"),
      step("rows", ["s"], "batch_worker"),
      step("t", ["a"], "batchable", "rows_extra"),
      step("rows_extra", ["t"], "batch_worker"),
      step("rows_1", ["a"]),
      step("rowsum", ["a"]),
    ]);
    expect(found.filter((m) => m.includes("instances ({worker_template}_{batch_id})"))).toEqual([
      'rows_extra: name: starts with "rows_", the prefix of batch worker "rows"\'s instances ({worker_template}_{batch_id}); rename one of them',
      'rows_1: name: starts with "rows_", the prefix of batch worker "rows"\'s instances ({worker_template}_{batch_id}); rename one of them',
    ]);
  });

  it("rejects batch_config on a step that is not batchable", () => {
    expect(messages([step("a", [], "standard", "w")])[0]).toMatch(
      /^a: batch_config: only a batchable step has batch_config/,
    );
  });
});
