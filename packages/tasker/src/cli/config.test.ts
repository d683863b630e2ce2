import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config/schema.js";
import { describeConfig, redactConfig } from "./config.js";

describe("redactConfig", () => {
  it("masks the database password and API keys without touching the original", () => {
    const config = defaultConfig();
    config.common.database.url = "postgres://app:s3cret@db/tasker";
    config.orchestration.web.auth.api_keys = [{ key: "k".repeat(32), name: "ops", permissions: ["*"] }];
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.toContain("s3cret");
    expect(JSON.stringify(redacted)).not.toContain("k".repeat(32));
    expect(redacted.orchestration.web.auth.api_keys[0]).toEqual({
      key: "***",
      name: "ops",
      permissions: ["*"],
    });
    expect(config.common.database.url).toContain("s3cret");
  });
});

describe("describeConfig", () => {
  it("summarises database, namespaces and auth for humans", () => {
    const config = defaultConfig();
    config.worker.namespaces = ["ecommerce", "billing"];
    const lines = describeConfig(config).join("\n");
    expect(lines).toContain("database:    embedded PGlite");
    expect(lines).toContain("namespaces ecommerce, billing");
    expect(lines).toContain("api auth:    off");
  });
});
