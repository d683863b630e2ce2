-- One row naming this database's deployment: external brokers (RabbitMQ) prefix queue names
-- with it, so deployments and test runs sharing a broker never consume each other's signals.
CREATE TABLE tasker.deployment (
  singleton      boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  deployment_id  uuid        NOT NULL DEFAULT gen_random_uuid(),
  created_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tasker.deployment DEFAULT VALUES ON CONFLICT DO NOTHING;
