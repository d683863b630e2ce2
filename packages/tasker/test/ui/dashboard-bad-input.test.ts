// Hostile input at the dashboard with API keys on (issue #20): oversized and unreadable forms,
// text PostgreSQL cannot store in query parameters and form fields, and sign-in `next` values
// that are not a dashboard path. Every answer is a 4xx that says what was wrong, never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../../src/model/errors.js";
import type { TaskRequest } from "../../src/model/task-request.js";
import type { TaskResponse } from "../../src/model/task-response.js";
import { testBackends } from "../../src/testing/index.js";
import { type DashboardHarness, request, startDashboardHarness } from "./dashboard-harness.js";

const ADMIN = { name: "ops", key: "admin-key-0123456789abcdef", permissions: ["*"] };
const MiB = 1024 * 1024;

describe.each(testBackends())("dashboard bad input on %s", (backend) => {
  let h: DashboardHarness;
  let failed: TaskResponse;
  let cookie: string;
  beforeAll(async () => {
    h = await startDashboardHarness(backend, { auth: { enabled: true, apiKeys: [ADMIN] } });
    const { task } = await h.tasker.client.createTask({
      name: "diamond",
      namespace: "test_alpha",
      version: "1.0.0",
      context: { fail: { c: { mode: "permanent", times: 1 } } },
    } as TaskRequest);
    failed = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    const signedIn = await request(h.base, "/ui/login", { form: { key: ADMIN.key, next: "/ui/tasks" } });
    cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A raw POST of `bytes` bytes (declared, or chunked without a length). */
  const post = async (
    path: string,
    bytes: number,
    init: { chunked?: boolean; headers?: Record<string, string> },
  ) => {
    const body = new Uint8Array(bytes).fill(0x61);
    const started = Date.now();
    const res = await fetch(h.base + path, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: h.base,
        ...init.headers,
      },
      body: init.chunked
        ? new ReadableStream({
            start(controller) {
              for (let at = 0; at < bytes; at += MiB) controller.enqueue(body.subarray(at, at + MiB));
              controller.close();
            },
          })
        : body,
      redirect: "manual",
      ...(init.chunked ? { duplex: "half" } : {}),
    } as RequestInit);
    return { status: res.status, headers: res.headers, text: await res.text(), ms: Date.now() - started };
  };

  describe("body size", () => {
    it("refuses an oversized sign-in form at once, as a dashboard page", async () => {
      for (const chunked of [false, true]) {
        const res = await post("/ui/login", 64 * MiB, { chunked });
        expect(res.status, `chunked: ${chunked}`).toBe(413);
        expect(res.headers.get("content-type")).toContain("text/html");
        expect(res.text).toContain("Too large");
        expect(res.text).toMatch(/the request body is larger than \d+ bytes/);
        expect(res.ms).toBeLessThan(5_000);
      }
      // The server is still there and signs in as before.
      const again = await request(h.base, "/ui/login", { form: { key: ADMIN.key, next: "/ui/tasks" } });
      expect(again.status).toBe(303);
    });

    it("answers an oversized form the way the dashboard answers other errors", async () => {
      const c = failed.steps.find((s) => s.name === "c")!;
      const action = `/ui/tasks/${failed.task_uuid}/steps/${c.workflow_step_uuid}/action`;
      const htmx = await post(action, 3 * MiB, { headers: { cookie, "HX-Request": "true" } });
      expect(htmx.status).toBe(413);
      expect(htmx.headers.get("hx-reswap")).toBe("none");
      expect(htmx.text).toContain('hx-swap-oob="true"');
      const json = await post("/ui/api/queues", 3 * MiB, { headers: { cookie } });
      expect(json.status).toBe(413);
      expect(ErrorEnvelopeSchema.parse(JSON.parse(json.text)).error.code).toBe("PAYLOAD_TOO_LARGE");
      expect((await h.tasker.client.getTask(failed.task_uuid)).status).toBe("error");
    });

    it("bounds the body of every API route too, with the error envelope", async () => {
      for (const path of [`/v1/tasks/${failed.task_uuid}`, "/metrics", "/v1/no/such/route"]) {
        for (const method of ["DELETE", "PUT", "POST"]) {
          const res = await fetch(h.base + path, {
            method,
            headers: { "x-api-key": ADMIN.key, "content-type": "application/json" },
            body: new Uint8Array(8 * MiB),
          });
          expect(res.status, `${method} ${path}`).toBe(413);
          expect(ErrorEnvelopeSchema.parse(await res.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
        }
      }
      expect((await h.tasker.client.getTask(failed.task_uuid)).status).toBe("error");
    });
  });

  describe("text fields", () => {
    it("answers NUL and other unstorable text in query parameters with a 400 naming the parameter", async () => {
      const task = `/ui/tasks/${failed.task_uuid}`;
      const cases: [string, RegExp][] = [
        ["/ui/tasks?q=%00", /q: must not contain NUL characters/],
        ["/ui/tasks?q=a%00b&status=error", /q: must not contain NUL characters/],
        ["/ui/tasks?partial=%00", /partial: /],
        [`${task}?step=%00`, /step: must not contain NUL characters/],
        [`${task}?done=%00`, /done: /],
        [`${task}/live?step=c%00`, /step: must not contain NUL characters/],
        [`${task}/live?v=%00`, /v: must not contain NUL characters/],
        ["/ui/queues?partial=%00", /partial: /],
        ["/ui/templates/test%00alpha/diamond/1.0.0", /namespace/],
        ["/ui/templates/test_alpha/dia%00mond/1.0.0", /name/],
        ["/ui/templates/test_alpha/diamond/1.0%00", /version/],
      ];
      for (const [path, message] of cases) {
        const res = await request(h.base, path, { headers: { cookie } });
        expect(res.status, path).toBe(400);
        expect(res.text, path).toMatch(message);
      }
    });

    it("answers NUL in form fields and unreadable forms with a 400 naming the field", async () => {
      const c = failed.steps.find((s) => s.name === "c")!;
      const action = `/ui/tasks/${failed.task_uuid}/steps/${c.workflow_step_uuid}/action`;
      const cases: [string, Record<string, string>, RegExp][] = [
        [`/ui/tasks/${failed.task_uuid}/cancel`, { reason: "a\u0000b" }, /reason: must not contain NUL/],
        [action, { action_type: "resolve_manually", reason: "a\u0000b" }, /reason: must not contain NUL/],
        [
          action,
          { action_type: "complete_manually", reason: "x", result: '{"a": "\\u0000"}' },
          /result\.a: contains a NUL character/,
        ],
        [action, { action_type: "reset_for_retry\u0000", reason: "x" }, /action_type: must be one of/],
      ];
      for (const [path, form, message] of cases) {
        const res = await request(h.base, path, { form, headers: { cookie } });
        expect(res.status, JSON.stringify(form)).toBe(400);
        expect(res.text, JSON.stringify(form)).toMatch(message);
      }
      const multipart = await fetch(`${h.base}/ui/login`, {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=x", origin: h.base },
        body: "--x\r\nnot a part at all",
      });
      expect(multipart.status).toBe(400);
      expect(await multipart.text()).toContain("the form could not be read");
      expect((await h.tasker.client.getTask(failed.task_uuid)).status).toBe("error");
    });
  });

  describe("sign-in next", () => {
    it("only ever goes back to a dashboard path a Location header can carry", async () => {
      const crlf = "/ui/tasks\r\nX-Evil: 1";
      const form = await request(h.base, `/ui/login?next=${encodeURIComponent(crlf)}`);
      expect(form.status).toBe(200);
      expect(form.text).toContain('name="next" value="/ui"');
      const cases: [string, string][] = [
        [crlf, "/ui"],
        ["/ui/tasks\nX-Evil: 1", "/ui"],
        ["/ui/tasks\u0000", "/ui"],
        ["/ui/../v1/tasks", "/ui"],
        ["/ui/%2e%2e/v1/tasks", "/ui"],
        ["/\\evil.example", "/ui"],
        ["https://evil.example/ui/tasks", "/ui"],
        ["/ui/tasks?q=café 😀", "/ui/tasks?q=caf%C3%A9%20%F0%9F%98%80"],
        [`/ui/tasks/${failed.task_uuid}?step=c`, `/ui/tasks/${failed.task_uuid}?step=c`],
      ];
      for (const [next, location] of cases) {
        const res = await request(h.base, "/ui/login", { form: { key: ADMIN.key, next } });
        expect(res.status, JSON.stringify(next)).toBe(303);
        expect(res.headers.get("location"), JSON.stringify(next)).toBe(location);
        expect(res.headers.get("x-evil")).toBeNull();
      }
    });
  });
});
