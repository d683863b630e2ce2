// The dashboard with API keys: sign-in, the API's permissions on pages, actions and JSON, and
// the session cookie. PGlite only: auth does not depend on the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../../src/model/errors.js";
import type { TaskRequest } from "../../src/model/task-request.js";
import type { TaskResponse } from "../../src/model/task-response.js";
import { type DashboardHarness, request, startDashboardHarness } from "./dashboard-harness.js";

const KEYS = {
  admin: { name: "ops", key: "admin-key-0123456789abcdef", permissions: ["*"] },
  reader: {
    name: "viewer",
    key: "reader-key-0123456789abcdef",
    permissions: ["tasks:read", "templates:read"],
  },
};

describe("dashboard with API keys", () => {
  let h: DashboardHarness;
  let failed: TaskResponse;
  beforeAll(async () => {
    h = await startDashboardHarness("pglite", {
      auth: { enabled: true, apiKeys: [KEYS.admin, KEYS.reader] },
    });
    const { task } = await h.tasker.client.createTask({
      name: "diamond",
      namespace: "test_alpha",
      version: "1.0.0",
      context: { fail: { c: { mode: "permanent", times: 1 } } },
    } as TaskRequest);
    failed = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const signIn = async (key: string, next = "/ui/tasks") => {
    const res = await request(h.base, "/ui/login", { form: { key, next } });
    const cookie = res.headers.get("set-cookie") ?? "";
    return { res, cookie: cookie.split(";")[0]! };
  };

  it("sends visitors without a key to sign in, and back to the page afterwards", async () => {
    const page = await request(h.base, `/ui/tasks/${failed.task_uuid}?step=c`);
    expect(page.status).toBe(303);
    const login = page.headers.get("location")!;
    expect(login).toBe(`/ui/login?next=${encodeURIComponent(`/ui/tasks/${failed.task_uuid}?step=c`)}`);
    const form = await request(h.base, login);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`name="next" value="/ui/tasks/${failed.task_uuid}?step=c"`);

    const { res } = await signIn(KEYS.admin.key, `/ui/tasks/${failed.task_uuid}?step=c`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/ui/tasks/${failed.task_uuid}?step=c`);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^tasker_dashboard_key=/);
    expect(cookie).toContain("Path=/ui");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
  });

  it("refuses an unknown key with a clear message and never redirects off the dashboard", async () => {
    const { res } = await signIn("not-a-configured-key-at-all");
    expect(res.status).toBe(401);
    expect(res.text).toContain("That API key is not configured on this server");
    expect(res.headers.get("set-cookie")).toBeNull();
    const offsite = await signIn(KEYS.admin.key, "//evil.example/steal");
    expect(offsite.res.headers.get("location")).toBe("/ui");
  });

  it("lets a read-only key look but not act, naming the missing permission", async () => {
    const { cookie } = await signIn(KEYS.reader.key);
    const page = await request(h.base, `/ui/tasks/${failed.task_uuid}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<span class="who" title="Signed in with this API key">viewer</span>');
    expect(page.text).not.toContain('data-action="reset_for_retry"');
    expect(page.text).toContain("needs the <code>steps:resolve</code> permission");

    const c = failed.steps.find((s) => s.name === "c")!;
    const action = await request(
      h.base,
      `/ui/tasks/${failed.task_uuid}/steps/${c.workflow_step_uuid}/action`,
      {
        form: { action_type: "reset_for_retry", reason: "try" },
        headers: { cookie },
      },
    );
    expect(action.status).toBe(403);
    expect(action.text).toContain(
      "The API key &quot;viewer&quot; lacks the &quot;steps:resolve&quot; permission",
    );
    expect((await h.tasker.client.getTask(failed.task_uuid)).status).toBe("error");

    const queues = await request(h.base, "/ui/queues", { headers: { cookie } });
    expect(queues.status).toBe(403);
    expect(queues.text).toContain("metrics:read");
  });

  it("lets a key with the permissions act, as through the API", async () => {
    const { cookie } = await signIn(KEYS.admin.key);
    const c = failed.steps.find((s) => s.name === "c")!;
    const action = await request(
      h.base,
      `/ui/tasks/${failed.task_uuid}/steps/${c.workflow_step_uuid}/action`,
      {
        form: { action_type: "reset_for_retry", reason: "fixed upstream" },
        headers: { cookie, "HX-Request": "true" },
      },
    );
    expect(action.status).toBe(200);
    expect((await h.tasker.client.waitForTask(failed.task_uuid, { timeoutMs: 20_000 })).status).toBe(
      "complete",
    );
    const audit = await h.tasker.client.getStepAudit(failed.task_uuid, c.workflow_step_uuid);
    expect(audit.find((t) => t.event === "reset_for_retry")?.metadata.by).toBe("ops (dashboard)");
  });

  it("answers JSON routes with the API's envelopes, and accepts the X-API-Key header", async () => {
    const anonymous = await request(h.base, "/ui/api/workers");
    expect(anonymous.status).toBe(401);
    expect(ErrorEnvelopeSchema.parse(JSON.parse(anonymous.text)).error.code).toBe("UNAUTHORIZED");
    const reader = await request(h.base, "/ui/api/queues", { headers: { "X-API-Key": KEYS.reader.key } });
    expect(reader.status).toBe(403);
    expect(JSON.parse(reader.text).error.details).toEqual({ required_permission: "metrics:read" });
    const admin = await request(h.base, "/ui/api/queues", { headers: { "X-API-Key": KEYS.admin.key } });
    expect(admin.status).toBe(200);
  });

  it("tells htmx to go to sign-in when a session ends mid-page", async () => {
    const res = await request(h.base, `/ui/tasks/${failed.task_uuid}/live`, {
      headers: { "HX-Request": "true", "HX-Current-URL": `${h.base}/ui/tasks/${failed.task_uuid}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("hx-redirect")).toBe(
      `/ui/login?next=${encodeURIComponent(`/ui/tasks/${failed.task_uuid}`)}`,
    );
  });

  it("serves assets and the sign-in page without a key, and signs out", async () => {
    expect((await request(h.base, "/ui/assets/dashboard.css")).status).toBe(200);
    expect((await request(h.base, "/ui/login")).status).toBe(200);
    const { cookie } = await signIn(KEYS.admin.key);
    const out = await request(h.base, "/ui/logout", { form: {}, headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/ui/login");
    expect(out.headers.get("set-cookie")).toMatch(/^tasker_dashboard_key=;.*Max-Age=0/);
  });
});
