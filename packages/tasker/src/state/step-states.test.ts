import { describe, expect, it } from "vitest";
import {
  STEP_EVENTS,
  STEP_SATISFIED_STATES,
  STEP_STATES,
  STEP_TERMINAL_STATES,
  type StepEvent,
  type StepState,
} from "./step-states.js";
import {
  assertStepTransition,
  IllegalTransitionError,
  nextStepState,
  stepEventSources,
} from "./transitions.js";

// The expected table, written out independently of the code: a change to STEP_TRANSITIONS must be
// mirrored here on purpose, never pass silently.
const OPERATOR_SOURCES: StepState[] = ["waiting_for_retry", "error"];
const EXPECTED: Record<StepEvent, [StepState[], StepState]> = {
  enqueue: [["pending", "waiting_for_retry"], "enqueued"],
  claim: [["enqueued"], "in_progress"],
  claim_expired: [["in_progress"], "enqueued"],
  succeed: [["in_progress"], "enqueued_for_orchestration"],
  fail: [["in_progress"], "enqueued_as_error_for_orchestration"],
  complete: [["enqueued_for_orchestration"], "complete"],
  schedule_retry: [["enqueued_as_error_for_orchestration"], "waiting_for_retry"],
  error: [["enqueued_as_error_for_orchestration"], "error"],
  cancel: [["pending", "enqueued", "waiting_for_retry"], "cancelled"],
  reset_for_retry: [["error"], "pending"],
  resolve_manually: [OPERATOR_SOURCES, "resolved_manually"],
  complete_manually: [OPERATOR_SOURCES, "complete"],
};
const EXPECTED_LEGAL_PAIRS = 17;

function expectedTarget(from: StepState, event: StepEvent): StepState | null {
  const [sources, to] = EXPECTED[event];
  return sources.includes(from) ? to : null;
}

const ALL_PAIRS = STEP_STATES.flatMap((from) => STEP_EVENTS.map((event) => ({ from, event })));
const LEGAL_PAIRS = ALL_PAIRS.filter(({ from, event }) => expectedTarget(from, event) !== null);
const ILLEGAL_PAIRS = ALL_PAIRS.filter(({ from, event }) => expectedTarget(from, event) === null);

function successors(from: StepState): StepState[] {
  return STEP_EVENTS.map((e) => nextStepState(from, e)).filter((s): s is StepState => s !== null);
}

