import { describe, expect, it } from "vitest";
import { can, createDashboardAuth, loginUrl, OPEN_PRINCIPAL, safeNext } from "./session.js";

describe("loginUrl", () => {
  it("asks to come back to the page, unless the page is longer than sign-in would accept", () => {
    expect(loginUrl("/ui", "/ui/tasks?q=a b")).toBe("/ui/login?next=%2Fui%2Ftasks%3Fq%3Da%20b");
    const long = `/ui/tasks?template=${"y".repeat(16_000)}`;
    expect(safeNext(long, "/ui")).toBe("/ui");
    expect(loginUrl("/ui", long)).toBe("/ui/login");
  });
});

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

  it("returns only what a Location header can carry: no control characters, the rest percent-encoded", () => {
    for (const bad of [
      "/ui/tasks\r\nSet-Cookie: x=1",
      "/ui/tasks\nX: 1",
      "/ui/tasks\u0000",
      "/ui/tasks\t",
      "/ui/\u007f",
      "/ui/../v1/tasks",
      "/ui/%2e%2e/v1/tasks",
      "/ui/tasks/".padEnd(3000, "x"),
    ]) {
      expect(safeNext(bad, "/ui"), JSON.stringify(bad)).toBe("/ui");
    }
    expect(safeNext("/ui/tasks?q=café 😀", "/ui")).toBe("/ui/tasks?q=caf%C3%A9%20%F0%9F%98%80");
    expect(safeNext("/ui/tëst", "/ui")).toBe("/ui/t%C3%ABst");
    expect(safeNext("/ui/tasks#top", "/ui")).toBe("/ui/tasks");
    const header = new Headers();
    for (const next of ["/ui/\ud800", "/ui?q=\udfff", "/ui/tasks?q=%ZZ"]) {
      expect(() => header.set("location", safeNext(next, "/ui"))).not.toThrow();
    }
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
