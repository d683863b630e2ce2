// The orchestration server's time limits over raw sockets: a client that sends its headers or its
// body too slowly (slow loris) is cut off once the request timeout has passed, on every route,
// while other requests keep being answered at once. PGlite only: this is the HTTP server's doing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slowClient } from "../../reliability/support/slow-client.js";
import { type OrchestrationServer, startOrchestrationServer } from "../../src/api/index.js";
import { Tasker } from "../../src/index.js";
import { TEMPLATES } from "../support/engine-harness.js";

const REQUEST_TIMEOUT_MS = 1_000;

describe("the orchestration server's time limits", () => {
  let tasker: Tasker;
  let server: OrchestrationServer;
  beforeAll(async () => {
    tasker = await Tasker.open({ dataDir: "memory://", templates: Object.values(TEMPLATES) });
    server = await startOrchestrationServer({
      tasker,
      port: 0,
      hostname: "127.0.0.1",
      auth: { enabled: false },
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await server?.close();
    await tasker?.close();
  });

  it("cuts off clients that send headers or a body too slowly, while others are answered at once", async () => {
    const slowHeaders = (path: string) =>
      slowClient(
        server.url,
        `GET ${path} HTTP/1.1\r\n`,
        `Host: x\r\nX-Padding: ${"p".repeat(200)}\r\n\r\n`,
        40,
        8_000,
      );
    // Origin makes the sign-in form same-site, so the route waits for the body.
    const slowBody = (path: string, contentType: string) => {
      const body = "key=x".padEnd(400, "x");
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nOrigin: http://x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
      return slowClient(server.url, head, body, 20, 8_000);
    };
    const clients = Promise.all([
      slowHeaders("/health/live"),
      slowHeaders("/ui/tasks"),
      slowBody("/ui/login", "application/x-www-form-urlencoded"),
      slowBody("/v1/tasks", "application/json"),
    ]);
    // Meanwhile the server answers everyone else without delay.
    const slowest: number[] = [];
    const stop = Date.now() + 2_500;
    while (Date.now() < stop) {
      const started = Date.now();
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
      slowest.push(Date.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The median: one answer delayed by a loaded machine is not a server held up by slow clients,
    // which would delay every answer until they were cut off.
    const median = [...slowest].sort((a, b) => a - b)[Math.floor(slowest.length / 2)]!;
    expect(median).toBeLessThan(500);
    for (const client of await clients) {
      // Cut off soon after the limit (the server checks every quarter of it), not left to stall.
      expect(client.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS * 0.9);
      expect(client.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 3);
      // A 408 carries the API's error envelope, as every client error does.
      expect(client.reply).toMatch(/^(HTTP\/1\.1 408 [\s\S]*"code":"REQUEST_TIMEOUT"|$)/);
    }
  });
});
