// Requests Node's HTTP parser refuses before any route sees them get the API's JSON error
// envelope, as every other client error does, and the server keeps answering everyone else.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiHarness, startApiHarness } from "./harness.js";

/** Sends raw bytes and collects what the server answers until it closes the connection. */
function rawRequest(
  url: string,
  bytes: string,
): Promise<{ status: number; contentType?: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /^content-type: (.*)$/im.exec(head)?.[1];
      resolve({ status, body, ...(contentType ? { contentType } : {}) });
    });
  });
}

describe("malformed HTTP requests", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness("pglite", { worker: false });
  });
  afterAll(() => h?.close());

  it.each([
    [
      "a body framed by both Content-Length and Transfer-Encoding",
      "POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
      400,
      "BAD_REQUEST",
      /Content-Length/i,
    ],
    [
      "a header name with a space",
      "GET /v1/tasks HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
      400,
      "BAD_REQUEST",
      /header/i,
    ],
    ["a malformed request line", "GET\r\n\r\n", 400, "BAD_REQUEST", /malformed HTTP request/],
    [
      "headers larger than the limit",
      `GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Padding: ${"p".repeat(20_000)}\r\n\r\n`,
      431,
      "HEADERS_TOO_LARGE",
      /exceed \d+ bytes/,
    ],
  ])("answers %s with a JSON envelope", async (_what, bytes, status, code, message) => {
    const answer = await rawRequest(h.url, bytes);
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe("application/json");
    const envelope = JSON.parse(answer.body);
    expect(envelope.error.code).toBe(code);
    expect(envelope.error.message).toMatch(message);
    expect((await fetch(`${h.url}/health/live`)).status).toBe(200);
  });
});
