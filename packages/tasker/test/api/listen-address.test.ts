// Where the orchestration API listens, said truthfully, and never open to the network without
// API keys unless that was asked for (issue #28: the banner said 127.0.0.1 while the server
// listened on 0.0.0.0 without auth).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLoopback, type OrchestrationServer, startOrchestrationServer } from "../../src/api/server.js";
import { Tasker } from "../../src/index.js";

describe("the orchestration server's listen address", () => {
  let tasker: Tasker;
  const servers: OrchestrationServer[] = [];
  beforeAll(async () => {
    tasker = await Tasker.open({ dataDir: "memory://" });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await tasker?.close();
  });

  it("reports where it really listens", async () => {
    const local = await startOrchestrationServer({ tasker, port: 0, env: {} });
    servers.push(local);
    expect(local.listening).toBe(`127.0.0.1:${local.port}`);
    expect(local.url).toBe(`http://127.0.0.1:${local.port}`);
  });

  it("refuses every interface without API keys, naming the three ways out", async () => {
    await expect(startOrchestrationServer({ tasker, port: 0, hostname: "0.0.0.0", env: {} })).rejects.toThrow(
      /refusing to serve the orchestration API on 0\.0\.0\.0 \(every interface\) port 0 without API keys.*--host 127\.0\.0\.1.*TASKER_API_KEY.*--allow-unauthenticated-network/,
    );
  });

  it("listens on every interface without keys when told to, and says so", async () => {
    const open = await startOrchestrationServer({
      tasker,
      port: 0,
      hostname: "0.0.0.0",
      allowUnauthenticatedNetwork: true,
      env: {},
    });
    servers.push(open);
    expect(open.listening).toBe(`0.0.0.0:${open.port} (all interfaces)`);
    const viaEnv = await startOrchestrationServer({
      tasker,
      port: 0,
      hostname: "0.0.0.0",
      env: { TASKER_ALLOW_UNAUTHENTICATED_NETWORK: "true" },
    });
    servers.push(viaEnv);
    expect(viaEnv.listening).toContain("(all interfaces)");
  });

  it("listens on every interface when API keys are required", async () => {
    const keyed = await startOrchestrationServer({
      tasker,
      port: 0,
      hostname: "0.0.0.0",
      auth: { enabled: true, apiKeys: [{ key: "0123456789abcdef0123", permissions: ["*"] }] },
      env: {},
    });
    servers.push(keyed);
    expect(keyed.listening).toBe(`0.0.0.0:${keyed.port} (all interfaces)`);
  });

  it("knows loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
      expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.5", "example.com"]) expect(isLoopback(host)).toBe(false);
  });
});
