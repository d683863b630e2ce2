import type { Queryable } from "../../store/database.js";

/** A task's dependency edges by step name, as materialised from its template version at creation. */
export function selectTaskEdges(db: Queryable, taskUuid: string): Promise<{ from: string; to: string }[]> {
  return db.query<{ from: string; to: string }>(
    `SELECT f.name AS "from", t.name AS "to"
       FROM tasker.workflow_steps f
       CROSS JOIN LATERAL unnest(f.child_uuids) AS c(child_uuid)
       JOIN tasker.workflow_steps t ON t.workflow_step_uuid = c.child_uuid
      WHERE f.task_uuid = $1
      ORDER BY f.position, t.position`,
    [taskUuid],
  );
}
