// The worker protocol over real HTTP on both backends: the TypeScript remote worker runs a
// workflow to the end with no database access, and each route keeps the in-process guarantees
// (a stale claim changes nothing, leases, cancellation, hand-back on deregistration).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { testBackends } from "../../src/testing/index.js";
import { HandlerRegistry } from "../../src/worker/handler-registry.js";
import { RemoteWorker } from "../../src/worker/remote-worker.js";
import { type ApiHarness, call, ORDER_FLOW_HANDLERS, startApiHarness } from "./harness.js";

const logger = createLogger({ level: "silent" });
const register = (h: ApiHarness, extra: Record<string, unknown> = {}) =>
  call(h.url, "/v1/worker/workers", {
    method: "POST",
    json: {
      namespaces: ["api_test"],
      handlers: ["api_test.validate", "api_test.charge", "api_test.notify"],
      sdk: { name: "test", version: "1" },
      lease_seconds: 5,
      ...extra,
    },
  });
const post = (h: ApiHarness, path: string, json: unknown) => call(h.url, path, { method: "POST", json });

/** Remote workers claim from the queue tables: a server on RabbitMQ refuses them (tested below). */
const onRabbitMq = process.env.TASKER_MESSAGING_BACKEND === "rabbitmq";

describe.skipIf(onRabbitMq).each(testBackends())("worker protocol (%s)", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend, { worker: false });
  });
  afterAll(async () => h?.close());

  it("runs a workflow to the end through the TypeScript remote worker", async () => {
    const worker = new RemoteWorker(new HandlerRegistry().register(...ORDER_FLOW_HANDLERS), logger, {
      orchestrationUrl: h.url,
      namespaces: ["api_test"],
      claimWaitMs: 2000,
      concurrency: 4,
    });
    await worker.start();
    try {
      const { task: created } = await h.client.createTask({
        name: "order_flow",
        namespace: "api_test",
        context: { order_id: 7 },
      });
      const done = await h.client.waitForTask(created.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
      const steps = await h.client.listTaskSteps(created.task_uuid);
      const notify = steps.find((s) => s.name === "notify");
      expect(notify?.results).toEqual({ sent: true, saw: ["charge", "validate"] });
      const charge = steps.find((s) => s.name === "charge");
      expect(charge?.results).toEqual({ charged: true, currency: "EUR" });
      expect(worker.status().completed).toBe(3);
    } finally {
      await worker.stop();
    }
    const gone = await post(h, `/v1/worker/workers/${worker.workerId}/claims`, { max_steps: 1 });
    expect(gone.status).toBe(404);
  });

  it("claims with what a handler needs, continues a chain in the answer, and refuses a stale claim", async () => {
    const reg = await register(h, { worker_id: `chain-${backend}` });
    expect(reg.status).toBe(200);
    expect(reg.body).toMatchObject({
      worker_id: `chain-${backend}`,
      protocol_version: "1",
      lease_seconds: 5,
    });
    const id = reg.body.worker_id as string;
    const { task } = await h.client.createTask({
      name: "order_flow",
      namespace: "api_test",
      context: { order_id: 9 },
    });

    const claimed = await post(h, `/v1/worker/workers/${id}/claims`, { max_steps: 10, wait_ms: 5000 });
    expect(claimed.status).toBe(200);
    expect(claimed.body.steps).toHaveLength(1);
    const validate = claimed.body.steps[0];
    expect(validate).toMatchObject({
      task_uuid: task.task_uuid,
      step_name: "validate",
      task_name: "order_flow",
      namespace: "api_test",
      version: "1.0.0",
      handler_callable: "api_test.validate",
      attempt: 1,
      max_attempts: 3,
      context: { order_id: 9 },
      dependency_results: {},
    });
    expect(Date.parse(validate.deadline)).toBeGreaterThan(Date.now());

    const reported = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: validate.claim_token,
      outcome: { status: "success", result: { valid: true } },
    });
    expect(reported.status).toBe(200);
    expect(reported.body.outcome).toBe("completed");
    const charge = reported.body.next;
    expect(charge).toMatchObject({
      step_name: "charge",
      initialization: { currency: "EUR" },
      dependency_results: { validate: { valid: true } },
    });

    // The same report again (its answer was lost): the same answer, with the same next step still
    // claimed for this worker, and nothing changes.
    const again = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: validate.claim_token,
      outcome: { status: "success", result: { valid: false } },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(reported.body);
    // Another worker's report on this claim changes nothing either: 409.
    const other = (await register(h, { worker_id: `other-${backend}` })).body.worker_id as string;
    const stolen = await post(h, `/v1/worker/workers/${other}/results`, {
      claim_token: validate.claim_token,
      outcome: { status: "success", result: { valid: false } },
    });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error.details).toMatchObject({ reason: "claim_not_held" });
    await call(h.url, `/v1/worker/workers/${other}`, { method: "DELETE" });
    const steps = await h.client.listTaskSteps(task.task_uuid);
    expect(steps.find((s) => s.name === "validate")?.results).toEqual({ valid: true });

    // A failure that may not be retried ends the step and the task.
    const failed = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: charge.claim_token,
      outcome: {
        status: "failure",
        error: { message: "card declined", retryable: false, code: "card_declined" },
      },
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ outcome: "failed", task_status: "error", next: null });
    const after = await h.client.getStep(task.task_uuid, charge.step_uuid);
    expect(after.current_state).toBe("error");
    expect(after.error).toMatchObject({ message: "card declined", code: "card_declined", kind: "permanent" });
    await call(h.url, `/v1/worker/workers/${id}`, { method: "DELETE" });
  });

  it("heartbeats keep a claim, tell a cancelled task's step, and deregistering hands claims back", async () => {
    const id = (await register(h, { worker_id: `beat-${backend}` })).body.worker_id as string;
    const { task } = await h.client.createTask({
      name: "order_flow",
      namespace: "api_test",
      context: { order_id: 3 },
    });
    const [step] = (await post(h, `/v1/worker/workers/${id}/claims`, { wait_ms: 5000 })).body.steps;
    expect(step.task_uuid).toBe(task.task_uuid);

    const beat = await post(h, `/v1/worker/workers/${id}/heartbeat`, {
      claim_tokens: [step.claim_token, "bogus"],
    });
    expect(beat.status).toBe(200);
    expect(beat.body.claims[0]).toMatchObject({ claim_token: step.claim_token, status: "held" });
    expect(Date.parse(beat.body.claims[0].lease_expires_at)).toBeGreaterThan(Date.now() + 3000);
    expect(beat.body.claims[1]).toMatchObject({ claim_token: "bogus", status: "lost" });

    // Deregistering hands the step back at once, its attempt not counted.
    const gone = await call(h.url, `/v1/worker/workers/${id}`, { method: "DELETE" });
    expect(gone.body).toEqual({ worker_id: id, released_steps: 1 });
    const released = await h.client.getStep(task.task_uuid, step.step_uuid);
    expect(released).toMatchObject({ current_state: "enqueued", attempts: 0 });
    const late = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: step.claim_token,
      outcome: { status: "success", result: {} },
    });
    expect(late.status).toBe(404);

    // Another worker takes it; the task is cancelled while it runs; the heartbeat says so.
    const other = (await register(h, { worker_id: `beat2-${backend}` })).body.worker_id as string;
    const [again] = (await post(h, `/v1/worker/workers/${other}/claims`, { wait_ms: 5000 })).body.steps;
    expect(again).toMatchObject({ step_uuid: step.step_uuid, attempt: 1 });
    await h.client.cancelTask(task.task_uuid);
    const told = await post(h, `/v1/worker/workers/${other}/heartbeat`, {
      claim_tokens: [again.claim_token],
    });
    expect(told.body.claims[0].status).toBe("cancelled");
    const stored = await post(h, `/v1/worker/workers/${other}/results`, {
      claim_token: again.claim_token,
      outcome: { status: "success", result: { late: true } },
    });
    expect(stored.status).toBe(200);
    expect(stored.body.next).toBeNull();
    expect((await h.client.getTask(task.task_uuid)).status).toBe("cancelled");
    await call(h.url, `/v1/worker/workers/${other}`, { method: "DELETE" });
  });

  it("hands a worker only steps of the callables it registered, and says which it lacks", async () => {
    const reg = await register(h, { worker_id: `narrow-${backend}`, handlers: ["api_test.notify"] });
    expect(reg.body.unhandled_callables).toEqual(["api_test.charge", "api_test.validate"]);
    const { task } = await h.client.createTask({
      name: "order_flow",
      namespace: "api_test",
      context: { order_id: 5 },
    });
    const none = await post(h, `/v1/worker/workers/narrow-${backend}/claims`, { max_steps: 5, wait_ms: 500 });
    expect(none.body.steps).toEqual([]);
    // A worker that has the handler takes the step.
    await register(h, { worker_id: `wide-${backend}` });
    const [step] = (await post(h, `/v1/worker/workers/wide-${backend}/claims`, { wait_ms: 2000 })).body.steps;
    expect(step).toMatchObject({
      task_uuid: task.task_uuid,
      handler_callable: "api_test.validate",
      attempt: 1,
    });
    await h.client.cancelTask(task.task_uuid);
    await call(h.url, `/v1/worker/workers/narrow-${backend}`, { method: "DELETE" });
    await call(h.url, `/v1/worker/workers/wide-${backend}`, { method: "DELETE" });
  });

  it("answers misuse with 4xx naming the field", async () => {
    const noNamespaces = await register(h, { namespaces: [] });
    expect(noNamespaces.status).toBe(400);
    expect(JSON.stringify(noNamespaces.body)).toContain("namespaces");
    const badLease = await register(h, { lease_seconds: 0 });
    expect(badLease.status).toBe(400);
    expect(JSON.stringify(badLease.body)).toContain("lease_seconds");
    const unknown = await post(h, "/v1/worker/workers/nobody/claims", {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("register");
    const id = (await register(h, { worker_id: `misuse-${backend}` })).body.worker_id as string;
    const tooMany = await post(h, `/v1/worker/workers/${id}/claims`, { max_steps: 1000 });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toContain("max_steps");
    const badToken = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: "not-a-token",
      outcome: { status: "success" },
    });
    expect(badToken.status).toBe(400);
    expect(badToken.body.error.details).toMatchObject({ field: "claim_token" });
    const badOutcome = await post(h, `/v1/worker/workers/${id}/results`, {
      claim_token: "x",
      outcome: { status: "maybe" },
    });
    expect(badOutcome.status).toBe(400);
    const badId = await post(h, "/v1/worker/workers/bad%20id/claims", {});
    expect(badId.status).toBe(400);
    await call(h.url, `/v1/worker/workers/${id}`, { method: "DELETE" });
  });

  it("registers a template from its YAML, and names what is wrong with a bad one", async () => {
    const yaml = [
      "name: shipped_by_worker",
      "namespace_name: api_test",
      "version: 2.0.0",
      "steps:",
      "  - name: only",
      "    handler: { callable: api_test.validate }",
    ].join("\n");
    const ok = await post(h, "/v1/templates", { yaml });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: "shipped_by_worker", version: "2.0.0", steps: [{ name: "only" }] });
    const listed = await h.client.getTemplate("api_test", "shipped_by_worker", "2.0.0");
    expect(listed.steps.map((step) => step.name)).toEqual(["only"]);

    const bad = await post(h, "/v1/templates", { yaml: yaml.replace("name: only", "name: Only!") });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.field).toBe("yaml");
    expect(bad.body.error.details.issues).toContainEqual(
      expect.objectContaining({ key: "name", message: expect.stringContaining("step name") }),
    );
    const notYaml = await post(h, "/v1/templates", { yaml: "a: [" });
    expect(notYaml.status).toBe(422);
    const missing = await post(h, "/v1/templates", {});
    expect(missing.status).toBe(400);
  });
});

