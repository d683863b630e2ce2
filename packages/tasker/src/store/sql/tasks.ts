import { type Queryable, run, type Statement } from "../database.js";

export interface TaskRow {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: string;
  context: Record<string, unknown>;
  initiator: string | null;
  source_system: string | null;
  reason: string | null;
  tags: string[];
  priority: number;
  correlation_id: string;
  parent_correlation_id: string | null;
  idempotency_key: string | null;
  /** The request's hash (see hashRequest), kept only with an idempotency key. */
  request_hash: string | null;
  error: string | null;
  /**
   * The task's steps, and how many of them are done (complete or resolved_manually), failed
   * (error), waiting for a retry, and on their way (enqueued, in_progress, or just stored): kept
   * by whoever holds the task's lock, so a stored outcome advances the task from them (migration
   * 010, advance-tasks.ts).
   */
  step_count: number;
  steps_done: number;
  steps_failed: number;
  steps_waiting: number;
  steps_running: number;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export type NewTask = Omit<TaskRow, "created_at" | "updated_at" | "completed_at" | "error">;

export type LockedTaskRow = TaskRow & { step: Record<string, unknown> | null };

/** Locks a task's row (every decision about a task holds it). */
export function lockTaskStatement(taskUuid: string): Statement<{ task_uuid: string }> {
  return { sql: "SELECT task_uuid FROM tasker.tasks WHERE task_uuid = $1 FOR UPDATE", params: [taskUuid] };
}

/** Locks a task and reads one of its steps in one statement (result processing). */
export function lockTaskWithStepStatement(taskUuid: string, stepUuid: string): Statement<LockedTaskRow> {
  return {
    sql: `SELECT t.*, (SELECT to_jsonb(s) FROM tasker.workflow_steps s
                        WHERE s.workflow_step_uuid = $2 AND s.task_uuid = t.task_uuid) AS step
            FROM tasker.tasks t WHERE t.task_uuid = $1 FOR UPDATE`,
    params: [taskUuid, stepUuid],
  };
}

export async function lockTaskWithStep(q: Queryable, taskUuid: string, stepUuid: string) {
  return (await run(q, lockTaskWithStepStatement(taskUuid, stepUuid)))[0];
}

export async function selectTask(q: Queryable, taskUuid: string, opts: { forUpdate?: boolean } = {}) {
  const rows = await q.query<TaskRow>(
    `SELECT * FROM tasker.tasks WHERE task_uuid = $1${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [taskUuid],
  );
  return rows[0];
}

export async function selectTaskByIdempotencyKey(q: Queryable, key: string) {
  const rows = await q.query<TaskRow>("SELECT * FROM tasker.tasks WHERE idempotency_key = $1", [key]);
  return rows[0];
}

/** Sets a task's status (and error/completed_at on terminal states). */
export async function updateTaskStatus(
  q: Queryable,
  taskUuid: string,
  status: string,
  opts: { error?: string | null; terminal?: boolean } = {},
): Promise<void> {
  await q.query(
    `UPDATE tasker.tasks
        SET status = $2, updated_at = now(),
            error = CASE WHEN $3::boolean THEN $4 ELSE error END,
            completed_at = CASE WHEN $5::boolean THEN now() ELSE NULL END
      WHERE task_uuid = $1`,
    [taskUuid, status, opts.error !== undefined, opts.error ?? null, opts.terminal ?? false],
  );
}

export interface TaskFilter {
  namespace?: string | undefined;
  name?: string | undefined;
  status?: string | undefined;
  correlation_id?: string | undefined;
  limit: number;
  offset: number;
}

export async function listTasks(q: Queryable, f: TaskFilter): Promise<{ rows: TaskRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const key of ["namespace", "name", "status", "correlation_id"] as const) {
    const value = f[key];
    if (value !== undefined) {
      params.push(value);
      where.push(`${key} = $${params.length}`);
    }
  }
  const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  const [count] = await q.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM tasker.tasks ${clause}`,
    params,
  );
  const rows = await q.query<TaskRow>(
    `SELECT * FROM tasker.tasks ${clause} ORDER BY created_at DESC, task_uuid LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { rows, total: count?.total ?? 0 };
}
