import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STEP_SATISFIED_STATES, STEP_STATES, type StepState } from "../state/step-states.js";
import { TASK_STATES, TASK_TERMINAL_STATES, type TaskEvent, type TaskState } from "../state/task-states.js";
import { IllegalTransitionError, nextTaskState } from "../state/transitions.js";
import { isReady, planTask, type StepSnapshot, type TaskOutcome, type TaskPlan } from "./plan-task.js";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const PAST = new Date(NOW.getTime() - 1_000);
const FUTURE = new Date(NOW.getTime() + 5_000);
const LATER = new Date(NOW.getTime() + 60_000);

interface Node {
  name: string;
  deps?: string[];
  state?: StepState;
  attempts?: number;
  maxAttempts?: number;
  nextRetryAt?: Date | null;
}

/** Snapshots of a DAG, with parent counts derived from the parents' states (as the SQL does). */
function snapshots(nodes: readonly Node[]): StepSnapshot[] {
  const stateOf = new Map(nodes.map((n) => [n.name, n.state ?? "pending"]));
  return nodes.map((n) => {
    const deps = n.deps ?? [];
    return {
      uuid: `uuid-${n.name}`,
      name: n.name,
      state: n.state ?? "pending",
      attempts: n.attempts ?? 0,
      maxAttempts: n.maxAttempts ?? 3,
      nextRetryAt: n.nextRetryAt ?? null,
      totalParents: deps.length,
      completedParents: deps.filter((d) => STEP_SATISFIED_STATES.has(stateOf.get(d)!)).length,
    };
  });
}

/** Applies a plan's transitions through the table, failing on any illegal or broken link. */
function replay(status: TaskState, plan: TaskPlan): TaskState {
  let current = status;
  for (const t of plan.transitions) {
    expect(t.from, `chain broken at ${t.event}`).toBe(current);
    expect(nextTaskState(t.from, t.event), `${t.from} --${t.event}-->`).toBe(t.to);
    current = t.to;
  }
  return current;
}

function events(plan: TaskPlan): TaskEvent[] {
  return plan.transitions.map((t) => t.event);
}

const names = (steps: readonly StepSnapshot[]) => steps.map((s) => s.name);

/** The task state each outcome leaves the task in. */
const STATE_FOR: Record<Exclude<TaskOutcome, "unchanged">, TaskState> = {
  dispatch: "steps_in_process",
  in_process: "steps_in_process",
  waiting_for_retry: "waiting_for_retry",
  blocked_by_failures: "blocked_by_failures",
  waiting_for_dependencies: "waiting_for_dependencies",
  complete: "complete",
  error: "error",
};

// a -> b -> c
const linear = (a: Node = { name: "a" }, b: Partial<Node> = {}, c: Partial<Node> = {}) =>
  snapshots([a, { name: "b", deps: ["a"], ...b }, { name: "c", deps: ["b"], ...c }]);

// a -> (b, c) -> d
const diamond = (states: Partial<Record<"a" | "b" | "c" | "d", Partial<Node>>>) =>
  snapshots([
    { name: "a", ...states.a },
    { name: "b", deps: ["a"], ...states.b },
    { name: "c", deps: ["a"], ...states.c },
    { name: "d", deps: ["b", "c"], ...states.d },
  ]);

// root -> w1..w5 -> join
const WORKERS = ["w1", "w2", "w3", "w4", "w5"];
const fanOut = (root: StepState, workers: Partial<Node>[], join: Partial<Node> = {}) =>
  snapshots([
    { name: "root", state: root },
    ...WORKERS.map((name, i) => ({ name, deps: ["root"], ...workers[i] })),
    { name: "join", deps: WORKERS, ...join },
  ]);

