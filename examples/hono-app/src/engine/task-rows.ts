// The tables whose rows each own one task (orders, analytics_jobs, service_requests,
// compliance_checks), and the updates every one of them needs.
import { eq } from "drizzle-orm";
import type { AppDb } from "../db/client.js";
import {
  analytics_jobs,
  compliance_checks,
  orders,
  service_requests,
  type TaskRowStatus,
} from "../db/schema.js";

export type TaskRowTable =
  | typeof orders
  | typeof analytics_jobs
  | typeof service_requests
  | typeof compliance_checks;

/** The columns every task-backed row has (what the shared helpers read). */
export interface TaskRow {
  id: number;
  status: TaskRowStatus;
  task_uuid: string | null;
  error: string | null;
  created_at: Date;
}

/** Where the app shows a row of each table (GET <path>/:id). */
export const ROW_PATHS = new Map<TaskRowTable, string>([
  [orders, "/orders"],
  [analytics_jobs, "/analytics/jobs"],
  [service_requests, "/services/requests"],
  [compliance_checks, "/compliance/checks"],
]);

/** The table's name in messages and idempotency keys. */
export const TABLE_NAMES = new Map<TaskRowTable, string>([
  [orders, "orders"],
  [analytics_jobs, "analytics_jobs"],
  [service_requests, "service_requests"],
  [compliance_checks, "compliance_checks"],
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

type TaskRowPatch = Partial<Pick<TaskRow, "status" | "task_uuid" | "error">>;

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

/** Sets the status of the rows owning `taskUuid`; returns how many rows changed. */
export async function setStatusByTask(
  db: AppDb,
  table: TaskRowTable,
  taskUuid: string,
  status: TaskRowStatus,
  error: string | null,
): Promise<number> {
  const rows = await db
    .update(table as typeof orders)
    .set({ status, error, updated_at: new Date() })
    .where(eq(table.task_uuid, taskUuid))
    .returning({ id: table.id });
  return rows.length;
}
