// Batches over the worker protocol: a batchable step's outcome reported over HTTP creates its
// instances once, each claim carries its batch, and a continue_on_failure instance's failure
// reaches the convergence step as a result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrationServer } from "../../src/api/index.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const template = parseTemplateObject({
  name: "remote_bulk",
  namespace_name: "test_rbatch",
  version: "1.0.0",
  steps: [
    {
      name: "split",
      type: "batchable",
      handler: { callable: "rb.split" },
      batch_config: { batch_size: 2, worker_template: "work" },
    },
    {
      name: "work",
      type: "batch_worker",
      dependencies: ["split"],
      handler: { callable: "rb.work" },
      retry: { max_attempts: 1 },
    },
    { name: "join", type: "deferred_convergence", dependencies: ["work"], handler: { callable: "rb.join" } },
  ],
}).template;

const post = (h: ApiHarness, path: string, json: unknown) => call(h.url, path, { method: "POST", json });
const onRabbitMq = process.env.TASKER_MESSAGING_BACKEND === "rabbitmq";

/** Registers worker `id` for every handler of the template, then creates a task of it. */
async function registerAndCreate(h: ApiHarness, id: string) {
  await post(h, "/v1/worker/workers", {
    worker_id: id,
    namespaces: ["test_rbatch"],
    handlers: ["rb.split", "rb.work", "rb.join"],
    sdk: { name: "test", version: "1" },
  });
  return (await h.client.createTask({ name: "remote_bulk", namespace: "test_rbatch", context: {} })).task;
}

describe.skipIf(onRabbitMq).each(testBackends())("worker protocol batches (%s)", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend, { worker: false, tasker: { templates: [template] } });
  });
  afterAll(async () => h?.close());

  it("creates the instances once, hands each its batch, and the convergence step sees every result", async () => {
    const id = `rb-${backend}`;
    const task = await registerAndCreate(h, id);
    const claim = async (n: number) =>
      (await post(h, `/v1/worker/workers/${id}/claims`, { max_steps: n, wait_ms: 5000 })).body.steps;
    const [split] = await claim(1);
    expect(split.step_name).toBe("split");
    expect(split.batch_config).toEqual({
      batch_size: 2,
      worker_template: "work",
      failure_strategy: "continue_on_failure",
    });
    const outcome = {
      status: "success",
      result: {
        rows: 5,
        batch_processing_outcome: {
          type: "create_batches",
          total_items: 5,
          cursor_configs: [
            { batch_id: "001", start_cursor: 0, end_cursor: 2, batch_size: 2 },
            { batch_id: "002", start_cursor: 2, end_cursor: 4, batch_size: 2 },
            { batch_id: "003", start_cursor: 4, end_cursor: 5, batch_size: 1 },
          ],
        },
      },
    };
    const first = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: split.claim_token,
      outcome,
      continue: false,
    });
    expect(first.body.outcome).toBe("completed");
    // Reported again with another answer's worker: refused, nothing created twice.
    const other = `rb-other-${backend}`;
    await post(h, "/v1/worker/workers", {
      worker_id: other,
      namespaces: ["test_rbatch"],
      handlers: [],
      sdk: { name: "t", version: "1" },
    });
    expect(
      (await post(h, `/v1/worker/workers/${other}/results`, { claim_token: split.claim_token, outcome }))
        .status,
    ).toBe(409);

    const instances = (await claim(10)).sort((a: { step_name: string }, b: { step_name: string }) =>
      a.step_name.localeCompare(b.step_name),
    );
    expect(instances.map((s: { step_name: string }) => s.step_name)).toEqual([
      "work_001",
      "work_002",
      "work_003",
    ]);
    expect(instances[2].initialization.batch).toMatchObject({
      batch_id: "003",
      start_cursor: 4,
      end_cursor: 5,
      batch_size: 1,
      total_items: 5,
      batch_count: 3,
      no_op: false,
      failure_strategy: "continue_on_failure",
    });
    // 002's failure goes to a second server, which did not hand the claim out: it reads the step.
    const second = await startOrchestrationServer({
      tasker: h.tasker,
      port: 0,
      hostname: "127.0.0.1",
      auth: { enabled: false },
    });
    for (const step of instances) {
      const batch = step.initialization.batch;
      const reported =
        batch.batch_id === "002"
          ? { status: "failure", error: { message: "rows 2-3 refused", retryable: false, code: "bad_rows" } }
          : { status: "success", result: { imported: batch.end_cursor - batch.start_cursor } };
      const server = batch.batch_id === "002" ? { url: second.url } : h;
      const answer = await call(server.url, `/v1/worker/workers/${id}/results`, {
        method: "POST",
        json: { claim_token: step.claim_token, outcome: reported, continue: false },
      });
      expect(answer.body.outcome).toBe("completed");
    }
    await second.close();
    const [join] = await claim(1);
    expect(join.step_name).toBe("join");
    expect(join.dependency_results).toMatchObject({
      work_001: { imported: 2 },
      work_002: {
        batch_failed: true,
        batch_id: "002",
        error: { message: "rows 2-3 refused", code: "bad_rows", kind: "permanent" },
      },
      work_003: { imported: 1 },
    });
    await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: join.claim_token,
      outcome: { status: "success", result: {} },
    });
    const done = await h.client.waitForTask(task.task_uuid, { timeoutMs: 10_000 });
    expect(done.status).toBe("complete");
    expect(done.steps.map((s) => s.name).sort()).toEqual([
      "join",
      "split",
      "work_001",
      "work_002",
      "work_003",
    ]);
  });

  it.each([
    ["the server that handed the claim out", false],
    ["another server", true],
  ])("fails a batchable step whose reported success carries no outcome, on %s", async (_, elsewhere) => {
    const id = `rb-plain-${backend}-${elsewhere}`;
    const task = await registerAndCreate(h, id);
    const [split] = (await post(h, `/v1/worker/workers/${id}/claims`, { max_steps: 1, wait_ms: 5000 })).body
      .steps;
    expect(split.step_name).toBe("split");
    const other = elsewhere
      ? await startOrchestrationServer({
          tasker: h.tasker,
          port: 0,
          hostname: "127.0.0.1",
          auth: { enabled: false },
        })
      : undefined;
    const answer = await call((other ?? h).url, `/v1/worker/workers/${id}/results`, {
      method: "POST",
      json: {
        claim_token: split.claim_token,
        outcome: { status: "success", result: { rows: 5 } },
        continue: false,
      },
    });
    await other?.close();
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).not.toBe("completed");
    const done = await h.client.waitForTask(task.task_uuid, { timeoutMs: 10_000 });
    expect(done.status).toBe("error");
    expect(done.steps.find((s) => s.name === "split")?.error).toMatchObject({
      code: "invalid_batch_outcome",
      message: expect.stringContaining("without a batch_processing_outcome"),
    });
    expect(done.steps.map((s) => s.name)).toEqual(["split"]);
  });
});