describe("isReady (the spec's readiness rule)", () => {
  const base: StepSnapshot = {
    uuid: "u",
    name: "s",
    state: "pending",
    attempts: 0,
    maxAttempts: 3,
    nextRetryAt: null,
    totalParents: 2,
    completedParents: 2,
  };

  it("accepts a pending step whose dependencies are all satisfied", () => {
    expect(isReady(base, NOW)).toBe(true);
    expect(isReady({ ...base, totalParents: 0, completedParents: 0 }, NOW)).toBe(true);
  });

  it("refuses a step with an unsatisfied dependency", () => {
    expect(isReady({ ...base, completedParents: 1 }, NOW)).toBe(false);
    expect(isReady({ ...base, completedParents: 0 }, NOW)).toBe(false);
  });

  it("accepts waiting_for_retry only once its backoff has elapsed (inclusive)", () => {
    const waiting = { ...base, state: "waiting_for_retry" as const, attempts: 1 };
    expect(isReady({ ...waiting, nextRetryAt: PAST }, NOW)).toBe(true);
    expect(isReady({ ...waiting, nextRetryAt: new Date(NOW.getTime()) }, NOW)).toBe(true);
    expect(isReady({ ...waiting, nextRetryAt: new Date(NOW.getTime() + 1) }, NOW)).toBe(false);
    expect(isReady({ ...waiting, nextRetryAt: null }, NOW)).toBe(true);
  });

  it("refuses a step whose attempts are used up", () => {
    expect(isReady({ ...base, attempts: 2 }, NOW)).toBe(true);
    expect(isReady({ ...base, attempts: 3 }, NOW)).toBe(false);
    expect(isReady({ ...base, state: "waiting_for_retry", attempts: 3, nextRetryAt: PAST }, NOW)).toBe(false);
  });

  it.each(STEP_STATES.filter((s) => s !== "pending" && s !== "waiting_for_retry"))(
    "never dispatches a step in %s",
    (state) => {
      expect(isReady({ ...base, state }, NOW)).toBe(false);
    },
  );
});

