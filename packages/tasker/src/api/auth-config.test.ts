import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AuthConfigError,
  authConfigFromEnv,
  authConfigFromToml,
  interpolateEnv,
  resolveAuthConfig,
} from "./auth-config.js";

const KEY = "0123456789abcdef0123456789abcdef";

describe("interpolateEnv", () => {
  it("replaces $VAR references, with :- defaults for unset or empty ones", () => {
    const env = { A: "alpha", EMPTY: "" };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test
    const text = "${A}-${B:-beta}-${EMPTY:-fallback}-${MISSING}";
    expect(interpolateEnv(text, env)).toBe("alpha-beta-fallback-");
  });
});

describe("authConfigFromToml", () => {
  it("reads [orchestration.web.auth] with interpolated keys", () => {
    const toml = `
[orchestration.web.auth]
enabled = true
[[orchestration.web.auth.api_keys]]
name = "ops"
key = "\${OPS_KEY}"
permissions = ["tasks:read", "tasks:write"]
`;
    expect(authConfigFromToml(toml, "tasker.toml", { OPS_KEY: KEY })).toEqual({
      enabled: true,
      apiKeys: [{ name: "ops", key: KEY, permissions: ["tasks:read", "tasks:write"] }],
    });
  });

  it("is undefined without the section", () => {
    expect(authConfigFromToml("[worker]\nnamespaces = []\n", "worker.toml", {})).toBeUndefined();
  });

  it("names the file and key of a bad value", () => {
    const toml = `[orchestration.web.auth]\nenabled = "yes"\n`;
    expect(() => authConfigFromToml(toml, "conf/tasker.toml", {})).toThrow(
      /conf\/tasker\.toml: orchestration\.web\.auth\.enabled/,
    );
    expect(() => authConfigFromToml("[orchestration.web.auth]\nkeys = 1\n", "t.toml", {})).toThrow(/keys/);
    expect(() => authConfigFromToml("this is = = not toml", "t.toml", {})).toThrow(/t\.toml: invalid TOML/);
  });
});

describe("authConfigFromEnv", () => {
  it("reads TASKER_API_KEY as an all-permissions key and TASKER_API_KEYS as JSON", () => {
    const env = {
      TASKER_AUTH_ENABLED: "true",
      TASKER_API_KEY: KEY,
      TASKER_API_KEYS: JSON.stringify([{ name: "reader", key: `r${KEY}`, permissions: ["tasks:read"] }]),
    };
    expect(authConfigFromEnv(env)).toEqual({
      enabled: true,
      apiKeys: [
        { name: "env", key: KEY, permissions: ["*"] },
        { name: "reader", key: `r${KEY}`, permissions: ["tasks:read"] },
      ],
    });
  });

  it("explains bad values", () => {
    expect(() => authConfigFromEnv({ TASKER_AUTH_ENABLED: "maybe" })).toThrow(/TASKER_AUTH_ENABLED/);
    expect(() => authConfigFromEnv({ TASKER_API_KEYS: "no-permissions-given" })).toThrow(
      /TASKER_API_KEYS: entry 1 must be "key:permission\|permission".*or a JSON array/,
    );
    expect(() => authConfigFromEnv({ TASKER_API_KEYS: "[not json" })).toThrow(/JSON array/);
    expect(() => authConfigFromEnv({ TASKER_API_KEYS: "ops:secret" })).toThrow(/TASKER_API_KEYS\.0\.key/);
    expect(() => authConfigFromEnv({ TASKER_API_KEYS: '[{"key":"short","permissions":[]}]' })).toThrow(
      /TASKER_API_KEYS\.0\.key/,
    );
  });
});

describe("authConfigFromEnv with the compact form worker.toml documents", () => {
  it("reads `key:perm1|perm2,key2:*`, as `tasker-ctl config generate` tells users to write it", () => {
    expect(authConfigFromEnv({ TASKER_API_KEYS: `r${KEY}:tasks:read|templates:read, w${KEY}:*` })).toEqual({
      apiKeys: [
        { name: "TASKER_API_KEYS[0]", key: `r${KEY}`, permissions: ["tasks:read", "templates:read"] },
        { name: "TASKER_API_KEYS[1]", key: `w${KEY}`, permissions: ["*"] },
      ],
    });
  });
});

describe("resolveAuthConfig", () => {
  it("is off by default only in embedded mode", () => {
    expect(resolveAuthConfig({ env: {}, embedded: true })).toEqual({ enabled: false, apiKeys: [] });
    expect(() => resolveAuthConfig({ env: {}, embedded: false })).toThrow(AuthConfigError);
    expect(() => resolveAuthConfig({ env: {}, embedded: false })).toThrow(/TASKER_API_KEY/);
  });

  it("turns on as soon as keys are configured, even embedded", () => {
    const resolved = resolveAuthConfig({ env: { TASKER_API_KEY: KEY }, embedded: true });
    expect(resolved.enabled).toBe(true);
    expect(resolved.apiKeys).toHaveLength(1);
  });

  it("can be switched off explicitly on a trusted network", () => {
    expect(resolveAuthConfig({ env: { TASKER_AUTH_ENABLED: "false" }, embedded: false }).enabled).toBe(false);
  });

  it("prefers options passed in code and validates them", () => {
    const fromCode = resolveAuthConfig({
      auth: { enabled: true, apiKeys: [{ key: KEY, permissions: ["*"] }] },
      env: { TASKER_AUTH_ENABLED: "false" },
      embedded: true,
    });
    expect(fromCode.enabled).toBe(true);
    expect(() => resolveAuthConfig({ auth: { enabled: true }, embedded: true })).toThrow(/no API keys/);
  });

  it("merges keys from the TOML file and the environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-auth-"));
    const path = join(dir, "tasker.toml");
    writeFileSync(
      path,
      `[[orchestration.web.auth.api_keys]]\nname = "file"\nkey = "f${KEY}"\npermissions = ["tasks:read"]\n`,
    );
    const resolved = resolveAuthConfig({
      env: { TASKER_CONFIG_PATH: path, TASKER_API_KEY: KEY },
      embedded: false,
    });
    expect(resolved.enabled).toBe(true);
    expect(resolved.apiKeys.map((k) => k.name)).toEqual(["file", "env"]);
    expect(() =>
      resolveAuthConfig({ configPath: join(dir, "missing.toml"), env: {}, embedded: true }),
    ).toThrow(/cannot read config file .*missing\.toml/);
  });
});
