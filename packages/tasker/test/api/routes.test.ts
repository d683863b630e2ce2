// Every route of the orchestration API over real HTTP against the real engine, on each backend.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../../src/model/errors.js";
import { TaskResponseSchema } from "../../src/model/task-response.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const ORDER = { name: "order_flow", namespace: "api_test", version: "1.0.0" };

/** Polls the API until the task is terminal. */
async function waitTerminal(url: string, taskUuid: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(url, `/v1/tasks/${taskUuid}`);
    if (["complete", "error", "cancelled", "resolved_manually"].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`task ${taskUuid} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectEnvelope(body: unknown, code: string) {
  const parsed = ErrorEnvelopeSchema.parse(body);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(10);
  return parsed.error;
}

describe.each(testBackends())("orchestration API routes on %s", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe("POST /v1/tasks", () => {
    it("creates a task (201, Location, TaskResponse) that the worker completes", async () => {
      const res = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: {
          ...ORDER,
          context: { order_id: 1 },
          initiator: "tests",
          tags: ["api"],
          correlation_id: "corr-1",
        },
      });
      expect(res.status).toBe(201);
      const task = TaskResponseSchema.parse(res.body);
      expect(res.headers.get("location")).toBe(`/v1/tasks/${task.task_uuid}`);
      expect(task).toMatchObject({
        name: "order_flow",
        namespace: "api_test",
        version: "1.0.0",
        total_steps: 3,
      });
      expect(task.correlation_id).toBe("corr-1");
      const done = await waitTerminal(h.url, task.task_uuid);
      expect(done.status).toBe("complete");
      expect(done.completion_percentage).toBe(100);
    });

    it("returns the existing task (200) for a repeated idempotency key, 409 naming it for another payload", async () => {
      const key = `idem-${randomUUID()}`;
      const body = { ...ORDER, context: { order_id: 7 }, idempotency_key: key };
      const first = await call(h.url, "/v1/tasks", { method: "POST", json: body });
      expect(first.status).toBe(201);
      const again = await call(h.url, "/v1/tasks", { method: "POST", json: body });
      expect(again.status).toBe(200);
      expect(again.body.task_uuid).toBe(first.body.task_uuid);
      const other = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...body, context: { order_id: 8 } },
      });
      expect(other.status).toBe(409);
      const error = expectEnvelope(other.body, "CONFLICT");
      expect(JSON.stringify(error)).toContain(first.body.task_uuid);
    });

    it("400 for malformed JSON, wrong types, unknown fields and a missing Content-Type", async () => {
      const malformed = await call(h.url, "/v1/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"name": "order_flow",',
      });
      expect(malformed.status).toBe(400);
      expect(expectEnvelope(malformed.body, "BAD_REQUEST").message).toMatch(/malformed JSON/);

      const wrong = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { name: 42, namespace: "api_test", priority: "high", surprise: true },
      });
      expect(wrong.status).toBe(400);
      const error = expectEnvelope(wrong.body, "BAD_REQUEST");
      const paths = (error.details as { issues: { path: string }[] }).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(["name", "priority"]));
      expect(error.message).toContain("surprise");

      const text = await call(h.url, "/v1/tasks", { method: "POST", body: JSON.stringify(ORDER) });
      expect(text.status).toBe(400);
      expect(expectEnvelope(text.body, "BAD_REQUEST").message).toMatch(/Content-Type/);

      const empty = await call(h.url, "/v1/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      expect(empty.status).toBe(400);
    });

    it("404 for an unknown template or version, 422 when the context fails input_schema", async () => {
      const unknown = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { name: "no_such_flow", namespace: "api_test", context: {} },
      });
      expect(unknown.status).toBe(404);
      expectEnvelope(unknown.body, "NOT_FOUND");

      const version = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, version: "9.9.9" },
      });
      expect(version.status).toBe(404);
      expect(expectEnvelope(version.body, "NOT_FOUND").message).toContain("1.0.0");

      const invalid = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: "seven" } },
      });
      expect(invalid.status).toBe(422);
      expect(expectEnvelope(invalid.body, "VALIDATION_ERROR").message).toContain("order_id");
    });

    it("413 for a body over the size limit, 400 naming the path for a too deep or too long context", async () => {
      const huge = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 1, blob: "x".repeat(2 * 1024 * 1024) } },
      });
      expect(huge.status).toBe(413);
      expectEnvelope(huge.body, "PAYLOAD_TOO_LARGE");

      // Under the body limit but over the context's 1 MiB once the strings add up.
      const chunks = Object.fromEntries(Array.from({ length: 110 }, (_, i) => [`k${i}`, "y".repeat(9_900)]));
      const big = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { ...chunks, order_id: 1 } },
      });
      expect(big.status).toBe(413);

      let deep: Record<string, unknown> = { leaf: 1 };
      for (let i = 0; i < 11; i++) deep = { n: deep };
      const tooDeep = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 1, deep } },
      });
      expect(tooDeep.status).toBe(400);
      expect(JSON.stringify(expectEnvelope(tooDeep.body, "BAD_REQUEST"))).toContain("context.deep");

      const longString = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 1, note: "z".repeat(10_001) } },
      });
      expect(longString.status).toBe(400);
      expect(expectEnvelope(longString.body, "BAD_REQUEST").message).toContain("context.note");

      const absurd = await call(h.url, "/v1/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"name":"order_flow","namespace":"api_test","context":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
      });
      expect(absurd.status).toBe(400);
      expect(expectEnvelope(absurd.body, "BAD_REQUEST").message).toMatch(/nests deeper/);
    });

    it("413 for a chunked body that passes the limit while streaming", async () => {
      const chunk = new TextEncoder().encode(`"${"a".repeat(64 * 1024)}",`);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0)
            controller.enqueue(
              new TextEncoder().encode('{"name":"order_flow","namespace":"api_test","context":{"x":['),
            );
          if (sent > 40) return controller.close();
          sent++;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${h.url}/v1/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(413);
      expectEnvelope(await response.json(), "PAYLOAD_TOO_LARGE");
    });
  });

  describe("GET /v1/tasks", () => {
    it("lists with filters and pagination", async () => {
      const correlation = `list-${randomUUID()}`;
      for (let i = 0; i < 3; i++) {
        const r = await call(h.url, "/v1/tasks", {
          method: "POST",
          json: { ...ORDER, context: { order_id: 100 + i }, correlation_id: correlation },
        });
        expect(r.status).toBe(201);
      }
      const page = await call(h.url, `/v1/tasks?correlation_id=${correlation}&limit=2&offset=0`);
      expect(page.status).toBe(200);
      expect(page.body.tasks).toHaveLength(2);
      expect(page.body.pagination).toEqual({ total: 3, limit: 2, offset: 0, has_more: true });
      const rest = await call(h.url, `/v1/tasks?correlation_id=${correlation}&limit=2&offset=2`);
      expect(rest.body.tasks).toHaveLength(1);
      expect(rest.body.pagination.has_more).toBe(false);

      const byNamespace = await call(h.url, "/v1/tasks?namespace=api_test&name=order_flow&limit=500");
      expect(byNamespace.body.tasks.every((t: { namespace: string }) => t.namespace === "api_test")).toBe(
        true,
      );
      const none = await call(h.url, "/v1/tasks?namespace=nobody_here");
      expect(none.body).toMatchObject({ tasks: [], pagination: { total: 0 } });
    });

    it("400 for a bad status, limit or offset", async () => {
      for (const q of ["status=finished", "limit=0", "limit=abc", "limit=501", "offset=-1"]) {
        const r = await call(h.url, `/v1/tasks?${q}`);
        expect(r.status, q).toBe(400);
        expectEnvelope(r.body, "BAD_REQUEST");
      }
    });
  });

  describe("GET and DELETE /v1/tasks/{task_uuid}", () => {
    it("gets a task with its steps; 404 for an unknown uuid; 400 for an invalid one", async () => {
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 2 } },
      });
      const got = await call(h.url, `/v1/tasks/${created.body.task_uuid}`);
      expect(got.status).toBe(200);
      expect(got.body.steps.map((s: { name: string }) => s.name)).toEqual(["validate", "charge", "notify"]);

      const missing = await call(h.url, `/v1/tasks/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expectEnvelope(missing.body, "NOT_FOUND");

      const invalid = await call(h.url, "/v1/tasks/not-a-uuid");
      expect(invalid.status).toBe(400);
      expect(expectEnvelope(invalid.body, "BAD_REQUEST").message).toContain("task_uuid");
    });

    it("cancels an unfinished task (200 cancelled) and refuses a second cancel (409)", async () => {
      const parked = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { name: "parked", namespace: "api_idle" },
      });
      expect(parked.status).toBe(201);
      const cancelled = await call(h.url, `/v1/tasks/${parked.body.task_uuid}?reason=no+longer+needed`, {
        method: "DELETE",
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe("cancelled");
      const again = await call(h.url, `/v1/tasks/${parked.body.task_uuid}`, { method: "DELETE" });
      expect(again.status).toBe(409);
      expectEnvelope(again.body, "CONFLICT");
      expect((await call(h.url, `/v1/tasks/${randomUUID()}`, { method: "DELETE" })).status).toBe(404);
    });
  });

  describe("workflow step routes", () => {
    it("lists steps, gets one with results, and shows its audit trail", async () => {
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 3 } },
      });
      const uuid = created.body.task_uuid;
      await waitTerminal(h.url, uuid);
      const steps = await call(h.url, `/v1/tasks/${uuid}/workflow_steps`);
      expect(steps.status).toBe(200);
      expect(steps.body).toHaveLength(3);
      const notify = steps.body.find((s: { name: string }) => s.name === "notify");
      const step = await call(h.url, `/v1/tasks/${uuid}/workflow_steps/${notify.workflow_step_uuid}`);
      expect(step.status).toBe(200);
      expect(step.body).toMatchObject({ current_state: "complete", attempts: 1, results: { sent: true } });
      expect(step.body.results.saw).toEqual(["charge", "validate"]);

      const audit = await call(h.url, `/v1/tasks/${uuid}/workflow_steps/${notify.workflow_step_uuid}/audit`);
      expect(audit.status).toBe(200);
      expect(audit.body.map((t: { to_state: string }) => t.to_state)).toEqual([
        "pending",
        "enqueued",
        "in_progress",
        "enqueued_for_orchestration",
        "complete",
      ]);
    });

    it("404 for an unknown step, 400 for invalid uuids", async () => {
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 4 } },
      });
      const uuid = created.body.task_uuid;
      expect((await call(h.url, `/v1/tasks/${uuid}/workflow_steps/${randomUUID()}`)).status).toBe(404);
      expect((await call(h.url, `/v1/tasks/${uuid}/workflow_steps/${randomUUID()}/audit`)).status).toBe(404);
      expect((await call(h.url, `/v1/tasks/${randomUUID()}/workflow_steps`)).status).toBe(404);
      expect((await call(h.url, `/v1/tasks/${uuid}/workflow_steps/xyz`)).status).toBe(400);
      expect((await call(h.url, `/v1/tasks/xyz/workflow_steps/${randomUUID()}/audit`)).status).toBe(400);
    });

    it("PATCH: complete_manually a failed step lets the task finish; illegal actions are 409", async () => {
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 5, decline: true } },
      });
      const uuid = created.body.task_uuid;
      const failed = await waitTerminal(h.url, uuid);
      expect(failed.status).toBe("error");
      const charge = failed.steps.find((s: { name: string }) => s.name === "charge");
      expect(charge.current_state).toBe("error");
      const stepPath = `/v1/tasks/${uuid}/workflow_steps/${charge.workflow_step_uuid}`;
      expect((await call(h.url, stepPath)).body.error).toMatchObject({
        message: "card declined",
        code: "card_declined",
      });

      const validate = failed.steps.find((s: { name: string }) => s.name === "validate");
      const illegal = await call(h.url, `/v1/tasks/${uuid}/workflow_steps/${validate.workflow_step_uuid}`, {
        method: "PATCH",
        json: { action_type: "reset_for_retry", reason: "it is complete already" },
      });
      expect(illegal.status).toBe(409);
      expectEnvelope(illegal.body, "CONFLICT");

      const badAction = await call(h.url, stepPath, {
        method: "PATCH",
        json: { action_type: "delete_it", reason: "x" },
      });
      expect(badAction.status).toBe(400);
      const noReason = await call(h.url, stepPath, {
        method: "PATCH",
        json: { action_type: "resolve_manually" },
      });
      expect(noReason.status).toBe(400);
      const deepResult = await call(h.url, stepPath, {
        method: "PATCH",
        json: {
          action_type: "complete_manually",
          reason: "x",
          completion_data: {
            result: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: 1 } } } } } } } } } } },
          },
        },
      });
      expect(deepResult.status).toBe(400);
      expect(expectEnvelope(deepResult.body, "BAD_REQUEST").message).toContain("completion_data.result");

      const completed = await call(h.url, stepPath, {
        method: "PATCH",
        json: {
          action_type: "complete_manually",
          reason: "charged by phone",
          completed_by: "ops",
          completion_data: { result: { charged: true, manual: true } },
        },
      });
      expect(completed.status).toBe(200);
      expect(completed.body).toMatchObject({
        current_state: "complete",
        results: { charged: true, manual: true },
      });
      const done = await waitTerminal(h.url, uuid);
      expect(done.status).toBe("complete");

      const audit = await call(h.url, `${stepPath}/audit`);
      const manual = audit.body.find((t: { event: string }) => t.event === "complete_manually");
      expect(manual.metadata).toMatchObject({ reason: "charged by phone", by: "ops" });
    });

    it("PATCH: resolve_manually and complete_manually refuse a step that has not failed (409 naming its state)", async () => {
      // charge fails for good: the task is in error, notify never ran (pending, its parent failed).
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 7, decline: true } },
      });
      const failed = await waitTerminal(h.url, created.body.task_uuid);
      expect(failed.status).toBe("error");
      const notify = failed.steps.find((s: { name: string }) => s.name === "notify");
      expect(notify.current_state).toBe("pending");
      const notifyPath = `/v1/tasks/${failed.task_uuid}/workflow_steps/${notify.workflow_step_uuid}`;
      for (const json of [
        { action_type: "resolve_manually", reason: "skip it" },
        { action_type: "complete_manually", reason: "skip it", completion_data: { result: { sent: true } } },
      ]) {
        const refused = await call(h.url, notifyPath, { method: "PATCH", json });
        expect(refused.status, json.action_type).toBe(409);
        const error = expectEnvelope(refused.body, "CONFLICT");
        expect(error.message).toBe(
          `step notify is pending; ${json.action_type} is only allowed from waiting_for_retry, error: operator actions apply to steps that failed or are waiting for a retry, and this one has not run yet`,
        );
        expect(error.details).toEqual({
          step_uuid: notify.workflow_step_uuid,
          current_state: "pending",
          allowed_from: ["waiting_for_retry", "error"],
        });
      }
      expect((await call(h.url, notifyPath)).body.current_state).toBe("pending");
      expect((await call(h.url, `/v1/tasks/${failed.task_uuid}`)).body.status).toBe("error");

      // A step that is waiting in the queue (no worker serves api_idle) has not run either.
      const parked = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { name: "parked", namespace: "api_idle" },
      });
      const wait = parked.body.steps[0];
      expect(wait.current_state).toBe("enqueued");
      const waitPath = `/v1/tasks/${parked.body.task_uuid}/workflow_steps/${wait.workflow_step_uuid}`;
      const enqueued = await call(h.url, waitPath, {
        method: "PATCH",
        json: { action_type: "complete_manually", reason: "skip it", completion_data: { result: 1 } },
      });
      expect(enqueued.status).toBe(409);
      expect(expectEnvelope(enqueued.body, "CONFLICT").message).toMatch(
        /^step wait is enqueued; complete_manually is only allowed from waiting_for_retry, error: .*it is queued to run/,
      );
      await call(h.url, `/v1/tasks/${parked.body.task_uuid}`, { method: "DELETE" });
    });

    it("PATCH: reset_for_retry runs a failed step again; resolve_manually resolves it", async () => {
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 6, decline: true } },
      });
      const uuid = created.body.task_uuid;
      const failed = await waitTerminal(h.url, uuid);
      const charge = failed.steps.find((s: { name: string }) => s.name === "charge");
      const stepPath = `/v1/tasks/${uuid}/workflow_steps/${charge.workflow_step_uuid}`;

      const reset = await call(h.url, stepPath, {
        method: "PATCH",
        json: { action_type: "reset_for_retry", reason: "try again" },
      });
      expect(reset.status).toBe(200);
      const failedAgain = await waitTerminal(h.url, uuid);
      expect(failedAgain.status).toBe("error");
      const audit = await call(h.url, `${stepPath}/audit`);
      expect(audit.body.filter((t: { event: string }) => t.event === "claim")).toHaveLength(2);

      const resolved = await call(h.url, stepPath, {
        method: "PATCH",
        json: { action_type: "resolve_manually", reason: "refunded outside", resolved_by: "ops" },
      });
      expect(resolved.status).toBe(200);
      expect(resolved.body.current_state).toBe("resolved_manually");
      expect((await waitTerminal(h.url, uuid)).status).not.toBe("error");
    });
  });

  describe("templates", () => {
    it("lists registered templates and gets one; 404 for an unknown version; 400 for bad names", async () => {
      const list = await call(h.url, "/v1/templates");
      expect(list.status).toBe(200);
      const flow = list.body.templates.find((t: { name: string }) => t.name === "order_flow");
      expect(flow).toEqual({
        name: "order_flow",
        namespace_name: "api_test",
        version: "1.0.0",
        description: "Validate an order, charge it, notify the customer.",
        step_count: 3,
        step_names: ["validate", "charge", "notify"],
      });
      const filtered = await call(h.url, "/v1/templates?namespace=api_idle");
      expect(filtered.body.templates.map((t: { name: string }) => t.name)).toEqual(["parked"]);
      expect(filtered.body.total).toBe(1);

      const one = await call(h.url, "/v1/templates/api_test/order_flow/1.0.0");
      expect(one.status).toBe(200);
      expect(one.body.steps[1]).toMatchObject({
        name: "charge",
        dependencies: ["validate"],
        handler: { callable: "api_test.charge", initialization: { currency: "EUR" } },
      });
      expect(one.body.input_schema.required).toEqual(["order_id"]);

      const missing = await call(h.url, "/v1/templates/api_test/order_flow/2.0.0");
      expect(missing.status).toBe(404);
      expectEnvelope(missing.body, "NOT_FOUND");
      expect((await call(h.url, "/v1/templates/api-test/Order/1.0.0")).status).toBe(400);
    });
  });

  describe("health, metrics, OpenAPI and docs", () => {
    it("reports health, liveness and readiness", async () => {
      expect((await call(h.url, "/health/live")).body).toEqual({ status: "alive" });
      const ready = await call(h.url, "/health/ready");
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: "ready", checks: { database: true, queue: true } });
      const health = await call(h.url, "/health");
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: "healthy", checks: { database: true, queue: true } });
    });

    it("serves Prometheus metrics with task, step, queue and HTTP series", async () => {
      const created = await call(h.url, "/v1/tasks", {
        method: "POST",
        json: { ...ORDER, context: { order_id: 9 } },
      });
      await waitTerminal(h.url, created.body.task_uuid);
      // task.completed reaches the API's subscription through the database, just after commit.
      let text = "";
      for (let i = 0; i < 50; i++) {
        text = (await call(h.url, "/metrics")).body;
        if (/tasker_tasks_completed_total\{namespace="api_test"\} [1-9]/.test(text)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`${h.url}/metrics`);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(text).toMatch(/tasker_tasks_created_total\{namespace="api_test"\} [1-9]/);
      expect(text).toMatch(/tasker_tasks_completed_total\{namespace="api_test"\} [1-9]/);
      expect(text).toMatch(/tasker_tasks_failed_total\{namespace="api_test"\} [1-9]/);
      expect(text).toMatch(/tasker_queue_depth\{queue="[a-z_]+"\} \d+/);
      expect(text).toContain(
        'tasker_http_request_duration_seconds_count{method="POST",route="/v1/tasks",status="201"}',
      );
      expect(text).toContain('route="/v1/tasks/:task_uuid"');
      expect(text).toContain("# TYPE tasker_step_duration_seconds histogram");
    });

    it("serves a valid OpenAPI document covering every route, and a readable docs page", async () => {
      const { status, body: doc } = await call(h.url, "/openapi.json");
      expect(status).toBe(200);
      expect(doc.openapi).toMatch(/^3\.0\./);
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          "/health",
          "/health/live",
          "/health/ready",
          "/metrics",
          "/v1/tasks",
          "/v1/tasks/batch",
          "/v1/tasks/{task_uuid}",
          "/v1/tasks/{task_uuid}/workflow_steps",
          "/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}",
          "/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}/audit",
          "/v1/templates",
          "/v1/templates/{namespace}/{name}/{version}",
          "/v1/worker/workers",
          "/v1/worker/workers/{worker_id}",
          "/v1/worker/workers/{worker_id}/checkpoint",
          "/v1/worker/workers/{worker_id}/claims",
          "/v1/worker/workers/{worker_id}/drain",
          "/v1/worker/workers/{worker_id}/heartbeat",
          "/v1/worker/workers/{worker_id}/results",
        ].sort(),
      );
      expect(Object.keys(doc.paths["/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}"]).sort()).toEqual([
        "get",
        "patch",
      ]);
      expect(doc.paths["/v1/worker/workers/{worker_id}/results"].post["x-required-permission"]).toBe(
        "worker",
      );
      // Every $ref resolves to a component.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
        (m) => m[1]!,
      );
      for (const ref of new Set(refs)) expect(doc.components.schemas, ref).toHaveProperty(ref);
      expect(doc.components.securitySchemes.ApiKeyAuth).toEqual({
        type: "apiKey",
        in: "header",
        name: "X-API-Key",
      });
      expect(doc.paths["/v1/tasks"].post.requestBody.content["application/json"].schema.$ref).toBe(
        "#/components/schemas/TaskRequest",
      );

      const docs = await fetch(`${h.url}/docs`);
      expect(docs.headers.get("content-type")).toContain("text/html");
      const html = await docs.text();
      expect(html).toContain("<code>/v1/tasks/{task_uuid}/workflow_steps/{step_uuid}</code>");
      expect(html).toContain("idempotency_key");
      expect(html).not.toMatch(/<script|https?:\/\/cdn/);
    });

    it("answers unknown routes and wrong methods with a 404 envelope", async () => {
      const unknown = await call(h.url, "/v2/everything");
      expect(unknown.status).toBe(404);
      expectEnvelope(unknown.body, "NOT_FOUND");
      const wrong = await call(h.url, "/v1/templates", { method: "PUT", json: {} });
      expect(wrong.status).toBe(404);
      expect(expectEnvelope(wrong.body, "NOT_FOUND").details).toEqual({ allowed_methods: ["GET", "POST"] });
    });
  });
});
