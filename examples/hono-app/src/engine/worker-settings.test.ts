import { describe, expect, it } from "vitest";
import { resolveWorkerSettings } from "./worker-settings.js";

const available = ["ecommerce", "data_pipeline", "sales", "compliance"];

describe("resolveWorkerSettings", () => {
  it("serves every namespace by default", () => {
    expect(resolveWorkerSettings({ configNamespaces: [], configConcurrency: 10, available })).toEqual({
      namespaces: available,
      concurrency: 10,
      source: "workflows",
    });
  });

  it("prefers the flag over the config, and the config over the default", () => {
    const config = { configNamespaces: ["sales"], configConcurrency: 4, available };
    expect(resolveWorkerSettings(config).namespaces).toEqual(["sales"]);
    expect(resolveWorkerSettings({ ...config, flagNamespaces: ["compliance", "compliance"] })).toMatchObject({
      namespaces: ["compliance"],
      source: "flag",
    });
  });

  it("names unknown namespaces and lists the available ones", () => {
    expect(() =>
      resolveWorkerSettings({
        flagNamespaces: ["salse"],
        configNamespaces: [],
        configConcurrency: 1,
        available,
      }),
    ).toThrow(
      "namespace(s) salse (from --namespaces); choose from: ecommerce, data_pipeline, sales, compliance",
    );
  });
});
