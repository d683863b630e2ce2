-- A step's result advances its task from what changed instead of from every step of the task
-- (store/sql/advance-tasks.ts): each step knows its children and counts its parents not yet done,
-- and each task counts its steps by what the planner makes of them. Storing a result then touches
-- the step, its children and the task row, however wide or long the task.
--   workflow_steps.child_uuids         the steps that depend on this one (workflow_step_edges, by parent)
--   workflow_steps.unfinished_parents  parents not complete or resolved_manually
--   tasks.step_count                   steps of the task
--   tasks.steps_done                   complete or resolved_manually
--   tasks.steps_failed                 error
--   tasks.steps_waiting                waiting_for_retry
--   tasks.steps_running                enqueued, in_progress, enqueued_for_orchestration, enqueued_as_error_for_orchestration
-- Only a holder of the task's row lock changes them; the full evaluation (orchestrator wake-ups,
-- operator actions) recounts them from the steps. Processes of an older version do not keep them:
-- stop them before this migration runs (a rollout that replaces every process at once).
-- The tables are locked first in the order the engine's transactions take them (task, step, edge),
-- so that running workers and this migration cannot deadlock.
LOCK TABLE tasker.tasks, tasker.workflow_steps, tasker.workflow_step_edges IN ACCESS EXCLUSIVE MODE;
ALTER TABLE tasker.tasks
  ADD COLUMN step_count integer NOT NULL DEFAULT 0,
  ADD COLUMN steps_done integer NOT NULL DEFAULT 0,
  ADD COLUMN steps_failed integer NOT NULL DEFAULT 0,
  ADD COLUMN steps_waiting integer NOT NULL DEFAULT 0,
  ADD COLUMN steps_running integer NOT NULL DEFAULT 0;
ALTER TABLE tasker.workflow_steps
  ADD COLUMN child_uuids uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN unfinished_parents integer NOT NULL DEFAULT 0;
-- An older version's lost-claim sweep left a step whose worker died on its last attempt in
-- enqueued_as_error_for_orchestration, for the orchestrator to decide on a step_result message
-- (this version decides at once). Decided here as it would have been: no attempts left, an error.
-- Its task is evaluated when that message comes (read now as a re-evaluation request).
INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata)
SELECT workflow_step_uuid, task_uuid, state, 'error', 'error',
       jsonb_build_object('reason', CASE WHEN retryable THEN 'attempts_exhausted' ELSE 'not_retryable' END,
                          'error', error->>'message', 'attempt', attempts)
  FROM tasker.workflow_steps WHERE state = 'enqueued_as_error_for_orchestration';
UPDATE tasker.workflow_steps SET state = 'error', updated_at = now()
 WHERE state = 'enqueued_as_error_for_orchestration';
UPDATE tasker.workflow_steps s SET child_uuids = c.children
  FROM (SELECT from_step_uuid, array_agg(to_step_uuid ORDER BY to_step_uuid) AS children
          FROM tasker.workflow_step_edges GROUP BY from_step_uuid) c
 WHERE s.workflow_step_uuid = c.from_step_uuid;
UPDATE tasker.workflow_steps s SET unfinished_parents = c.n
  FROM (SELECT e.to_step_uuid, count(*)::int AS n
          FROM tasker.workflow_step_edges e JOIN tasker.workflow_steps p ON p.workflow_step_uuid = e.from_step_uuid
         WHERE p.state NOT IN ('complete', 'resolved_manually')
         GROUP BY e.to_step_uuid) c
 WHERE s.workflow_step_uuid = c.to_step_uuid;
UPDATE tasker.tasks t
   SET step_count = c.n, steps_done = c.done, steps_failed = c.failed, steps_waiting = c.waiting,
       steps_running = c.running
  FROM (SELECT task_uuid, count(*)::int AS n,
               count(*) FILTER (WHERE state IN ('complete', 'resolved_manually'))::int AS done,
               count(*) FILTER (WHERE state = 'error')::int AS failed,
               count(*) FILTER (WHERE state = 'waiting_for_retry')::int AS waiting,
               count(*) FILTER (WHERE state IN ('enqueued', 'in_progress', 'enqueued_for_orchestration',
                                                'enqueued_as_error_for_orchestration'))::int AS running
          FROM tasker.workflow_steps GROUP BY task_uuid) c
 WHERE t.task_uuid = c.task_uuid;
