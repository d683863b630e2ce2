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
});
