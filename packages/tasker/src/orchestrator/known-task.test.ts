import { describe, expect, it } from "vitest";
import { diamondAfterA, NOW, stepRow, taskRow } from "../../test/support/step-rows.js";
import { CLAIM_STEP_LIST_LIMIT, type ClaimedStep } from "../store/sql/steps.js";
import { patchStored } from "./apply-worker-outcome.js";
import {
  canPlanAhead,
  claimFromKnown,
  expectedTask,
  type KnownTask,
  knownAfterPlan,
  knownAtClaim,
  knownAtCreation,
} from "./known-task.js";

function claimed(name: string, attempts = 1): ClaimedStep {
  return {
    workflow_step_uuid: `uuid-${name}`,
    task_uuid: "task-1",
    name,
    handler_callable: `h.${name}`,
    initialization: {},
    attempts,
    max_attempts: 3,
    timeout_seconds: 30,
    task_name: "t",
    namespace: "ns",
    version: "1.0.0",
    correlation_id: "c-1",
    context: {},
    dependency_results: {},
  };
}

/** The diamond after `a` completed and its plan enqueued `b` and claimed `c` for w1. */
function afterPlanOfA(): KnownTask {
  const steps = patchStored(
    diamondAfterA(),
    "uuid-a",
    { state: "complete", error: null, retryDelayMs: null },
    NOW,
  );
  const known = knownAfterPlan({
    task: taskRow(),
    steps,
    ready: ["uuid-b", "uuid-c"],
    dispatched: ["uuid-b", "uuid-c"],
    claimed: claimed("c"),
    workerId: "w1",
    now: NOW,
  });
  if (!known) throw new Error("expected a known task");
  return known;
}

const SUCCESS_OF_C = { taskUuid: "task-1", stepUuid: "uuid-c", workerId: "w1", attempts: 1 };

describe("knownAfterPlan", () => {
  it("has the claimed step in progress for the worker and the other dispatched steps enqueued", () => {
    const known = afterPlanOfA();
    expect(known.steps.map((s) => [s.name, s.state, s.attempts, s.claimed_by, s.completed_parents])).toEqual([
      ["a", "complete", 1, null, 0],
      ["b", "enqueued", 0, null, 1],
      ["c", "in_progress", 1, "w1", 1],
      ["d", "pending", 0, null, 0],
    ]);
  });

  it("knows nothing when the plan claimed nothing or enqueued other steps than planned", () => {
    const steps = diamondAfterA();
    const base = { task: taskRow(), steps, workerId: "w1", now: NOW };
    expect(
      knownAfterPlan({ ...base, ready: ["uuid-b"], dispatched: ["uuid-b"], claimed: undefined }),
    ).toBeUndefined();
    // `b` had moved by the time the plan's statement ran: only `c` was enqueued (and claimed).
    expect(
      knownAfterPlan({ ...base, ready: ["uuid-b", "uuid-c"], dispatched: ["uuid-c"], claimed: claimed("c") }),
    ).toBeUndefined();
    expect(
      knownAfterPlan({ ...base, ready: ["uuid-c"], dispatched: ["uuid-b", "uuid-c"], claimed: claimed("c") }),
    ).toBeUndefined();
    expect(
      knownAfterPlan({
        ...base,
        ready: ["uuid-b", "uuid-c"],
        dispatched: ["uuid-c", "uuid-b"],
        claimed: claimed("c"),
      }),
    ).toBeDefined();
  });

  it("does not change the steps or the task it was made from", () => {
    const steps = diamondAfterA();
    const task = taskRow();
    const known = knownAfterPlan({
      task,
      steps,
      ready: ["uuid-b"],
      dispatched: ["uuid-b"],
      claimed: claimed("b"),
      workerId: "w1",
      now: NOW,
    });
    known!.task.status = "complete";
    expect(task.status).toBe("steps_in_process");
    expect(steps.map((s) => s.state)).toEqual(["in_progress", "pending", "pending", "pending"]);
  });
});

/** {@link afterPlanOfA} once `b` is done: `c` is the only step on its way. */
function afterB(): KnownTask {
  const known = afterPlanOfA();
  return {
    ...known,
    steps: known.steps.map((s) => (s.name === "b" ? { ...s, state: "complete", attempts: 1 } : s)),
  };
}

