-- A task's edges were indexed by task as well as by their key (to_step_uuid, from_step_uuid): one
-- more index entry per edge, written when a task and its steps are created, and read only to
-- delete a task and by the UI's graph of a task. Both now find the edges through the task's steps
-- (every edge ends at a step of its task) and the key, and the index goes.
-- The tables are locked first in the order the engine's transactions take them (task, step,
-- edge), so that running workers and this migration cannot deadlock.
LOCK TABLE tasker.tasks, tasker.workflow_steps, tasker.workflow_step_edges IN ACCESS EXCLUSIVE MODE;
-- (A migration's statements end with a ";" at the end of a line: the body's stay inside one.)
CREATE OR REPLACE FUNCTION tasker.delete_steps_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN DELETE FROM tasker.workflow_step_edges WHERE to_step_uuid IN (SELECT s.workflow_step_uuid FROM tasker.workflow_steps s WHERE s.task_uuid IN (SELECT task_uuid FROM deleted_tasks)); DELETE FROM tasker.workflow_steps WHERE task_uuid IN (SELECT task_uuid FROM deleted_tasks); RETURN NULL; END
$$;
DROP INDEX tasker.workflow_step_edges_task_idx;
