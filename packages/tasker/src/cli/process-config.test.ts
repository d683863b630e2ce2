import { describe, expect, it } from "vitest";
import type { LoadedConfig } from "../config/load.js";
import { defaultConfig } from "../config/schema.js";
import { databaseFromConfig, orchestrationSettings, parseBindAddress } from "./process-config.js";

function loaded(url: string): LoadedConfig {
  const config = defaultConfig();
  config.common.database.url = url;
  return { config, warnings: [], source: { file: "worker.toml", envOverrides: [] } };
}

describe("parseBindAddress", () => {
  it("reads host:port, including bracketed IPv6", () => {
    expect(parseBindAddress("0.0.0.0:8080")).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(parseBindAddress("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(() => parseBindAddress("8080")).toThrow(/must look like 0.0.0.0:8080/);
  });
});

describe("databaseFromConfig", () => {
  const none = { description: "PGlite (default data directory)" };

  it("keeps flags, and uses the config's postgres URL only when no flag chose a database", () => {
    const flag = { dataDir: "/d", description: "PGlite /d" };
    expect(databaseFromConfig(flag, loaded("postgres://h/db"))).toBe(flag);
    expect(databaseFromConfig(none, loaded("postgres://u:pw@h/db"))).toEqual({
      databaseUrl: "postgres://u:pw@h/db",
      description: "PostgreSQL postgres://u:***@h/db",
    });
    expect(databaseFromConfig(none, loaded(""))).toBe(none);
    expect(databaseFromConfig(none, undefined)).toBe(none);
  });

  it("rejects a non-postgres url naming the file and key", () => {
    expect(() => databaseFromConfig(none, loaded("mysql://h/db"))).toThrow(
      /worker\.toml: common\.database\.url must be a postgres:\/\/ URL/,
    );
  });
});

describe("orchestrationSettings", () => {
  it("applies the documented backpressure default when serve runs without a config file", () => {
    expect(orchestrationSettings(undefined)).toEqual({ maxPendingTasks: 10_000, orchestrator: {} });
  });

  it("hands the file's backpressure, queue and backoff settings to the engine and orchestrator", () => {
    const file = loaded("");
    file.config.orchestration.max_pending_tasks = 250;
    file.config.common.queues.visibility_timeout_seconds = 3;
    file.config.common.queues.poll_interval_ms = 100;
    file.config.common.backoff.jitter_percent = 0;
    expect(orchestrationSettings(file)).toEqual({
      maxPendingTasks: 250,
      orchestrator: { pollIntervalMs: 100, visibilitySeconds: 3, jitterPercent: 0 },
    });
  });
});
