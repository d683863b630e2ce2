/** Task states, exactly as named by tasker-core. */
export const TASK_STATES = [
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
] as const;
/** A task state, exactly as tasker-core names it. */
export type TaskState = (typeof TASK_STATES)[number];

/** Task states that end a task: `complete`, `error`, `cancelled`, `resolved_manually`. */
export const TASK_TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  "complete",
  "error",
  "cancelled",
  "resolved_manually",
]);

/** Events that move a task; each names why the state changed. */
export const TASK_EVENTS = [
  "start", // pending -> initializing
  "initialize", // initializing -> enqueuing_steps
  "enqueue", // * -> enqueuing_steps (ready steps found)
  "steps_enqueued", // enqueuing_steps -> steps_in_process
  "result_received", // steps_in_process|waiting_* |blocked -> evaluating_results
  "await_dependencies", // evaluating_results -> waiting_for_dependencies
  "await_retry", // -> waiting_for_retry
  "block", // -> blocked_by_failures
  "continue", // evaluating_results -> steps_in_process (others still running)
  "complete", // -> complete
  "fail", // -> error
  "cancel", // -> cancelled
  "resolve_manually", // -> resolved_manually
  "reopen", // error|blocked -> evaluating_results (a step was reset for retry or resolved by an operator)
] as const;
/** An event that moves a task (see {@link TASK_TRANSITIONS}). */
export type TaskEvent = (typeof TASK_EVENTS)[number];

/** Every state but the terminal ones. */
const ACTIVE: readonly TaskState[] = TASK_STATES.filter((s) => !TASK_TERMINAL_STATES.has(s));

/**
 * The task transition table: event -> the states it may leave -> the state it enters.
 * Anything not listed is illegal.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskEvent, { from: readonly TaskState[]; to: TaskState }>> = {
  start: { from: ["pending"], to: "initializing" },
  initialize: { from: ["initializing"], to: "enqueuing_steps" },
  enqueue: { from: ["evaluating_results"], to: "enqueuing_steps" },
  steps_enqueued: { from: ["enqueuing_steps"], to: "steps_in_process" },
  result_received: {
    from: ["steps_in_process", "waiting_for_dependencies", "waiting_for_retry", "blocked_by_failures"],
    to: "evaluating_results",
  },
  await_dependencies: { from: ["evaluating_results"], to: "waiting_for_dependencies" },
  await_retry: { from: ["evaluating_results"], to: "waiting_for_retry" },
  block: { from: ["evaluating_results"], to: "blocked_by_failures" },
  continue: { from: ["evaluating_results"], to: "steps_in_process" },
  complete: { from: ["evaluating_results", "initializing"], to: "complete" },
  fail: { from: ["evaluating_results", "initializing", "blocked_by_failures"], to: "error" },
  cancel: { from: ACTIVE, to: "cancelled" },
  resolve_manually: { from: [...ACTIVE, "error"], to: "resolved_manually" },
  reopen: { from: ["error"], to: "evaluating_results" },
};
