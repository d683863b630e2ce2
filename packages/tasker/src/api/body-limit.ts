import { IncomingMessage } from "node:http";
import type { MiddlewareHandler } from "hono";
import { TaskerError } from "../model/errors.js";

/** A body up to this many times the limit is read (and dropped) to its end before the 413 is sent. */
export const DRAIN_FACTOR = 8;

export type BoundedBytes =
  | { ok: true; bytes: Uint8Array }
  /** Over the limit (the rest of the body may be unread). */
  | { ok: false; problem: "too_large" }
  /** The client went away (or broke the stream) before the body's end. */
  | { ok: false; problem: "unreadable" };

/**
 * Reads a request body without ever holding more than `maxBytes`. A body over the limit is
 * reported as too large: read (and dropped) to its end when it is at most DRAIN_FACTOR times the
 * limit, so a client still sending it reads the 413 instead of a reset connection; refused
 * before reading when its Content-Length says more, and cut off once a stream (chunked, or lying
 * about its length) passes that.
 */
export async function readBoundedBytes(request: Request, maxBytes: number): Promise<BoundedBytes> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes * DRAIN_FACTOR)
    return { ok: false, problem: "too_large" };
  if (request.body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        // Read (and drop) a moderately oversized body to its end so the client, still sending,
        // gets the 413 rather than a reset connection; give up on anything far larger.
        if (total > maxBytes * DRAIN_FACTOR) {
          await reader.cancel().catch(() => {});
          return { ok: false, problem: "too_large" };
        }
        chunks.length = 0;
        continue;
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, problem: "unreadable" };
  } finally {
    reader.releaseLock();
  }
  if (total > maxBytes) return { ok: false, problem: "too_large" };
  return { ok: true, bytes: Buffer.concat(chunks) };
}

/**
 * Bounds the request body of every route behind it: the body is read with
 * {@link readBoundedBytes} before any route runs, and routes read it from memory as usual.
 * Requests without a body (GET) are not touched.
 *
 * A refusal is thrown as a TaskerError (413 `PAYLOAD_TOO_LARGE`, or 400 for a body that could not
 * be read), so each app answers it the way it answers every other error: the API's JSON
 * envelope, the dashboard's page or notice. `hint` ends the message with what to do instead.
 *
 * The answer does not close the connection itself: the node server drops what is still coming
 * (up to 64 MiB or 0.5 s) and then closes it, which gives a client still sending the time to
 * read the 413. Closing at once made such clients see a reset instead, now and then.
 */
export function limitBody(maxBytes: number, hint: string): MiddlewareHandler {
  return async (c, next) => {
    const incoming = nodeRequestOf(c.env);
    const length = incoming ? boundedLength(incoming, maxBytes) : "unknown";
    if (length === "none" || (length === "unknown" && c.req.raw.body === null)) return next();
    const body =
      length === "unknown" ? await readBoundedBytes(c.req.raw, maxBytes) : await readWhole(c.req.raw);
    if (!body.ok) {
      if (body.problem === "unreadable") {
        throw new TaskerError("BAD_REQUEST", "the request body could not be read (connection aborted?)");
      }
      throw new TaskerError(
        "PAYLOAD_TOO_LARGE",
        `the request body is larger than ${maxBytes} bytes; ${hint}`,
        {
          max_bytes: maxBytes,
        },
      );
    }
    // The routes read it from memory: Hono's body cache for its readers, bodyReadBefore for jsonBody.
    const { bytes } = body;
    read.set(c.req.raw, bytes);
    (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    return next();
  };
}

const read = new WeakMap<Request, Uint8Array>();

/** The body limitBody read for this request, if it did. */
export function bodyReadBefore(request: Request): Uint8Array | undefined {
  return read.get(request);
}

/** The request as Node's HTTP server parsed it, when the app is served by @hono/node-server. */
function nodeRequestOf(env: unknown): IncomingMessage | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/**
 * What Node's parser says of the body: "none" without Content-Length and Transfer-Encoding;
 * "bounded" with a Content-Length within the limit and no Transfer-Encoding (the parser then hands
 * over exactly that many bytes, whatever the client sends), so it is read whole at once; otherwise
 * "unknown": read as a bounded stream.
 */
function boundedLength(incoming: IncomingMessage, maxBytes: number): "none" | "bounded" | "unknown" {
  const length = incoming.headers["content-length"];
  if (incoming.headers["transfer-encoding"] !== undefined) return "unknown";
  if (length === undefined) return "none";
  return /^\d+$/.test(length) && Number(length) <= maxBytes ? "bounded" : "unknown";
}

/**
 * Reads a body whose length Node's parser bounds, without the web stream the request would make
 * for it (@hono/node-server reads such a body straight from Node's request).
 */
async function readWhole(request: Request): Promise<BoundedBytes> {
  try {
    return { ok: true, bytes: new Uint8Array(await request.arrayBuffer()) };
  } catch {
    return { ok: false, problem: "unreadable" };
  }
}
