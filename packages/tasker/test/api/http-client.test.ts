// TaskerHttpClient against the real server and engine: the same behaviour and the same
// TaskerErrors as the in-process client, including 503 backpressure with Retry-After.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrationServer } from "../../src/api/index.js";
import { TaskerHttpClient } from "../../src/client/http-client.js";
import { TaskerError } from "../../src/client/index.js";
import { Tasker } from "../../src/index.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const ORDER = { name: "order_flow", namespace: "api_test" };

describe.each(testBackends())("TaskerHttpClient against the server on %s", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("creates a task and waits for it, reporting progress", async () => {
    const { task, created } = await h.client.createTask({ ...ORDER, context: { order_id: 11 } });
    expect(created).toBe(true);
    const seen: string[] = [];
    const done = await h.client.waitForTask(task.task_uuid, {
      intervalMs: 100,
      timeoutMs: 20_000,
      onProgress: (t) => seen.push(t.status),
    });
    expect(done.status).toBe("complete");
    expect(seen.at(-1)).toBe("complete");
    // The same view as the in-process client.
    expect(done).toEqual(await h.tasker.client.getTask(task.task_uuid));
  });

  it("reads steps, a step and its audit trail", async () => {
    const { task } = await h.client.createTask({ ...ORDER, context: { order_id: 12 } });
    await h.client.waitForTask(task.task_uuid, { intervalMs: 100, timeoutMs: 20_000 });
    const steps = await h.client.listTaskSteps(task.task_uuid);
    expect(steps.map((s) => s.current_state)).toEqual(["complete", "complete", "complete"]);
    const charge = steps.find((s) => s.name === "charge")!;
    expect((await h.client.getStep(task.task_uuid, charge.workflow_step_uuid)).results).toEqual({
      charged: true,
      currency: "EUR",
    });
    const audit = await h.client.getStepAudit(task.task_uuid, charge.workflow_step_uuid);
    expect(audit.at(-1)?.to_state).toBe("complete");
    const list = await h.client.listTasks({ namespace: "api_test", limit: 1 });
    expect(list.tasks).toHaveLength(1);
    expect(list.pagination.limit).toBe(1);
  });

  it("is idempotent per key and throws CONFLICT for a different payload", async () => {
    const key = randomUUID();
    const first = await h.client.createTask({ ...ORDER, context: { order_id: 13 }, idempotency_key: key });
    const again = await h.client.createTask({ ...ORDER, context: { order_id: 13 }, idempotency_key: key });
    expect(again).toMatchObject({ created: false, task: { task_uuid: first.task.task_uuid } });
    const conflict = await h.client
      .createTask({ ...ORDER, context: { order_id: 14 }, idempotency_key: key })
      .catch((e) => e);
    expect(conflict).toBeInstanceOf(TaskerError);
    expect(conflict).toMatchObject({ code: "CONFLICT", status: 409 });
    expect(JSON.stringify(conflict.details)).toContain(first.task.task_uuid);
  });

  it("throws the engine's errors with their codes", async () => {
    await expect(h.client.getTask(randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND", status: 404 });
    await expect(h.client.getTask("nope")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(h.client.createTask({ ...ORDER, context: { order_id: -1 } })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      status: 422,
    });
    await expect(h.client.createTask({ name: "missing", namespace: "api_test" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("runs the operator actions: complete by hand, then cancel refused on a finished task", async () => {
    const { task } = await h.client.createTask({ ...ORDER, context: { order_id: 15, decline: true } });
    const failed = await h.client.waitForTask(task.task_uuid, { intervalMs: 100, timeoutMs: 20_000 });
    expect(failed.status).toBe("error");
    const charge = failed.steps.find((s) => s.name === "charge")!;
    await expect(
      h.client.retryStep(task.task_uuid, failed.steps[0]!.workflow_step_uuid, "why"),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const step = await h.client.completeStepManually(
      task.task_uuid,
      charge.workflow_step_uuid,
      { ok: 1 },
      "by hand",
    );
    expect(step.current_state).toBe("complete");
    const done = await h.client.waitForTask(task.task_uuid, { intervalMs: 100, timeoutMs: 20_000 });
    expect(done.status).toBe("complete");
    await expect(h.client.cancelTask(task.task_uuid, "too late")).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("cancels an unfinished task", async () => {
    const { task } = await h.client.createTask({ name: "parked", namespace: "api_idle" });
    const cancelled = await h.client.cancelTask(task.task_uuid, "not needed");
    expect(cancelled.status).toBe("cancelled");
    const audit = await h.tasker.client.getTask(task.task_uuid);
    expect(audit.status).toBe("cancelled");
  });

  it("reads templates and health", async () => {
    const list = await h.client.listTemplates("api_test");
    expect(list.templates.map((t) => `${t.namespace_name}/${t.name}@${t.version}`)).toEqual([
      "api_test/order_flow@1.0.0",
    ]);
    const detail = await h.client.getTemplate("api_test", "order_flow", "1.0.0");
    expect(detail.steps.map((s) => s.dependencies)).toEqual([[], ["validate"], ["charge"]]);
    await expect(h.client.getTemplate("api_test", "order_flow", "0.0.1")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await h.client.health()).toMatchObject({
      status: "healthy",
      checks: { database: true, queue: true },
    });
  });

  it("retries 503 backpressure as Retry-After says, then reports it typed", async () => {
    // A second engine instance on the same database that refuses new work once anything is unfinished.
    const busy = await Tasker.open({ database: h.tasker.database, maxPendingTasks: 1 });
    const server = await startOrchestrationServer({
      tasker: busy,
      port: 0,
      hostname: "127.0.0.1",
      embedded: true,
    });
    try {
      await h.client.createTask({ name: "parked", namespace: "api_idle" });
      const raw = await call(server.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 1 } },
      });
      expect(raw.status).toBe(503);
      expect(raw.body.error.code).toBe("BACKPRESSURE");
      const retryAfter = Number(raw.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);

      let attempts = 0;
      const counting: typeof fetch = (input, init) => {
        attempts++;
        return fetch(input, init);
      };
      const client = new TaskerHttpClient({
        baseUrl: server.url,
        retries: 2,
        maxRetryDelayMs: 50,
        fetch: counting,
      });
      const err = await client.createTask({ ...ORDER, context: { order_id: 1 } }).catch((e) => e);
      expect(err).toBeInstanceOf(TaskerError);
      expect(err).toMatchObject({ code: "BACKPRESSURE", status: 503, retryAfterSeconds: retryAfter });
      expect(attempts).toBe(3);
    } finally {
      await server.close();
      await busy.close();
    }
  });
});
