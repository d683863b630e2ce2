import { STEP_IN_PROGRESS_STATES, STEP_SATISFIED_STATES, type StepState } from "../../state/step-states.js";
import { TASK_STATES, type TaskState } from "../../state/task-states.js";
import type { Queryable } from "../../store/database.js";
import { type TaskSearch, taskSearchWhere } from "./task-search.js";

/** One row of the task list: the task and how far its steps got. */
export interface TaskListRow {
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: TaskState;
  correlation_id: string;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  error: string | null;
  total_steps: number;
  done_steps: number;
  failed_steps: number;
  running_steps: number;
}

export interface TaskListPage {
  rows: TaskListRow[];
  /** Tasks matching every filter (for paging). */
  total: number;
  /** Tasks per status matching the other filters (so every status can be picked from there). */
  counts: Record<TaskState, number>;
}

type DbRow = Omit<TaskListRow, "created_at" | "updated_at" | "completed_at"> & {
  created_at: Date | string;
  updated_at: Date | string;
  completed_at: Date | string | null;
};

const iso = (d: Date | string) => new Date(d).toISOString();
/** The engine's own state names as an SQL list: constants, never input. */
const stateList = (states: ReadonlySet<StepState>) => [...states].map((s) => `'${s}'`).join(", ");
const DONE = stateList(STEP_SATISFIED_STATES);
const RUNNING = stateList(STEP_IN_PROGRESS_STATES);

/** A page of tasks (newest first) with the counts per status, in two indexed queries. */
export async function searchTasks(
  db: Queryable,
  search: TaskSearch,
  now = new Date(),
): Promise<TaskListPage> {
  const all = taskSearchWhere(search, now, { withStatus: false });
  const countRows = await db.query<{ status: string; n: number }>(
    `SELECT t.status, count(*)::int AS n FROM tasker.tasks t ${all.where} GROUP BY t.status`,
    all.params,
  );
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const r of countRows) if (r.status in counts) counts[r.status as TaskState] = r.n;
  const total =
    search.status !== undefined ? counts[search.status] : Object.values(counts).reduce((a, b) => a + b, 0);

  const page = taskSearchWhere(search, now, { withStatus: true });
  const n = page.params.length;
  const rows = await db.query<DbRow>(
    `SELECT t.task_uuid, t.namespace, t.name, t.version, t.status, t.correlation_id, t.created_at, t.updated_at,
            t.completed_at, t.error,
            coalesce(s.total, 0) AS total_steps, coalesce(s.done, 0) AS done_steps,
            coalesce(s.failed, 0) AS failed_steps, coalesce(s.running, 0) AS running_steps
       FROM tasker.tasks t
       LEFT JOIN LATERAL (
         SELECT count(*)::int AS total,
                count(*) FILTER (WHERE ws.state IN (${DONE}))::int AS done,
                count(*) FILTER (WHERE ws.state = 'error')::int AS failed,
                count(*) FILTER (WHERE ws.state IN (${RUNNING}))::int AS running
           FROM tasker.workflow_steps ws WHERE ws.task_uuid = t.task_uuid) s ON true
       ${page.where}
      ORDER BY t.created_at DESC, t.task_uuid
      LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...page.params, search.limit, search.offset],
  );
  return {
    rows: rows.map((r) => ({
      ...r,
      created_at: iso(r.created_at),
      updated_at: iso(r.updated_at),
      completed_at: r.completed_at === null ? null : iso(r.completed_at),
    })),
    total,
    counts,
  };
}

/** Namespaces and templates that tasks can be filtered by (every registered template). */
export async function selectFilterChoices(
  db: Queryable,
): Promise<{ namespaces: string[]; templates: string[] }> {
  const rows = await db.query<{ namespace: string; name: string }>(
    `SELECT DISTINCT namespace, name FROM tasker.task_templates ORDER BY namespace, name`,
  );
  return {
    namespaces: [...new Set(rows.map((r) => r.namespace))],
    templates: rows.map((r) => `${r.namespace}/${r.name}`),
  };
}
