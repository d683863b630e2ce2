-- A step row went into three keys: its uuid, (task_uuid, name) and (task_uuid, position). Nothing
-- reads by name: that key only guarded the names' uniqueness, which the engine keeps itself (a
-- template's names are checked when it is registered, and steps made at run time take names and
-- positions no step of the task has, read under the task's lock). The position index, which the
-- ancestor reads use, becomes the unique key instead: creations that raced from the same steps
-- would take the same positions. Each step row, and each update of it that is not HOT (most change
-- `state`), writes one index entry fewer (bench/LOG.md, "One key fewer a step").
LOCK TABLE tasker.workflow_steps IN ACCESS EXCLUSIVE MODE;
CREATE UNIQUE INDEX workflow_steps_position_key ON tasker.workflow_steps (task_uuid, position);
DROP INDEX tasker.workflow_steps_position_idx;
ALTER TABLE tasker.workflow_steps DROP CONSTRAINT workflow_steps_task_uuid_name_key;
