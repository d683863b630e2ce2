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
 * The two statements every task-backed row runs on its way (storing its task, and its task's end),
 * prepared once per database and table: Drizzle builds each once, and PostgreSQL parses and plans
 * it once per connection. Prepared where first used, since the routes, intake jobs and status
 * mappers of six tables share them.
 */
interface TaskRowStatements {
  recordTaskStarted: ReturnType<typeof prepareTaskStarted>;
  setStatusByCorrelation: ReturnType<typeof prepareStatusByCorrelation>;
}

const statementsByDb = new WeakMap<AppDb, Map<TaskRowTable, TaskRowStatements>>();

function statements(db: AppDb, table: TaskRowTable): TaskRowStatements {
  let byTable = statementsByDb.get(db);
  if (!byTable) {
    byTable = new Map();
    statementsByDb.set(db, byTable);
  }
  let prepared = byTable.get(table);
  if (!prepared) {
    prepared = {
      recordTaskStarted: prepareTaskStarted(db, table),
      setStatusByCorrelation: prepareStatusByCorrelation(db, table),
    };
    byTable.set(table, prepared);
  }
  return prepared;
}

// In both: Drizzle's types take a placeholder in `set` only inside sql``, and `updated_at` is set
// by the statement, as a prepared UPDATE would keep the time `$onUpdate` gave when it was built.
function prepareTaskStarted(db: AppDb, table: TaskRowTable) {
  return db
    .update(table as typeof orders)
    .set({
      task_uuid: sql`${sql.placeholder("task_uuid")}`,
      status: sql`CASE WHEN ${table.status} IN ('pending', 'queued') THEN 'processing' ELSE ${table.status} END`,
      updated_at: sql`now()`,
    })
    .where(eq(table.id, sql.placeholder("id")))
    .returning()
    .prepare(`record_task_started_${tableName(table)}`);
}

function prepareStatusByCorrelation(db: AppDb, table: TaskRowTable) {
  return db
    .update(table as typeof orders)
    .set({
      status: sql`${sql.placeholder("status")}`,
      error: sql`${sql.placeholder("error")}`,
      task_uuid: sql`${sql.placeholder("task_uuid")}`,
      updated_at: sql`now()`,
    })
    .where(eq(table.correlation_id, sql.placeholder("correlation_id")))
    .returning({ id: table.id })
    .prepare(`set_status_by_correlation_${tableName(table)}`);
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
  const rows = await statements(db, table).recordTaskStarted.execute({ id, task_uuid: taskUuid });
  return rows[0];
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
  const rows = await statements(db, table).setStatusByCorrelation.execute({
    correlation_id: event.correlation_id,
    task_uuid: event.task_uuid,
    status,
    error,
  });
  return rows.length;
}
