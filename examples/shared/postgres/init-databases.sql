-- Runs once, when the PostgreSQL container starts with an empty data volume
-- (/docker-entrypoint-initdb.d). One database per app: the engine's own tables live in
-- "tasker" (schema tasker), the example app's domain tables in "hono_app" (schema app).
-- Each app migrates its database on start; nothing else is needed here.
CREATE DATABASE tasker;
CREATE DATABASE hono_app;
