-- The orchestrator's sweep looks for steps left `enqueued` for long whose signal was lost outside
-- the database (a broker that dead-lettered it during a long outage): keep that look index-only.
CREATE INDEX workflow_steps_enqueued_idx ON tasker.workflow_steps (updated_at) WHERE state = 'enqueued';
-- ... and for retries long overdue whose wake-up message the broker lost.
CREATE INDEX workflow_steps_waiting_retry_idx ON tasker.workflow_steps (next_retry_at) WHERE state = 'waiting_for_retry';
