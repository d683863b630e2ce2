// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the interpolation syntax under test, not a mistaken template
import { describe, expect, it } from "vitest";
import { authConfigFromToml } from "../api/auth-config.js";
import { PERMISSIONS } from "../model/permissions.js";
import { generateConfigToml } from "./generate.js";
import { parseConfigText } from "./load.js";
import { defaultConfig } from "./schema.js";

describe("generateConfigToml", () => {
  it("round-trips through parseConfigText to the defaults, without warnings", () => {
    const text = generateConfigToml();
    const { config, warnings } = parseConfigText(text, "worker.toml", { env: {} });
    expect(warnings).toEqual([]);
    expect(config).toEqual(defaultConfig());
  });

  it("has every section, commented, with web and gRPC off", () => {
    const text = generateConfigToml();
    for (const section of [
      "[common.database]",
      "[common.queues]",
      "[common.queues.rabbitmq]",
      "[common.backoff]",
      "[common.task_templates]",
      "[worker]",
      "[worker.web]",
      "[worker.grpc]",
      "[worker.orchestration_client]",
      "[orchestration]",
      "[orchestration.web]",
      "[orchestration.web.auth]",
    ]) {
      expect(text).toContain(`\n${section}\n`);
    }
    expect(text).toMatch(/\[worker\.web\]\n# .*\nenabled = false/);
    expect(text).toMatch(/\[worker\.grpc\]\nenabled = false/);
    expect(text).toContain('url = "${DATABASE_URL:-}"');
    expect(text.split("\n").filter((l) => l.startsWith("#")).length).toBeGreaterThan(20);
  });

  it("takes the database from the environment through interpolation", () => {
    const { config } = parseConfigText(generateConfigToml(), "worker.toml", {
      env: { DATABASE_URL: "postgres://u@h/db" },
    });
    expect(config.common.database.url).toBe("postgres://u@h/db");
  });

  it("writes the given options, escaped for TOML", () => {
    const text = generateConfigToml({
      databaseUrl: 'postgres://u:p"w@h/db',
      searchPaths: ["./templates", 'C:\\tmp\\"odd"'],
      handlerPaths: ["./handlers"],
      namespaces: ["sales", "compliance"],
      workerId: "worker-a",
    });
    const { config, warnings } = parseConfigText(text, "worker.toml", { env: {} });
    expect(warnings).toEqual([]);
    expect(config.common.database.url).toBe('postgres://u:p"w@h/db');
    expect(config.common.task_templates.search_paths).toEqual(["./templates", 'C:\\tmp\\"odd"']);
    expect(config.worker.handler_paths).toEqual(["./handlers"]);
    expect(config.worker.namespaces).toEqual(["sales", "compliance"]);
    expect(config.worker.worker_id).toBe("worker-a");
  });

  it("shows a commented api_keys example that parses once uncommented", () => {
    const uncommented = generateConfigToml()
      .replace("enabled = false\n# One block", "enabled = true\n# One block")
      .replace(/^# (\[\[orchestration|name =|key =|permissions =)/gm, "$1");
    const { config } = parseConfigText(uncommented, "worker.toml", {
      env: { TASKER_OPS_API_KEY: "0123456789abcdef0123" },
    });
    expect(config.orchestration.web.auth).toEqual({
      enabled: true,
      api_keys: [
        {
          name: "ops",
          key: "0123456789abcdef0123",
          permissions: ["tasks:read", "tasks:write", "steps:resolve"],
        },
      ],
    });
    // ...and the orchestration server, which reads the same section (it refused steps:read while
    // `config validate` accepted it).
    expect(
      authConfigFromToml(uncommented, "worker.toml", { TASKER_OPS_API_KEY: "0123456789abcdef0123" }),
    ).toEqual({
      enabled: true,
      apiKeys: [
        {
          name: "ops",
          key: "0123456789abcdef0123",
          permissions: ["tasks:read", "tasks:write", "steps:resolve"],
        },
      ],
    });
  });

  it("lists exactly the permissions the API grants, and both readers refuse the same unknown ones", () => {
    const text = generateConfigToml();
    for (const permission of PERMISSIONS) expect(text).toContain(permission);
    const withKey = (permission: string) =>
      `[orchestration.web.auth]\nenabled = true\n[[orchestration.web.auth.api_keys]]\nkey = "0123456789abcdef0123"\npermissions = ["${permission}"]\n`;
    for (const good of [...PERMISSIONS, "*", "tasks:*", "templates:*"]) {
      expect(() => parseConfigText(withKey(good), "w.toml", { env: {} })).not.toThrow();
      expect(() => authConfigFromToml(withKey(good), "w.toml", {})).not.toThrow();
    }
    for (const bad of ["steps:read", "task:read", "everything", "nope:*"]) {
      expect(() => parseConfigText(withKey(bad), "w.toml", { env: {} })).toThrow(/must be "\*"/);
      expect(() => authConfigFromToml(withKey(bad), "w.toml", {})).toThrow(/must be "\*"/);
    }
    expect(() => parseConfigText(withKey("task:read"), "w.toml", { env: {} })).toThrow(
      /did you mean "tasks:read"/,
    );
  });
});