describe("planTask on a linear workflow (a -> b -> c)", () => {
  it("starts a new task by dispatching only the root", () => {
    const plan = planTask("pending", linear(), NOW);
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["a"]);
    expect(events(plan)).toEqual(["start", "initialize", "steps_enqueued"]);
    expect(replay("pending", plan)).toBe("steps_in_process");
    expect(plan.failedSteps).toEqual([]);
    expect(plan.nextRetryAt).toBeNull();
  });

  it("records nothing while the only step runs", () => {
    for (const state of ["enqueued", "in_progress", "enqueued_for_orchestration"] as const) {
      const plan = planTask("steps_in_process", linear({ name: "a", state }), NOW);
      expect(plan.outcome, state).toBe("in_process");
      expect(plan.ready, state).toEqual([]);
      expect(plan.transitions, state).toEqual([]);
    }
  });

  it("dispatches the next step once its parent completes", () => {
    const plan = planTask("steps_in_process", linear({ name: "a", state: "complete" }), NOW);
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["b"]);
    expect(events(plan)).toEqual(["result_received", "enqueue", "steps_enqueued"]);
    expect(replay("steps_in_process", plan)).toBe("steps_in_process");
  });

  it("completes when every step is complete", () => {
    const plan = planTask(
      "steps_in_process",
      linear({ name: "a", state: "complete" }, { state: "complete" }, { state: "complete" }),
      NOW,
    );
    expect(plan.outcome).toBe("complete");
    expect(events(plan)).toEqual(["result_received", "complete"]);
    expect(replay("steps_in_process", plan)).toBe("complete");
  });

  it("waits for a retry whose backoff has not elapsed, and reports when it is due", () => {
    const plan = planTask(
      "steps_in_process",
      linear(
        { name: "a", state: "complete" },
        { state: "waiting_for_retry", attempts: 1, nextRetryAt: FUTURE },
      ),
      NOW,
    );
    expect(plan.outcome).toBe("waiting_for_retry");
    expect(plan.ready).toEqual([]);
    expect(plan.nextRetryAt).toEqual(FUTURE);
    expect(events(plan)).toEqual(["result_received", "await_retry"]);
    expect(replay("steps_in_process", plan)).toBe("waiting_for_retry");
  });

  it("re-dispatches a retry whose backoff has elapsed", () => {
    const plan = planTask(
      "waiting_for_retry",
      linear(
        { name: "a", state: "complete" },
        { state: "waiting_for_retry", attempts: 1, nextRetryAt: PAST },
      ),
      NOW,
    );
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["b"]);
    expect(events(plan)).toEqual(["result_received", "enqueue", "steps_enqueued"]);
    expect(replay("waiting_for_retry", plan)).toBe("steps_in_process");
  });

  it("records nothing when a retry wake-up comes early (still waiting)", () => {
    const plan = planTask(
      "waiting_for_retry",
      linear(
        { name: "a", state: "complete" },
        { state: "waiting_for_retry", attempts: 1, nextRetryAt: FUTURE },
      ),
      NOW,
    );
    expect(plan.outcome).toBe("waiting_for_retry");
    expect(plan.nextRetryAt).toEqual(FUTURE);
    expect(plan.transitions).toEqual([]);
  });

  it("fails the task when a step errors and nothing else can run", () => {
    const plan = planTask(
      "steps_in_process",
      linear({ name: "a", state: "complete" }, { state: "error", attempts: 3 }),
      NOW,
    );
    expect(plan.outcome).toBe("error");
    expect(plan.failedSteps).toEqual(["b"]);
    expect(events(plan)).toEqual(["result_received", "fail"]);
    expect(replay("steps_in_process", plan)).toBe("error");
  });

  it("leaves an error task alone while its failure stands", () => {
    const plan = planTask("error", linear({ name: "a", state: "complete" }, { state: "error" }), NOW);
    expect(plan.outcome).toBe("unchanged");
    expect(plan.transitions).toEqual([]);
    expect(plan.ready).toEqual([]);
    expect(plan.failedSteps).toEqual(["b"]);
  });

  it("reopens an error task when an operator resets the failed step", () => {
    const plan = planTask("error", linear({ name: "a", state: "complete" }, { state: "pending" }), NOW);
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["b"]);
    expect(events(plan)).toEqual(["reopen", "enqueue", "steps_enqueued"]);
    expect(replay("error", plan)).toBe("steps_in_process");
  });

  it("treats resolved_manually as satisfying dependents", () => {
    const plan = planTask(
      "error",
      linear({ name: "a", state: "complete" }, { state: "resolved_manually" }),
      NOW,
    );
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["c"]);
    expect(replay("error", plan)).toBe("steps_in_process");
  });

  it("completes an error task whose last step an operator completed by hand", () => {
    const plan = planTask(
      "error",
      linear({ name: "a", state: "complete" }, { state: "resolved_manually" }, { state: "complete" }),
      NOW,
    );
    expect(plan.outcome).toBe("complete");
    expect(events(plan)).toEqual(["reopen", "complete"]);
    expect(replay("error", plan)).toBe("complete");
  });

  it("does not dispatch a step whose attempts are exhausted", () => {
    const plan = planTask(
      "steps_in_process",
      linear({ name: "a", state: "complete" }, { state: "pending", attempts: 3, maxAttempts: 3 }),
      NOW,
    );
    expect(plan.ready).toEqual([]);
    expect(plan.outcome).toBe("waiting_for_dependencies");
    expect(events(plan)).toEqual(["result_received", "await_dependencies"]);
    expect(replay("steps_in_process", plan)).toBe("waiting_for_dependencies");
  });

  it("waits for dependencies when a parent was cancelled", () => {
    const plan = planTask("steps_in_process", linear({ name: "a", state: "cancelled" }), NOW);
    expect(plan.outcome).toBe("waiting_for_dependencies");
    expect(replay("steps_in_process", plan)).toBe("waiting_for_dependencies");
    // Evaluating again changes nothing and records nothing.
    const again = planTask("waiting_for_dependencies", linear({ name: "a", state: "cancelled" }), NOW);
    expect(again.outcome).toBe("waiting_for_dependencies");
    expect(again.transitions).toEqual([]);
  });

  it.each(["complete", "cancelled", "resolved_manually"] as const)(
    "changes nothing for a %s task, even with ready steps (no new steps start)",
    (status) => {
      const plan = planTask(status, linear(), NOW);
      expect(plan.outcome).toBe("unchanged");
      expect(plan.ready).toEqual([]);
      expect(plan.transitions).toEqual([]);
      expect(plan.nextRetryAt).toBeNull();
    },
  );
});

