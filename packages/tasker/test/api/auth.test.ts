// API-key auth over real HTTP: 401 without a valid key, 403 without the permission, and the
// right key opens exactly its routes. Health and the API description stay open.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthConfigError, startOrchestrationServer } from "../../src/api/index.js";
import { TaskerHttpClient } from "../../src/client/http-client.js";
import { TaskerError } from "../../src/model/errors.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const KEYS = {
  admin: { name: "admin", key: "admin-0123456789abcdef0123456789", permissions: ["*"] },
  reader: {
    name: "reader",
    key: "reader-0123456789abcdef012345678",
    permissions: ["tasks:read", "templates:read"],
  },
  writer: { name: "writer", key: "writer-0123456789abcdef012345678", permissions: ["tasks:write"] },
  resolver: { name: "resolver", key: "resolver-0123456789abcdef0123456", permissions: ["steps:resolve"] },
  scraper: { name: "scraper", key: "scraper-0123456789abcdef01234567", permissions: ["metrics:read"] },
};

describe.each(testBackends())("API-key auth on %s", (backend) => {
  let h: ApiHarness;
  const logLines: string[] = [];
  let taskUuid: string;
  let stepUuid: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    h = await startApiHarness(backend, {
      auth: { enabled: true, apiKeys: Object.values(KEYS) },
      logger: pino({ level: "debug" }, sink),
    });
    const created = await call(h.url, "/v1/tasks", {
      method: "POST",
      headers: { "x-api-key": KEYS.writer.key },
      json: { name: "order_flow", namespace: "api_test", context: { order_id: 1 } },
    });
    expect(created.status).toBe(201);
    taskUuid = created.body.task_uuid;
    stepUuid = created.body.steps[0].workflow_step_uuid;
  });
  afterAll(async () => {
    await h?.close();
  });

  const routes = () => [
    { method: "GET", path: "/v1/tasks", permission: "tasks:read" },
    { method: "GET", path: `/v1/tasks/${taskUuid}`, permission: "tasks:read" },
    { method: "GET", path: `/v1/tasks/${taskUuid}/workflow_steps`, permission: "tasks:read" },
    { method: "GET", path: `/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}`, permission: "tasks:read" },
    {
      method: "GET",
      path: `/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}/audit`,
      permission: "tasks:read",
    },
    { method: "POST", path: "/v1/tasks", permission: "tasks:write" },
    { method: "DELETE", path: `/v1/tasks/${randomUUID()}`, permission: "tasks:write" },
    {
      method: "PATCH",
      path: `/v1/tasks/${taskUuid}/workflow_steps/${stepUuid}`,
      permission: "steps:resolve",
    },
    { method: "GET", path: "/v1/templates", permission: "templates:read" },
    { method: "GET", path: "/v1/templates/api_test/order_flow/1.0.0", permission: "templates:read" },
    { method: "GET", path: "/metrics", permission: "metrics:read" },
  ];

  it("401 on every protected route without a key or with a wrong one", async () => {
    for (const r of routes()) {
      const none = await call(h.url, r.path, { method: r.method });
      expect(none.status, `${r.method} ${r.path}`).toBe(401);
      expect(none.body.error.code).toBe("UNAUTHORIZED");
      const wrong = await call(h.url, r.path, {
        method: r.method,
        headers: { "x-api-key": `${KEYS.admin.key}x` },
      });
      expect(wrong.status, `${r.method} ${r.path}`).toBe(401);
    }
  });

  it("403 for keys without the route's permission; past auth for keys with it", async () => {
    for (const r of routes()) {
      for (const k of Object.values(KEYS)) {
        const allowed = k.permissions.includes("*") || k.permissions.includes(r.permission);
        const res = await call(h.url, r.path, {
          method: r.method,
          headers: { "x-api-key": k.key },
          ...(r.method === "POST" || r.method === "PATCH" ? { json: {} } : {}),
        });
        if (allowed) {
          // Past auth: the route itself answers (a 400 for the empty bodies, a 404 for the random task).
          expect([200, 400, 404], `${k.name} ${r.method} ${r.path}`).toContain(res.status);
        } else {
          expect(res.status, `${k.name} ${r.method} ${r.path}`).toBe(403);
          expect(res.body.error).toMatchObject({
            code: "FORBIDDEN",
            details: { required_permission: r.permission },
          });
        }
      }
    }
  });

  it("keeps health, the OpenAPI document and the docs page open", async () => {
    for (const path of ["/health", "/health/live", "/health/ready", "/openapi.json", "/docs"]) {
      expect((await call(h.url, path)).status, path).toBe(200);
    }
  });

  it("works through TaskerHttpClient, with typed errors for bad or missing keys", async () => {
    const reader = new TaskerHttpClient({ baseUrl: h.url, apiKey: KEYS.reader.key });
    expect((await reader.getTask(taskUuid)).task_uuid).toBe(taskUuid);
    const forbidden = await reader.cancelTask(taskUuid).catch((e) => e);
    expect(forbidden).toBeInstanceOf(TaskerError);
    expect(forbidden).toMatchObject({ code: "FORBIDDEN", status: 403 });
    const anonymous = await new TaskerHttpClient({ baseUrl: h.url }).listTasks().catch((e) => e);
    expect(anonymous).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
  });

  it("never writes a key to the logs", async () => {
    await call(h.url, "/v1/tasks", { headers: { "x-api-key": KEYS.admin.key } });
    await call(h.url, "/v1/tasks", { headers: { "x-api-key": "not-a-key-but-secret-looking-1234" } });
    const logs = logLines.join("");
    expect(logs).toContain('"msg":"request"');
    for (const k of Object.values(KEYS)) expect(logs).not.toContain(k.key);
    expect(logs).not.toContain("not-a-key-but-secret-looking-1234");
  });

  describe("auth configuration of startOrchestrationServer", () => {
    it("requires keys outside embedded mode, with a message saying how to set them", async () => {
      await expect(
        startOrchestrationServer({ tasker: h.tasker, port: 0, embedded: false, env: {} }),
      ).rejects.toThrow(AuthConfigError);
      await expect(
        startOrchestrationServer({ tasker: h.tasker, port: 0, embedded: false, env: {} }),
      ).rejects.toThrow(/TASKER_API_KEY/);
    });

    it("defaults to the engine's mode: open on embedded PGlite, keys required on PostgreSQL", async () => {
      const attempt = startOrchestrationServer({ tasker: h.tasker, port: 0, hostname: "127.0.0.1", env: {} });
      if (backend === "postgres") {
        await expect(attempt).rejects.toThrow(AuthConfigError);
      } else {
        const server = await attempt;
        expect((await call(server.url, "/v1/tasks")).status).toBe(200);
        await server.close();
      }
    });

    it("reads keys from the environment", async () => {
      const server = await startOrchestrationServer({
        tasker: h.tasker,
        port: 0,
        embedded: false,
        hostname: "127.0.0.1",
        env: { TASKER_API_KEY: KEYS.admin.key },
      });
      try {
        expect((await call(server.url, "/v1/tasks")).status).toBe(401);
        expect(
          (await call(server.url, "/v1/tasks", { headers: { "x-api-key": KEYS.admin.key } })).status,
        ).toBe(200);
      } finally {
        await server.close();
      }
    });

    it("is open in embedded mode without configuration", async () => {
      const server = await startOrchestrationServer({ tasker: h.tasker, port: 0, embedded: true, env: {} });
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect((await call(server.url, "/v1/tasks")).status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it("says which port is taken", async () => {
      await expect(
        startOrchestrationServer({
          tasker: h.tasker,
          port: h.server.port,
          hostname: "127.0.0.1",
          embedded: true,
          env: {},
        }),
      ).rejects.toThrow(new RegExp(`port ${h.server.port} .* already in use`));
    });
  });
});
