import { describe, expect, it } from "vitest";
import { checkJsonText, MAX_BODY_NESTING, readBoundedBody } from "./json-body.js";

const url = "http://localhost/v1/tasks";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

describe("readBoundedBody", () => {
  it("reads a body within the limit", async () => {
    const result = await readBoundedBody(new Request(url, { method: "POST", body: '{"a":1}' }), 100);
    expect(result).toEqual({ ok: true, text: '{"a":1}' });
  });

  it("refuses a declared Content-Length over the limit without reading the body", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(10));
      },
    });
    const request = new Request(url, {
      method: "POST",
      body,
      headers: { "content-length": "1000" },
      duplex: "half",
    } as RequestInit);
    const result = await readBoundedBody(request, 100);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reply.status).toBe(413);
      expect(result.reply.body.error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(result.reply.headers.Connection).toBe("close");
    }
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("reads a moderately oversized body to its end, holding none of it, then answers 413", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ < 30) controller.enqueue(new Uint8Array(10));
        else controller.close();
      },
    });
    const request = new Request(url, {
      method: "POST",
      body,
      headers: { "content-length": "300" },
      duplex: "half",
    } as RequestInit);
    const result = await readBoundedBody(request, 100);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reply.status).toBe(413);
    expect(pulled).toBe(31);
  });

  it("cuts off a stream once it passes eight times the limit", async () => {
    let produced = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        produced++;
        controller.enqueue(new Uint8Array(64));
      },
    });
    const result = await readBoundedBody(
      new Request(url, { method: "POST", body: endless, duplex: "half" } as RequestInit),
      1000,
    );
    expect(result.ok).toBe(false);
    expect(produced).toBeLessThan(8000 / 64 + 5);
  });

  it("rejects bytes that are not UTF-8", async () => {
    const result = await readBoundedBody(
      new Request(url, {
        method: "POST",
        body: streamOf([new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])]),
        duplex: "half",
      } as RequestInit),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reply.body.error.message).toMatch(/UTF-8/);
  });

  it("treats a bodiless request as empty", async () => {
    expect(await readBoundedBody(new Request(url, { method: "POST" }))).toEqual({ ok: true, text: "" });
  });
});

describe("checkJsonText", () => {
  it("accepts JSON with a JSON media type (parameters and +json allowed)", () => {
    expect(checkJsonText('{"a":1}', "application/json")).toBeNull();
    expect(checkJsonText('{"a":1}', "application/json; charset=utf-8")).toBeNull();
    expect(checkJsonText("[]", "application/merge-patch+json")).toBeNull();
  });

  it("names the Content-Type problem", () => {
    expect(checkJsonText("{}", "text/plain")?.body.error.message).toMatch(
      /Content-Type must be application\/json/,
    );
    expect(checkJsonText("{}", undefined)?.body.error.message).toContain("got none");
  });

  it("rejects an empty body, malformed JSON and excessive nesting with 400", () => {
    expect(checkJsonText("  ", "application/json")?.body.error.message).toMatch(/empty/);
    const malformed = checkJsonText('{"a":', "application/json");
    expect(malformed?.status).toBe(400);
    expect(malformed?.body.error.message).toMatch(/^malformed JSON/);
    const deep = `${"[".repeat(MAX_BODY_NESTING + 1)}${"]".repeat(MAX_BODY_NESTING + 1)}`;
    expect(checkJsonText(deep, "application/json")?.body.error.message).toMatch(/nests deeper/);
    const ok = `${"[".repeat(MAX_BODY_NESTING)}${"]".repeat(MAX_BODY_NESTING)}`;
    expect(checkJsonText(ok, "application/json")).toBeNull();
  });
});
