// Shared route helpers for rows whose work is a task. Every workflow uses them, so the
// create / read behaviour is the same on every endpoint (spec: examples/hono-app ground rules).
//
//   createTaskBackedRow  POST: insert pending -> create task (idempotency key from the row) ->
//                        store task_uuid -> processing -> 201 with the row; if the engine
//                        refuses: row failed + 502/503 JSON.
//   launchTaskForRow     the middle part, for rows inserted some other way (async intake, jobs).
//   respondWithRowAndTask GET /:id: 400 malformed id, 404 unknown, else the row plus `task`.
import type { TaskRequest } from "@tasker-ts/tasker/client";
import type { Context } from "hono";
import { rowStatusForTaskState } from "../engine/row-status.js";
import {
  findTaskRow,
  ROW_PATHS,
  setStatusByTask,
  type TaskRow,
  type TaskRowTable,
  tableName,
  taskIdempotencyKey,
  updateTaskRow,
} from "../engine/task-rows.js";
import type { AppDeps } from "./deps.js";
import { classifyEngineError, type EngineFailure } from "./engine-errors.js";
import { jsonError } from "./http-errors.js";
import { parseRowId } from "./row-id.js";
import { summarizeTask, type TaskSummary } from "./task-summary.js";

/** The task for a row, without `idempotency_key` (the helper derives it from the row). */
export type RowTaskRequest = Omit<TaskRequest, "idempotency_key">;

export type LaunchResult =
  | { ok: true; row: Record<string, unknown>; taskUuid: string }
  | { ok: false; row: Record<string, unknown> | undefined; failure: EngineFailure };

/**
 * Creates the row's task and records it on the row (status `processing`). When the engine
 * refuses, the row is marked `failed` with the reason, unless `keepRowOnTransientFailure` is set
 * and the failure is transient (a job that will try again).
 */
export async function launchTaskForRow(
  deps: AppDeps,
  table: TaskRowTable,
  row: TaskRow,
  request: RowTaskRequest,
  options: { keepRowOnTransientFailure?: boolean } = {},
): Promise<LaunchResult> {
  const idempotencyKey = taskIdempotencyKey(table, row);
  // The row's page as a tag: the engine's dashboard shows it as a link on the task's page.
  const path = ROW_PATHS.get(table);
  const link = path ? `${deps.config.publicUrl}${path}/${row.id}` : undefined;
  // A tag holds at most 255 characters: a longer public URL is left out rather than refused.
  const tags = link && link.length <= 255 ? [...(request.tags ?? []), link] : request.tags;
  let taskUuid: string;
  try {
    const { task } = await deps.tasker.client.createTask({
      ...request,
      ...(tags ? { tags } : {}),
      idempotency_key: idempotencyKey,
    });
    taskUuid = task.task_uuid;
  } catch (error) {
    const failure = classifyEngineError(error);
    deps.logger.warn(
      { err: error, table: tableName(table), id: row.id, transient: failure.transient },
      "the engine did not accept the task",
    );
    if (failure.transient && options.keepRowOnTransientFailure) return { ok: false, row: undefined, failure };
    const failed = await updateTaskRow(deps.db, table, row.id, { status: "failed", error: failure.message });
    return { ok: false, row: failed, failure };
  }
  await updateTaskRow(deps.db, table, row.id, { task_uuid: taskUuid, status: "processing" });
  await reconcileFinishedTask(deps, table, taskUuid);
  const stored = await findTaskRow(deps.db, table, row.id);
  return { ok: true, row: stored as unknown as Record<string, unknown>, taskUuid };
}

/**
 * A task can finish before its uuid is stored on the row; its lifecycle event then found no row.
 * Reading the task once after storing the uuid closes that gap.
 */
async function reconcileFinishedTask(deps: AppDeps, table: TaskRowTable, taskUuid: string): Promise<void> {
  try {
    const task = await deps.tasker.client.getTask(taskUuid);
    const status = rowStatusForTaskState(task.status);
    if (status)
      await setStatusByTask(deps.db, table, taskUuid, status, status === "failed" ? task.error : null);
  } catch (err) {
    deps.logger.debug(
      { err, task_uuid: taskUuid },
      "could not read the new task; its events will update the row",
    );
  }
}

/** The HTTP answer for a refused task: 502 (refused) or 503 + Retry-After (try again later). */
export function engineFailureResponse(
  c: Context,
  failure: EngineFailure,
  row: Record<string, unknown> | undefined,
): Response {
  if (failure.retryAfterSeconds) c.header("Retry-After", String(failure.retryAfterSeconds));
  return jsonError(c, failure.status, failure.message, {
    ...(failure.details === undefined ? {} : { details: failure.details }),
    ...(row ? { id: row.id, status: row.status } : {}),
  });
}

/**
 * POST handler body for a task-backed row. `insertRow` inserts it with status `pending` and
 * returns it; `buildTaskRequest` turns the stored row into the task to create.
 */
export async function createTaskBackedRow<R extends TaskRow>(
  c: Context,
  deps: AppDeps,
  options: {
    table: TaskRowTable;
    insertRow: () => Promise<R>;
    buildTaskRequest: (row: R) => RowTaskRequest;
  },
): Promise<Response> {
  const row = await options.insertRow();
  const result = await launchTaskForRow(deps, options.table, row, options.buildTaskRequest(row));
  if (!result.ok) return engineFailureResponse(c, result.failure, result.row);
  return c.json(result.row, 201);
}

/** GET /:id handler body: the row plus its task summary (`task: null` before it has one). */
export async function respondWithRowAndTask(
  c: Context,
  deps: AppDeps,
  options: { table: TaskRowTable; rawId: string | undefined; what: string },
): Promise<Response> {
  const id = parseRowId(options.rawId);
  if (id === undefined) {
    return c.json(
      {
        error: `malformed ${options.what} id ${JSON.stringify(options.rawId ?? "")}: use the positive integer id returned when it was created`,
        issues: [{ path: "id", message: "must be a positive integer" }],
      },
      400,
    );
  }
  const row = await findTaskRow(deps.db, options.table, id);
  if (!row) return jsonError(c, 404, `${options.what} ${id} not found`);
  return c.json({ ...row, ...(await taskSummaryFor(deps, row.task_uuid)) });
}

/** `{task}` for a row, or `{task: null, task_error}` when the engine cannot be asked. */
export async function taskSummaryFor(
  deps: AppDeps,
  taskUuid: string | null,
): Promise<{ task: TaskSummary | null; task_error?: string }> {
  if (!taskUuid) return { task: null };
  try {
    return { task: summarizeTask(await deps.tasker.client.getTask(taskUuid)) };
  } catch (error) {
    return { task: null, task_error: classifyEngineError(error).message };
  }
}
