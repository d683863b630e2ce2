// What the app needs from the engine: the client (create/get tasks) and the lifecycle events.
// `Tasker` from @tasker-ts/tasker satisfies it; tests may pass anything of the same shape.
import type { TaskerClient } from "@tasker-ts/tasker";

export const TASK_TERMINAL_EVENTS = [
  "task.completed",
  "task.failed",
  "task.cancelled",
  "task.resolved_manually",
] as const;
export type TaskTerminalEvent = (typeof TASK_TERMINAL_EVENTS)[number];

export type LifecycleEventName =
  | TaskTerminalEvent
  | "step.completed"
  | "step.failed"
  | "step.retry_scheduled";

/** A lifecycle event as the engine delivers it (after commit, to every instance on the database). */
export interface LifecycleEvent {
  event: LifecycleEventName;
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: string;
  correlation_id: string;
  error: string | null;
  step_uuid?: string;
  step_name?: string;
  occurred_at: string;
}

export interface EngineHandle {
  readonly client: TaskerClient;
  readonly events: {
    on(name: LifecycleEventName, listener: (event: LifecycleEvent) => void): () => void;
  };
}
