import type { Queryable } from "../database.js";

/** A worker's registration as `tasker.workers` keeps it. */
export type WorkerRegistrationStatus = "running" | "draining" | "stopped";

/** Registers an in-process worker (again, after a restart under the same id) as running. */
export async function registerWorker(
  q: Queryable,
  w: { workerId: string; namespaces: readonly string[]; hostname: string; pid: number },
): Promise<void> {
  await q.query(
    `INSERT INTO tasker.workers (worker_id, namespaces, hostname, pid) VALUES ($1, $2, $3, $4)
     ON CONFLICT (worker_id) DO UPDATE SET namespaces = EXCLUDED.namespaces, started_at = now(),
       last_heartbeat_at = now(), status = 'running'`,
    [w.workerId, w.namespaces, w.hostname, w.pid],
  );
}

/** Records that the worker is alive. */
export async function touchWorker(q: Queryable, workerId: string): Promise<void> {
  await q.query("UPDATE tasker.workers SET last_heartbeat_at = now() WHERE worker_id = $1", [workerId]);
}

export async function setWorkerStatus(
  q: Queryable,
  workerId: string,
  status: WorkerRegistrationStatus,
): Promise<void> {
  await q.query("UPDATE tasker.workers SET status = $2, last_heartbeat_at = now() WHERE worker_id = $1", [
    workerId,
    status,
  ]);
}
