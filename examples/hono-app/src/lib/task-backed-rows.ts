// The parts every route of a task-backed row shares, so create and read behave the same on every
// endpoint (spec: examples/hono-app ground rules). A create route reads, in order:
//
//   const row = await insert...(status "pending")
//   const { task } = await deps.tasker.client.createTask(taskForRow(deps, table, row, request))
//     (on an engine error: return taskRefused(c, deps, table, row, error))
//   return c.json(await recordTaskStarted(deps.db, table, row.id, task.task_uuid), 201)
//
// The row's status then follows the task through its lifecycle events (engine/lifecycle.ts),
// which find the row by its correlation id: a task that ends before its uuid is stored still
// reaches its row.
import type { TaskRequest } from "@tasker-ts/tasker/client";
import type { Context } from "hono";
import {
  findTaskRow,
  ROW_PATHS,
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

/** A row's task as its workflow describes it; {@link taskForRow} adds what ties it to the row. */
export type RowTaskRequest = Omit<TaskRequest, "idempotency_key" | "correlation_id">;

/**
 * The task request for a row: the row's correlation id (every lifecycle event of the task carries
 * it back to the row), an idempotency key from the row (the same row never starts two tasks), and
 * the row's page as a tag (the engine's dashboard links to it).
 */
export function taskForRow(
  deps: Pick<AppDeps, "config">,
  table: TaskRowTable,
  row: Pick<TaskRow, "id" | "created_at" | "correlation_id">,
  request: RowTaskRequest,
): TaskRequest {
  const path = ROW_PATHS.get(table);
  const link = path ? `${deps.config.publicUrl}${path}/${row.id}` : undefined;
  // A tag holds at most 255 characters: a longer public URL is left out rather than refused.
  const tags = link && link.length <= 255 ? [...(request.tags ?? []), link] : request.tags;
  return {
    ...request,
    ...(tags ? { tags } : {}),
    correlation_id: row.correlation_id,
    idempotency_key: taskIdempotencyKey(table, row),
  };
}

/**
 * The engine did not take a row's task: logs it, marks the row `failed` with the reason, and
 * says how to answer (502 refused, 503 try again later).
 */
export async function recordTaskRefused(
  deps: AppDeps,
  table: TaskRowTable,
  rowId: number,
  error: unknown,
): Promise<{ failure: EngineFailure; row: Record<string, unknown> | undefined }> {
  const failure = classifyEngineError(error);
  deps.logger.warn(
    { err: error, table: tableName(table), id: rowId, transient: failure.transient },
    "the engine did not accept the task",
  );
  const row = await updateTaskRow(deps.db, table, rowId, { status: "failed", error: failure.message });
  return { failure, row };
}

/** A create route's answer when the engine did not take the row's task (the row is then `failed`). */
export async function taskRefused(
  c: Context,
  deps: AppDeps,
  table: TaskRowTable,
  row: Pick<TaskRow, "id">,
  error: unknown,
): Promise<Response> {
  const refused = await recordTaskRefused(deps, table, row.id, error);
  return engineFailureResponse(c, refused.failure, refused.row);
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
