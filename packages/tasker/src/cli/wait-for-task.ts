import type { TaskerClient } from "../client/tasker-client.js";
import type { TaskResponse } from "../model/task-response.js";
import { TASK_TERMINAL_STATES } from "../state/task-states.js";

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called with every poll's task (the caller decides what changed). */
  onPoll?: (task: TaskResponse) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type WaitOutcome = { finished: true; task: TaskResponse } | { finished: false; task: TaskResponse };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls a task until it is terminal or `timeoutMs` passes. A timeout is an outcome, not an
 * error: the task keeps running on the server, and the caller says so.
 */
export async function waitForTerminal(
  client: Pick<TaskerClient, "getTask">,
  taskUuid: string,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.intervalMs ?? 500;
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const task = await client.getTask(taskUuid);
    options.onPoll?.(task);
    if (TASK_TERMINAL_STATES.has(task.status)) return { finished: true, task };
    const remaining = deadline - now();
    if (remaining <= 0) return { finished: false, task };
    await sleep(Math.min(interval, remaining));
  }
}

/** Whether a finished task counts as success for the exit code. */
export function taskSucceeded(task: Pick<TaskResponse, "status">): boolean {
  return task.status === "complete" || task.status === "resolved_manually";
}
