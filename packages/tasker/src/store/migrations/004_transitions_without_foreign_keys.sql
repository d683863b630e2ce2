-- Transition rows are an append-only audit trail, written only by the statements that move their
-- task or step (and in the same statement). Checking their foreign keys cost a lookup per row -
-- seven per step of a chain - about 9 % of PGlite's backend time per task (bench/pglite-ab.ts).
-- The keys go; deleting tasks or steps still deletes their transitions, by the triggers below
-- (each deletes through the index on the transitions' own key, as the cascade did).
-- The tables are locked first in the order the engine's transactions take them (task, step,
-- transitions), so that running workers and this migration cannot deadlock.
LOCK TABLE tasker.tasks, tasker.workflow_steps, tasker.task_transitions, tasker.workflow_step_transitions
  IN ACCESS EXCLUSIVE MODE;
ALTER TABLE tasker.workflow_step_transitions DROP CONSTRAINT workflow_step_transitions_workflow_step_uuid_fkey;
ALTER TABLE tasker.task_transitions DROP CONSTRAINT task_transitions_task_uuid_fkey;
CREATE FUNCTION tasker.delete_transitions_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN DELETE FROM tasker.task_transitions WHERE task_uuid IN (SELECT task_uuid FROM deleted_tasks); RETURN NULL; END
$$;
CREATE TRIGGER tasks_delete_transitions AFTER DELETE ON tasker.tasks
  REFERENCING OLD TABLE AS deleted_tasks FOR EACH STATEMENT
  EXECUTE FUNCTION tasker.delete_transitions_of_deleted_tasks();
CREATE FUNCTION tasker.delete_transitions_of_deleted_steps() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN DELETE FROM tasker.workflow_step_transitions WHERE workflow_step_uuid IN (SELECT workflow_step_uuid FROM deleted_steps); RETURN NULL; END
$$;
CREATE TRIGGER workflow_steps_delete_transitions AFTER DELETE ON tasker.workflow_steps
  REFERENCING OLD TABLE AS deleted_steps FOR EACH STATEMENT
  EXECUTE FUNCTION tasker.delete_transitions_of_deleted_steps();
