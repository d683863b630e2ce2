-- The processes listening for step.completed events, each while its lease lasts. A step's
-- outcome NOTIFYs its step.completed event only while a lease here is live: a NOTIFYing commit
-- holds a server-wide lock until its WAL flush, so commits that NOTIFY cannot share a flush, and
-- most apps listen only for the events that end a task.
CREATE TABLE tasker.step_completed_listeners (
  listener_id uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
-- The outcome's test for a live lease reads this index (the engine's connections plan no
-- sequential scans).
CREATE INDEX step_completed_listeners_expires_idx ON tasker.step_completed_listeners (expires_at);
