import type { MiddlewareHandler } from "hono";
import { CONTEXT_LIMITS } from "../model/task-request.js";
import { type BoundedBytes, bodyReadBefore, readBoundedBytes } from "./body-limit.js";
import { type ErrorReply, reply, sendError } from "./errors.js";
import { jsonTextNestingDepth } from "./json-limits.js";

/** The context may be 1 MiB; the rest of a request body gets a little headroom on top. */
export const MAX_BODY_BYTES = CONTEXT_LIMITS.maxBytes + 64 * 1024;

/**
 * Nesting allowed in a body before it is even parsed: the context's own limit plus the envelope
 * around it. Deeper text is rejected unparsed so nothing later can overflow the stack.
 */
export const MAX_BODY_NESTING = CONTEXT_LIMITS.maxDepth + 4;

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

export type BodyResult = { ok: true; text: string } | { ok: false; reply: ErrorReply };

/**
 * Reads a request body as UTF-8 text without ever holding more than `maxBytes` (see
 * {@link readBoundedBytes}): a body over the limit is a 413 whose message points at the context
 * limit, bytes that are not UTF-8 a 400.
 */
export async function readBoundedBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<BodyResult> {
  // Read already by the app's limitBody (within its limit, which may be above this one).
  const before = bodyReadBefore(request);
  const body: BoundedBytes =
    before === undefined
      ? await readBoundedBytes(request, maxBytes)
      : before.byteLength > maxBytes
        ? { ok: false, problem: "too_large" }
        : { ok: true, bytes: before };
  if (!body.ok) {
    return body.problem === "too_large"
      ? tooLarge(maxBytes)
      : {
          ok: false,
          reply: reply("BAD_REQUEST", "the request body could not be read (connection aborted?)"),
        };
  }
  try {
    return { ok: true, text: UTF8.decode(body.bytes) };
  } catch {
    return { ok: false, reply: reply("BAD_REQUEST", "the request body is not valid UTF-8; send UTF-8 JSON") };
  }
}

function tooLarge(maxBytes: number): BodyResult {
  const r = reply(
    "PAYLOAD_TOO_LARGE",
    `the request body is larger than ${maxBytes} bytes; keep the task context under ${CONTEXT_LIMITS.maxBytes} bytes and pass big data by reference`,
    { max_bytes: maxBytes },
  );
  // A body far over the limit is not read to its end, so this connection cannot carry another request.
  r.headers.Connection = "close";
  return { ok: false, reply: r };
}

/** Checks JSON text (content type, emptiness, nesting, syntax); returns the error reply or null. */
export function checkJsonText(text: string, contentType: string | undefined): ErrorReply | null {
  const mediaType = contentType?.split(";")[0]?.trim() ?? "";
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    return reply(
      "BAD_REQUEST",
      `Content-Type must be application/json (got ${mediaType ? `"${mediaType.slice(0, 100)}"` : "none"})`,
      { header: "Content-Type" },
    );
  }
  if (text.trim() === "") return reply("BAD_REQUEST", "the request body is empty; send a JSON object");
  if (jsonTextNestingDepth(text, MAX_BODY_NESTING) > MAX_BODY_NESTING) {
    return reply(
      "BAD_REQUEST",
      `the request body nests deeper than ${MAX_BODY_NESTING} levels; the task context may nest at most ${CONTEXT_LIMITS.maxDepth}`,
    );
  }
  try {
    JSON.parse(text);
  } catch (err) {
    return reply("BAD_REQUEST", `malformed JSON in request body: ${(err as Error).message}`);
  }
  return null;
}

/**
 * Route middleware for JSON bodies: bounded read, then syntax and nesting checks, so the route's
 * Zod validator only ever sees well-formed JSON of a sane size. The text is left in Hono's body
 * cache, which is where the validator reads it from.
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return async (c, next) => {
    const body = await readBoundedBody(c.req.raw, maxBytes);
    if (!body.ok) return sendError(c, body.reply);
    const problem = checkJsonText(body.text, c.req.header("content-type"));
    if (problem) return sendError(c, problem);
    // Hono keeps body promises in bodyCache (its typing says values); the validator reads "text".
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(body.text);
    await next();
  };
}
