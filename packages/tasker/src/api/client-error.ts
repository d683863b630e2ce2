import { maxHeaderSize, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type ErrorReply, reply } from "./errors.js";

/** What Node's HTTP parser reports about a request no route saw (llhttp adds `reason`). */
export interface ClientError extends Error {
  code?: string;
  reason?: string;
}

/**
 * The answer to a request Node refused before any route saw it: a malformed request line or
 * header, a body framed two ways, headers over the size limit, or a request that did not arrive
 * within the time limit. Node's own answer has the status and no body; this one carries the API's
 * error envelope, so every client error reads the same. `undefined`: nothing should be sent
 * (the peer reset the connection).
 */
export function clientErrorReply(err: ClientError, requestTimeoutMs: number): ErrorReply | undefined {
  switch (err.code) {
    case "ECONNRESET":
      return undefined;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return reply(
        "REQUEST_TIMEOUT",
        `the request's headers and body did not arrive within ${requestTimeoutMs} ms; send them without pausing`,
      );
    case "HPE_HEADER_OVERFLOW":
      return reply("HEADERS_TOO_LARGE", `the request's headers exceed ${maxHeaderSize} bytes`);
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return reply("PAYLOAD_TOO_LARGE", "the request's chunk extensions are too large");
    default: {
      const why = err.reason ?? err.message;
      return reply("BAD_REQUEST", `malformed HTTP request: ${why}${err.code ? ` (${err.code})` : ""}`);
    }
  }
}

/** The reply as raw HTTP/1.1 bytes: the connection is closed after it, as Node closes it. */
export function rawHttpReply(answer: ErrorReply): string {
  const body = JSON.stringify(answer.body);
  const reason = STATUS_CODES[answer.status] ?? "Error";
  const extra = Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `HTTP/1.1 ${answer.status} ${reason}\r\n` +
    "Content-Type: application/json\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    extra.join("") +
    "Connection: close\r\n\r\n" +
    body
  );
}

/** Answers the server's client errors with JSON (see {@link clientErrorReply}). */
export function answerClientErrorsWithJson(server: Server, requestTimeoutMs: number): void {
  server.on("clientError", (err: ClientError, socket: Duplex) => {
    const answer = clientErrorReply(err, requestTimeoutMs);
    // As Node does: write only if no response to this connection's request has begun.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (answer && socket.writable && !inFlight?.headersSent) socket.write(rawHttpReply(answer));
    socket.destroy(err);
  });
}
