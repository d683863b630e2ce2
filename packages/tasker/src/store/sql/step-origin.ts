import type { Queryable } from "../database.js";
import type { ClaimedStep } from "./steps.js";

/** Where a step comes from: enough to find its type in its task's template version. */
export type StepOfTemplate = Pick<ClaimedStep, "namespace" | "task_name" | "version" | "name">;

/** Which template version and step a step comes from (its task's namespace, name and version). */
export async function selectStepOrigin(q: Queryable, stepUuid: string): Promise<StepOfTemplate | undefined> {
  const [row] = await q.query<StepOfTemplate>(
    `SELECT s.name, t.namespace, t.name AS task_name, t.version
       FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
      WHERE s.workflow_step_uuid = $1`,
    [stepUuid],
  );
  return row;
}
