import { describe, expect, it } from "vitest";
import {
  TASK_EVENTS,
  TASK_STATES,
  TASK_TERMINAL_STATES,
  type TaskEvent,
  type TaskState,
} from "./task-states.js";
import {
  assertTaskTransition,
  IllegalTransitionError,
  nextTaskState,
  taskEventSources,
} from "./transitions.js";

// The expected table, written out independently of the code: a change to TASK_TRANSITIONS must be
// mirrored here on purpose, never pass silently.
const ACTIVE: TaskState[] = [
  "pending",
  "initializing",
  "enqueuing_steps",
  "steps_in_process",
  "evaluating_results",
  "waiting_for_dependencies",
  "waiting_for_retry",
  "blocked_by_failures",
];
const EXPECTED: Record<TaskEvent, [TaskState[], TaskState]> = {
  start: [["pending"], "initializing"],
  initialize: [["initializing"], "enqueuing_steps"],
  enqueue: [["evaluating_results"], "enqueuing_steps"],
  steps_enqueued: [["enqueuing_steps"], "steps_in_process"],
  result_received: [
    ["steps_in_process", "waiting_for_dependencies", "waiting_for_retry", "blocked_by_failures"],
    "evaluating_results",
  ],
  await_dependencies: [["evaluating_results"], "waiting_for_dependencies"],
  await_retry: [["evaluating_results"], "waiting_for_retry"],
  block: [["evaluating_results"], "blocked_by_failures"],
  continue: [["evaluating_results"], "steps_in_process"],
  complete: [["evaluating_results", "initializing"], "complete"],
  fail: [["evaluating_results", "initializing", "blocked_by_failures"], "error"],
  cancel: [ACTIVE, "cancelled"],
  resolve_manually: [[...ACTIVE, "error"], "resolved_manually"],
  reopen: [["error"], "evaluating_results"],
};
const EXPECTED_LEGAL_PAIRS = 35;

function expectedTarget(from: TaskState, event: TaskEvent): TaskState | null {
  const [sources, to] = EXPECTED[event];
  return sources.includes(from) ? to : null;
}

const ALL_PAIRS = TASK_STATES.flatMap((from) => TASK_EVENTS.map((event) => ({ from, event })));
const LEGAL_PAIRS = ALL_PAIRS.filter(({ from, event }) => expectedTarget(from, event) !== null);
const ILLEGAL_PAIRS = ALL_PAIRS.filter(({ from, event }) => expectedTarget(from, event) === null);

/** Outgoing edges of the code's table, for graph searches. */
function successors(from: TaskState): TaskState[] {
  return TASK_EVENTS.map((e) => nextTaskState(from, e)).filter((s): s is TaskState => s !== null);
}

function reachableFrom(start: TaskState): Set<TaskState> {
  const seen = new Set<TaskState>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of successors(queue.shift()!)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe("task states and events", () => {
  it("names exactly the spec's twelve states and four terminal ones", () => {
    expect([...TASK_STATES]).toEqual([
      "pending",
      "initializing",
      "enqueuing_steps",
      "steps_in_process",
      "evaluating_results",
      "waiting_for_dependencies",
      "waiting_for_retry",
      "blocked_by_failures",
      "complete",
      "error",
      "cancelled",
      "resolved_manually",
    ]);
    expect([...TASK_TERMINAL_STATES].sort()).toEqual(["cancelled", "complete", "error", "resolved_manually"]);
  });

  it("has no duplicate states or events", () => {
    expect(new Set(TASK_STATES).size).toBe(TASK_STATES.length);
    expect(new Set(TASK_EVENTS).size).toBe(TASK_EVENTS.length);
  });

  it("covers the whole state x event grid and its legal count", () => {
    expect(ALL_PAIRS).toHaveLength(TASK_STATES.length * TASK_EVENTS.length);
    expect(LEGAL_PAIRS).toHaveLength(EXPECTED_LEGAL_PAIRS);
    const legalInCode = ALL_PAIRS.filter(({ from, event }) => nextTaskState(from, event) !== null);
    expect(legalInCode).toHaveLength(EXPECTED_LEGAL_PAIRS);
  });
});

describe("nextTaskState / assertTaskTransition on every legal pair", () => {
  it.each(LEGAL_PAIRS)("$from --$event--> table target", ({ from, event }) => {
    const to = expectedTarget(from, event);
    expect(nextTaskState(from, event)).toBe(to);
    expect(assertTaskTransition(from, event)).toBe(to);
  });
});

describe("nextTaskState / assertTaskTransition on every illegal pair", () => {
  it.each(ILLEGAL_PAIRS)("$from --$event--> rejected", ({ from, event }) => {
    expect(nextTaskState(from, event)).toBeNull();
    let thrown: unknown;
    try {
      assertTaskTransition(from, event);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    const error = thrown as IllegalTransitionError;
    expect(error.name).toBe("IllegalTransitionError");
    expect(error.machine).toBe("task");
    expect(error.from).toBe(from);
    expect(error.event).toBe(event);
    expect(error.message).toContain(`"${from}"`);
    expect(error.message).toContain(`"${event}"`);
    expect(error.message).toContain("task");
  });
});

describe("taskEventSources", () => {
  it.each([...TASK_EVENTS])("%s lists exactly the states it may leave", (event) => {
    const legalFrom = TASK_STATES.filter((s) => nextTaskState(s, event) !== null);
    expect([...taskEventSources(event)].sort()).toEqual([...legalFrom].sort());
    expect([...taskEventSources(event)].sort()).toEqual([...EXPECTED[event][0]].sort());
  });

  it("lists no state twice and only known states", () => {
    for (const event of TASK_EVENTS) {
      const sources = taskEventSources(event);
      expect(new Set(sources).size, event).toBe(sources.length);
      for (const s of sources) expect(TASK_STATES, event).toContain(s);
    }
  });
});

describe("task transition graph", () => {
  it("has no self-loops (every legal event changes the state)", () => {
    for (const { from, event } of LEGAL_PAIRS)
      expect(nextTaskState(from, event), `${from}/${event}`).not.toBe(from);
  });

  it("leaves terminal states only by error -> reopen / resolve_manually", () => {
    const outgoing = [...TASK_TERMINAL_STATES].flatMap((from) =>
      TASK_EVENTS.filter((e) => nextTaskState(from, e) !== null).map((e) => `${from}:${e}`),
    );
    expect(outgoing.sort()).toEqual(["error:reopen", "error:resolve_manually"]);
  });

  it("can cancel and resolve every active task, and nothing terminal can be cancelled", () => {
    for (const s of TASK_STATES) {
      const active = !TASK_TERMINAL_STATES.has(s);
      expect(nextTaskState(s, "cancel") !== null, s).toBe(active);
      expect(nextTaskState(s, "resolve_manually") !== null, s).toBe(active || s === "error");
    }
  });

  it("reaches every state from pending", () => {
    expect([...reachableFrom("pending")].sort()).toEqual([...TASK_STATES].sort());
  });

  it.each([...TASK_STATES])("%s can reach a terminal state", (state) => {
    const reachable = [...reachableFrom(state)];
    expect(reachable.some((s) => TASK_TERMINAL_STATES.has(s))).toBe(true);
  });

  it.each([...TASK_STATES].filter((s) => !TASK_TERMINAL_STATES.has(s)))(
    "%s can reach complete (no active dead ends)",
    (state) => {
      expect(reachableFrom(state).has("complete")).toBe(true);
    },
  );
});
