import { type Queryable, run, type Statement } from "../database.js";

export interface TransitionRow {
  uuid: string;
  taskUuid: string;
  from: string | null;
  to: string;
  event: string;
  metadata?: Record<string, unknown>;
}

/** Appends task transitions (never updated or deleted). */
export async function insertTaskTransitions(q: Queryable, rows: readonly Omit<TransitionRow, "uuid">[]) {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata)
     SELECT task_uuid, from_state, to_state, event, coalesce(metadata, '{}')
       FROM jsonb_to_recordset($1::jsonb) AS x(task_uuid uuid, from_state text, to_state text, event text, metadata jsonb)`,
    [
      JSON.stringify(
        rows.map((r) => ({
          task_uuid: r.taskUuid,
          from_state: r.from,
          to_state: r.to,
          event: r.event,
          metadata: r.metadata ?? {},
        })),
      ),
    ],
  );
}

export interface StoredTransition {
  id: string;
  subject_uuid: string;
  from_state: string | null;
  to_state: string;
  event: string;
  metadata: Record<string, unknown>;
  created_at: Date;
}

/** The statement selectStepTransitions runs, with its parameters (exported for plan tests). */
export function stepTransitionsStatement(stepUuid: string): Statement<StoredTransition> {
  return {
    // Order by the bigint column, not the text alias (which would sort "10" before "9").
    sql: `SELECT id::text AS id, workflow_step_uuid AS subject_uuid, from_state, to_state, event, metadata, created_at
       FROM tasker.workflow_step_transitions t WHERE workflow_step_uuid = $1 ORDER BY t.id`,
    params: [stepUuid],
  };
}

export function selectStepTransitions(q: Queryable, stepUuid: string) {
  return run(q, stepTransitionsStatement(stepUuid));
}

export function selectTaskTransitions(q: Queryable, taskUuid: string) {
  return q.query<StoredTransition>(
    `SELECT id::text AS id, task_uuid AS subject_uuid, from_state, to_state, event, metadata, created_at
       FROM tasker.task_transitions t WHERE task_uuid = $1 ORDER BY t.id`,
    [taskUuid],
  );
}
