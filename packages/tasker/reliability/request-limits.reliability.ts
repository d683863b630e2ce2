// Request limits on a real `tasker-ctl serve` (PostgreSQL, API keys on, request_timeout_ms =
// 2000): an oversized body to every route that takes one (each POST/PUT/PATCH/DELETE of the
// OpenAPI document and every dashboard form, /ui/login included) is refused with 413 at once and
// the server's memory stays where it was; clients that send their headers or their body a byte at
// a time (slow loris) are cut off by the time limit, while /health/live keeps answering at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../src/model/errors.js";
import { DASHBOARD_ROUTES } from "./support/dashboard-fuzz.js";
import { ADMIN_KEY, type ServeProcess, startServe } from "./support/engine-processes.js";
import { killAll } from "./support/processes.js";
import {
  createTasks,
  openScenarioDatabase,
  type ScenarioDatabase,
  writeConfig,
} from "./support/scenario-database.js";
import { scenarioReport } from "./support/scenario-report.js";
import { keepProbing, rssMiB, slowClient } from "./support/slow-client.js";

const REQUEST_TIMEOUT_MS = 2_000;
const MiB = 1024 * 1024;
/** Sent with a Content-Length to every route: refused before a byte is read. */
const DECLARED_BYTES = 64 * MiB;
/** Sent with a Content-Length and chunked to every route: read to its end and dropped, then refused. */
const DRAINED_BYTES = 4 * MiB;
/** The sign-in form of issue #20. */
const HUGE_LOGIN_BYTES = 200 * MiB;

interface BodyRoute {
  method: string;
  /** With ids filled in. */
  path: string;
  dashboard: boolean;
}

