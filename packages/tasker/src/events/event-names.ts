// The lifecycle events' names, in a file of their own with no imports: the store's SQL builds
// them into statements, and the events module itself depends on the store.

/** A task ended in `complete`. */
export const TASK_COMPLETED = "task.completed";
/** A task ended in `error`. */
export const TASK_FAILED = "task.failed";
/** A task was cancelled. */
export const TASK_CANCELLED = "task.cancelled";
/** An operator resolved a task by hand (its outcome is accepted). */
export const TASK_RESOLVED_MANUALLY = "task.resolved_manually";
/** The events that end a task: each task publishes exactly one of them. */
export const TASK_TERMINAL_EVENTS = [
  TASK_COMPLETED,
  TASK_FAILED,
  TASK_CANCELLED,
  TASK_RESOLVED_MANUALLY,
] as const;
/** A terminal task event's name. */
export type TaskTerminalEventName = (typeof TASK_TERMINAL_EVENTS)[number];

/** A step's result was accepted (sent only while some process listens for it). */
export const STEP_COMPLETED = "step.completed";
/** A step failed for good. */
export const STEP_FAILED = "step.failed";
/** A step failed and will run again once its retry is due. */
export const STEP_RETRY_SCHEDULED = "step.retry_scheduled";

/** Every lifecycle event the engine publishes (subscribe with `tasker.events.on(name, fn)`). */
export const LIFECYCLE_EVENT_NAMES = [
  ...TASK_TERMINAL_EVENTS,
  STEP_COMPLETED,
  STEP_FAILED,
  STEP_RETRY_SCHEDULED,
] as const;
/** The name of a lifecycle event, e.g. `task.completed`. */
export type LifecycleEventName = (typeof LIFECYCLE_EVENT_NAMES)[number];
