import type { Database } from "@tasker-ts/tasker";

/**
 * Fills an engine's tables with `count` finished tasks shaped exactly like real ones: each is a
 * copy of one of the `models` (tasks the engine really ran), with its steps, edges, results and
 * every task and step transition, under new time-ordered uuids spread over the past. Copying real
 * rows keeps the history honest when the engine's schema or transitions change.
 */
export async function seedHistory(
  db: Database,
  models: readonly string[],
  count: number,
  batchSize = db.kind === "pglite" ? 5000 : 10_000,
  opts: { analyze?: boolean } = {},
): Promise<void> {
  if (models.length === 0) throw new Error("seedHistory needs at least one finished model task to copy");
  for (let from = 0; from < count; from += batchSize) {
    await db.transaction((tx) =>
      tx.query(SEED_BATCH, [models, from, Math.min(from + batchSize, count), count]).then(() => undefined),
    );
  }
  // A long-lived PostgreSQL database has been vacuumed and analysed by autovacuum; measure against
  // that. (PGlite has no autovacuum: `analyze: false` shows an embedded database nobody analysed.)
  if (opts.analyze === false) return;
  await db.exec(
    "VACUUM ANALYZE tasker.tasks, tasker.workflow_steps, tasker.task_transitions, tasker.workflow_step_transitions",
  );
  if (db.kind === "postgres") await db.exec("CHECKPOINT");
}

// A uuid whose first 48 bits are the row's time in ms, like the engine's uuid v7 ids: new rows land at
// the right edge of the indexes, after the history, as they would in production.
const timeUuid = (ms: string, seed: string) =>
  `(lpad(to_hex(${ms}), 12, '0') || '7' || substr(md5(${seed}), 1, 19))::uuid`;
const stepUuid = (oldStep: string) => timeUuid("n.ms", `n.task_uuid::text || ${oldStep}::text`);

const SEED_BATCH = `
WITH n AS (
  SELECT i, ms, ($1::uuid[])[1 + i % cardinality($1::uuid[])] AS model,
         ${timeUuid("ms", "'history' || i::text")} AS task_uuid,
         to_timestamp(ms / 1000.0) AS at
    FROM (SELECT i, (extract(epoch FROM now()) * 1000)::bigint - ($4::bigint - i) * 10 AS ms
            FROM generate_series($2::int, $3::int - 1) AS i) g
), model_step_transitions AS (
  -- Through the model's steps: the transitions table is indexed by step, not by task.
  SELECT tr.* FROM tasker.workflow_step_transitions tr
   WHERE tr.workflow_step_uuid IN (SELECT workflow_step_uuid FROM tasker.workflow_steps WHERE task_uuid = ANY($1::uuid[]))
), t AS (
  INSERT INTO tasker.tasks (task_uuid, namespace, name, version, status, context, initiator, source_system, reason,
      tags, priority, correlation_id, request_hash, created_at, updated_at, completed_at)
  SELECT n.task_uuid, m.namespace, m.name, m.version, m.status, m.context, m.initiator, m.source_system, m.reason,
         m.tags, m.priority, 'history-' || n.i, m.request_hash, n.at, n.at, n.at
    FROM n JOIN tasker.tasks m ON m.task_uuid = n.model
), s AS (
  INSERT INTO tasker.workflow_steps (workflow_step_uuid, task_uuid, name, position, handler_callable, initialization,
      state, attempts, max_attempts, retryable, backoff, backoff_base_ms, max_backoff_ms, timeout_seconds,
      ancestor_positions, child_uuids, results, error, last_attempted_at, created_at, updated_at, completed_at)
  SELECT ${stepUuid("ws.workflow_step_uuid")}, n.task_uuid, ws.name, ws.position, ws.handler_callable,
         ws.initialization, ws.state, ws.attempts, ws.max_attempts, ws.retryable, ws.backoff, ws.backoff_base_ms,
         ws.max_backoff_ms, ws.timeout_seconds,
         ws.ancestor_positions, ARRAY(SELECT ${stepUuid("c")} FROM unnest(ws.child_uuids) AS c),
         ws.results, ws.error, n.at, n.at, n.at, n.at
    FROM n JOIN tasker.workflow_steps ws ON ws.task_uuid = n.model
), st AS (
  INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event, metadata, created_at)
  SELECT ${stepUuid("tr.workflow_step_uuid")}, n.task_uuid, tr.from_state, tr.to_state, tr.event, tr.metadata, n.at
    FROM n JOIN model_step_transitions tr ON tr.task_uuid = n.model
)
INSERT INTO tasker.task_transitions (task_uuid, from_state, to_state, event, metadata, created_at)
SELECT n.task_uuid, tr.from_state, tr.to_state, tr.event, tr.metadata, n.at
  FROM n JOIN tasker.task_transitions tr ON tr.task_uuid = n.model`;