function reachableFrom(start: StepState): Set<StepState> {
  const seen = new Set<StepState>([start]);
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

describe("step states and events", () => {
  it("names exactly the spec's ten states, four terminal and two satisfying dependents", () => {
    expect([...STEP_STATES]).toEqual([
      "pending",
      "enqueued",
      "in_progress",
      "enqueued_for_orchestration",
      "enqueued_as_error_for_orchestration",
      "waiting_for_retry",
      "complete",
      "error",
      "cancelled",
      "resolved_manually",
    ]);
    expect([...STEP_TERMINAL_STATES].sort()).toEqual(["cancelled", "complete", "error", "resolved_manually"]);
    expect([...STEP_SATISFIED_STATES].sort()).toEqual(["complete", "resolved_manually"]);
    for (const s of STEP_SATISFIED_STATES) expect(STEP_TERMINAL_STATES.has(s)).toBe(true);
  });

  it("has no duplicate states or events", () => {
    expect(new Set(STEP_STATES).size).toBe(STEP_STATES.length);
    expect(new Set(STEP_EVENTS).size).toBe(STEP_EVENTS.length);
  });

  it("covers the whole state x event grid and its legal count", () => {
    expect(ALL_PAIRS).toHaveLength(STEP_STATES.length * STEP_EVENTS.length);
    expect(LEGAL_PAIRS).toHaveLength(EXPECTED_LEGAL_PAIRS);
    const legalInCode = ALL_PAIRS.filter(({ from, event }) => nextStepState(from, event) !== null);
    expect(legalInCode).toHaveLength(EXPECTED_LEGAL_PAIRS);
  });
});

describe("nextStepState / assertStepTransition on every legal pair", () => {
  it.each(LEGAL_PAIRS)("$from --$event--> table target", ({ from, event }) => {
    const to = expectedTarget(from, event);
    expect(nextStepState(from, event)).toBe(to);
    expect(assertStepTransition(from, event)).toBe(to);
  });
});

describe("nextStepState / assertStepTransition on every illegal pair", () => {
  it.each(ILLEGAL_PAIRS)("$from --$event--> rejected", ({ from, event }) => {
    expect(nextStepState(from, event)).toBeNull();
    let thrown: unknown;
    try {
      assertStepTransition(from, event);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    const error = thrown as IllegalTransitionError;
    expect(error.machine).toBe("step");
    expect(error.from).toBe(from);
    expect(error.event).toBe(event);
    expect(error.message).toContain(`"${from}"`);
    expect(error.message).toContain(`"${event}"`);
    expect(error.message).toContain("step");
  });
});

describe("stepEventSources", () => {
  it.each([...STEP_EVENTS])("%s lists exactly the states it may leave", (event) => {
    const legalFrom = STEP_STATES.filter((s) => nextStepState(s, event) !== null);
    expect([...stepEventSources(event)].sort()).toEqual([...legalFrom].sort());
    expect([...stepEventSources(event)].sort()).toEqual([...EXPECTED[event][0]].sort());
  });

  it("lists no state twice and only known states", () => {
    for (const event of STEP_EVENTS) {
      const sources = stepEventSources(event);
      expect(new Set(sources).size, event).toBe(sources.length);
      for (const s of sources) expect(STEP_STATES, event).toContain(s);
    }
  });
});

describe("step transition graph", () => {
  it("has no self-loops (every legal event changes the state)", () => {
    for (const { from, event } of LEGAL_PAIRS)
      expect(nextStepState(from, event), `${from}/${event}`).not.toBe(from);
  });

  it("leaves terminal states only through the operator actions on error", () => {
    const outgoing = [...STEP_TERMINAL_STATES].flatMap((from) =>
      STEP_EVENTS.filter((e) => nextStepState(from, e) !== null).map((e) => `${from}:${e}`),
    );
    expect(outgoing.sort()).toEqual([
      "error:complete_manually",
      "error:reset_for_retry",
      "error:resolve_manually",
    ]);
  });

  it("never cancels a step a worker holds (in-flight steps finish)", () => {
    for (const s of [
      "in_progress",
      "enqueued_for_orchestration",
      "enqueued_as_error_for_orchestration",
    ] as const) {
      expect(nextStepState(s, "cancel"), s).toBeNull();
    }
  });

  it("lets only workers report results and only the orchestrator decide the outcome", () => {
    // succeed/fail leave in_progress only; complete/schedule_retry/error leave the orchestration states only.
    expect(stepEventSources("succeed")).toEqual(["in_progress"]);
    expect(stepEventSources("fail")).toEqual(["in_progress"]);
    expect(stepEventSources("complete")).toEqual(["enqueued_for_orchestration"]);
    expect([...stepEventSources("schedule_retry"), ...stepEventSources("error")]).toEqual([
      "enqueued_as_error_for_orchestration",
      "enqueued_as_error_for_orchestration",
    ]);
  });

  it("reaches every non-terminal state from pending", () => {
    const reachable = reachableFrom("pending");
    for (const s of STEP_STATES.filter((x) => !STEP_TERMINAL_STATES.has(x)))
      expect(reachable.has(s), s).toBe(true);
    // ...and every terminal one too.
    expect([...reachable].sort()).toEqual([...STEP_STATES].sort());
  });

  it.each([...STEP_STATES])("%s can reach a terminal state", (state) => {
    expect([...reachableFrom(state)].some((s) => STEP_TERMINAL_STATES.has(s))).toBe(true);
  });

  it.each([...STEP_STATES].filter((s) => !STEP_TERMINAL_STATES.has(s)))(
    "%s can reach complete (no active dead ends)",
    (state) => {
      expect(reachableFrom(state).has("complete")).toBe(true);
    },
  );
});
