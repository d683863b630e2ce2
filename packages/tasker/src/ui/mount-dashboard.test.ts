import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApiApp } from "../api/app.js";
import type { ApiTasker } from "../api/tasker-port.js";
import { Tasker } from "../tasker.js";
import { mountDashboard } from "./mount-dashboard.js";

describe("mountDashboard", () => {
  let tasker: Tasker;
  // Starting PGlite takes a few seconds on a busy machine.
  beforeAll(async () => {
    tasker = await Tasker.open({ dataDir: "memory://" });
  }, 60_000);
  afterAll(async () => {
    await tasker?.close();
  });

  it("serves the dashboard next to the API from the API app, with the API's view of the engine", async () => {
    // buildApiApp mounts it at /ui by default; here it is mounted by hand onto an app without one.
    const api = buildApiApp({ tasker, dashboard: false });
    const engine: ApiTasker = tasker;
    mountDashboard(api.app, { tasker: engine });
    const page = await api.app.request("/ui/tasks");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("No task matches these filters.");
    expect((await api.app.request("/v1/templates")).status).toBe(200);
    const queues = (await (await api.app.request("/ui/api/queues")).json()) as { transport: string };
    expect(queues.transport).toBe("postgres");
    api.dispose();
  });

  it("mounts at another path, and links stay under it", async () => {
    const api = buildApiApp({ tasker, dashboard: false });
    mountDashboard(api.app, { tasker, basePath: "/ops/dashboard/" });
    const root = await api.app.request("/ops/dashboard");
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/ops/dashboard/tasks");
    const html = await (await api.app.request("/ops/dashboard/tasks")).text();
    expect(html).toContain('href="/ops/dashboard/assets/dashboard.css?v=');
    expect(html).toContain('<a href="/ops/dashboard/templates">Templates</a>');
    expect(html).not.toMatch(/(href|action|hx-get)="\/ui\//);
    expect((await api.app.request("/ui/tasks")).status).toBe(404);
    api.dispose();
  });

  it("is part of every API app unless turned off", async () => {
    const withUi = buildApiApp({ tasker });
    expect((await withUi.app.request("/ui/tasks")).status).toBe(200);
    withUi.dispose();
    const without = buildApiApp({ tasker, dashboard: false });
    expect((await without.app.request("/ui/tasks")).status).toBe(404);
    without.dispose();
  });
});