describe.runIf(onRabbitMq)("worker protocol on the RabbitMQ transport", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness("postgres", { worker: false });
  });
  afterAll(async () => h?.close());

  it("is refused with 503, saying which transport remote workers need", async () => {
    const refused = await register(h);
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toContain("queue-table transport");
  });
});

describe.skipIf(onRabbitMq)("worker protocol with API keys", () => {
  let h: ApiHarness;
  const workerKey = "worker-key-0123456789abcdef";
  const readerKey = "reader-key-0123456789abcdef";
  beforeAll(async () => {
    h = await startApiHarness("pglite", {
      worker: false,
      auth: {
        enabled: true,
        apiKeys: [
          { key: workerKey, permissions: ["worker", "templates:write"] },
          { key: readerKey, permissions: ["tasks:read", "templates:read"] },
        ],
      },
    });
  });
  afterAll(async () => h?.close());

  it("needs the worker permission on every route, and templates:write to register templates", async () => {
    const as = (key: string | undefined, path: string, json: unknown = {}) =>
      call(h.url, path, { method: "POST", json, ...(key ? { headers: { "x-api-key": key } } : {}) });
    const body = { namespaces: ["api_test"], handlers: [], sdk: { name: "t", version: "1" } };
    expect((await as(undefined, "/v1/worker/workers", body)).status).toBe(401);
    const forbidden = await as(readerKey, "/v1/worker/workers", body);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.details).toEqual({ required_permission: "worker" });
    expect((await as(readerKey, "/v1/worker/workers/x/claims")).status).toBe(403);
    expect((await as(readerKey, "/v1/templates", { yaml: "x: 1" })).status).toBe(403);
    const registered = await as(workerKey, "/v1/worker/workers", body);
    expect(registered.status).toBe(200);
    const claimed = await as(workerKey, `/v1/worker/workers/${registered.body.worker_id}/claims`, {});
    expect(claimed).toMatchObject({ status: 200, body: { steps: [] } });
    // The worker key cannot read or create tasks.
    expect((await call(h.url, "/v1/tasks", { headers: { "x-api-key": workerKey } })).status).toBe(403);
  });
});
