// A compliance check owns two tasks in two namespaces, created together with one correlation id:
// Team A's quote (sales/quote_generation) and Team B's review (compliance/compliance_review).
import { TASK_STATES, type TaskRequest, type TaskState } from "@tasker-ts/tasker/client";
import { eq, sql } from "drizzle-orm";
import type { AppDb } from "../../db/client.js";
import { compliance_checks } from "../../db/schema.js";
import type { EngineHandle } from "../../engine/engine-handle.js";
import { taskIdempotencyKey } from "../../engine/task-rows.js";
import type { AppDeps } from "../../lib/deps.js";
import { classifyEngineError, type EngineFailure } from "../../lib/engine-errors.js";
import { checkStatusFor, TERMINAL_CHECK_STATUSES } from "./check-status.js";
import { type CheckTaskContext, CheckTaskContextSchema } from "./schemas.js";

export type ComplianceCheckRow = typeof compliance_checks.$inferSelect;

export const QUOTE_TEMPLATE = { namespace: "sales", name: "quote_generation", version: "1.0.0" } as const;
export const REVIEW_TEMPLATE = {
  namespace: "compliance",
  name: "compliance_review",
  version: "1.0.0",
} as const;
/** The namespace whose task is the check's `task_uuid`. */
export const PRIMARY_NAMESPACE = REVIEW_TEMPLATE.namespace;
export const CHECK_TEMPLATES = [QUOTE_TEMPLATE, REVIEW_TEMPLATE] as const;
export type CheckTemplate = (typeof CHECK_TEMPLATES)[number];
export const CHECK_NAMESPACES: readonly string[] = CHECK_TEMPLATES.map((t) => t.namespace);

export function checkTaskContext(row: ComplianceCheckRow): CheckTaskContext {
  return CheckTaskContextSchema.parse({
    check_id: row.id,
    order_ref: row.order_ref,
    items: row.items,
    destination: row.destination,
    ...(row.coupon_code ? { coupon_code: row.coupon_code } : {}),
    ...(row.customer_id ? { customer_id: row.customer_id } : {}),
  });
}

/**
 * One team's task for a check. Both carry the check's correlation id, so their lifecycle events
 * find the check (check-status-mapper.ts) even before it has stored their uuids.
 */
export function checkTaskRequest(row: ComplianceCheckRow, template: CheckTemplate): TaskRequest {
  return {
    ...template,
    context: checkTaskContext(row),
    correlation_id: row.correlation_id,
    idempotency_key: `${taskIdempotencyKey(compliance_checks, row)}-${template.namespace}`,
    initiator: "hono-app",
    source_system: "hono-app",
    reason: `compliance check ${row.id} for order ${row.order_ref}`,
    tags: ["team-scaling", template.namespace],
  };
}

/**
 * Stores both tasks on the check. It becomes `processing` unless their events got there first and
 * already decided its status. Returns the check as stored.
 */
export async function recordCheckTasksStarted(
  db: AppDb,
  checkId: number,
  taskUuids: Record<string, string>,
): Promise<ComplianceCheckRow | undefined> {
  const [stored] = await db
    .update(compliance_checks)
    .set({
      task_uuids: taskUuids,
      task_uuid: taskUuids[PRIMARY_NAMESPACE] ?? null,
      status: sql`CASE WHEN ${compliance_checks.status} = 'pending' THEN 'processing' ELSE ${compliance_checks.status} END`,
      updated_at: new Date(),
    })
    .where(eq(compliance_checks.id, checkId))
    .returning();
  return stored;
}

/**
 * The engine refused one of a check's tasks: the one it created is cancelled (half a check is no
 * check) and the check is marked `failed` with the reason.
 */
export async function recordCheckRefused(
  deps: AppDeps,
  row: ComplianceCheckRow,
  created: Record<string, string>,
  error: unknown,
): Promise<{ failure: EngineFailure; row: ComplianceCheckRow | undefined }> {
  const failure = classifyEngineError(error);
  deps.logger.warn({ err: error, check_id: row.id }, "the engine did not accept a compliance check task");
  for (const [namespace, taskUuid] of Object.entries(created)) {
    await deps.tasker.client
      .cancelTask(taskUuid, `compliance check ${row.id}: the ${otherThan(namespace)} task was refused`)
      .catch((err: unknown) =>
        deps.logger.warn({ err, task_uuid: taskUuid }, "could not cancel the orphaned task"),
      );
  }
  const [failed] = await deps.db
    .update(compliance_checks)
    .set({ status: "failed", error: failure.message, task_uuids: created, updated_at: new Date() })
    .where(eq(compliance_checks.id, row.id))
    .returning();
  return { failure, row: failed };
}

function otherThan(namespace: string): string {
  return CHECK_NAMESPACES.find((n) => n !== namespace) ?? "other";
}

/** A task's state as already known (from a lifecycle event), to save asking the engine. */
export interface KnownTaskState {
  taskUuid: string;
  status: string;
  error: string | null;
}

/**
 * Recomputes a check's status from its tasks' current states; writes it when it is terminal.
 * Returns true when the row changed.
 */
export async function refreshCheckStatus(
  db: AppDb,
  tasker: EngineHandle,
  checkId: number,
  known?: KnownTaskState,
): Promise<boolean> {
  const [row] = await db.select().from(compliance_checks).where(eq(compliance_checks.id, checkId));
  if (!row) return false;
  const entries = Object.entries(row.task_uuids);
  if (entries.length < CHECK_NAMESPACES.length) return false;
  const states = await Promise.all(
    entries.map(async ([namespace, taskUuid]) => {
      if (known && known.taskUuid === taskUuid && isTaskState(known.status)) {
        return { namespace, status: known.status, error: known.error };
      }
      const task = await tasker.client.getTask(taskUuid);
      return { namespace, status: task.status, error: task.error };
    }),
  );
  const status = checkStatusFor(states.map((s) => s.status));
  if (!TERMINAL_CHECK_STATUSES.includes(status) || status === row.status) return false;
  const error =
    status === "failed"
      ? states
          .filter((s) => s.status === "error")
          .map((s) => `${s.namespace} task failed: ${s.error ?? "no reason given"}`)
          .join("; ")
      : null;
  await db
    .update(compliance_checks)
    .set({ status, error, updated_at: new Date() })
    .where(eq(compliance_checks.id, checkId));
  return true;
}

function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}
