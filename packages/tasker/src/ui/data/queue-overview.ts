import { z } from "zod";
import { namespaceQueue, ORCHESTRATION_QUEUE } from "../../queue/queue-names.js";
import type { Queryable } from "../../store/database.js";

export const QueueStatsSchema = z.object({
  queue: z.string(),
  /** Every message in the queue. */
  depth: z.number().int(),
  /** Visible now: waiting for a reader. */
  ready: z.number().int(),
  /** Read by a worker or orchestrator and hidden until acked or its visibility timeout ends. */
  in_flight: z.number().int(),
  /** Not read yet and not visible yet (a retry waiting out its backoff). */
  delayed: z.number().int(),
  /** Age of the oldest message, 0 when empty. */
  oldest_age_seconds: z.number(),
});
export type QueueStats = z.infer<typeof QueueStatsSchema>;

export const WORKER_STATES = ["running", "stale", "stopped"] as const;

export const WorkerViewSchema = z.object({
  worker_id: z.string(),
  namespaces: z.array(z.string()),
  hostname: z.string(),
  pid: z.number().int(),
  started_at: z.string(),
  last_heartbeat_at: z.string(),
  heartbeat_age_seconds: z.number(),
  /** `stale`: marked running but silent for longer than the stale threshold (likely dead). */
  state: z.enum(WORKER_STATES),
});
/**
 * One worker as the dashboard shows it: identity, namespaces, heartbeat and state (`stale` = likely dead).
 */
export type WorkerView = z.infer<typeof WorkerViewSchema>;

export const NamespaceQueueSchema = QueueStatsSchema.extend({
  namespace: z.string(),
  /** Steps of this namespace a worker is running right now. */
  running_steps: z.number().int(),
  /** Live (running, not stale) workers serving the namespace. */
  live_workers: z.number().int(),
});
/** One namespace's queue: its depth and the live workers serving it. */
export type NamespaceQueue = z.infer<typeof NamespaceQueueSchema>;

/** GET /ui/api/queues */
export const QueueOverviewSchema = z.object({
  /**
   * Where signals travel. With `rabbitmq` the counts are the outbox rows not yet relayed to the
   * broker; the broker's own tools show its queues.
   */
  transport: z.enum(["postgres", "rabbitmq"]),
  namespaces: z.array(NamespaceQueueSchema),
  orchestration: QueueStatsSchema,
  generated_at: z.string(),
});
/** Every namespace queue and the orchestration queue, as the dashboard's queues view reads them. */
export type QueueOverview = z.infer<typeof QueueOverviewSchema>;

/** GET /ui/api/workers */
export const WorkerListSchema = z.object({
  workers: z.array(WorkerViewSchema),
  stale_after_seconds: z.number(),
  generated_at: z.string(),
});
/** The workers known to the database, with the stale threshold used to judge them. */
export type WorkerList = z.infer<typeof WorkerListSchema>;

export interface RawWorker {
  worker_id: string;
  namespaces: string[];
  hostname: string;
  pid: number;
  started_at: Date | string;
  last_heartbeat_at: Date | string;
  status: string;
  heartbeat_age_seconds: number;
}

export interface QueueSnapshot {
  transport: QueueOverview["transport"];
  queues: QueueStats[];
  workers: RawWorker[];
  runningSteps: { namespace: string; n: number }[];
  templateNamespaces: string[];
}

/** Workers silent for longer than this are shown as stale (they heartbeat every lease/3, 10 s by default). */
export const DEFAULT_STALE_AFTER_SECONDS = 90;
/** Stopped workers stay listed this long, so a restart shows up without keeping every old row. */
const STOPPED_VISIBLE_SECONDS = 3600;

const emptyStats = (queue: string): QueueStats => ({
  queue,
  depth: 0,
  ready: 0,
  in_flight: 0,
  delayed: 0,
  oldest_age_seconds: 0,
});

const NAMESPACE_QUEUE = /^worker_(.+)_queue$/;

export function workerState(w: RawWorker, staleAfterSeconds: number): WorkerView["state"] {
  if (w.status !== "running") return "stopped";
  return w.heartbeat_age_seconds > staleAfterSeconds ? "stale" : "running";
}

