import { describe, expect, it } from "vitest";
import { can, createDashboardAuth, OPEN_PRINCIPAL, safeNext } from "./session.js";

describe("safeNext", () => {
  it("keeps paths inside the dashboard and sends everything else to its start", () => {
    expect(safeNext("/ui/tasks/1?step=a", "/ui")).toBe("/ui/tasks/1?step=a");
    expect(safeNext("/ui", "/ui")).toBe("/ui");
    expect(safeNext("/ui?x=1", "/ui")).toBe("/ui?x=1");
    for (const bad of [
      "//evil.example/x",
      "https://evil.example",
      "/uix/steal",
      "/v1/tasks",
      "/ui\\..\\x",
      "",
    ]) {
      expect(safeNext(bad, "/ui")).toBe("/ui");
    }
    expect(safeNext(undefined, "/ops/ui")).toBe("/ops/ui");
  });
});

describe("createDashboardAuth", () => {
  it("matches configured keys like the API does", () => {
    const auth = createDashboardAuth({
      enabled: true,
      apiKeys: [{ key: "k".repeat(20), name: "ops", permissions: ["tasks:*"] }],
    });
    expect(auth.enabled).toBe(true);
    const principal = auth.match("k".repeat(20));
    expect(principal?.name).toBe("ops");
    expect(auth.match("nope".repeat(5))).toBeUndefined();
    expect(can(principal, "tasks:write")).toBe(true);
    expect(can(principal, "steps:resolve")).toBe(false);
    expect(can(undefined, "tasks:read")).toBe(false);
  });

  it("is off without configuration, where anyone may do anything", () => {
    expect(createDashboardAuth(undefined).enabled).toBe(false);
    expect(can(OPEN_PRINCIPAL, "steps:resolve")).toBe(true);
  });

  it("refuses auth switched on without keys, with the API's message", () => {
    expect(() => createDashboardAuth({ enabled: true, apiKeys: [] })).toThrow(/no API keys are configured/);
  });
});
