// The check's status follows BOTH of its tasks: this mapper runs for every terminal task event
// (engine/lifecycle.ts) and recomputes the status of the check the task belongs to, found by the
// correlation id both tasks were created with.
import { eq, sql } from "drizzle-orm";
import { compliance_checks } from "../../db/schema.js";
import type { EngineHandle } from "../../engine/engine-handle.js";
import type { TaskStatusMapper } from "../../engine/task-status-mapper.js";
import { CHECK_NAMESPACES, refreshCheckStatus } from "./check-tasks.js";

export function complianceCheckStatusMapper(tasker: EngineHandle): TaskStatusMapper {
  return async (event, db) => {
    if (!CHECK_NAMESPACES.includes(event.namespace)) return false;
    // A task can end before the check has stored its uuid: the event records it.
    const rows = await db
      .update(compliance_checks)
      .set({
        task_uuids: sql`${compliance_checks.task_uuids} || ${JSON.stringify({ [event.namespace]: event.task_uuid })}::jsonb`,
      })
      .where(eq(compliance_checks.correlation_id, event.correlation_id))
      .returning({ id: compliance_checks.id });
    let changed = false;
    for (const row of rows) {
      const known = { taskUuid: event.task_uuid, status: event.status, error: event.error };
      changed = (await refreshCheckStatus(db, tasker, row.id, known)) || changed;
    }
    return changed;
  };
}
