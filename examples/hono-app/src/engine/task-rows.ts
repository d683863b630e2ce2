// The tables whose rows each own one task (orders, analytics_jobs, service_requests,
// compliance_checks, refunds, sales_imports), and the updates every one of them needs.
import { eq, type SQL, sql } from "drizzle-orm";
import type { AppDb } from "../db/client.js";
import {
  analytics_jobs,
  compliance_checks,
  orders,
  refunds,
  sales_imports,
  service_requests,
  type TaskRowStatus,
} from "../db/schema.js";

export type TaskRowTable =
  | typeof orders
  | typeof analytics_jobs
  | typeof service_requests
  | typeof compliance_checks
  | typeof refunds
  | typeof sales_imports;

/** The columns every task-backed row has (what the shared helpers read). */
export interface TaskRow {
  id: number;
  status: TaskRowStatus;
  task_uuid: string | null;
  /** What the row's tasks are created with; their lifecycle events carry it back. */
  correlation_id: string;
  error: string | null;
  created_at: Date;
}

/** Where the app shows a row of each table (GET <path>/:id). */
export const ROW_PATHS = new Map<TaskRowTable, string>([
  [orders, "/orders"],
  [analytics_jobs, "/analytics/jobs"],
  [service_requests, "/services/requests"],
  [compliance_checks, "/compliance/checks"],
  [refunds, "/refunds"],
  [sales_imports, "/imports"],
]);

/** The table's name in messages and idempotency keys. */
export const TABLE_NAMES = new Map<TaskRowTable, string>([
  [orders, "orders"],
  [analytics_jobs, "analytics_jobs"],
  [service_requests, "service_requests"],
  [compliance_checks, "compliance_checks"],
  [refunds, "refunds"],
  [sales_imports, "sales_imports"],
]);

export function tableName(table: TaskRowTable): string {
  const name = TABLE_NAMES.get(table);
  if (!name) throw new Error("not a task-backed table; add it to TABLE_NAMES in src/engine/task-rows.ts");
  return name;
}

/**
 * The idempotency key of a row's task: the row id plus its creation time, so the same row never
 * starts two tasks, and a fresh app database (ids from 1 again) never collides with old tasks.
 */
export function taskIdempotencyKey(table: TaskRowTable, row: Pick<TaskRow, "id" | "created_at">): string {
  return `${tableName(table)}-${row.id}-${row.created_at.getTime()}`;
}

export async function findTaskRow(db: AppDb, table: TaskRowTable, id: number): Promise<TaskRow | undefined> {
  const rows = (await db
    .select()
    .from(table as typeof orders)
    .where(eq(table.id, id))) as TaskRow[];
  return rows[0];
}

type TaskRowPatch = Partial<Pick<TaskRow, "task_uuid" | "error">> & { status?: TaskRowStatus | SQL };

/** Updates one row by id; returns the row as stored, or undefined when it does not exist. */
export async function updateTaskRow(
  db: AppDb,
  table: TaskRowTable,
  id: number,
  patch: TaskRowPatch,
): Promise<Record<string, unknown> | undefined> {
  // The four tables share these columns; Drizzle cannot see that through the union.
  const rows = await db
    .update(table as typeof orders)
    .set({ ...patch, updated_at: new Date() })
    .where(eq(table.id, id))
    .returning();
  return rows[0];
}

/**
 * Stores the task a row started. The row becomes `processing` unless the task's terminal event
 * got there first (a task can end before its creator hears back): then its status stays.
 * Returns the row as stored.
 */
export async function recordTaskStarted(
  db: AppDb,
  table: TaskRowTable,
  id: number,
  taskUuid: string,
): Promise<Record<string, unknown> | undefined> {
  return updateTaskRow(db, table, id, {
    task_uuid: taskUuid,
    status: sql`CASE WHEN ${table.status} IN ('pending', 'queued') THEN 'processing' ELSE ${table.status} END`,
  });
}

/**
 * A terminal task event applied to the row that started the task, found by the event's
 * correlation id (whether or not the row has stored the task's uuid yet). Returns how many rows
 * changed.
 */
export async function setStatusByCorrelation(
  db: AppDb,
  table: TaskRowTable,
  event: { correlation_id: string; task_uuid: string },
  status: TaskRowStatus,
  error: string | null,
): Promise<number> {
  const rows = await db
    .update(table as typeof orders)
    .set({ status, error, task_uuid: event.task_uuid, updated_at: new Date() })
    .where(eq(table.correlation_id, event.correlation_id))
    .returning({ id: table.id });
  return rows.length;
}