/**
 * Merges the raw counts into one row per namespace (pure): every namespace that has a template,
 * a queue or a worker appears, even with an empty queue, so "no worker serves X" is visible.
 */
export function buildQueueOverview(
  snapshot: QueueSnapshot,
  staleAfterSeconds = DEFAULT_STALE_AFTER_SECONDS,
  now = new Date(),
): { overview: QueueOverview; workers: WorkerList } {
  const workers: WorkerView[] = snapshot.workers.map((w) => ({
    worker_id: w.worker_id,
    namespaces: [...w.namespaces].sort(),
    hostname: w.hostname,
    pid: w.pid,
    started_at: new Date(w.started_at).toISOString(),
    last_heartbeat_at: new Date(w.last_heartbeat_at).toISOString(),
    heartbeat_age_seconds: Math.max(0, Math.round(w.heartbeat_age_seconds * 10) / 10),
    state: workerState(w, staleAfterSeconds),
  }));
  const byQueue = new Map(snapshot.queues.map((q) => [q.queue, q]));
  const namespaces = new Set(snapshot.templateNamespaces);
  for (const q of snapshot.queues) {
    const match = NAMESPACE_QUEUE.exec(q.queue);
    if (match?.[1]) namespaces.add(match[1]);
  }
  for (const w of workers) if (w.state !== "stopped") for (const ns of w.namespaces) namespaces.add(ns);
  const running = new Map(snapshot.runningSteps.map((r) => [r.namespace, r.n]));
  const generated_at = now.toISOString();
  return {
    overview: {
      transport: snapshot.transport,
      namespaces: [...namespaces].sort().map((namespace) => {
        const queue = namespaceQueue(namespace);
        return {
          namespace,
          ...(byQueue.get(queue) ?? emptyStats(queue)),
          running_steps: running.get(namespace) ?? 0,
          live_workers: workers.filter((w) => w.state === "running" && w.namespaces.includes(namespace))
            .length,
        };
      }),
      orchestration: byQueue.get(ORCHESTRATION_QUEUE) ?? emptyStats(ORCHESTRATION_QUEUE),
      generated_at,
    },
    workers: { workers, stale_after_seconds: staleAfterSeconds, generated_at },
  };
}

/** Reads queue counts, workers and running steps (all ages from the database clock). */
export async function loadQueueSnapshot(
  db: Queryable,
  transport: QueueSnapshot["transport"],
): Promise<QueueSnapshot> {
  const queues = await db.query<QueueStats>(
    `SELECT queue_name AS queue, count(*)::int AS depth,
            count(*) FILTER (WHERE visible_at <= now())::int AS ready,
            count(*) FILTER (WHERE visible_at > now() AND read_count > 0)::int AS in_flight,
            count(*) FILTER (WHERE visible_at > now() AND read_count = 0)::int AS delayed,
            coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8 AS oldest_age_seconds
       FROM tasker.queue_messages GROUP BY queue_name ORDER BY queue_name`,
  );
  const workers = await db.query<RawWorker>(
    `SELECT worker_id, namespaces, hostname, pid, started_at, last_heartbeat_at, status,
            extract(epoch FROM now() - last_heartbeat_at)::float8 AS heartbeat_age_seconds
       FROM tasker.workers
      WHERE status <> 'stopped' OR last_heartbeat_at > now() - make_interval(secs => $1)
      ORDER BY worker_id`,
    [STOPPED_VISIBLE_SECONDS],
  );
  // The partial claims index holds exactly the in-progress steps, so this stays small.
  const runningSteps = await db.query<{ namespace: string; n: number }>(
    `SELECT t.namespace, count(*)::int AS n
       FROM tasker.workflow_steps s JOIN tasker.tasks t ON t.task_uuid = s.task_uuid
      WHERE s.state = 'in_progress' GROUP BY t.namespace`,
  );
  const templates = await db.query<{ namespace: string }>(
    "SELECT DISTINCT namespace FROM tasker.task_templates ORDER BY namespace",
  );
  return {
    transport,
    queues,
    workers,
    runningSteps,
    templateNamespaces: templates.map((t) => t.namespace),
  };
}
