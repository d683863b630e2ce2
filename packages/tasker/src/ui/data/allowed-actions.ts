import type { StepAction } from "../../model/step-action.js";
import { STEP_TRANSITIONS, type StepState } from "../../state/step-states.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../../state/task-states.js";

export type StepActionType = StepAction["action_type"];
export const STEP_ACTION_TYPES: readonly StepActionType[] = [
  "reset_for_retry",
  "resolve_manually",
  "complete_manually",
];

/**
 * The operator actions the engine would accept for a step right now (pure), from the same
 * transition table it enforces: so the page offers only buttons that can work. Steps of a
 * finished task cannot change, except in a task that ended in `error`.
 */
export function allowedStepActions(taskStatus: TaskState, stepState: StepState): StepActionType[] {
  if (TASK_TERMINAL_STATES.has(taskStatus) && taskStatus !== "error") return [];
  return STEP_ACTION_TYPES.filter((a) => STEP_TRANSITIONS[a].from.includes(stepState));
}

/** Only unfinished tasks can be cancelled. */
export const canCancelTask = (status: TaskState) => !TASK_TERMINAL_STATES.has(status);
