import { STEP_TRANSITIONS, type StepEvent, type StepState } from "./step-states.js";
import { TASK_TRANSITIONS, type TaskEvent, type TaskState } from "./task-states.js";

/** Thrown when an event is not allowed in the current state (a bug, or a race lost). */
export class IllegalTransitionError extends Error {
  constructor(
    readonly machine: "task" | "step",
    readonly from: string,
    readonly event: string,
  ) {
    super(`illegal ${machine} transition: event "${event}" is not allowed from state "${from}"`);
    this.name = "IllegalTransitionError";
  }
}

/** The state a task enters on `event`, or null when the event is illegal in `from`. */
export function nextTaskState(from: TaskState, event: TaskEvent): TaskState | null {
  const rule = TASK_TRANSITIONS[event];
  return rule.from.includes(from) ? rule.to : null;
}

/** The state a step enters on `event`, or null when the event is illegal in `from`. */
export function nextStepState(from: StepState, event: StepEvent): StepState | null {
  const rule = STEP_TRANSITIONS[event];
  return rule.from.includes(from) ? rule.to : null;
}

/** The state a task enters on `event`; throws {@link IllegalTransitionError} when it is illegal. */
export function assertTaskTransition(from: TaskState, event: TaskEvent): TaskState {
  const to = nextTaskState(from, event);
  if (to === null) throw new IllegalTransitionError("task", from, event);
  return to;
}

/** The state a step enters on `event`; throws {@link IllegalTransitionError} when it is illegal. */
export function assertStepTransition(from: StepState, event: StepEvent): StepState {
  const to = nextStepState(from, event);
  if (to === null) throw new IllegalTransitionError("step", from, event);
  return to;
}

/** The states an event may leave, for guarded SQL updates (`WHERE state = ANY($from)`). */
export function stepEventSources(event: StepEvent): readonly StepState[] {
  return STEP_TRANSITIONS[event].from;
}

/** The task states an event may leave, for guarded SQL updates. */
export function taskEventSources(event: TaskEvent): readonly TaskState[] {
  return TASK_TRANSITIONS[event].from;
}
