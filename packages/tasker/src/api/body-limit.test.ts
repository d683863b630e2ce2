import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../model/errors.js";
import { createLogger } from "../observability/logger.js";
import { DRAIN_FACTOR, limitBody } from "./body-limit.js";
import { createErrorHandler } from "./errors.js";

function app(maxBytes: number) {
  const a = new Hono();
  a.onError(createErrorHandler(createLogger({ level: "silent" })));
  a.use("*", limitBody(maxBytes, "send less"));
  a.all("/echo", async (c) => c.text(`${(await c.req.text()).length}`));
  a.post("/form", async (c) => c.json(await c.req.parseBody()));
  return a;
}

/** `chunks` chunks of `size` bytes, counting how many were pulled; then an error if `fail`. */
function streamOf(chunks: number, size: number, counter: { pulled: number }, fail = false) {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled++ < chunks) controller.enqueue(new Uint8Array(size).fill(0x61));
      else if (fail) controller.error(new Error("connection reset"));
      else controller.close();
    },
  });
}

const post = (body: RequestInit["body"], headers: Record<string, string> = {}) =>
  ({ method: "POST", body, headers, duplex: "half" }) as RequestInit;

describe("limitBody", () => {
  it("lets a body within the limit through to the route, which reads it as usual", async () => {
    const res = await app(100).request("/echo", post("x".repeat(100)));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("100");
    const form = await app(100).request(
      "/form",
      post("a=1&b=2", { "content-type": "application/x-www-form-urlencoded" }),
    );
    expect(await form.json()).toEqual({ a: "1", b: "2" });
  });

  it("refuses a Content-Length far over the limit without reading a byte", async () => {
    const counter = { pulled: 0 };
    const res = await app(100).request(
      "/echo",
      post(streamOf(100, 50, counter), { "content-length": String(100 * DRAIN_FACTOR + 1) }),
    );
    expect(res.status).toBe(413);
    expect(ErrorEnvelopeSchema.parse(await res.json()).error).toEqual({
      code: "PAYLOAD_TOO_LARGE",
      message: "the request body is larger than 100 bytes; send less",
      details: { max_bytes: 100 },
    });
    expect(counter.pulled).toBeLessThanOrEqual(1);
  });

  it("reads a moderately oversized body to its end (holding none of it), so the client gets the 413", async () => {
    const counter = { pulled: 0 };
    const res = await app(100).request("/echo", post(streamOf(30, 10, counter)));
    expect(res.status).toBe(413);
    expect(counter.pulled).toBe(31);
  });

  it(`cuts off a stream once it passes ${DRAIN_FACTOR} times the limit`, async () => {
    const counter = { pulled: 0 };
    const res = await app(100).request("/echo", post(streamOf(1_000_000, 10, counter)));
    expect(res.status).toBe(413);
    expect(counter.pulled).toBeLessThan((100 * DRAIN_FACTOR) / 10 + 5);
  });

  it("answers 400 when the body breaks off, and leaves requests without a body alone", async () => {
    const broken = await app(100).request("/echo", post(streamOf(2, 10, { pulled: 0 }, true)));
    expect(broken.status).toBe(400);
    expect(ErrorEnvelopeSchema.parse(await broken.json()).error.message).toContain("could not be read");
    const get = await app(0).request("/echo");
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("0");
  });
});

/** POSTs raw bytes to a Node server on loopback: `length` undefined sends the body chunked. */
function postRaw(port: number, path: string, body: string, length?: number) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: length === undefined ? {} : { "content-length": String(length) },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("limitBody behind Node's HTTP server", () => {
  it("reads a body whose Content-Length is within the limit whole; others as a bounded stream", async () => {
    const server = createAdaptorServer({ fetch: app(100).fetch });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await postRaw(port, "/echo", "x".repeat(100), 100)).toEqual({ status: 200, text: "100" });
      expect(await postRaw(port, "/echo", "", 0)).toEqual({ status: 200, text: "0" });
      expect((await postRaw(port, "/echo", "x".repeat(101), 101)).status).toBe(413);
      expect(await postRaw(port, "/echo", "x".repeat(100))).toEqual({ status: 200, text: "100" });
      expect((await postRaw(port, "/echo", "x".repeat(101))).status).toBe(413);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
