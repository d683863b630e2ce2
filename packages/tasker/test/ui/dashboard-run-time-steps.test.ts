// The task page's DAG for workflows that change shape at run time (issue #27), over real HTTP on
// each backend: a branch a decision did not take is drawn faded as "not taken", possible branches
// are dashed, and hundreds of batch instances are one node and a short table.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApiApp } from "../../src/api/index.js";
import {
  batchInputs,
  batchResults,
  createBatches,
  decide,
  defineHandler,
  planBatches,
  Tasker,
} from "../../src/index.js";
import type { TaskResponse } from "../../src/model/task-response.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import { dagStates, request } from "./dashboard-harness.js";

const NS = "ui_shapes";
const step = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  handler: { callable: `${NS}.${name}` },
  ...extra,
});
const approval = parseTemplateObject({
  name: "approval",
  namespace_name: NS,
  version: "1.0.0",
  steps: [
    step("validate"),
    step("route", { type: "decision", dependencies: ["validate"] }),
    step("auto_approve", { dependencies: ["route"] }),
    step("manager_approval", { dependencies: ["route"] }),
    step("finalize", { type: "deferred_convergence", dependencies: ["auto_approve", "manager_approval"] }),
  ],
}).template;
const bulk = parseTemplateObject({
  name: "bulk",
  namespace_name: NS,
  version: "1.0.0",
  steps: [
    step("split", { type: "batchable", batch_config: { batch_size: 1, worker_template: "import_rows" } }),
    step("import_rows", { type: "batch_worker", dependencies: ["split"] }),
    step("total", { type: "deferred_convergence", dependencies: ["import_rows"] }),
  ],
}).template;
const INSTANCES = 300;

describe.each(testBackends())("dashboard DAG of steps created at run time on %s", (backend) => {
  let tasker: Tasker;
  let db: TestDatabase | undefined;
  let server: Server;
  let base: string;
  let dispose: () => void;
  const run = async (name: string, context: Record<string, unknown>): Promise<TaskResponse> => {
    const { task } = await tasker.client.createTask({ namespace: NS, name, version: "1.0.0", context });
    return tasker.client.waitForTask(task.task_uuid, { timeoutMs: 60_000 });
  };

  beforeAll(async () => {
    if (backend === "postgres") db = await createTestDatabase();
    tasker = await Tasker.open({
      ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
      templates: [approval, bulk],
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
    const done = (name: string) => defineHandler(`${NS}.${name}`, {}, async () => ({ ok: true }));
    await tasker.startWorker({
      namespaces: [NS],
      pollIntervalMs: 50,
      concurrency: 16,
      handlers: [
        done("validate"),
        defineHandler(`${NS}.route`, {}, async (ctx) =>
          decide([(ctx.input as { amount: number }).amount > 100 ? "manager_approval" : "auto_approve"]),
        ),
        done("auto_approve"),
        done("manager_approval"),
        done("finalize"),
        defineHandler(`${NS}.split`, {}, async () =>
          createBatches(planBatches({ total: INSTANCES, batchSize: 1 })),
        ),
        defineHandler(`${NS}.import_rows`, {}, async (ctx) => ({ rows: batchInputs(ctx).batch_size })),
        defineHandler(`${NS}.total`, {}, async (ctx) => ({
          batches: batchResults(ctx.dependencyResults, "import_rows").length,
        })),
      ],
    });
    const api = buildApiApp({ tasker, auth: { enabled: false } });
    dispose = api.dispose;
    server = createAdaptorServer({ fetch: api.app.fetch }) as Server;
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
    base = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    dispose?.();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await tasker?.close();
    await db?.drop();
  });

  it("draws the branch a decision did not take faded, with dashed edges to and from it", async () => {
    const task = await run("approval", { amount: 20 });
    expect(task.status).toBe("complete");
    const page = await request(base, `/ui/tasks/${task.task_uuid}`);
    expect(page.status).toBe(200);
    expect(dagStates(page.text)).toEqual({
      validate: "complete",
      route: "complete",
      auto_approve: "complete",
      finalize: "complete",
      manager_approval: "absent",
    });
    expect(page.text).toMatch(
      /class="node state-absent absent presence-not_taken" data-step="manager_approval"/,
    );
    expect(page.text).toMatch(/<a id="node-route" class="node state-complete type-decision"/);
    expect(page.text).toMatch(
      /class="edge edge-from-complete possible"[^>]*data-from="route" data-to="manager_approval"/,
    );
    expect(page.text).toMatch(
      /class="edge edge-from-absent possible"[^>]*data-from="manager_approval" data-to="finalize"/,
    );
    expect(page.text).toMatch(/class="edge edge-from-complete"[^>]*data-from="validate" data-to="route"/);
    expect(page.text).toContain("not taken</li>");
    expect(page.text).toContain("possible branch</li>");
    // The API's view is the task's own steps: the branch not taken is not among them.
    expect(task.steps.map((s) => s.name).sort()).toEqual(["auto_approve", "finalize", "route", "validate"]);
  });

  it(`draws ${INSTANCES} batch instances as one node and lists only some of them`, async () => {
    const task = await run("bulk", {});
    expect(task.status).toBe("complete");
    expect(task.steps).toHaveLength(INSTANCES + 2);
    const started = performance.now();
    const page = await request(base, `/ui/tasks/${task.task_uuid}`);
    const took = performance.now() - started;
    expect(page.status).toBe(200);
    expect(dagStates(page.text)).toEqual({ split: "complete", import_rows: "complete", total: "complete" });
    expect(page.text).toContain(`import_rows ×${INSTANCES}`);
    expect(page.text.match(/<rect class="stack"/g)).toHaveLength(2);
    expect(page.text).toContain(
      `import_rows: ${INSTANCES} instances (${INSTANCES - 20} more finished ones not listed)`,
    );
    // The table lists 2 steps and 20 instances, so the page stays small however many there are.
    expect((page.text.match(/<tr>|<tr class="selected">/g) ?? []).length).toBeLessThanOrEqual(22 + 1);
    expect(page.text.length).toBeLessThan(200_000);
    expect(took).toBeLessThan(10_000);
  }, 120_000);

  it("draws a template's possible branches dashed and its batch worker as N instances", async () => {
    const [decision, batches] = await Promise.all([
      request(base, `/ui/templates/${NS}/approval/1.0.0`),
      request(base, `/ui/templates/${NS}/bulk/1.0.0`),
    ]);
    expect(decision.status).toBe(200);
    expect(decision.text).toMatch(/class="node state-template type-decision"[^>]*data-step="route"/);
    expect(decision.text).toMatch(
      /class="edge edge-from-template possible"[^>]*data-from="route" data-to="manager_approval"/,
    );
    expect(decision.text).toMatch(/class="edge edge-from-template"[^>]*data-from="validate" data-to="route"/);
    expect(batches.text).toContain("import_rows ×N");
    expect(batches.text.match(/<rect class="stack"/g)).toHaveLength(2);
  });

  it("still answers a bad step reference with a 4xx page", async () => {
    const task = await run("approval", { amount: 500 });
    const page = await request(base, `/ui/tasks/${task.task_uuid}?step=${"x".repeat(5000)}`);
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.status).toBeLessThan(500);
  });
});
