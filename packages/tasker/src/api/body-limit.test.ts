import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../model/errors.js";
import { createLogger } from "../observability/logger.js";
import { limitBody } from "./body-limit.js";
import { createErrorHandler } from "./errors.js";

function app(maxBytes: number) {
  const a = new Hono();
  a.onError(createErrorHandler(createLogger({ level: "silent" })));
  a.use("*", limitBody(maxBytes, "send less"));
  a.all("/echo", async (c) => c.text(`${(await c.req.text()).length}`));
  return a;
}

function streamOf(chunks: number, size: number, counter: { pulled: number }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      if (counter.pulled++ < chunks) controller.enqueue(new Uint8Array(size).fill(0x61));
      else controller.close();
    },
  });
}

describe("limitBody", () => {
  it("lets a body within the limit through to the route", async () => {
    const res = await app(100).request("/echo", { method: "POST", body: "x".repeat(100) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("100");
  });

  it("refuses a declared Content-Length over the limit without reading a byte, and closes", async () => {
    const counter = { pulled: 0 };
    const res = await app(100).request("/echo", {
      method: "POST",
      body: streamOf(10, 50, counter),
      headers: { "content-length": "500" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(ErrorEnvelopeSchema.parse(await res.json()).error).toEqual({
      code: "PAYLOAD_TOO_LARGE",
      message: "the request body is larger than 100 bytes; send less",
      details: { max_bytes: 100 },
    });
    expect(counter.pulled).toBeLessThanOrEqual(1);
  });

  it("stops reading a body without a length as soon as it passes the limit", async () => {
    const counter = { pulled: 0 };
    const res = await app(100).request("/echo", {
      method: "POST",
      body: streamOf(1_000, 30, counter),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(counter.pulled).toBeLessThan(10);
  });

  it("leaves requests without a body alone", async () => {
    const res = await app(0).request("/echo");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("0");
  });
});