describe("canPlanAhead", () => {
  it("plans the success of the step the worker was given", () => {
    expect(canPlanAhead(afterB(), SUCCESS_OF_C)).toBe(true);
  });

  it("does not plan while another step is on its way: it may finish first", () => {
    for (const state of ["enqueued", "in_progress", "enqueued_for_orchestration"]) {
      const known = afterB();
      const steps = known.steps.map((s) => (s.name === "b" ? { ...s, state } : s));
      expect(canPlanAhead({ ...known, steps }, SUCCESS_OF_C), state).toBe(false);
    }
  });

  it("does not plan for another task, step, worker or attempt", () => {
    const known = afterB();
    expect(canPlanAhead(known, { ...SUCCESS_OF_C, taskUuid: "task-2" })).toBe(false);
    expect(canPlanAhead(known, { ...SUCCESS_OF_C, stepUuid: "uuid-b" })).toBe(false); // done, not ours
    expect(canPlanAhead(known, { ...SUCCESS_OF_C, stepUuid: "uuid-x" })).toBe(false);
    expect(canPlanAhead(known, { ...SUCCESS_OF_C, workerId: "w2" })).toBe(false);
    expect(canPlanAhead(known, { ...SUCCESS_OF_C, attempts: 2 })).toBe(false);
  });

  it("does not plan a finished task, nor one with a step waiting for a retry or failed", () => {
    const known = afterB();
    expect(canPlanAhead({ ...known, task: taskRow({ status: "cancelled" }) }, SUCCESS_OF_C)).toBe(false);
    for (const state of ["waiting_for_retry", "error"]) {
      const steps = known.steps.map((s) => (s.name === "b" ? { ...s, state } : s));
      expect(canPlanAhead({ ...known, steps }, SUCCESS_OF_C)).toBe(false);
    }
  });
});

describe("expectedTask", () => {
  it("lists every step as the planner sees it, in position order, whatever order the steps are in", () => {
    const known = afterPlanOfA();
    const expected = {
      status: "steps_in_process",
      steps: ["complete", "running", "running", "pending:0"],
      runningStates: [
        "enqueued",
        "in_progress",
        "enqueued_for_orchestration",
        "enqueued_as_error_for_orchestration",
      ],
    };
    expect(expectedTask(known)).toEqual(expected);
    expect(expectedTask({ ...known, steps: [...known.steps].reverse() })).toEqual(expected);
    expect(expectedTask({ ...known, steps: [stepRow("z", { position: 7, attempts: 2 })] }).steps).toEqual([
      "pending:2",
    ]);
  });
});

describe("knownAtClaim", () => {
  it("reads the claim's JSON rows back as the drivers read rows, with the claimed step in progress", () => {
    const json = (s: KnownTask["steps"][number]) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
    const steps = diamondAfterA().map((s) =>
      s.name === "a" ? { ...s, state: "complete", attempts: 1, claimed_by: null, completed_at: NOW } : s,
    );
    steps[1] = { ...steps[1]!, state: "enqueued", completed_parents: 1 };
    const { context: _context, ...task } = taskRow({ context: { big: true } });
    const claim = {
      ...claimed("b"),
      context: { big: true },
      task_row: JSON.parse(JSON.stringify(task)),
      task_steps: steps.map(json),
    };
    const known = knownAtClaim(claim, "w9", NOW);
    if (!known) throw new Error("expected a known task");
    expect(known.task).toEqual(taskRow({ context: { big: true } }));
    expect(known.steps[0]!.completed_at).toEqual(NOW);
    expect(known.steps[0]!.next_retry_at).toBeNull();
    expect(known.steps[1]).toMatchObject({
      state: "in_progress",
      attempts: 1,
      claimed_by: "w9",
      last_attempted_at: NOW,
    });
    expect(known.steps.map((s) => s.state)).toEqual(["complete", "in_progress", "pending", "pending"]);
    expect(canPlanAhead(known, { taskUuid: "task-1", stepUuid: "uuid-b", workerId: "w9", attempts: 1 })).toBe(
      true,
    );
  });

  it("knows nothing of a task with more steps than a claim lists (the claim's SQL lists one more)", () => {
    const steps = Array.from({ length: CLAIM_STEP_LIST_LIMIT + 1 }, (_, i) =>
      JSON.parse(JSON.stringify(stepRow(`s${i}`, { position: i }))),
    );
    const claim = { ...claimed("s0"), task_row: JSON.parse(JSON.stringify(taskRow())), task_steps: steps };
    expect(knownAtClaim(claim, "w9", NOW)).toBeUndefined();
    expect(knownAtClaim({ ...claim, task_steps: steps.slice(0, -1) }, "w9", NOW)?.steps).toHaveLength(
      CLAIM_STEP_LIST_LIMIT,
    );
  });
});

