import type { Queryable } from "../database.js";
import { parentsJoin, type StepRow } from "./steps.js";

/** Steps (without payloads) of several tasks in one query, for list views. */
export function selectStepsOfTasks(q: Queryable, taskUuids: readonly string[]) {
  if (taskUuids.length === 0) return Promise.resolve([] as StepRow[]);
  return q.query<StepRow>(
    `SELECT s.workflow_step_uuid, s.task_uuid, s.name, s.position, s.state, s.attempts, s.max_attempts, s.retryable,
            s.next_retry_at, s.last_attempted_at, s.last_failure_at, s.created_at, s.updated_at, s.completed_at,
            coalesce(p.total, 0) AS total_parents, coalesce(p.done, 0) AS completed_parents
       FROM tasker.workflow_steps s ${parentsJoin("= ANY($1::uuid[])")}
      WHERE s.task_uuid = ANY($1::uuid[])
      ORDER BY s.task_uuid, s.position`,
    [taskUuids],
  );
}
