import { describe, expect, it } from "vitest";
import { type ClientError, clientErrorReply, rawHttpReply } from "./client-error.js";

const parserError = (code: string, reason?: string): ClientError =>
  Object.assign(new Error(`Parse Error: ${reason ?? code}`), { code, ...(reason ? { reason } : {}) });

describe("clientErrorReply", () => {
  it("names what the parser refused, with its code", () => {
    const answer = clientErrorReply(
      parserError("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length"),
      30_000,
    );
    expect(answer?.status).toBe(400);
    expect(answer?.body.error).toMatchObject({
      code: "BAD_REQUEST",
      message:
        "malformed HTTP request: Transfer-Encoding can't be present with Content-Length (HPE_INVALID_TRANSFER_ENCODING)",
    });
  });

  it("gives the time limit to a request that arrived too slowly, and the size limit to large headers", () => {
    expect(clientErrorReply(parserError("ERR_HTTP_REQUEST_TIMEOUT"), 1_500)?.body.error).toMatchObject({
      code: "REQUEST_TIMEOUT",
      message: expect.stringContaining("within 1500 ms"),
    });
    expect(clientErrorReply(parserError("HPE_HEADER_OVERFLOW"), 1_500)).toMatchObject({
      status: 431,
      body: { error: { code: "HEADERS_TOO_LARGE" } },
    });
  });

  it("sends nothing to a peer that reset the connection", () => {
    expect(clientErrorReply(parserError("ECONNRESET"), 1_000)).toBeUndefined();
  });
});

describe("rawHttpReply", () => {
  it("frames the envelope as a complete HTTP/1.1 response that closes the connection", () => {
    const raw = rawHttpReply(
      clientErrorReply(parserError("HPE_INVALID_METHOD", "Invalid method encountered"), 1)!,
    );
    const [head, body] = raw.split("\r\n\r\n") as [string, string];
    expect(head.split("\r\n")).toEqual([
      "HTTP/1.1 400 Bad Request",
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
    ]);
    expect(JSON.parse(body).error.code).toBe("BAD_REQUEST");
  });
});