describe("knownAtCreation", () => {
  const parents = new Map([
    ["uuid-b", ["uuid-a"]],
    ["uuid-c", ["uuid-a"]],
    ["uuid-d", ["uuid-b", "uuid-c"]],
  ]);
  const created = () => [
    stepRow("a", { state: "in_progress", attempts: 1, claimed_by: "w1" }),
    stepRow("b", { position: 1 }),
    stepRow("c", { position: 2 }),
    stepRow("d", { position: 3 }),
  ];

  it("is the task as written, each step with its parents, and lets the claimed root be planned ahead", () => {
    const known = knownAtCreation(taskRow(), created(), parents)!;
    expect(known.steps.map((s) => [s.name, s.state, s.parent_uuids])).toEqual([
      ["a", "in_progress", []],
      ["b", "pending", ["uuid-a"]],
      ["c", "pending", ["uuid-a"]],
      ["d", "pending", ["uuid-b", "uuid-c"]],
    ]);
    expect(canPlanAhead(known, { taskUuid: "task-1", stepUuid: "uuid-a", workerId: "w1", attempts: 1 })).toBe(
      true,
    );
  });

  it("copies the rows (the creation's answer is built from them while the worker plans from its own)", () => {
    const task = taskRow();
    const steps = created();
    const known = knownAtCreation(task, steps, parents)!;
    known.task.status = "complete";
    known.steps[1]!.state = "enqueued";
    known.steps[3]!.parent_uuids.push("uuid-x");
    expect([task.status, steps[1]!.state, parents.get("uuid-d")]).toEqual([
      "steps_in_process",
      "pending",
      ["uuid-b", "uuid-c"],
    ]);
  });

  it("knows nothing of a task with more steps than a claim lists", () => {
    const many = Array.from({ length: CLAIM_STEP_LIST_LIMIT + 1 }, (_, i) =>
      stepRow(`s${i}`, { position: i }),
    );
    expect(knownAtCreation(taskRow(), many, new Map())).toBeUndefined();
    expect(knownAtCreation(taskRow(), many.slice(1), new Map())).toBeDefined();
  });
});

describe("claimFromKnown", () => {
  /** a -> b -> c with b running, and a join d of b and x (another branch), as a worker knows them. */
  function known(): KnownTask {
    return {
      task: taskRow({ context: { order: { id: 7, lines: [1, 2] } } }),
      steps: [
        stepRow("a", { state: "complete" }),
        stepRow("b", { position: 1, state: "in_progress", parent_uuids: ["uuid-a"] }),
        stepRow("c", {
          position: 2,
          parent_uuids: ["uuid-b"],
          initialization: { retries: { max: 2 }, mode: "x" },
          timeout_seconds: 12.5,
          max_attempts: 4,
        }),
        stepRow("x", { position: 3, state: "complete" }),
        stepRow("d", { position: 4, parent_uuids: ["uuid-b", "uuid-x"] }),
      ],
    };
  }
  const ranB = { name: "b", result: { total: 3, by: "b" }, dependencyResults: { a: { n: 1 } } };

  it("builds the next step of a chain as the claim statement returns it, with every ancestor's result", () => {
    const build = claimFromKnown(known(), "uuid-c", ranB);
    expect(build?.(2)).toEqual({
      workflow_step_uuid: "uuid-c",
      task_uuid: "task-1",
      name: "c",
      handler_callable: "h.c",
      initialization: { retries: { max: 2 }, mode: "x" },
      attempts: 2,
      max_attempts: 4,
      timeout_seconds: 12.5,
      task_name: "t",
      namespace: "ns",
      version: "1.0.0",
      correlation_id: "c-1",
      context: { order: { id: 7, lines: [1, 2] } },
      dependency_results: { a: { n: 1 }, b: { total: 3, by: "b" } },
    });
  });

  it("orders keys as jsonb does and hands out copies the step that ran cannot change", () => {
    const ran = { name: "b", result: { total: 3, by: "b" }, dependencyResults: { a: { n: 1 } } };
    const step = claimFromKnown(known(), "uuid-c", ran)?.(1);
    expect(Object.keys(step?.dependency_results.b as object)).toEqual(["by", "total"]);
    ran.dependencyResults.a.n = 99;
    ran.result.total = 99;
    expect(step?.dependency_results).toEqual({ a: { n: 1 }, b: { total: 3, by: "b" } });
  });

  it("is undefined when an ancestor's result is not among those the worker has (another branch)", () => {
    expect(claimFromKnown(known(), "uuid-d", ranB)).toBeUndefined();
    expect(claimFromKnown(known(), "uuid-missing", ranB)).toBeUndefined();
  });

  it("keeps an ancestor whose result is null, as the statement's aggregate does", () => {
    const ran = { name: "b", result: null, dependencyResults: { a: null } };
    expect(claimFromKnown(known(), "uuid-c", ran)?.(1).dependency_results).toEqual({ a: null, b: null });
  });
});
