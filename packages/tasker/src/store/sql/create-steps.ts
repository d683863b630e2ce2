// Steps created while a task runs (a decision's outcome): what the plan reads of the task, and
// the statement that writes the new steps, in the transaction that stores the decision's result.
import type { Statement } from "../database.js";
import { numberUsedParams, paramValues } from "./numbered-params.js";
import { type NewStep, newStepColumns } from "./steps.js";

const NEW = newStepColumns();

/** A step of a task as planning new steps reads it. */
export interface ExistingStep {
  workflow_step_uuid: string;
  name: string;
  state: string;
  position: number;
  /** Its ancestors' positions, an int4multirange literal (see ancestor-positions.ts). */
  ancestor_positions: string;
  claimed_by: string | null;
  attempts: number;
}

/** A task as planning new steps reads it: its template's definition and its steps. */
export interface TaskForCreation {
  task_uuid: string;
  /** The task's status: a finished task gets no new steps. */
  status: string;
  /** The registered definition of the task's template version (null if it was removed). */
  definition: unknown;
  steps: ExistingStep[];
}

/**
 * The tasks' template definitions and steps, read under the tasks' locks (nothing else changes
 * which steps a task has meanwhile).
 */
export function tasksForCreationStatement(taskUuids: readonly string[]): Statement<TaskForCreation> {
  return {
    sql: `SELECT t.task_uuid, t.status,
                 (SELECT tt.definition FROM tasker.task_templates tt
                   WHERE tt.namespace = t.namespace AND tt.name = t.name AND tt.version = t.version) AS definition,
                 coalesce((SELECT jsonb_agg(jsonb_build_object('workflow_step_uuid', s.workflow_step_uuid,
                                  'name', s.name, 'state', s.state, 'position', s.position,
                                  'ancestor_positions', s.ancestor_positions, 'claimed_by', s.claimed_by,
                                  'attempts', s.attempts) ORDER BY s.position)
                             FROM tasker.workflow_steps s WHERE s.task_uuid = t.task_uuid), '[]'::jsonb) AS steps
            FROM tasker.tasks t WHERE t.task_uuid = ANY($1::uuid[])`,
    params: [taskUuids],
  };
}

/** New steps of one task, and what they change in the steps that exist. */
export interface StepsCreation {
  taskUuid: string;
  /** The step whose outcome creates them: written only while this claim holds it. */
  creator: { stepUuid: string; workerId: string; attempts: number };
  /**
   * The new steps (all `pending`), with their parents not done yet. Their child_uuids hold their
   * edges, to new steps and to a convergence step that exists.
   */
  steps: readonly (NewStep & { unfinished_parents: number })[];
  /**
   * Steps that exist and gain children (a new step's parents) or parents (a convergence step that
   * has not started): their new children, parents not done and ancestors.
   */
  updates: readonly {
    workflow_step_uuid: string;
    add_children: string[];
    add_unfinished: number;
    /** Positions, an int4multirange literal. */
    add_ancestors: string;
  }[];
  createdAt: Date;
}

const CREATE_STEPS_PARAMS = [
  "taskUuid",
  "creatorUuid",
  "workerId",
  "attempts",
  "steps",
  "updates",
  "createdAt",
] as const;

const createStepsText = numberUsedParams(
  CREATE_STEPS_PARAMS,
  (p) => `WITH creator AS MATERIALIZED (
       SELECT 1 FROM tasker.workflow_steps
        WHERE workflow_step_uuid = ${p.creatorUuid}::uuid AND state = 'in_progress'
          AND claimed_by = ${p.workerId}::text AND attempts = ${p.attempts}::int
          -- Held until the outcome is stored in this transaction: a claim taken over meanwhile
          -- (a lease-expired reclaim does not lock the task) waits, then finds it stored.
          FOR UPDATE
     ), st AS (
       INSERT INTO tasker.workflow_steps (${NEW.list}, state, created_at, updated_at)
       SELECT ${NEW.list},
              'pending', ${p.createdAt}::timestamptz, ${p.createdAt}::timestamptz
         FROM jsonb_to_recordset(${p.steps}::jsonb) AS ${NEW.record}
        WHERE EXISTS (SELECT 1 FROM creator)
       ON CONFLICT (task_uuid, position) DO NOTHING
       RETURNING workflow_step_uuid
     ), up AS (
       UPDATE tasker.workflow_steps s
          SET child_uuids = s.child_uuids || u.add_children, unfinished_parents = s.unfinished_parents + u.add_unfinished,
              ancestor_positions = s.ancestor_positions + u.add_ancestors, updated_at = ${p.createdAt}::timestamptz
         FROM jsonb_to_recordset(${p.updates}::jsonb) AS u(workflow_step_uuid uuid, add_children uuid[], add_unfinished int,
              add_ancestors int4multirange)
        WHERE s.workflow_step_uuid = u.workflow_step_uuid AND EXISTS (SELECT 1 FROM creator)
     ), tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT st.workflow_step_uuid, ${p.taskUuid}::uuid, NULL, 'pending', 'create',
              jsonb_build_object('created_by', ${p.creatorUuid}::uuid)
         FROM st
     ), t AS (
       UPDATE tasker.tasks SET step_count = step_count + (SELECT count(*) FROM st)::int, updated_at = ${p.createdAt}::timestamptz
        WHERE task_uuid = ${p.taskUuid}::uuid AND EXISTS (SELECT 1 FROM st)
     )
     SELECT (SELECT count(*) FROM st)::int AS created`,
);

/**
 * Writes new steps of a task - steps, their `create` transitions, the changes to the steps
 * they attach to, the task's step count - only while the creating step is still claimed by the
 * worker reporting its outcome on that attempt, so a result delivered twice creates them once
 * (and the unique step positions of a task are the last guard: creations that raced from the
 * same steps would take the same positions).
 */
export function createStepsStatement(c: StepsCreation): Statement<{ created: number }> {
  const values: Record<(typeof CREATE_STEPS_PARAMS)[number], unknown> = {
    taskUuid: c.taskUuid,
    creatorUuid: c.creator.stepUuid,
    workerId: c.creator.workerId,
    attempts: c.creator.attempts,
    steps: JSON.stringify(c.steps),
    updates: JSON.stringify(c.updates),
    createdAt: c.createdAt,
  };
  return { sql: createStepsText.sql, params: paramValues(createStepsText.names, values) };
}
