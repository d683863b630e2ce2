import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  ApiKeySchema,
  AuthConfigSchema,
  type AuthEnv,
  createKeyMatcher,
  grants,
  requirePermission,
} from "./auth.js";

const OPS = { key: "ops-key-0123456789abcdef", name: "ops", permissions: ["tasks:read", "tasks:write"] };
const ADMIN = { key: "admin-key-0123456789abcdef", permissions: ["*"] };
const STEPS = { key: "steps-key-0123456789abcdef", name: "steps", permissions: ["steps:*"] };

describe("grants", () => {
  it("grants exact permissions, resource wildcards and *", () => {
    expect(grants(["tasks:read"], "tasks:read")).toBe(true);
    expect(grants(["tasks:read"], "tasks:write")).toBe(false);
    expect(grants(["tasks:*"], "tasks:write")).toBe(true);
    expect(grants(["tasks:*"], "steps:resolve")).toBe(false);
    expect(grants(["*"], "metrics:read")).toBe(true);
    expect(grants([], "tasks:read")).toBe(false);
  });
});

describe("createKeyMatcher", () => {
  const match = createKeyMatcher([OPS, ADMIN]);
  it("finds the principal of a configured key, named or numbered", () => {
    expect(match(OPS.key)).toEqual({ name: "ops", permissions: OPS.permissions });
    expect(match(ADMIN.key)?.name).toBe("key#2");
  });
  it("rejects unknown keys, prefixes and extensions of real keys", () => {
    expect(match("nope")).toBeUndefined();
    expect(match(OPS.key.slice(0, -1))).toBeUndefined();
    expect(match(`${OPS.key}x`)).toBeUndefined();
    expect(match("")).toBeUndefined();
  });
});

describe("key and config schemas", () => {
  it("rejects short keys and unknown permissions with a useful message", () => {
    const short = ApiKeySchema.safeParse({ key: "short", permissions: ["*"] });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.message).toMatch(/at least 16/);
    const unknown = ApiKeySchema.safeParse({ key: OPS.key, permissions: ["tasks:delete_everything"] });
    expect(unknown.error?.issues[0]?.message).toMatch(/tasks:read/);
  });
  it("refuses auth enabled with no keys", () => {
    const parsed = AuthConfigSchema.safeParse({ enabled: true, apiKeys: [] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/no API keys/);
  });
});

describe("requirePermission", () => {
  const build = (enabled: boolean) => {
    const app = new Hono<AuthEnv>();
    const auth = { enabled, match: createKeyMatcher([OPS, STEPS]) };
    app.get("/read", requirePermission("tasks:read", auth), (c) =>
      c.json({ who: c.get("principal")?.name ?? null }),
    );
    app.patch("/resolve", requirePermission("steps:resolve", auth), (c) => c.json({ ok: true }));
    return app;
  };

  it("lets everything through when auth is disabled", async () => {
    const res = await build(false).request("/read");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ who: null });
  });

  it("401 without a key or with an unknown key, never echoing the key", async () => {
    const app = build(true);
    const missing = await app.request("/read");
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    const wrong = await app.request("/read", { headers: { "X-API-Key": "guess-guess-guess-guess" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain("guess-guess");
  });

  it("403 naming the missing permission; 200 with it", async () => {
    const app = build(true);
    const forbidden = await app.request("/resolve", { method: "PATCH", headers: { "X-API-Key": OPS.key } });
    expect(forbidden.status).toBe(403);
    const body = (await forbidden.json()) as { error: unknown };
    expect(body.error).toMatchObject({
      code: "FORBIDDEN",
      details: { required_permission: "steps:resolve" },
    });
    expect(JSON.stringify(body)).not.toContain(OPS.key);
    const ok = await app.request("/resolve", { method: "PATCH", headers: { "X-API-Key": STEPS.key } });
    expect(ok.status).toBe(200);
    const read = await app.request("/read", { headers: { "x-api-key": OPS.key } });
    expect(await read.json()).toEqual({ who: "ops" });
  });
});