describe("planTask on a diamond (a -> b, c -> d)", () => {
  it("dispatches both branches together once the root completes", () => {
    const plan = planTask("steps_in_process", diamond({ a: { state: "complete" } }), NOW);
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["b", "c"]);
    expect(replay("steps_in_process", plan)).toBe("steps_in_process");
  });

  it("holds the join until both branches are satisfied", () => {
    const halfway = planTask(
      "steps_in_process",
      diamond({ a: { state: "complete" }, b: { state: "complete" }, c: { state: "in_progress" } }),
      NOW,
    );
    expect(halfway.outcome).toBe("in_process");
    expect(halfway.ready).toEqual([]);
    expect(halfway.transitions).toEqual([]);

    const joined = planTask(
      "steps_in_process",
      diamond({ a: { state: "complete" }, b: { state: "complete" }, c: { state: "resolved_manually" } }),
      NOW,
    );
    expect(joined.outcome).toBe("dispatch");
    expect(names(joined.ready)).toEqual(["d"]);
  });

  it("keeps running the other branch while one has failed", () => {
    const plan = planTask(
      "steps_in_process",
      diamond({ a: { state: "complete" }, b: { state: "error" }, c: { state: "in_progress" } }),
      NOW,
    );
    expect(plan.outcome).toBe("in_process");
    expect(plan.failedSteps).toEqual(["b"]);
    expect(plan.transitions).toEqual([]);
  });

  it("still dispatches an independent ready branch while one has failed", () => {
    const plan = planTask(
      "steps_in_process",
      diamond({ a: { state: "complete" }, b: { state: "error" }, c: { state: "pending" } }),
      NOW,
    );
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["c"]);
    expect(plan.failedSteps).toEqual(["b"]);
  });

  it("is blocked by failures while the other branch waits for a retry", () => {
    const plan = planTask(
      "steps_in_process",
      diamond({
        a: { state: "complete" },
        b: { state: "error" },
        c: { state: "waiting_for_retry", attempts: 1, nextRetryAt: FUTURE },
      }),
      NOW,
    );
    expect(plan.outcome).toBe("blocked_by_failures");
    expect(plan.nextRetryAt).toEqual(FUTURE);
    expect(events(plan)).toEqual(["result_received", "block"]);
    expect(replay("steps_in_process", plan)).toBe("blocked_by_failures");
  });

  it("fails a blocked task once the pending retry has failed too", () => {
    const plan = planTask(
      "blocked_by_failures",
      diamond({ a: { state: "complete" }, b: { state: "error" }, c: { state: "error" } }),
      NOW,
    );
    expect(plan.outcome).toBe("error");
    expect(plan.failedSteps).toEqual(["b", "c"]);
    expect(replay("blocked_by_failures", plan)).toBe("error");
  });

  it("fails when one branch errored and the other completed (the join can never run)", () => {
    const plan = planTask(
      "steps_in_process",
      diamond({ a: { state: "complete" }, b: { state: "error" }, c: { state: "complete" } }),
      NOW,
    );
    expect(plan.outcome).toBe("error");
    expect(plan.ready).toEqual([]);
    expect(replay("steps_in_process", plan)).toBe("error");
  });

  it("completes when every step is complete or resolved", () => {
    const plan = planTask(
      "steps_in_process",
      diamond({
        a: { state: "complete" },
        b: { state: "resolved_manually" },
        c: { state: "complete" },
        d: { state: "complete" },
      }),
      NOW,
    );
    expect(plan.outcome).toBe("complete");
    expect(replay("steps_in_process", plan)).toBe("complete");
  });
});

describe("planTask on a fan-out / fan-in (root -> w1..w5 -> join)", () => {
  it("dispatches every worker at once, in position order", () => {
    const plan = planTask("steps_in_process", fanOut("complete", []), NOW);
    expect(names(plan.ready)).toEqual(WORKERS);
  });

  it("does not dispatch the join while any worker is unfinished", () => {
    const done = { state: "complete" as const };
    const plan = planTask(
      "steps_in_process",
      fanOut("complete", [done, done, done, done, { state: "in_progress" }]),
      NOW,
    );
    expect(plan.outcome).toBe("in_process");
    expect(plan.ready).toEqual([]);
  });

  it("dispatches the join when all workers are satisfied", () => {
    const done = { state: "complete" as const };
    const resolved = { state: "resolved_manually" as const };
    const plan = planTask("steps_in_process", fanOut("complete", [done, resolved, done, done, done]), NOW);
    expect(names(plan.ready)).toEqual(["join"]);
  });

  it("reports the earliest of several pending retries", () => {
    const waiting = (at: Date) => ({ state: "waiting_for_retry" as const, attempts: 1, nextRetryAt: at });
    const plan = planTask(
      "steps_in_process",
      fanOut("complete", [
        waiting(LATER),
        waiting(FUTURE),
        { state: "complete" },
        waiting(LATER),
        { state: "complete" },
      ]),
      NOW,
    );
    expect(plan.outcome).toBe("waiting_for_retry");
    expect(plan.nextRetryAt).toEqual(FUTURE);
  });

  it("dispatches the due retries and reports the next one still waiting", () => {
    const waiting = (at: Date) => ({ state: "waiting_for_retry" as const, attempts: 1, nextRetryAt: at });
    const plan = planTask(
      "waiting_for_retry",
      fanOut("complete", [
        waiting(PAST),
        waiting(LATER),
        waiting(PAST),
        { state: "complete" },
        waiting(FUTURE),
      ]),
      NOW,
    );
    expect(plan.outcome).toBe("dispatch");
    expect(names(plan.ready)).toEqual(["w1", "w3"]);
    expect(plan.nextRetryAt).toEqual(FUTURE);
  });
});

