import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TaskerError } from "../model/errors.js";
import type { TaskResponse } from "../model/task-response.js";
import { codeForStatus, parseRetryAfter, TaskerHttpClient } from "./http-client.js";

// A real HTTP server whose answers each test scripts; it records what the client sent.
type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => void;
let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(Object.assign(req, { body }), res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
});

const UUID = "01890a5d-ac96-774b-bcce-b302099a8057";
const STEP = "01890a5d-ac96-774b-bcce-b302099a8058";

function task(overrides: Partial<TaskResponse> = {}): TaskResponse {
  return {
    task_uuid: UUID,
    name: "order_processing",
    namespace: "ecommerce",
    version: "1.0.0",
    status: "steps_in_process",
    created_at: "2025-01-01T00:00:00.000Z",
    updated_at: "2025-01-01T00:00:00.000Z",
    completed_at: null,
    context: {},
    initiator: null,
    source_system: null,
    reason: null,
    tags: [],
    priority: 0,
    correlation_id: "c",
    parent_correlation_id: null,
    idempotency_key: null,
    total_steps: 2,
    pending_steps: 1,
    in_progress_steps: 1,
    completed_steps: 0,
    failed_steps: 0,
    ready_steps: 0,
    completion_percentage: 0,
    execution_status: "processing",
    recommended_action: "wait_for_completion",
    health_status: "healthy",
    error: null,
    steps: [],
    ...overrides,
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

describe("parseRetryAfter and codeForStatus", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("maps bare statuses to error codes", () => {
    expect(codeForStatus(404)).toBe("NOT_FOUND");
    expect(codeForStatus(503)).toBe("SERVICE_UNAVAILABLE");
    expect(codeForStatus(502)).toBe("SERVICE_UNAVAILABLE");
    expect(codeForStatus(418)).toBe("BAD_REQUEST");
  });
});

describe("TaskerHttpClient", () => {
  it("rejects a baseUrl that is not a URL", () => {
    expect(() => new TaskerHttpClient({ baseUrl: "localhost:8080/" })).toThrow(/not an http\(s\) URL/);
  });

  it("creates tasks: 201 = created, 200 = existing; sends the key and JSON", async () => {
    handler = (_req, res) => json(res, seen.length === 1 ? 201 : 200, task());
    const client = new TaskerHttpClient({ baseUrl: `${baseUrl}/`, apiKey: "k".repeat(32) });
    const first = await client.createTask({
      name: "order_processing",
      namespace: "ecommerce",
      context: { a: 1 },
    });
    const second = await client.createTask({ name: "order_processing", namespace: "ecommerce" });
    expect([first.created, second.created]).toEqual([true, false]);
    expect(first.task.task_uuid).toBe(UUID);
    expect(seen[0]).toMatchObject({ method: "POST", url: "/v1/tasks" });
    expect(seen[0]!.headers["x-api-key"]).toBe("k".repeat(32));
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      name: "order_processing",
      namespace: "ecommerce",
      context: { a: 1 },
    });
  });

  it("builds paths and query strings for every call", async () => {
    const step = {
      workflow_step_uuid: STEP,
      task_uuid: UUID,
      name: "s",
      current_state: "complete",
      dependencies_satisfied: true,
      retry_eligible: false,
      ready_for_execution: false,
      total_parents: 0,
      completed_parents: 0,
      attempts: 1,
      max_attempts: 3,
      last_failure_at: null,
      next_retry_at: null,
      last_attempted_at: null,
      created_at: "2025-01-01T00:00:00.000Z",
      updated_at: "2025-01-01T00:00:00.000Z",
      completed_at: null,
    };
    handler = (req, res) => {
      if (req.url!.endsWith("/audit")) return json(res, 200, []);
      if (req.url!.includes("/workflow_steps/")) return json(res, 200, step);
      if (req.url!.endsWith("/workflow_steps")) return json(res, 200, [step]);
      if (req.url!.startsWith("/v1/tasks?")) {
        return json(res, 200, { tasks: [], pagination: { total: 0, limit: 5, offset: 0, has_more: false } });
      }
      return json(res, 200, task({ status: "cancelled" }));
    };
    const client = new TaskerHttpClient({ baseUrl });
    await client.listTasks({ namespace: "ecommerce", status: "error", limit: 5 });
    await client.listTaskSteps(UUID);
    await client.getStep(UUID, STEP);
    await client.getStepAudit(UUID, STEP);
    await client.cancelTask(UUID, "not needed & gone");
    await client.retryStep(UUID, STEP, "again");
    await client.resolveStepManually(UUID, STEP, "fixed");
    await client.completeStepManually(UUID, STEP, { ok: 1 }, "by hand");
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /v1/tasks?namespace=ecommerce&status=error&limit=5",
      `GET /v1/tasks/${UUID}/workflow_steps`,
      `GET /v1/tasks/${UUID}/workflow_steps/${STEP}`,
      `GET /v1/tasks/${UUID}/workflow_steps/${STEP}/audit`,
      `DELETE /v1/tasks/${UUID}?reason=not+needed+%26+gone`,
      `PATCH /v1/tasks/${UUID}/workflow_steps/${STEP}`,
      `PATCH /v1/tasks/${UUID}/workflow_steps/${STEP}`,
      `PATCH /v1/tasks/${UUID}/workflow_steps/${STEP}`,
    ]);
    expect(seen.slice(5).map((s) => JSON.parse(s.body))).toEqual([
      { action_type: "reset_for_retry", reason: "again" },
      { action_type: "resolve_manually", reason: "fixed" },
      { action_type: "complete_manually", reason: "by hand", completion_data: { result: { ok: 1 } } },
    ]);
  });

  it("encodes ids so they cannot change the path", async () => {
    handler = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "task not found here" } });
    const client = new TaskerHttpClient({ baseUrl });
    await expect(client.getTask("../../metrics")).rejects.toBeInstanceOf(TaskerError);
    expect(seen[0]!.url).toBe("/v1/tasks/..%2F..%2Fmetrics");
  });

  it("turns the error envelope into a TaskerError with the same code and details", async () => {
    handler = (_req, res) =>
      json(res, 409, {
        error: { code: "CONFLICT", message: "idempotency key reused", details: { task_uuid: UUID } },
      });
    const err = await new TaskerHttpClient({ baseUrl })
      .createTask({ name: "a", namespace: "b", idempotency_key: "k" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TaskerError);
    expect(err).toMatchObject({ code: "CONFLICT", status: 409, message: "idempotency key reused" });
    expect(err.details).toEqual({ task_uuid: UUID });
  });

  it("maps a non-envelope failure (a proxy page) by status", async () => {
    handler = (_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>bad gateway</html>");
    };
    const err = await new TaskerHttpClient({ baseUrl, retries: 0 }).getTask(UUID).catch((e) => e);
    expect(err).toMatchObject({ code: "SERVICE_UNAVAILABLE", details: { status: 502 } });
    expect(err.message).toContain("HTTP 502");
  });

  it("retries a 503 after the Retry-After delay, then succeeds", async () => {
    handler = (_req, res) => {
      if (seen.length < 3) {
        return json(res, 503, { error: { code: "BACKPRESSURE", message: "busy" } }, { "retry-after": "0.2" });
      }
      json(res, 200, task());
    };
    const started = Date.now();
    const got = await new TaskerHttpClient({ baseUrl, retries: 3 }).getTask(UUID);
    expect(got.task_uuid).toBe(UUID);
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it("gives up after the configured retries with the server's error and its Retry-After", async () => {
    handler = (_req, res) =>
      json(res, 503, { error: { code: "BACKPRESSURE", message: "busy" } }, { "retry-after": "120" });
    const started = Date.now();
    const err = await new TaskerHttpClient({ baseUrl, retries: 2, maxRetryDelayMs: 50 })
      .getTask(UUID)
      .catch((e) => e);
    expect(err).toMatchObject({ code: "BACKPRESSURE", status: 503, retryAfterSeconds: 120 });
    expect(seen).toHaveLength(3);
    // The 120 s Retry-After was capped at 50 ms per wait.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("times out a slow answer as SERVICE_UNAVAILABLE", async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, task()), 1_000);
    const err = await new TaskerHttpClient({ baseUrl, timeoutMs: 100 }).getTask(UUID).catch((e) => e);
    expect(err).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(err.message).toMatch(/timed out after 100 ms/);
  });

  it("reports an unreachable server as SERVICE_UNAVAILABLE naming the URL", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const err = await new TaskerHttpClient({ baseUrl: `http://127.0.0.1:${port}` })
      .getTask(UUID)
      .catch((e) => e);
    expect(err).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
  });

  it("rejects an answer of the wrong shape instead of returning it", async () => {
    handler = (_req, res) => json(res, 200, { hello: "world" });
    const err = await new TaskerHttpClient({ baseUrl }).getTask(UUID).catch((e) => e);
    expect(err).toMatchObject({ code: "INTERNAL_ERROR" });
    expect(err.message).toMatch(/unexpected shape/);
  });

  it("returns an unhealthy /health answer (503) instead of throwing or retrying", async () => {
    handler = (_req, res) =>
      json(res, 503, {
        status: "unhealthy",
        checks: { database: false, queue: false },
        uptime_seconds: 3,
        timestamp: "2025-01-01T00:00:00.000Z",
      });
    const health = await new TaskerHttpClient({ baseUrl }).health();
    expect(health).toMatchObject({ status: "unhealthy", checks: { database: false } });
    expect(seen).toHaveLength(1);
  });

  it("encodes template path segments and the namespace filter", async () => {
    handler = (req, res) =>
      req.url!.startsWith("/v1/templates?")
        ? json(res, 200, { templates: [], total: 0 })
        : json(res, 404, { error: { code: "NOT_FOUND", message: "template is not registered" } });
    const client = new TaskerHttpClient({ baseUrl });
    expect(await client.listTemplates("sales team")).toEqual({ templates: [], total: 0 });
    await expect(client.getTemplate("a/b", "c", "1.0.0+x")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(seen.map((s) => s.url)).toEqual([
      "/v1/templates?namespace=sales+team",
      "/v1/templates/a%2Fb/c/1.0.0%2Bx",
    ]);
  });

  describe("waitForTask", () => {
    it("polls until terminal, reporting each change", async () => {
      const states: TaskResponse["status"][] = [
        "steps_in_process",
        "steps_in_process",
        "evaluating_results",
        "complete",
      ];
      handler = (_req, res) =>
        json(res, 200, task({ status: states[Math.min(seen.length - 1, states.length - 1)]! }));
      const progress: string[] = [];
      const done = await new TaskerHttpClient({ baseUrl }).waitForTask(UUID, {
        intervalMs: 20,
        onProgress: (t) => progress.push(t.status),
      });
      expect(done.status).toBe("complete");
      expect(seen).toHaveLength(4);
      expect(progress).toEqual(["steps_in_process", "evaluating_results", "complete"]);
    });

    it("throws SERVICE_UNAVAILABLE with the last status when the task does not finish in time", async () => {
      handler = (_req, res) => json(res, 200, task());
      const err = await new TaskerHttpClient({ baseUrl })
        .waitForTask(UUID, { timeoutMs: 150, intervalMs: 40 })
        .catch((e) => e);
      expect(err).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(err.message).toMatch(/did not finish within 150 ms \(last status: steps_in_process/);
    });

    it("stops when aborted", async () => {
      handler = (_req, res) => json(res, 200, task());
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 60);
      const err = await new TaskerHttpClient({ baseUrl })
        .waitForTask(UUID, { intervalMs: 1_000, signal: controller.signal })
        .catch((e) => e);
      expect(err).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: "waitForTask was aborted" });
    });
  });
});
