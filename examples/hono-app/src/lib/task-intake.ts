// Accept now, start the task in the background: POST answers 202 {id, status: "queued"} at once
// and a job on the app's queue creates the task (retrying while the engine is unavailable).
//
//   registerTaskIntake(deps, table, buildTaskRequest)   once per table, where jobs are processed
//   queueTaskBackedRow(c, deps, {table, insertRow})     in the POST handler
import type { Context } from "hono";
import {
  findTaskRow,
  recordTaskStarted,
  type TaskRow,
  type TaskRowTable,
  tableName,
  updateTaskRow,
} from "../engine/task-rows.js";
import type { AppDeps } from "./deps.js";
import { classifyEngineError } from "./engine-errors.js";
import { type RowTaskRequest, recordTaskRefused, taskForRow } from "./task-backed-rows.js";

interface IntakeJob<X> {
  id: number;
  /** What the task needs besides the row (e.g. a payment token kept out of the domain tables). */
  extra: X;
}

const INTAKE_ATTEMPTS = 5;

export function taskIntakeQueue(table: TaskRowTable): string {
  return `task-intake-${tableName(table)}`;
}

export function registerTaskIntake<R extends TaskRow, X = undefined>(
  deps: AppDeps,
  table: TaskRowTable,
  buildTaskRequest: (row: R, extra: X) => RowTaskRequest,
  concurrency = 4,
): void {
  deps.jobs.process<IntakeJob<X>>(taskIntakeQueue(table), concurrency, async (job) => {
    const row = await findTaskRow(deps.db, table, job.data.id);
    // Delivered twice, or the row moved on: nothing to do.
    if (row?.status !== "queued") return;
    let taskUuid: string;
    try {
      const request = taskForRow(deps, table, row, buildTaskRequest(row as R, job.data.extra));
      taskUuid = (await deps.tasker.client.createTask(request)).task.task_uuid;
    } catch (error) {
      // Throwing makes the queue retry with backoff; the row stays `queued` meanwhile.
      if (classifyEngineError(error).transient && job.attempt < job.maxAttempts) throw error;
      await recordTaskRefused(deps, table, row.id, error);
      return;
    }
    await recordTaskStarted(deps.db, table, row.id, taskUuid);
  });
}

/** POST handler body: inserts the row with status `queued`, enqueues its intake, answers 202. */
export async function queueTaskBackedRow<R extends TaskRow, X = undefined>(
  c: Context,
  deps: AppDeps,
  options: { table: TaskRowTable; insertRow: () => Promise<R>; extra?: X },
): Promise<Response> {
  const row = await options.insertRow();
  try {
    await deps.jobs.add<IntakeJob<X | undefined>>(
      taskIntakeQueue(options.table),
      { id: row.id, extra: options.extra },
      {
        attempts: INTAKE_ATTEMPTS,
        backoff: { type: "exponential", delayMs: 1000 },
        jobId: `${tableName(options.table)}-${row.id}`,
      },
    );
  } catch (error) {
    const message = `could not queue the work: ${(error as Error).message}`;
    await updateTaskRow(deps.db, options.table, row.id, { status: "failed", error: message });
    c.header("Retry-After", "5");
    return c.json({ error: message, id: row.id, status: "failed" }, 503);
  }
  return c.json({ id: row.id, status: "queued" as const }, 202);
}
