import { describe, expect, it } from "vitest";
import { buildQueueOverview, type QueueSnapshot, type RawWorker, workerState } from "./queue-overview.js";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const worker = (id: string, namespaces: string[], extra: Partial<RawWorker> = {}): RawWorker => ({
  worker_id: id,
  namespaces,
  hostname: "host",
  pid: 42,
  started_at: new Date("2026-03-01T11:00:00.000Z"),
  last_heartbeat_at: new Date("2026-03-01T11:59:55.000Z"),
  status: "running",
  heartbeat_age_seconds: 5,
  ...extra,
});
const stats = (queue: string, depth: number) => ({
  queue,
  depth,
  ready: depth,
  in_flight: 0,
  delayed: 0,
  oldest_age_seconds: depth > 0 ? 12 : 0,
});

describe("buildQueueOverview", () => {
  const snapshot: QueueSnapshot = {
    transport: "postgres",
    queues: [
      stats("worker_sales_queue", 3),
      stats("orchestration_step_results", 1),
      stats("worker_legacy_queue", 2),
    ],
    workers: [
      worker("w1", ["sales", "billing"]),
      worker("w2", ["sales"], { heartbeat_age_seconds: 300 }),
      worker("w3", ["reports"], { status: "stopped" }),
    ],
    runningSteps: [{ namespace: "sales", n: 2 }],
    templateNamespaces: ["billing", "sales"],
  };

  it("has one row per namespace with a template, a queue or a live worker", () => {
    const { overview } = buildQueueOverview(snapshot, 90, NOW);
    expect(overview.namespaces.map((n) => n.namespace)).toEqual(["billing", "legacy", "sales"]);
    expect(overview.namespaces.find((n) => n.namespace === "sales")).toMatchObject({
      queue: "worker_sales_queue",
      depth: 3,
      running_steps: 2,
      live_workers: 1,
    });
    expect(overview.namespaces.find((n) => n.namespace === "billing")).toMatchObject({
      queue: "worker_billing_queue",
      depth: 0,
      oldest_age_seconds: 0,
      live_workers: 1,
    });
    expect(overview.namespaces.find((n) => n.namespace === "legacy")?.live_workers).toBe(0);
    expect(overview.orchestration).toMatchObject({ queue: "orchestration_step_results", depth: 1 });
    expect(overview.transport).toBe("postgres");
    expect(overview.generated_at).toBe(NOW.toISOString());
  });

  it("marks silent running workers stale and lists stopped ones as stopped", () => {
    const { workers } = buildQueueOverview(snapshot, 90, NOW);
    expect(workers.workers.map((w) => [w.worker_id, w.state])).toEqual([
      ["w1", "running"],
      ["w2", "stale"],
      ["w3", "stopped"],
    ]);
    expect(workers.workers[0]!.namespaces).toEqual(["billing", "sales"]);
    expect(workers.workers[0]!.last_heartbeat_at).toBe("2026-03-01T11:59:55.000Z");
    expect(workers.stale_after_seconds).toBe(90);
  });

  it("reads a worker's state from its status and heartbeat", () => {
    expect(workerState(worker("a", [], { heartbeat_age_seconds: 89 }), 90)).toBe("running");
    expect(workerState(worker("a", [], { heartbeat_age_seconds: 91 }), 90)).toBe("stale");
    expect(workerState(worker("a", [], { status: "stopped", heartbeat_age_seconds: 1 }), 90)).toBe("stopped");
  });
});
