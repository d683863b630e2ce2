import { describe, expect, it } from "vitest";
import { applyEnvOverrides, parseApiKeys } from "./env-overrides.js";

describe("applyEnvOverrides", () => {
  it("does not modify the raw config it is given and records where each value came from", () => {
    const raw = { common: { database: { url: "postgres://file" } } };
    const result = applyEnvOverrides(raw, { DATABASE_URL: "postgres://env" }, "/");
    expect(raw.common.database.url).toBe("postgres://file");
    expect(result.raw).toEqual({ common: { database: { url: "postgres://env" } } });
    expect([...result.sources]).toEqual([["common.database.url", "DATABASE_URL"]]);
  });

  it("splits TASKER_TEMPLATE_PATH on the path delimiter and resolves it against cwd", () => {
    const result = applyEnvOverrides({}, { TASKER_TEMPLATE_PATH: "a:/abs/b" }, "/srv");
    expect(result.raw).toEqual({ common: { task_templates: { search_paths: ["/srv/a", "/abs/b"] } } });
  });

  it("leaves a malformed file value for validation to report", () => {
    const raw = { common: { task_templates: { search_paths: "not-a-list" } } };
    const result = applyEnvOverrides(raw, { TASKER_TEMPLATE_PATH: "a" }, "/srv");
    expect(result.raw).toEqual(raw);
  });
});

describe("parseApiKeys", () => {
  it("parses key:perm|perm entries", () => {
    expect(parseApiKeys("k1:tasks:read|steps:read, k2:*")).toEqual({
      keys: [
        { key: "k1", name: "TASKER_API_KEYS[0]", permissions: ["tasks:read", "steps:read"] },
        { key: "k2", name: "TASKER_API_KEYS[1]", permissions: ["*"] },
      ],
    });
  });

  it("explains malformed input", () => {
    expect(parseApiKeys("k1:*,k2")).toMatchObject({ error: expect.stringContaining("entry 2 must be") });
    expect(parseApiKeys(":*")).toMatchObject({ error: expect.stringContaining("entry 1 must be") });
    expect(parseApiKeys("[not json")).toMatchObject({
      error: expect.stringContaining("not a valid JSON array"),
    });
  });
});
