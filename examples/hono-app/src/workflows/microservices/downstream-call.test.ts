import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PermanentError, RetryableError } from "@tasker-ts/tasker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { callDownstream, classifyFailure } from "./downstream-call.js";

// A real HTTP server whose routes answer the way downstream services misbehave.
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    };
    switch (req.url) {
      case "/ok":
        return send(200, JSON.stringify({ name: "Ada", seen: req.headers["x-request-id"] ?? null }));
      case "/missing":
        return send(404, JSON.stringify({ error: "customer nope not found" }));
      case "/down":
        return send(503, JSON.stringify({ error: "warming up" }), { "retry-after": "2" });
      case "/bad-request":
        return send(422, "{}");
      case "/garbage":
        return send(200, "<html>");
      case "/wrong-shape":
        return send(200, JSON.stringify({ name: 42 }));
      case "/slow":
        setTimeout(() => send(200, JSON.stringify({ name: "late" })), 2_000).unref();
        return;
      default:
        return send(500, "{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const schema = z.object({ name: z.string() }).passthrough();
const call = (path: string, extra: Partial<Parameters<typeof callDownstream>[0]> = {}) =>
  callDownstream({ service: "user_profiles", url: `${base}${path}`, schema, ...extra });

describe("callDownstream over real HTTP", () => {
  it("returns the parsed body and sends the given headers", async () => {
    await expect(call("/ok", { headers: { "x-request-id": "req-7" } })).resolves.toEqual({
      name: "Ada",
      seen: "req-7",
    });
  });

  it("turns 404 into a permanent error carrying the service's message", async () => {
    const error = await call("/missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: "downstream_not_found" });
    expect((error as Error).message).toMatch(
      /user_profiles has no such resource \(404 .*\/missing\): customer nope/,
    );
  });

  it("turns 5xx into a retryable error honouring Retry-After", async () => {
    const error = await call("/down").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: "downstream_unavailable", retryAfterMs: 2000 });
  });

  it("times out slow calls as retryable", async () => {
    const started = Date.now();
    const error = await call("/slow", { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: "downstream_timeout" });
  });

  it("stops when the step's own signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await call("/slow", { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: "aborted" });
  });

  it("treats an unreachable host as retryable", async () => {
    const error = await callDownstream({
      service: "order_history",
      url: "http://127.0.0.1:1/x",
      schema,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: "downstream_unreachable" });
  });

  it("separates a body that is not JSON (retryable) from a contract violation (permanent)", async () => {
    await expect(call("/garbage")).rejects.toBeInstanceOf(RetryableError);
    const error = await call("/wrong-shape").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/unexpected shape: name: /);
  });

  it("treats other client errors as permanent", async () => {
    await expect(call("/bad-request")).rejects.toMatchObject({ code: "downstream_rejected" });
  });
});

describe("classifyFailure", () => {
  it.each([
    [404, PermanentError],
    [400, PermanentError],
    [408, RetryableError],
    [429, RetryableError],
    [500, RetryableError],
    [503, RetryableError],
  ])("%i -> %o", (status, type) => {
    expect(classifyFailure("s", "http://x", status, null, "")).toBeInstanceOf(type);
  });

  it("ignores a Retry-After that is not a number of seconds", () => {
    const error = classifyFailure(
      "s",
      "http://x",
      503,
      "Wed, 21 Oct 2015 07:28:00 GMT",
      "",
    ) as RetryableError;
    expect(error.retryAfterMs).toBeUndefined();
  });
});
