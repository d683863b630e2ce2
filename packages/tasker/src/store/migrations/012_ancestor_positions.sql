-- A step's ancestors (whose results its handler gets) are stored as the positions of its task's
-- steps, an int4multirange, instead of every ancestor's uuid: a chain's step k is one range,
-- [0,k), where the uuids made a 1,000-step chain store 500,500 of them (~8 MB, written at its
-- creation). The claims read the ancestors' rows by (task_uuid, position), through the new index.
-- The tables are locked first in the order the engine's transactions take them (task, step),
-- so that running workers and this migration cannot deadlock.
LOCK TABLE tasker.tasks, tasker.workflow_steps IN ACCESS EXCLUSIVE MODE;
ALTER TABLE tasker.workflow_steps ADD COLUMN ancestor_positions int4multirange NOT NULL DEFAULT '{}';
UPDATE tasker.workflow_steps s SET ancestor_positions = a.positions
  FROM (SELECT d.workflow_step_uuid, range_agg(int4range(a.position, a.position + 1)) AS positions
          FROM tasker.workflow_steps d JOIN tasker.workflow_steps a ON a.workflow_step_uuid = ANY(d.ancestor_uuids)
         GROUP BY d.workflow_step_uuid) a
 WHERE s.workflow_step_uuid = a.workflow_step_uuid;
ALTER TABLE tasker.workflow_steps DROP COLUMN ancestor_uuids;
CREATE INDEX workflow_steps_position_idx ON tasker.workflow_steps (task_uuid, position);
