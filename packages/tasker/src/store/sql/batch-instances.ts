import { type Queryable, run, type Statement } from "../database.js";

/**
 * When `stepUuid` is an instance of a `fail_fast` batch that has failed for good (`error`), cancels
 * the instances of its batch that have not started (pending, or enqueued: a claim then finds
 * nothing to run), recording a `cancel` transition for each; returns how many. Run it in the
 * transaction that stores the failure (holding the task's row lock), then re-evaluate the task.
 */
export function cancelNotStartedSiblingsStatement(
  taskUuid: string,
  stepUuid: string,
): Statement<{ cancelled: number }> {
  return {
    sql: `WITH failed AS (
       SELECT left(name, length(name) - length(initialization->'batch'->>'batch_id')) AS prefix
         FROM tasker.workflow_steps
        WHERE workflow_step_uuid = $1 AND task_uuid = $2 AND state = 'error'
          AND initialization->'batch'->>'failure_strategy' = 'fail_fast'
     ), siblings AS (
       SELECT s.workflow_step_uuid, s.state FROM tasker.workflow_steps s, failed f
        WHERE s.task_uuid = $2 AND s.initialization ? 'batch' AND starts_with(s.name, f.prefix)
          AND s.state IN ('pending', 'enqueued')
        FOR UPDATE OF s
     ), upd AS (
       UPDATE tasker.workflow_steps s SET state = 'cancelled', updated_at = now()
         FROM siblings WHERE s.workflow_step_uuid = siblings.workflow_step_uuid
       RETURNING s.workflow_step_uuid, s.task_uuid, siblings.state AS from_state, s.attempts
     ), tr AS (
       INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
       SELECT workflow_step_uuid, task_uuid, from_state, 'cancelled', 'cancel',
              jsonb_build_object('reason', 'another instance of its batch failed (failure_strategy: fail_fast)',
                                 'failed_step_uuid', $1::text, 'attempt', attempts)
         FROM upd
     )
     SELECT count(*)::int AS cancelled FROM upd`,
    params: [stepUuid, taskUuid],
  };
}

/** {@link cancelNotStartedSiblingsStatement}, run: how many were cancelled. */
export async function cancelNotStartedSiblings(
  q: Queryable,
  taskUuid: string,
  stepUuid: string,
): Promise<number> {
  const [row] = await run(q, cancelNotStartedSiblingsStatement(taskUuid, stepUuid));
  return row?.cancelled ?? 0;
}

/** What deciding a batch instance's failure needs of its step (see settleBatchFailure). */
export async function selectStepSettings(
  q: Queryable,
  stepUuid: string,
): Promise<{ initialization: Record<string, unknown>; max_attempts: number } | undefined> {
  const [row] = await q.query<{ initialization: Record<string, unknown>; max_attempts: number }>(
    "SELECT initialization, max_attempts FROM tasker.workflow_steps WHERE workflow_step_uuid = $1",
    [stepUuid],
  );
  return row;
}

/**
 * How many instances of `stepName`'s batch (the steps named like it, `{worker_template}_...`, that
 * are batch instances) a fail_fast stop cancelled.
 */
export async function countCancelledSiblings(
  q: Queryable,
  taskUuid: string,
  stepName: string,
  batchId: string,
): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tasker.workflow_steps
      WHERE task_uuid = $1 AND initialization ? 'batch' AND state = 'cancelled'
        AND starts_with(name, left($2::text, length($2::text) - length($3::text)))`,
    [taskUuid, stepName, batchId],
  );
  return row?.n ?? 0;
}
