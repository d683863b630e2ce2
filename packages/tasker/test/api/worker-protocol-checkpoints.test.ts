// Checkpoints over the worker protocol: a remote worker's step saves its progress with its claim
// token, and the step's next attempt (claimed by any worker) carries it; a stale token saves nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CHECKPOINT_BYTES } from "../../src/model/checkpoint.js";
import { createLogger } from "../../src/observability/logger.js";
import { testBackends } from "../../src/testing/index.js";
import { HandlerRegistry } from "../../src/worker/handler-registry.js";
import { RemoteWorker } from "../../src/worker/remote-worker.js";
import { COUNTING_TEMPLATES, type CountingRun, countingStep } from "../support/counting-step.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const logger = createLogger({ level: "silent" });
const post = (h: ApiHarness, path: string, json: unknown) => call(h.url, path, { method: "POST", json });
const onRabbitMq = process.env.TASKER_MESSAGING_BACKEND === "rabbitmq";

describe.skipIf(onRabbitMq).each(testBackends())("worker protocol checkpoints (%s)", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend, { worker: false, tasker: { templates: COUNTING_TEMPLATES } });
  });
  afterAll(async () => h?.close());

  it("saves a checkpoint with the claim token, hands it to the next attempt, refuses stale and bad ones", async () => {
    const id = `ckpt-${backend}`;
    const reg = await post(h, "/v1/worker/workers", {
      worker_id: id,
      namespaces: ["test_ckpt"],
      handlers: ["test.count"],
      sdk: { name: "test", version: "1" },
      lease_seconds: 5,
    });
    expect(reg.status).toBe(200);
    await h.client.createTask({
      name: "counting_slow",
      namespace: "test_ckpt",
      context: { total: 1, every: 1 },
    });
    const first = (await post(h, `/v1/worker/workers/${id}/claims`, { max_steps: 1, wait_ms: 5000 })).body
      .steps[0];
    expect(first).toMatchObject({ step_name: "count", attempt: 1, checkpoint: null });

    const saved = await post(h, `/v1/worker/workers/${id}/checkpoint`, {
      claim_token: first.claim_token,
      checkpoint: { cursor: 40 },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ claim_token: first.claim_token, status: "held" });
    expect(Date.parse(saved.body.lease_expires_at)).toBeGreaterThan(Date.now() + 3000);
    // The step routes show it, with when it was saved.
    const stepPath = `/v1/tasks/${first.task_uuid}/workflow_steps`;
    const [listed] = (await call(h.url, stepPath)).body;
    expect(listed).toMatchObject({ name: "count", checkpoint: { cursor: 40 } });
    expect(Date.parse(listed.checkpointed_at)).toBeGreaterThan(Date.now() - 60_000);
    const shown = (await call(h.url, `${stepPath}/${first.step_uuid}`)).body;
    expect(shown).toMatchObject({ checkpoint: { cursor: 40 }, checkpointed_at: listed.checkpointed_at });

    for (const [checkpoint, status] of [
      [[1, 2], 400],
      ["cursor", 400],
      [{ cursor: "x".repeat(MAX_CHECKPOINT_BYTES) }, 400],
    ] as const) {
      const bad = await post(h, `/v1/worker/workers/${id}/checkpoint`, {
        claim_token: first.claim_token,
        checkpoint,
      });
      expect(bad.status).toBe(status);
      expect(JSON.stringify(bad.body.error)).toContain("checkpoint");
    }
    const garbled = await post(h, `/v1/worker/workers/${id}/checkpoint`, {
      claim_token: "nope",
      checkpoint: {},
    });
    expect(garbled.status).toBe(400);
    expect(garbled.body.error.details).toMatchObject({ field: "claim_token" });

    const failed = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: first.claim_token,
      outcome: { status: "failure", error: { message: "crashed", retryable: true } },
      continue: false,
    });
    expect(failed.body.outcome).toBe("retry_scheduled");
    const stale = await post(h, `/v1/worker/workers/${id}/checkpoint`, {
      claim_token: first.claim_token,
      checkpoint: { cursor: 99 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ reason: "claim_not_held" });

    const second = (await post(h, `/v1/worker/workers/${id}/claims`, { max_steps: 1, wait_ms: 5000 })).body
      .steps[0];
    expect(second).toMatchObject({ step_name: "count", attempt: 2, checkpoint: { cursor: 40 } });
    await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: second.claim_token,
      outcome: { status: "success", result: {} },
    });
    await call(h.url, `/v1/worker/workers/${id}`, { method: "DELETE" });
  });

  it("the TypeScript remote worker's retry resumes from its checkpoint", async () => {
    const runs: CountingRun[] = [];
    const worker = new RemoteWorker(new HandlerRegistry().register(countingStep(runs)), logger, {
      orchestrationUrl: h.url,
      namespaces: ["test_ckpt"],
      claimWaitMs: 1000,
    });
    await worker.start();
    try {
      const { task } = await h.client.createTask({
        name: "counting_slow",
        namespace: "test_ckpt",
        context: { total: 300, every: 100, first_attempt: { at: 150, action: "crash" } },
      });
      const done = await h.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
      expect(runs.map(({ attempt, from, items }) => ({ attempt, from, items }))).toEqual([
        { attempt: 1, from: 0, items: 150 },
        { attempt: 2, from: 100, items: 200 },
      ]);
    } finally {
      await worker.stop();
    }
  });
});
