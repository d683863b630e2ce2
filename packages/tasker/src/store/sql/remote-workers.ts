import type { Queryable } from "../database.js";
import { touchWorker, type WorkerRegistrationStatus } from "./workers.js";

/** A worker registered over the worker protocol, as the server keeps it. */
export interface RemoteWorkerRow {
  worker_id: string;
  namespaces: string[];
  handlers: string[];
  lease_seconds: number;
  concurrency: number;
  status: WorkerRegistrationStatus;
}

export async function upsertRemoteWorker(
  q: Queryable,
  w: Omit<RemoteWorkerRow, "status"> & {
    hostname: string;
    pid: number;
    sdk: { name: string; version: string };
  },
): Promise<void> {
  await q.query(
    `INSERT INTO tasker.workers (worker_id, namespaces, hostname, pid, handlers, lease_seconds, concurrency, protocol, sdk)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'http', $8)
     ON CONFLICT (worker_id) DO UPDATE SET namespaces = EXCLUDED.namespaces, hostname = EXCLUDED.hostname,
       pid = EXCLUDED.pid, handlers = EXCLUDED.handlers, lease_seconds = EXCLUDED.lease_seconds,
       concurrency = EXCLUDED.concurrency, protocol = 'http', sdk = EXCLUDED.sdk,
       started_at = now(), last_heartbeat_at = now(), status = 'running'`,
    [w.worker_id, w.namespaces, w.hostname, w.pid, w.handlers, w.lease_seconds, w.concurrency, w.sdk],
  );
}

export async function selectRemoteWorker(
  q: Queryable,
  workerId: string,
): Promise<RemoteWorkerRow | undefined> {
  const [row] = await q.query<RemoteWorkerRow>(
    `SELECT worker_id, namespaces, handlers, lease_seconds, concurrency, status
       FROM tasker.workers WHERE worker_id = $1 AND protocol = 'http'`,
    [workerId],
  );
  return row;
}

/** One claim a heartbeat names, and what became of it. */
export interface HeartbeatRow {
  step_uuid: string;
  attempts: number;
  /** held: extended; cancelled: still this worker's, but its task has ended; lost: not this worker's. */
  status: "held" | "cancelled" | "lost";
  lease_expires_at: Date | null;
}

/**
 * Extends the leases of the claims a worker names that are still its own (claimed by it, on that
 * attempt, in progress), and says of each whether it is held, its task has ended, or it is lost.
 * Rows being written right now are skipped rather than waited for, as in extendClaims; they count
 * as held (their outcome is being stored).
 */
export async function heartbeatClaims(
  q: Queryable,
  workerId: string,
  claims: readonly { stepUuid: string; attempts: number }[],
  leaseSeconds: number,
): Promise<HeartbeatRow[]> {
  await touchWorker(q, workerId);
  if (claims.length === 0) return [];
  return q.query<HeartbeatRow>(
    `WITH named AS (
       SELECT * FROM unnest($1::uuid[], $2::int[]) AS n(step_uuid, attempts)
     ), free AS (
       SELECT s.workflow_step_uuid FROM tasker.workflow_steps s JOIN named n
           ON s.workflow_step_uuid = n.step_uuid AND s.attempts = n.attempts
        WHERE s.claimed_by = $3 AND s.state = 'in_progress'
        FOR UPDATE OF s SKIP LOCKED
     ), extended AS (
       UPDATE tasker.workflow_steps s SET claim_expires_at = now() + make_interval(secs => $4)
         FROM free WHERE s.workflow_step_uuid = free.workflow_step_uuid
       RETURNING s.workflow_step_uuid, s.claim_expires_at
     )
     SELECT n.step_uuid, n.attempts,
            CASE WHEN s.claimed_by IS DISTINCT FROM $3 OR s.attempts <> n.attempts OR s.state <> 'in_progress'
                   THEN 'lost'
                 WHEN t.status IN ('cancelled', 'complete', 'error', 'resolved_manually') THEN 'cancelled'
                 ELSE 'held' END AS status,
            coalesce(e.claim_expires_at, s.claim_expires_at) AS lease_expires_at
       FROM named n
       LEFT JOIN tasker.workflow_steps s ON s.workflow_step_uuid = n.step_uuid
       LEFT JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
       LEFT JOIN extended e ON e.workflow_step_uuid = n.step_uuid`,
    [claims.map((c) => c.stepUuid), claims.map((c) => c.attempts), workerId, leaseSeconds],
  );
}

/** The steps a worker still holds a claim on, with what releasing them needs. */
export function selectHeldClaims(q: Queryable, workerId: string) {
  return q.query<{ workflow_step_uuid: string; namespace: string; correlation_id: string }>(
    `SELECT s.workflow_step_uuid, t.namespace, t.correlation_id
       FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
      WHERE s.claimed_by = $1 AND s.state = 'in_progress'`,
    [workerId],
  );
}

/** Workers registered over the protocol that have not stopped, or stopped within the last minute. */
export function selectRemoteWorkers(q: Queryable) {
  return q.query<
    RemoteWorkerRow & { sdk: { name: string; version: string } | null; last_heartbeat_at: Date }
  >(
    `SELECT worker_id, namespaces, handlers, lease_seconds, concurrency, status, sdk, last_heartbeat_at
       FROM tasker.workers
      WHERE protocol = 'http' AND (status <> 'stopped' OR last_heartbeat_at > now() - interval '1 minute')
      ORDER BY worker_id`,
  );
}

/** Handler callables used by the registered templates of these namespaces, sorted. */
export async function selectTemplateCallables(
  q: Queryable,
  namespaces: readonly string[],
): Promise<string[]> {
  const rows = await q.query<{ callable: string }>(
    `SELECT DISTINCT step->'handler'->>'callable' AS callable
       FROM tasker.task_templates t, jsonb_array_elements(t.definition->'steps') AS step
      WHERE t.namespace = ANY($1::text[])
      ORDER BY 1`,
    [namespaces],
  );
  return rows.map((r) => r.callable);
}