describe("planTask from transient states", () => {
  it("plans any outcome from evaluating_results", () => {
    const cases: [StepSnapshot[], TaskOutcome][] = [
      [linear(), "dispatch"],
      [linear({ name: "a", state: "in_progress" }), "in_process"],
      [
        linear({ name: "a", state: "waiting_for_retry", attempts: 1, nextRetryAt: FUTURE }),
        "waiting_for_retry",
      ],
      [linear({ name: "a", state: "cancelled" }), "waiting_for_dependencies"],
      [linear({ name: "a", state: "error" }), "error"],
      [linear({ name: "a", state: "complete" }, { state: "complete" }, { state: "complete" }), "complete"],
    ];
    for (const [steps, outcome] of cases) {
      const plan = planTask("evaluating_results", steps, NOW);
      expect(plan.outcome).toBe(outcome);
      if (outcome !== "unchanged")
        expect(replay("evaluating_results", plan), outcome).toBe(STATE_FOR[outcome]);
    }
  });

  it("starts from initializing and enqueuing_steps when steps are ready", () => {
    const fromInit = planTask("initializing", linear(), NOW);
    expect(events(fromInit)).toEqual(["initialize", "steps_enqueued"]);
    const fromEnqueuing = planTask("enqueuing_steps", linear(), NOW);
    expect(events(fromEnqueuing)).toEqual(["steps_enqueued"]);
    expect(replay("enqueuing_steps", fromEnqueuing)).toBe("steps_in_process");
  });

  it("refuses, rather than records, a move the table does not allow", () => {
    // A task never rests in initializing, and no valid template has a task with nothing to start.
    expect(() => planTask("initializing", linear({ name: "a", state: "cancelled" }), NOW)).toThrow(
      IllegalTransitionError,
    );
  });
});

// ---- property tests over random DAG snapshots ----

/** Statuses a task can be evaluated in, besides a fresh `pending` one. */
const RESTING: TaskState[] = [
  "steps_in_process",
  "evaluating_results",
  "waiting_for_dependencies",
  "waiting_for_retry",
  "blocked_by_failures",
  ...TASK_TERMINAL_STATES,
];

interface GeneratedDag {
  parents: number[][];
  steps: StepSnapshot[];
}

const dagArb: fc.Arbitrary<GeneratedDag> = fc
  .integer({ min: 1, max: 9 })
  .chain((n) =>
    fc.tuple(
      // Parents of step i are earlier steps: acyclic by construction, in topological (position) order.
      fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j)))),
      fc.array(
        fc.record({
          state: fc.constantFrom(...STEP_STATES),
          maxAttempts: fc.integer({ min: 1, max: 5 }),
          attemptsRatio: fc.double({ min: 0, max: 1, noNaN: true }),
          retryOffsetMs: fc.integer({ min: -10_000, max: 10_000 }),
        }),
        { minLength: n, maxLength: n },
      ),
    ),
  )
  .map(([parents, facts]) => {
    const steps: StepSnapshot[] = [];
    for (const [i, f] of facts.entries()) {
      const completedParents = parents[i]!.filter((p) => STEP_SATISFIED_STATES.has(steps[p]!.state)).length;
      // Only a step whose parents are satisfied can have run; the others are pending or cancelled.
      const blocked = completedParents < parents[i]!.length && f.state !== "cancelled";
      const state = blocked ? "pending" : f.state;
      const waiting = state === "waiting_for_retry";
      // A step waiting for a retry has attempts left and a due time (the retry policy guarantees both).
      const maxAttempts = waiting ? Math.max(2, f.maxAttempts) : f.maxAttempts;
      const attempts = Math.round(f.attemptsRatio * (waiting ? maxAttempts - 1 : maxAttempts));
      steps.push({
        uuid: `uuid-${i}`,
        name: `s${i}`,
        state,
        attempts: blocked ? 0 : waiting ? Math.max(1, attempts) : attempts,
        maxAttempts,
        nextRetryAt: waiting ? new Date(NOW.getTime() + f.retryOffsetMs) : null,
        totalParents: parents[i]!.length,
        completedParents,
      });
    }
    return { parents, steps };
  });

