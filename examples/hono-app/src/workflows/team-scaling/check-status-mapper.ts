// The check's status follows BOTH of its tasks: this mapper runs for every terminal task event
// (engine/lifecycle.ts) and recomputes the status of the check the task belongs to.
import { eq } from "drizzle-orm";
import { compliance_checks } from "../../db/schema.js";
import type { EngineHandle } from "../../engine/engine-handle.js";
import type { TaskStatusMapper } from "../../engine/task-status-mapper.js";
import { CHECK_NAMESPACES, refreshCheckStatus } from "./check-tasks.js";

export function complianceCheckStatusMapper(tasker: EngineHandle): TaskStatusMapper {
  return async (event, db) => {
    if (!CHECK_NAMESPACES.includes(event.namespace)) return false;
    const rows = await db
      .select({ id: compliance_checks.id, task_uuids: compliance_checks.task_uuids })
      .from(compliance_checks)
      .where(eq(compliance_checks.correlation_id, event.correlation_id));
    let changed = false;
    for (const row of rows) {
      if (!Object.values(row.task_uuids).includes(event.task_uuid)) continue;
      const known = { taskUuid: event.task_uuid, status: event.status, error: event.error };
      changed = (await refreshCheckStatus(db, tasker, row.id, known)) || changed;
    }
    return changed;
  };
}
