-- Steps and edges are written only by the statement that creates their task (in that statement,
-- and only when the task row was inserted). Checking their foreign keys cost a lookup per row on
-- every creation - nine for a five-step chain, ~0.17 ms of PGlite's backend time per task
-- (a replay of the engine's statements with and without the keys). As with the transitions
-- (migration 004), the keys go and deleting a task still deletes its steps and edges, by the
-- trigger below (the steps' own trigger then deletes their transitions).
-- The tables are locked first in the order the engine's transactions take them (task, step,
-- edge), so that running workers and this migration cannot deadlock.
LOCK TABLE tasker.tasks, tasker.workflow_steps, tasker.workflow_step_edges IN ACCESS EXCLUSIVE MODE;
ALTER TABLE tasker.workflow_steps DROP CONSTRAINT workflow_steps_task_uuid_fkey;
ALTER TABLE tasker.workflow_step_edges DROP CONSTRAINT workflow_step_edges_task_uuid_fkey;
-- (A migration's statements end with a ";" at the end of a line: the body's stay inside one.)
CREATE FUNCTION tasker.delete_steps_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN DELETE FROM tasker.workflow_step_edges WHERE task_uuid IN (SELECT task_uuid FROM deleted_tasks); DELETE FROM tasker.workflow_steps WHERE task_uuid IN (SELECT task_uuid FROM deleted_tasks); RETURN NULL; END
$$;
CREATE TRIGGER tasks_delete_steps AFTER DELETE ON tasker.tasks
  REFERENCING OLD TABLE AS deleted_tasks FOR EACH STATEMENT
  EXECUTE FUNCTION tasker.delete_steps_of_deleted_tasks();