describe("request limits", () => {
  let s: ScenarioDatabase;
  let serve: ServeProcess;
  let task: string;
  let step: string;
  let statusBefore: string;
  let routes: BodyRoute[];

  beforeAll(async () => {
    s = await openScenarioDatabase("request_limits");
    const config = writeConfig(
      s.dir,
      "serve",
      `[orchestration.web]\nrequest_timeout_ms = ${REQUEST_TIMEOUT_MS}\n`,
    );
    serve = await startServe(s.url, ["--config", config]);
    // Never picked up: its step stays pending, so a form that got through would show.
    const [parkedUuid] = await createTasks(s.tasker, 1, () => ({
      name: "parked",
      namespace: "reliability_parked",
    }));
    task = parkedUuid!;
    const parked = await s.tasker.client.getTask(task);
    step = parked.steps[0]!.workflow_step_uuid;
    statusBefore = parked.status;
    const ids: Record<string, string> = {
      task_uuid: task,
      step_uuid: step,
      namespace: "reliability",
      name: "single",
      version: "1.0.0",
      worker_id: "reliability-worker",
    };
    const doc = (await (await fetch(`${serve.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = [
      ...Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((m) => ["post", "put", "patch", "delete"].includes(m))
          .map((m) => ({
            method: m.toUpperCase(),
            path: path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? "x"),
            dashboard: false,
          })),
      ),
      ...DASHBOARD_ROUTES.filter((r) => r.method === "POST").map((r) => ({
        method: r.method,
        path: `/ui${r.path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? "x")}`,
        dashboard: true,
      })),
    ];
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  describe("oversized bodies", () => {
    const report = scenarioReport("request limits: oversized body to every route", 8.3);
    const bytes = new Uint8Array(HUGE_LOGIN_BYTES).fill(0x61);
    /** The bodies sent to every route: each is over every limit (1 MiB + a little). */
    const BODIES = [
      { name: `${DECLARED_BYTES / MiB} MiB declared`, bytes: DECLARED_BYTES, chunked: false },
      { name: `${DRAINED_BYTES / MiB} MiB declared`, bytes: DRAINED_BYTES, chunked: false },
      { name: `${DRAINED_BYTES / MiB} MiB chunked`, bytes: DRAINED_BYTES, chunked: true },
    ];

    async function send(route: BodyRoute, size: number, chunked: boolean) {
      const started = Date.now();
      const body = chunked
        ? new ReadableStream<Uint8Array>({
            start(controller) {
              for (let at = 0; at < size; at += MiB)
                controller.enqueue(bytes.subarray(at, Math.min(size, at + MiB)));
              controller.close();
            },
          })
        : bytes.subarray(0, size);
      try {
        const res = await fetch(serve.url + route.path, {
          method: route.method,
          headers: {
            "x-api-key": ADMIN_KEY,
            origin: serve.url,
            "content-type": route.dashboard ? "application/x-www-form-urlencoded" : "application/json",
          },
          body,
          signal: AbortSignal.timeout(20_000),
          ...(chunked ? { duplex: "half" } : {}),
        } as RequestInit);
        const text = await res.text();
        return {
          status: res.status,
          contentType: res.headers.get("content-type") ?? "",
          text,
          ms: Date.now() - started,
        };
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        return { status: 0, contentType: "", text: cause?.message ?? String(err), ms: Date.now() - started };
      }
    }

    it("answers 413 quickly on every POST/PUT/PATCH/DELETE route, and the server's memory stays flat", async () => {
      await report.run(async () => {
        expect(routes.filter((r) => !r.dashboard).length).toBeGreaterThanOrEqual(3);
        expect(routes.map((r) => `${r.method} ${r.path}`)).toContain("POST /ui/login");
        const before = rssMiB(serve.process.pid);
        const health = await keepProbing(`${serve.url}/health/live`);
        let slowest = 0;
        let sentBytes = 0;
        for (const route of routes) {
          for (const b of BODIES) {
            const res = await send(route, b.bytes, b.chunked);
            sentBytes += b.bytes;
            const what = `${route.method} ${route.path} (${b.name}): ${res.text.slice(0, 200)}`;
            expect(res.status, what).toBe(413);
            if (route.dashboard && !route.path.startsWith("/ui/api/")) {
              expect(res.contentType, what).toContain("text/html");
              expect(res.text, what).toMatch(/the request body is larger than \d+ bytes/);
            } else {
              expect(ErrorEnvelopeSchema.parse(JSON.parse(res.text)).error.code, what).toBe(
                "PAYLOAD_TOO_LARGE",
              );
            }
            expect(res.ms, what).toBeLessThan(3_000);
            slowest = Math.max(slowest, res.ms);
          }
        }
        const login = { method: "POST", path: "/ui/login", dashboard: true };
        // Issue #20's sign-in form: refused before a byte is read.
        const huge = await send(login, HUGE_LOGIN_BYTES, false);
        expect(huge.status).toBe(413);
        expect(huge.ms).toBeLessThan(3_000);
        // A stream far over the limit is cut off (the client may see a reset instead of the 413).
        for (const route of [login, routes.find((r) => r.path === "/v1/tasks")!]) {
          const endless = await send(route, HUGE_LOGIN_BYTES / 2, true);
          expect([0, 413], `${route.path}: ${endless.text}`).toContain(endless.status);
          expect(endless.ms).toBeLessThan(3_000);
        }
        sentBytes += HUGE_LOGIN_BYTES * 2;
        const { probes, slowestMs, failures } = await health.stop();
        await new Promise((r) => setTimeout(r, 1_000));
        const after = rssMiB(serve.process.pid);
        report.note(
          `${routes.length} routes x (${BODIES.map((b) => b.name).join(", ")}) + ${HUGE_LOGIN_BYTES / MiB} MiB sign-in, ${Math.round(sentBytes / MiB / 1024)} GiB in all: 413 in <= ${Math.max(slowest, huge.ms)} ms; RSS ${before} -> ${after} MiB; /health/live <= ${slowestMs} ms over ${probes} probes`,
        );
        expect(failures).toEqual([]);
        expect(probes).toBeGreaterThanOrEqual(5); // it answered while the load ran
        expect(slowestMs).toBeLessThan(1_000);
        // The server kept none of it.
        expect(after - before).toBeLessThan(100);
        expect((await s.tasker.client.getTask(task)).status).toBe(statusBefore);
      });
    });
  });

  describe("slow clients", () => {
    const report = scenarioReport("request limits: slow clients (slow loris)", 8.4);

    it("cuts off clients sending headers or a body a byte at a time, while /health/live answers at once", async () => {
      await report.run(async () => {
        const giveUpMs = REQUEST_TIMEOUT_MS * 5;
        const slowHeaders = (path: string) =>
          slowClient(
            serve.url,
            `GET ${path} HTTP/1.1\r\n`,
            `Host: x\r\nX-API-Key: ${ADMIN_KEY}\r\n\r\n`,
            100,
            giveUpMs,
          );
        const slowBody = (method: string, path: string, contentType: string) => {
          const body = "x".repeat(2_000);
          return slowClient(
            serve.url,
            `${method} ${path} HTTP/1.1\r\nHost: x\r\nOrigin: http://x\r\nX-API-Key: ${ADMIN_KEY}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
            body,
            50,
            giveUpMs,
          );
        };
        const form = "application/x-www-form-urlencoded";
        const json = "application/json";
        const clients: [string, Promise<{ reply: string; closedAfterMs: number }>][] = [];
        for (let i = 0; i < 8; i++) {
          for (const path of ["/health/live", "/v1/tasks", "/metrics", "/ui/tasks", "/ui/login"]) {
            clients.push([`GET ${path} (headers)`, slowHeaders(path)]);
          }
        }
        for (const [method, path, type] of [
          ["POST", "/v1/tasks", json],
          ["PATCH", `/v1/tasks/${task}/workflow_steps/${step}`, json],
          ["POST", "/ui/login", form],
          ["POST", `/ui/tasks/${task}/cancel`, form],
          ["POST", `/ui/tasks/${task}/steps/${step}/action`, form],
        ] as const) {
          for (let i = 0; i < 2; i++)
            clients.push([`${method} ${path} (body)`, slowBody(method, path, type)]);
        }
        // Meanwhile everyone else is answered at once.
        const health = await keepProbing(`${serve.url}/health/live`);
        const page = await fetch(`${serve.url}/ui/tasks`, { headers: { "x-api-key": ADMIN_KEY } });
        expect(page.status).toBe(200);
        const results = await Promise.all(clients.map(async ([what, c]) => ({ what, ...(await c) })));
        const { probes, slowestMs, failures } = await health.stop();
        const cutAfter = results.map((r) => r.closedAfterMs);
        report.note(
          `${results.length} clients a byte every 50-100 ms, request_timeout_ms ${REQUEST_TIMEOUT_MS}: cut off after ${Math.min(...cutAfter)}-${Math.max(...cutAfter)} ms; /health/live <= ${slowestMs} ms over ${probes} probes`,
        );
        for (const r of results) {
          // Cut off by the time limit (not earlier, not much later), with a 408 when nothing was answered yet.
          expect(r.closedAfterMs, r.what).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS * 0.9);
          expect(r.closedAfterMs, r.what).toBeLessThan(REQUEST_TIMEOUT_MS * 2);
          expect(r.reply, r.what).toMatch(/^(HTTP\/1\.1 408 |$)/);
        }
        expect(failures).toEqual([]);
        expect(probes).toBeGreaterThanOrEqual(5); // it answered while the load ran
        expect(slowestMs).toBeLessThan(500);
        expect(serve.process.child.exitCode).toBeNull();
        expect((await s.tasker.client.getTask(task)).status).toBe(statusBefore);
      });
    });
  });
});
