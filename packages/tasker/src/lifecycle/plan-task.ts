import { STEP_SATISFIED_STATES, type StepState } from "../state/step-states.js";
import { TASK_STATES, TASK_TERMINAL_STATES, type TaskEvent, type TaskState } from "../state/task-states.js";
import { assertTaskTransition } from "../state/transitions.js";

/** What the planner needs to know about one step (one row of the readiness query). */
export interface StepSnapshot {
  uuid: string;
  name: string;
  state: StepState;
  attempts: number;
  maxAttempts: number;
  nextRetryAt: Date | null;
  totalParents: number;
  completedParents: number;
}

export type TaskOutcome =
  | "dispatch" // ready steps found: enqueue them
  | "in_process" // nothing ready, but steps are running
  | "waiting_for_retry"
  | "blocked_by_failures"
  | "waiting_for_dependencies"
  | "complete"
  | "error"
  | "unchanged"; // terminal task: nothing to do

export interface TaskPlan {
  outcome: TaskOutcome;
  /** Steps to enqueue now, in position order. */
  ready: StepSnapshot[];
  /** Transitions to record, in order, ending in the task's new state (empty = no change). */
  transitions: { from: TaskState; to: TaskState; event: TaskEvent }[];
  /** When the earliest waiting retry becomes due (to schedule a re-evaluation). */
  nextRetryAt: Date | null;
  /** Names of steps in `error`, for the task's error reason. */
  failedSteps: string[];
}

/** Steps on their way (the planner treats them all alike: neither ready nor done). */
export const RUNNING_STATES: ReadonlySet<StepState> = new Set([
  "enqueued",
  "in_progress",
  "enqueued_for_orchestration",
  "enqueued_as_error_for_orchestration",
]);

/** A step may be dispatched now (the readiness rule of the spec). */
export function isReady(step: StepSnapshot, now: Date): boolean {
  const dueState =
    step.state === "pending" ||
    (step.state === "waiting_for_retry" && (step.nextRetryAt === null || step.nextRetryAt <= now));
  return dueState && step.completedParents === step.totalParents && step.attempts < step.maxAttempts;
}

/**
 * Decides what a task does next from its steps. Pure: the orchestrator runs it inside the
 * transaction that holds the task's row lock and then applies the plan.
 */
export function planTask(status: TaskState, steps: readonly StepSnapshot[], now: Date): TaskPlan {
  const failedSteps = steps.filter((s) => s.state === "error").map((s) => s.name);
  const base = { ready: [] as StepSnapshot[], nextRetryAt: null as Date | null, failedSteps };
  if (TASK_TERMINAL_STATES.has(status) && status !== "error") {
    return { ...base, outcome: "unchanged", transitions: [] };
  }
  const ready = steps.filter((s) => isReady(s, now));
  const running = steps.some((s) => RUNNING_STATES.has(s.state));
  const waiting = steps.filter((s) => s.state === "waiting_for_retry" && !ready.includes(s));
  const nextRetryAt = waiting.reduce<Date | null>(
    (min, s) => (s.nextRetryAt && (!min || s.nextRetryAt < min) ? s.nextRetryAt : min),
    null,
  );
  const allDone = steps.length > 0 && steps.every((s) => STEP_SATISFIED_STATES.has(s.state));

  let outcome: TaskOutcome;
  if (ready.length > 0) outcome = "dispatch";
  else if (running) outcome = "in_process";
  else if (waiting.length > 0) outcome = failedSteps.length > 0 ? "blocked_by_failures" : "waiting_for_retry";
  else if (allDone) outcome = "complete";
  else if (failedSteps.length > 0) outcome = "error";
  else outcome = "waiting_for_dependencies";

  // An `error` task only moves again when an operator reset or resolved a step.
  if (status === "error" && outcome === "error") return { ...base, outcome: "unchanged", transitions: [] };

  return { outcome, ready, nextRetryAt, failedSteps, transitions: pathTo(status, outcome) };
}

