-- The engine's own schema. The database is the source of truth; queue rows are only signals.
CREATE SCHEMA IF NOT EXISTS tasker;

-- Registered template versions (a task materialises its steps from one version at creation).
CREATE TABLE tasker.task_templates (
  namespace     text        NOT NULL,
  name          text        NOT NULL,
  version       text        NOT NULL,
  definition    jsonb       NOT NULL,
  content_hash  text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name, version)
);

CREATE TABLE tasker.tasks (
  task_uuid              uuid        PRIMARY KEY,
  namespace              text        NOT NULL,
  name                   text        NOT NULL,
  version                text        NOT NULL,
  status                 text        NOT NULL DEFAULT 'pending',
  context                jsonb       NOT NULL DEFAULT '{}',
  initiator              text,
  source_system          text,
  reason                 text,
  tags                   jsonb       NOT NULL DEFAULT '[]',
  priority               integer     NOT NULL DEFAULT 0,
  correlation_id         text        NOT NULL,
  parent_correlation_id  text,
  idempotency_key        text,
  request_hash           text        NOT NULL,
  error                  text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  completed_at           timestamptz
);
CREATE UNIQUE INDEX tasks_idempotency_key_idx ON tasker.tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_created_at_idx ON tasker.tasks (created_at DESC, task_uuid);
CREATE INDEX tasks_namespace_status_idx ON tasker.tasks (namespace, status, created_at DESC);
CREATE INDEX tasks_correlation_id_idx ON tasker.tasks (correlation_id);
-- Only unfinished tasks: sweeps and backpressure stay O(active), not O(history).
CREATE INDEX tasks_active_idx ON tasker.tasks (updated_at)
  WHERE status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually');

CREATE TABLE tasker.workflow_steps (
  workflow_step_uuid  uuid        PRIMARY KEY,
  task_uuid           uuid        NOT NULL REFERENCES tasker.tasks (task_uuid) ON DELETE CASCADE,
  name                text        NOT NULL,
  position            integer     NOT NULL,
  handler_callable    text        NOT NULL,
  initialization      jsonb       NOT NULL DEFAULT '{}',
  state               text        NOT NULL DEFAULT 'pending',
  attempts            integer     NOT NULL DEFAULT 0,
  max_attempts        integer     NOT NULL,
  retryable           boolean     NOT NULL,
  backoff             text        NOT NULL,
  backoff_base_ms     integer     NOT NULL,
  max_backoff_ms      integer     NOT NULL,
  timeout_seconds     real        NOT NULL,
  -- Every transitive ancestor, so a worker loads dependency results in the claim statement.
  ancestor_uuids      uuid[]      NOT NULL DEFAULT '{}',
  results             jsonb,
  error               jsonb,
  next_retry_at       timestamptz,
  last_attempted_at   timestamptz,
  last_failure_at     timestamptz,
  claimed_by          text,
  claim_expires_at    timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  completed_at        timestamptz,
  UNIQUE (task_uuid, name)
);
-- Expired claims are found without scanning finished steps.
CREATE INDEX workflow_steps_claims_idx ON tasker.workflow_steps (claim_expires_at) WHERE state = 'in_progress';

CREATE TABLE tasker.workflow_step_edges (
  task_uuid       uuid NOT NULL REFERENCES tasker.tasks (task_uuid) ON DELETE CASCADE,
  from_step_uuid  uuid NOT NULL,
  to_step_uuid    uuid NOT NULL,
  PRIMARY KEY (to_step_uuid, from_step_uuid)
);
CREATE INDEX workflow_step_edges_task_idx ON tasker.workflow_step_edges (task_uuid);

-- Append-only history of every state change.
CREATE TABLE tasker.task_transitions (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_uuid   uuid        NOT NULL REFERENCES tasker.tasks (task_uuid) ON DELETE CASCADE,
  from_state  text,
  to_state    text        NOT NULL,
  event       text        NOT NULL,
  metadata    jsonb       NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX task_transitions_task_idx ON tasker.task_transitions (task_uuid, id);

CREATE TABLE tasker.workflow_step_transitions (
  id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_step_uuid  uuid        NOT NULL REFERENCES tasker.workflow_steps (workflow_step_uuid) ON DELETE CASCADE,
  task_uuid           uuid        NOT NULL,
  from_state          text,
  to_state            text        NOT NULL,
  event               text        NOT NULL,
  metadata            jsonb       NOT NULL DEFAULT '{}',
  created_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX workflow_step_transitions_step_idx ON tasker.workflow_step_transitions (workflow_step_uuid, id);

-- Queues: one per namespace (worker_<namespace>_queue) and orchestration_step_results.
CREATE TABLE tasker.queue_messages (
  msg_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue_name   text        NOT NULL,
  message      jsonb       NOT NULL,
  enqueued_at  timestamptz NOT NULL DEFAULT now(),
  visible_at   timestamptz NOT NULL DEFAULT now(),
  read_count   integer     NOT NULL DEFAULT 0
);
CREATE INDEX queue_messages_ready_idx ON tasker.queue_messages (queue_name, visible_at, msg_id);

-- Workers announce themselves so operators can see who serves which namespace.
CREATE TABLE tasker.workers (
  worker_id          text        PRIMARY KEY,
  namespaces         text[]      NOT NULL,
  hostname           text        NOT NULL,
  pid                integer     NOT NULL,
  started_at         timestamptz NOT NULL DEFAULT now(),
  last_heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  status             text        NOT NULL DEFAULT 'running'
);
