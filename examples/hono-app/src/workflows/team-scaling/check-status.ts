// A compliance check spans two tasks (sales + compliance). Its status is derived from both:
// failed as soon as either fails, completed only when both are done.
import type { TaskState } from "@tasker-ts/tasker/client";

export type CheckStatus = "pending" | "processing" | "completed" | "failed" | "cancelled";

export const TERMINAL_CHECK_STATUSES: readonly CheckStatus[] = ["completed", "failed", "cancelled"];

/** The check's status given the current state of each of its tasks. */
export function checkStatusFor(taskStates: readonly TaskState[]): CheckStatus {
  if (taskStates.length === 0) return "pending";
  if (taskStates.includes("error")) return "failed";
  if (taskStates.includes("cancelled")) return "cancelled";
  // An operator resolving a task manually accepts its outcome.
  if (taskStates.every((s) => s === "complete" || s === "resolved_manually")) return "completed";
  return "processing";
}