describe("planTask properties (random DAG snapshots)", () => {
  it("dispatches exactly the ready steps, whose dependencies are all satisfied", () => {
    fc.assert(
      fc.property(dagArb, fc.constantFrom(...RESTING), ({ parents, steps }, status) => {
        const plan = planTask(status, steps, NOW);
        const terminal = TASK_TERMINAL_STATES.has(status);
        if (terminal && (status !== "error" || plan.outcome === "unchanged")) {
          expect(plan.ready).toEqual([]);
          return;
        }
        for (const s of plan.ready) {
          const i = steps.indexOf(s);
          expect(i).toBeGreaterThanOrEqual(0);
          for (const p of parents[i]!) expect(STEP_SATISFIED_STATES.has(steps[p]!.state)).toBe(true);
          expect(["pending", "waiting_for_retry"]).toContain(s.state);
          expect(s.attempts).toBeLessThan(s.maxAttempts);
        }
        // Every ready step goes out together, in position order.
        expect(plan.ready).toEqual(steps.filter((s) => isReady(s, NOW)));
        expect(plan.outcome === "dispatch").toBe(plan.ready.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("returns a legal chain of transitions from status to the outcome's state", () => {
    fc.assert(
      fc.property(dagArb, fc.constantFrom(...RESTING), ({ steps }, status) => {
        const plan = planTask(status, steps, NOW);
        const end = replay(status, plan);
        if (plan.transitions.length > 0) expect(plan.transitions[0]!.from).toBe(status);
        if (plan.outcome === "unchanged") {
          expect(plan.transitions).toEqual([]);
          expect(TASK_TERMINAL_STATES.has(status)).toBe(true);
        } else {
          expect(end).toBe(STATE_FOR[plan.outcome]);
          // A plan that leads back to where it started records nothing, unless it dispatched steps.
          if (plan.outcome !== "dispatch" && plan.transitions.length > 0) expect(end).not.toBe(status);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("completes only when every step is satisfied, and fails only with a failed step and nothing to do", () => {
    fc.assert(
      fc.property(dagArb, fc.constantFrom(...RESTING), ({ steps }, status) => {
        const plan = planTask(status, steps, NOW);
        const allSatisfied = steps.every((s) => STEP_SATISFIED_STATES.has(s.state));
        expect(plan.failedSteps).toEqual(steps.filter((s) => s.state === "error").map((s) => s.name));
        if (plan.outcome === "complete") expect(allSatisfied).toBe(true);
        if (allSatisfied && !TASK_TERMINAL_STATES.has(status)) expect(plan.outcome).toBe("complete");
        if (plan.outcome === "error") {
          expect(plan.failedSteps.length).toBeGreaterThan(0);
          expect(plan.ready).toEqual([]);
          expect(steps.some((s) => s.state === "waiting_for_retry")).toBe(false);
        }
        if (plan.outcome === "waiting_for_retry" || plan.outcome === "blocked_by_failures") {
          expect(plan.nextRetryAt).not.toBeNull();
          expect(plan.nextRetryAt!.getTime()).toBeGreaterThan(NOW.getTime());
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("always dispatches the roots of a fresh task", () => {
    fc.assert(
      fc.property(dagArb, ({ parents, steps }) => {
        const fresh = steps.map((s) => ({ ...s, state: "pending" as const, attempts: 0, nextRetryAt: null }));
        for (const s of fresh) s.completedParents = 0;
        const plan = planTask("pending", fresh, NOW);
        expect(plan.outcome).toBe("dispatch");
        expect(plan.ready.map((s) => s.uuid)).toEqual(
          fresh.filter((_, i) => parents[i]!.length === 0).map((s) => s.uuid),
        );
        expect(replay("pending", plan)).toBe("steps_in_process");
      }),
      { numRuns: 500 },
    );
  });

  it("uses only real task states as resting statuses", () => {
    // Guard for the generator above: every resting status is a real task state.
    for (const s of RESTING) expect(TASK_STATES).toContain(s);
  });
});
