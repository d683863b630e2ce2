/** Workflow step states, exactly as named by tasker-core. */
export const STEP_STATES = [
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
] as const;
/** A step state, exactly as tasker-core names it. */
export type StepState = (typeof STEP_STATES)[number];

/** Step states nothing leaves on its own (an operator may still act on `error`). */
export const STEP_TERMINAL_STATES: ReadonlySet<StepState> = new Set([
  "complete",
  "error",
  "cancelled",
  "resolved_manually",
]);

/** States whose dependents may run. */
export const STEP_SATISFIED_STATES: ReadonlySet<StepState> = new Set(["complete", "resolved_manually"]);

/** States of a step handed out and not yet settled: queued for, held by or reported by a worker. */
export const STEP_IN_PROGRESS_STATES: ReadonlySet<StepState> = new Set([
  "enqueued",
  "in_progress",
  "enqueued_for_orchestration",
  "enqueued_as_error_for_orchestration",
]);

/** Events that move a step; each transition row records one. */
export const STEP_EVENTS = [
  "enqueue", // orchestrator dispatches a ready step
  "claim", // a worker takes it (attempts + 1)
  "claim_expired", // the worker's lease ran out (died or hung): back to the queue
  "succeed", // the worker stored a result
  "fail", // the worker stored an error
  "complete", // the orchestrator accepts the result
  "schedule_retry", // the orchestrator schedules another attempt after backoff
  "error", // the orchestrator gives up (permanent, not retryable, or attempts exhausted)
  "cancel",
  "reset_for_retry", // operator: try a failed step again (attempts reset)
  "resolve_manually", // operator: treat a failed or retry-waiting step as done without a result
  "complete_manually", // operator: treat a failed or retry-waiting step as done with the given result
] as const;
/** An event that moves a step (see {@link STEP_TRANSITIONS}). */
export type StepEvent = (typeof STEP_EVENTS)[number];

/**
 * The step transition table: event -> the states it may leave -> the state it enters.
 * Anything not listed is illegal.
 */
export const STEP_TRANSITIONS: Readonly<Record<StepEvent, { from: readonly StepState[]; to: StepState }>> = {
  enqueue: { from: ["pending", "waiting_for_retry"], to: "enqueued" },
  claim: { from: ["enqueued"], to: "in_progress" },
  claim_expired: { from: ["in_progress"], to: "enqueued" },
  succeed: { from: ["in_progress"], to: "enqueued_for_orchestration" },
  fail: { from: ["in_progress"], to: "enqueued_as_error_for_orchestration" },
  complete: { from: ["enqueued_for_orchestration"], to: "complete" },
  schedule_retry: { from: ["enqueued_as_error_for_orchestration"], to: "waiting_for_retry" },
  error: { from: ["enqueued_as_error_for_orchestration"], to: "error" },
  cancel: { from: ["pending", "enqueued", "waiting_for_retry"], to: "cancelled" },
  // Operator actions apply to a step that ran and failed, for good or until its retry: one that
  // has not run may still be waiting for its parents, and marking it done would let its
  // dependants run before them (or end the task) with the work never done.
  reset_for_retry: { from: ["error"], to: "pending" },
  resolve_manually: { from: ["waiting_for_retry", "error"], to: "resolved_manually" },
  complete_manually: { from: ["waiting_for_retry", "error"], to: "complete" },
};
