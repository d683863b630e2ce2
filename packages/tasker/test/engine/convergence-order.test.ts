// A deferred convergence step created before a parent it waits for could exist (issue #27): it
// waits for the batchable step that could still create that parent (an ordering edge), so it never
// runs before the batch is made and done.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatches, defineHandler, Tasker } from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";

const template = parseTemplateObject({
  name: "convergence_order",
  namespace_name: "test_convergence_order",
  version: "1.0.0",
  steps: [
    { name: "root", handler: { callable: "order.ok" } },
    {
      name: "split",
      type: "batchable",
      dependencies: ["root"],
      handler: { callable: "order.split" },
      batch_config: { batch_size: 1, worker_template: "work" },
    },
    { name: "work", type: "batch_worker", dependencies: ["split"], handler: { callable: "order.ok" } },
    { name: "meta", dependencies: ["root"], handler: { callable: "order.ok" } },
    {
      name: "summary",
      type: "deferred_convergence",
      dependencies: ["work", "meta"],
      handler: { callable: "order.summary" },
    },
  ],
}).template;

describe.each(testBackends())("convergence order on %s", (backend) => {
  let tasker: Tasker;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    if (backend === "postgres") db = await createTestDatabase();
    tasker = await Tasker.open({
      ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
      templates: [template],
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
    await tasker.startWorker({
      handlers: [
        defineHandler("order.ok", {}, async () => ({ ok: true })),
        defineHandler("order.split", {}, async () => {
          // meta finishes long before the batch is made.
          await new Promise((r) => setTimeout(r, 800));
          return createBatches([{ batch_id: "001", start_cursor: 0, end_cursor: 1, batch_size: 1 }]);
        }),
        defineHandler("order.summary", {}, async (ctx) => ({
          saw: Object.keys(ctx.dependencyResults).sort(),
        })),
      ],
      pollIntervalMs: 100,
      concurrency: 4,
      namespaces: ["test_convergence_order"],
    });
  });
  afterAll(async () => {
    await tasker?.close();
    await db?.drop();
  });

  it("a convergence step on a batch worker and a sibling waits for the batch", async () => {
    const { task } = await tasker.client.createTask({
      name: "convergence_order",
      namespace: "test_convergence_order",
      context: {},
    });
    const summaryAtStart = task.steps.find((s) => s.name === "summary")!;
    expect(summaryAtStart.current_state).toBe("pending");
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    expect(done.status).toBe("complete");
    const summary = done.steps.find((s) => s.name === "summary")!;
    expect(summary.results).toMatchObject({ saw: ["meta", "root", "split", "work_001"] });
  });
});
