-- A running step may save its progress (a checkpoint: a cursor and whatever else its handler needs
-- to go on), so that the next attempt after a crash or a timeout resumes there instead of from the
-- start (store/sql/checkpoints.ts). Only the holder of the step's current claim writes it; every
-- claim hands it to the handler. Kept after the step ends, for inspection.
ALTER TABLE tasker.workflow_steps
  ADD COLUMN checkpoint jsonb,
  ADD COLUMN checkpointed_at timestamptz;
