-- Workers that run steps over the worker protocol (HTTP) register what the server needs to serve
-- them from any API process: the handler callables they can run (so a result's next step is
-- claimed only for a worker that has its handler), their lease, concurrency and SDK. In-process
-- workers leave them at their defaults.
ALTER TABLE tasker.workers
  ADD COLUMN handlers text[] NOT NULL DEFAULT '{}',
  ADD COLUMN lease_seconds integer NOT NULL DEFAULT 30,
  ADD COLUMN concurrency integer NOT NULL DEFAULT 10,
  ADD COLUMN protocol text NOT NULL DEFAULT 'in_process',
  ADD COLUMN sdk jsonb;
