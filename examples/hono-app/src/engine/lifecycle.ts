// The one subscriber that makes domain rows follow their tasks: for every terminal task event
// (task.completed / task.failed / task.cancelled / task.resolved_manually) it runs the status
// mappers the workflows declare (Workflow.taskStatusMappers), which update the rows that started
// that task: rowStatusMapper for "one row, one task"; compliance_checks span two tasks and have their own.
import { type Logger, TASK_TERMINAL_EVENTS, type TaskTerminalEventName } from "@tasker-ts/tasker";
import type { AppDb } from "../db/client.js";
import type { EngineHandle, LifecycleEvent } from "./engine-handle.js";
import { rowStatusForEvent } from "./row-status.js";
import { setStatusByCorrelation, type TaskRowTable } from "./task-rows.js";
import type { TaskStatusMapper } from "./task-status-mapper.js";

/**
 * A mapper for tables where one row owns one task, created with the row's `correlation_id`: the
 * event finds its row by that, even before the row has stored the task's uuid. Only events of the
 * namespaces the table's tasks are created in can be its rows': the others skip the UPDATE.
 */
export function rowStatusMapper(table: TaskRowTable, namespaces: readonly string[]): TaskStatusMapper {
  return async (event, db) => {
    if (!namespaces.includes(event.namespace)) return false;
    const status = rowStatusForEvent(event.event as TaskTerminalEventName);
    const error = status === "failed" ? (event.error ?? "the task failed") : null;
    return (await setStatusByCorrelation(db, table, event, status, error)) > 0;
  };
}

export interface TaskStatusSubscription {
  /** Resolves when every event received so far has been applied (tests, shutdown). */
  idle(): Promise<void>;
  unsubscribe(): void;
}

export function subscribeTaskStatus(options: {
  events: EngineHandle["events"];
  db: AppDb;
  logger: Logger;
  mappers?: readonly TaskStatusMapper[];
}): TaskStatusSubscription {
  const mappers = options.mappers ?? [];
  const pending = new Set<Promise<unknown>>();
  const apply = (event: LifecycleEvent) => applyTaskEvent(event, options.db, mappers, options.logger);
  const unsubscribers = TASK_TERMINAL_EVENTS.map((name) =>
    options.events.on(name, (event) => {
      const work = apply(event).finally(() => pending.delete(work));
      pending.add(work);
    }),
  );
  return {
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    unsubscribe() {
      for (const off of unsubscribers) off();
    },
  };
}

/** Runs every mapper for one event; a failing mapper is logged and does not stop the others. */
export async function applyTaskEvent(
  event: LifecycleEvent,
  db: AppDb,
  mappers: readonly TaskStatusMapper[],
  logger: Logger,
): Promise<boolean> {
  let handled = false;
  for (const mapper of mappers) {
    try {
      handled = (await mapper(event, db)) || handled;
    } catch (err) {
      logger.error(
        { err, task_uuid: event.task_uuid, event: event.event },
        "could not apply a task event to the app's rows",
      );
    }
  }
  logger.debug({ task_uuid: event.task_uuid, event: event.event, handled }, "task event applied");
  return handled;
}
