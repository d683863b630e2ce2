// Which status a domain row takes when its task ends.
import {
  TASK_CANCELLED,
  TASK_COMPLETED,
  TASK_FAILED,
  TASK_RESOLVED_MANUALLY,
  type TaskTerminalEventName,
} from "@tasker-ts/tasker";
import type { TaskRowStatus } from "../db/schema.js";

const BY_EVENT: Readonly<Record<TaskTerminalEventName, TaskRowStatus>> = {
  [TASK_COMPLETED]: "completed",
  // An operator resolving a task by hand accepts its outcome.
  [TASK_RESOLVED_MANUALLY]: "completed",
  [TASK_FAILED]: "failed",
  [TASK_CANCELLED]: "cancelled",
};

export function rowStatusForEvent(event: TaskTerminalEventName): TaskRowStatus {
  return BY_EVENT[event];
}
