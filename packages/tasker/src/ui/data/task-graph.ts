import type { Queryable } from "../../store/database.js";

/** A task's dependency edges by step name, as materialised from its template version at creation. */
export function selectTaskEdges(db: Queryable, taskUuid: string): Promise<{ from: string; to: string }[]> {
  return db.query<{ from: string; to: string }>(
    // Through the task's steps and the edges' key (no index of edges by task: migration 013).
    `SELECT f.name AS "from", t.name AS "to"
       FROM tasker.workflow_steps t
       JOIN tasker.workflow_step_edges e ON e.to_step_uuid = t.workflow_step_uuid
       JOIN tasker.workflow_steps f ON f.workflow_step_uuid = e.from_step_uuid
      WHERE t.task_uuid = $1
      ORDER BY f.position, t.position`,
    [taskUuid],
  );
}
