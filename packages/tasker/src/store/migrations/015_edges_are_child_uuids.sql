-- A task's dependency edges were stored twice: as rows of workflow_step_edges (and their key) and
-- as each step's child_uuids, which is what the hot path reads. Creating a task wrote both: for a
-- five-step chain 4 edge rows and 4 key entries of its 19 rows. The few reads of edges (parent
-- counts in step reads, the UI's graph) now unnest child_uuids, and the table goes.
-- The tables are locked first in the order the engine's transactions take them (task, step,
-- edge), so that running workers and this migration cannot deadlock.
LOCK TABLE tasker.tasks, tasker.workflow_steps, tasker.workflow_step_edges IN ACCESS EXCLUSIVE MODE;
-- (A migration's statements end with a ";" at the end of a line: the body's stay inside one.)
CREATE OR REPLACE FUNCTION tasker.delete_steps_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN DELETE FROM tasker.workflow_steps WHERE task_uuid IN (SELECT task_uuid FROM deleted_tasks); RETURN NULL; END
$$;
DROP TABLE tasker.workflow_step_edges;