/** The legal sequence of task transitions from `status` to the outcome's state. */
function pathTo(status: TaskState, outcome: TaskOutcome): TaskPlan["transitions"] {
  const events: TaskEvent[] = [];
  const starting = outcome === "dispatch" || outcome === "in_process";
  if (status === "pending") events.push("start", ...(starting ? (["initialize"] as const) : []));
  else if (status === "initializing" && starting) events.push("initialize");
  else if (status === "error") events.push("reopen");
  else if (status !== "evaluating_results" && status !== "enqueuing_steps" && status !== "initializing")
    events.push("result_received");

  const fromEnqueuing =
    starting && (status === "pending" || status === "initializing" || status === "enqueuing_steps");
  switch (outcome) {
    case "dispatch":
      if (!fromEnqueuing) events.push("enqueue");
      events.push("steps_enqueued");
      break;
    case "in_process":
      events.push(fromEnqueuing ? "steps_enqueued" : "continue");
      break;
    case "waiting_for_retry":
      events.push("await_retry");
      break;
    case "blocked_by_failures":
      events.push("block");
      break;
    case "waiting_for_dependencies":
      events.push("await_dependencies");
      break;
    case "complete":
      events.push("complete");
      break;
    case "error":
      events.push("fail");
      break;
    case "unchanged":
      return [];
  }
  const transitions: TaskPlan["transitions"] = [];
  let from = status;
  for (const event of events) {
    const to = assertTaskTransition(from, event);
    transitions.push({ from, to, event });
    from = to;
  }
  // A round trip back to the same state (steps_in_process -> evaluating_results -> steps_in_process,
  // or an early retry wake-up in waiting_for_retry) records nothing: no change happened. A dispatch
  // is a change - steps were enqueued - so its round trip is kept.
  if (outcome !== "dispatch" && from === status) return [];
  return transitions;
}

/**
 * The facts a task's next move depends on, as bits of one number: steps were dispatched just now,
 * steps are on their way, a retry waits, a step failed, not every step is done. Where a task's
 * steps are counted instead of read (see store/sql/advance-tasks.ts), these are all it knows.
 */
export const PLAN_FACTS = { dispatched: 1, running: 2, waiting: 4, failed: 8, unfinished: 16 } as const;

/**
 * {@link planTask}'s transitions for each task status and each combination of {@link PLAN_FACTS}
 * (`table[status][facts]`): planned from one step per fact, which is all planTask looks at, so a
 * task whose steps give these facts moves exactly so.
 */
export function taskPathTable(): Record<TaskState, TaskPlan["transitions"][]> {
  const now = new Date(0);
  const later = new Date(60_000);
  const step = (name: string, state: StepState, over: Partial<StepSnapshot> = {}): StepSnapshot => ({
    uuid: name,
    name,
    state,
    attempts: 0,
    maxAttempts: 3,
    nextRetryAt: null,
    totalParents: 0,
    completedParents: 0,
    ...over,
  });
  const table = {} as Record<TaskState, TaskPlan["transitions"][]>;
  for (const status of TASK_STATES) {
    table[status] = [];
    for (let facts = 0; facts < 32; facts++) {
      const has = (f: keyof typeof PLAN_FACTS) => (facts & PLAN_FACTS[f]) !== 0;
      const steps = [step("done", "complete")];
      if (has("dispatched")) steps.push(step("ready", "pending"));
      if (has("running")) steps.push(step("running", "in_progress", { attempts: 1 }));
      if (has("waiting"))
        steps.push(step("waiting", "waiting_for_retry", { attempts: 1, nextRetryAt: later }));
      if (has("failed")) steps.push(step("failed", "error", { attempts: 3 }));
      // Not done, and not ready either: a step still waiting for a parent.
      if (has("unfinished")) steps.push(step("blocked", "pending", { totalParents: 1 }));
      try {
        table[status][facts] = planTask(status, steps, now).transitions;
      } catch {
        table[status][facts] = []; // a status these facts cannot occur in (the path would be illegal)
      }
    }
  }
  return table;
}
