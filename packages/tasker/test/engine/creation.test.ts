// Creating tasks: the queue's wake-up of a created task's root step.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { namespaceQueue } from "../../src/queue/queue-names.js";
import { QUEUE_CHANNEL } from "../../src/store/sql/queue.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("creating tasks on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // No worker: every root step is enqueued and announced on its queue.
    h = await startHarness(backend, { worker: false, options: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("wakes the namespace queue's consumers; on PostgreSQL after the creating statement, not in it", async () => {
    const woken: string[] = [];
    const unlisten = await h.tasker.database.listen(QUEUE_CHANNEL, (queue) => woken.push(queue));
    const query = vi.spyOn(h.tasker.database, "query");
    try {
      await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
      await vi.waitFor(() => expect(woken).toContain(namespaceQueue("test_alpha")), { timeout: 5_000 });
      const creating = query.mock.calls
        .map(([sql]) => sql)
        .find((sql) => sql.includes("INSERT INTO tasker.tasks"));
      expect(creating).toBeDefined();
      // A NOTIFY in a transaction holds a server-wide lock through its commit's disk flush.
      expect(creating?.includes("pg_notify")).toBe(backend === "pglite");
    } finally {
      query.mockRestore();
      await unlisten();
    }
  });
  it("creates concurrent tasks together: fewer statements than tasks, each answered with its own task", async () => {
    const query = vi.spyOn(h.tasker.database, "query");
    try {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha", context: { i } }),
        ),
      );
      expect(new Set(created.map((c) => c.task.task_uuid)).size).toBe(20);
      expect(created.map((c) => c.task.context.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(created.every((c) => c.created && c.task.steps[0]?.current_state === "enqueued")).toBe(true);
      const statements = query.mock.calls.filter(([sql]) => sql.includes("INSERT INTO tasker.tasks"));
      expect(statements.length).toBeLessThan(20);
      const stored = await h.tasker.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[])",
        [created.map((c) => c.task.task_uuid)],
      );
      expect(stored[0]!.n).toBe(20);
    } finally {
      query.mockRestore();
    }
  });
});
