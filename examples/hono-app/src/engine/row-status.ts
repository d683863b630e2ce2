// Which status a domain row takes when its task reaches a terminal state.
import type { TaskRowStatus } from "../db/schema.js";
import type { TaskTerminalEvent } from "./engine-handle.js";

const BY_TASK_STATE: Readonly<Record<string, TaskRowStatus>> = {
  complete: "completed",
  // An operator resolving a task by hand accepts its outcome.
  resolved_manually: "completed",
  error: "failed",
  cancelled: "cancelled",
};

const BY_EVENT: Readonly<Record<TaskTerminalEvent, TaskRowStatus>> = {
  "task.completed": "completed",
  "task.resolved_manually": "completed",
  "task.failed": "failed",
  "task.cancelled": "cancelled",
};

/** The row status for a terminal task state; undefined while the task is still running. */
export function rowStatusForTaskState(state: string): TaskRowStatus | undefined {
  return BY_TASK_STATE[state];
}

export function rowStatusForEvent(event: TaskTerminalEvent): TaskRowStatus {
  return BY_EVENT[event];
}
